package mask

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

func TestRedact(t *testing.T) {
	for _, s := range []string{"", "a", "13812345678", "欧阳娜娜", "a very long value that must not leak its length"} {
		if got := Redact(s); got != "***" {
			t.Errorf("Redact(len %d) = %q, want ***", len(s), got)
		}
	}
	if got := (Masker{Rune: '●'}).Redact("x"); got != "●●●" {
		t.Errorf("Redact with ● = %q", got)
	}
}

func TestTag(t *testing.T) {
	cases := map[catalog.Type]string{
		catalog.TypeMobile:     "<cn_mobile>",
		catalog.TypeResidentID: "<cn_resident_id>",
		catalog.TypeNone:       "<none>",
		"":                     "<redacted>",
		"cn_mobil":             "<redacted>",
	}
	for in, want := range cases {
		if got := Tag(in); got != want {
			t.Errorf("Tag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeepEnds(t *testing.T) {
	cases := []struct {
		in   string
		n, k int
		want string
	}{
		{"13812345678", 3, 4, "138****5678"},
		{"欧阳娜娜", 2, 0, "欧阳**"},
		{"１３８１２３４５６７８", 3, 4, "１３８****５６７８"},
		{"a😀😀😀b", 1, 1, "a***b"},
		{"abcdefg", 3, 4, "*******"}, // exactly n+k: would reveal all
		{"ab", 3, 4, "**"},
		{"", 3, 4, ""},
		{"abcdef", -1, -5, "******"},
		{"abcdef", 0, 1, "*****f"},
		{"a\xffbcd", 1, 1, "a***d"},
		{"\xffbcd", 1, 1, "\uFFFD**d"},
	}
	for i, c := range cases {
		got := KeepEnds(c.in, c.n, c.k)
		if got != c.want {
			t.Errorf("case %d: KeepEnds(_, %d, %d) = %q, want %q", i, c.n, c.k, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("case %d: invalid UTF-8 output", i)
		}
	}
}

func TestMaskerOptions(t *testing.T) {
	m := Masker{Rune: '×', FixedRun: 3}
	if got := m.KeepEnds("13812345678", 3, 4); got != "138×××5678" {
		t.Errorf("FixedRun KeepEnds = %q", got)
	}
	if got := m.KeepEnds("1234", 3, 4); got != "×××" {
		t.Errorf("FixedRun full = %q", got)
	}
	if got := m.KeepEnds("王", 1, 0); got != "×××" {
		t.Errorf("FixedRun one rune = %q", got)
	}
	// Two names with given names of different length look alike.
	a, _ := m.Display(catalog.TypePersonName, "欧阳娜")
	b, _ := m.Display(catalog.TypePersonName, "欧阳娜娜")
	if a != b || a != "欧阳×××" {
		t.Errorf("FixedRun names: %q vs %q", a, b)
	}
	// An invalid mask rune falls back to '*'.
	if got := (Masker{Rune: -1}).KeepEnds("abcd", 1, 1); got != "a**d" {
		t.Errorf("invalid Rune = %q", got)
	}
}

func TestRange(t *testing.T) {
	cases := []struct {
		in       string
		from, to int
		want     string
	}{
		{"13812345678", 3, 7, "138****5678"},
		{"北京市朝阳区", 3, 6, "北京市***"},
		{"abc", 1, 100, "a**"},
		{"abc", -5, 1, "*bc"},
		{"abc", 2, 2, "***"}, // empty range hides everything
		{"abc", 5, 9, "***"},
		{"", 0, 3, ""},
	}
	for i, c := range cases {
		if got := Range(c.in, c.from, c.to); got != c.want {
			t.Errorf("case %d: Range(_, %d, %d) = %q, want %q", i, c.from, c.to, got, c.want)
		}
	}
}

func TestBeforeAfter(t *testing.T) {
	cases := []struct {
		fn   func(string, rune) string
		in   string
		sep  rune
		want string
	}{
		{Before, "alice@example.com", '@', "*****@example.com"},
		{Before, "张三：13812345678", '：', "**：13812345678"},
		{Before, "@example.com", '@', "************"},
		{Before, "no-separator", '@', "************"},
		{After, "alice@example.com", '@', "alice@***********"},
		{After, "账号：甲乙丙", '：', "账号：***"},
		{After, "alice@", '@', "******"},
		{After, "alice", '@', "*****"},
		{Before, "", '@', ""},
		{After, "", '@', ""},
	}
	for i, c := range cases {
		if got := c.fn(c.in, c.sep); got != c.want {
			t.Errorf("case %d = %q, want %q", i, got, c.want)
		}
	}
}

func TestErrorsCarrySentinels(t *testing.T) {
	_, err := Display(catalog.TypeMobile, "12345")
	if !errors.Is(err, ErrMalformed) || errors.Is(err, ErrArgument) {
		t.Errorf("malformed mobile: %v", err)
	}
	if _, err := Display("nonsense", "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := AgeBand(30, 0); !errors.Is(err, ErrArgument) {
		t.Errorf("bad width: %v", err)
	}
	if err.Error()[:len("govshare/mask: ")] != "govshare/mask: " {
		t.Errorf("missing prefix: %v", err)
	}
}
