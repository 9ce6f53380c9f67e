package classify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// surnameSlow is Surname as first written: a pass over every compound
// surname and strings.IndexAny for the separators.
func surnameSlow(name string) string {
	if i := strings.IndexAny(name, "·•・."); i > 0 {
		return name[:i]
	}
	for _, c := range compoundSurnames {
		if len(name) > len(c) && strings.HasPrefix(name, c) {
			return c
		}
	}
	r, n := utf8.DecodeRuneInString(name)
	if singleSurnameSet[r] {
		return name[:n]
	}
	return ""
}

func TestSurname(t *testing.T) {
	for name, want := range map[string]string{
		"张三": "张", "欧阳娜娜": "欧阳", "欧阳": "欧", "歐陽修": "歐陽", "司马光": "司马", "令狐冲": "令狐",
		"买买提·艾力": "买买提", "阿依古丽•吐尔逊": "阿依古丽", "约翰・史密斯": "约翰", "J.Smith": "J",
		"·张三": "", "甲乙": "", "": "", "单于": "单", "单于大": "单于", "\xff张": "",
	} {
		if got := Surname(name); got != want {
			t.Errorf("Surname(%q) = %q, want %q", name, got, want)
		}
	}
}

// FuzzSurname: the one-lookup Surname and the byte scan for separators
// answer as the pass over every compound surname and strings.IndexAny do,
// on any bytes.
func FuzzSurname(f *testing.F) {
	for _, s := range []string{"欧阳娜娜", "张三", "买买提·艾力", "\xc2·", "\xe2\xe2\x80\xa2", "a.b", "歐陽", "诸葛亮", "・", "\xe3\x83"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Surname(s), surnameSlow(s); got != want {
			t.Fatalf("Surname(%x) = %x, want %x", s, got, want)
		}
		if got, want := nameSepIndex(s), strings.IndexAny(s, "·•・."); got != want {
			t.Fatalf("nameSepIndex(%x) = %d, want %d", s, got, want)
		}
	})
}
