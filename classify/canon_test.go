package classify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// TestCanonicalWrittenForms: each written form of one value has one canonical form.
func TestCanonicalWrittenForms(t *testing.T) {
	fixedNow(t)
	cases := []struct {
		typ   catalog.Type
		want  string
		forms []string
	}{
		{catalog.TypeResidentID, "11010519491231002X", []string{
			"11010519491231002X", "11010519491231002x", "110105 19491231 002X", "110105-19491231-002x",
			"1101 0519 4912 3100 2X", "１１０１０５１９４９１２３１００２ｘ", "110105－19491231－002X", "'11010519491231002X",
			"=\"11010519491231002X\"", " 110105　19491231　002X ",
		}},
		{catalog.TypeResidentID, "11010519491231002X", []string{"110105491231002"}},
		{catalog.TypeMobile, "13812345678", []string{
			"13812345678", "138-1234-5678", "138 1234 5678", "138 12345678", "+86 138 1234 5678", "+86-13812345678",
			"86-13812345678", "008613812345678", "(+86)13812345678", "１３８１２３４５６７８", "13812345678.0", "'13812345678", "138—1234—5678", "138.1234.5678",
		}},
		{catalog.TypeLandline, "0755-23456789", []string{"0755-23456789", "(0755)23456789", "（0755）23456789", "075523456789", "0755 2345 6789", "０７５５－２３４５６７８９"}},
		{catalog.TypeLandline, "0755-12345678", []string{"(0755)12345678", "0755-12345678", "（0755） 1234 5678", "(0755)-12345678"}},
		{catalog.TypeLandline, "010-62345678", []string{"+86 10 6234 5678", "+86-10-62345678", "0086 10 62345678", "010—62345678"}},
		{catalog.TypeLandline, "0512-41040901-8001", []string{"0512-41040901-8001", "0512-41040901转8001", "（0512）41040901转8001", "0512-41040901 转 8001", "(0512)41040901分机号8001"}},
		{catalog.TypeBankCard, "6222021234567890128", []string{"6222 0212 3456 7890 128", "6222021234567890128", "６２２２０２１２３４５６７８９０１２８"}},
		{catalog.TypeUSCC, "91350100M000100Y43", []string{"91350100M000100Y43", "9135 0100 M000 100Y 43", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100m000100y43"}},
		{catalog.TypeOrgCode, "D2143569-X", []string{"D2143569-X", "D2143569X", "d2143569-x", "Ｄ２１４３５６９－Ｘ"}},
		{catalog.TypeHKID, "A123456(3)", []string{"A123456(3)", "A123456 (3)", "A1234563", "a123456(3)", "Ａ１２３４５６（３）"}},
		{catalog.TypeLicensePlate, "粤BD12345", []string{"粤BD12345", "粤B·D12345", "粤B•D12345", "粤B・D12345", "粤B.D12345", "粤B-D12345", "粤B D12345", "粤bd12345", "粤Ｂ·Ｄ１２３４５", "粤 BD12345", "粤·B·D12345"}},
		{catalog.TypeLicensePlate, "粤B1234学", []string{"粤B1234学", "粤B·1234学"}},
		{catalog.TypeEmail, "zhang.san@example.com", []string{"zhang.san@example.com", "zhang.san＠example．com", "zhang.san@example。com", "zhang.san@EXAMPLE.COM"}},
		{catalog.TypeDateOfBirth, "1990-01-02", []string{"1990-01-02", "1990年1月2日", "1990年1月2号", "１９９０年１月２日", "19900102"}},
		{catalog.TypeGeoCoordinate, "116.4074,39.9042", []string{"116.4074,39.9042", "39.9042,116.4074", "116.4074，39.9042", "116.4074 39.9042"}},
	}
	for _, c := range cases {
		for i, f := range c.forms {
			got, ok := Canonical(c.typ, f)
			if !ok || got != c.want {
				t.Errorf("%s: form %d: ok=%v, canonical differs", c.typ, i, ok)
			}
			if !Validate(c.typ, f) {
				t.Errorf("%s: form %d: Validate rejects what Canonical accepts", c.typ, i)
			}
		}
	}
}

// TestCanonicalRefuses: separators cannot join two values, and checksums still decide.
func TestCanonicalRefuses(t *testing.T) {
	fixedNow(t)
	cases := []struct {
		typ catalog.Type
		v   string
	}{
		{catalog.TypeResidentID, "110105  19491231002X"},
		{catalog.TypeResidentID, "110105194912310021"},
		{catalog.TypeResidentID, "-11010519491231002X"},
		{catalog.TypeMobile, "1381234567"},
		{catalog.TypeMobile, "12812345678"},
		{catalog.TypeMobile, "13812345678.67"},
		{catalog.TypeBankCard, "6222 0212 3456 7890 129"},
		{catalog.TypeOrgCode, "D214356-9X"},
		{catalog.TypeHKID, "A123456(4)"},
		{catalog.TypeLicensePlate, "粤B··D12345"},
		{catalog.TypeLandline, "(0755)1234567890"},
		{catalog.TypeEmail, "a@b"},
	}
	for i, c := range cases {
		if _, ok := Canonical(c.typ, c.v); ok {
			t.Errorf("case %d (%s): accepted", i, c.typ)
		}
	}
}

// needsFoldSlow is needsFold as first written: every byte tested.
func needsFoldSlow(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if foldLead(s, i) {
			if r, _ := utf8.DecodeRuneInString(s[i:]); foldRune(r) != r {
				return true
			}
		}
	}
	return false
}

// FuzzNeedsFold: needsFold skips Han text three bytes at a time; it must
// answer as testing every byte does, on any bytes.
func FuzzNeedsFold(f *testing.F) {
	for _, s := range []string{"１３８", "张三　李四", "北京市—朝阳", "\xe4\xef\xbc\xa1", "\xef\xbc", "a－b", "中\xe2\x80\x94", "\xe4\xbd\xe3\x80\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if needsFold(s) != needsFoldSlow(s) {
			t.Fatalf("needsFold(%x) = %v", s, needsFold(s))
		}
	})
}

// FuzzMatchesFolded: MatchesFolded(a, s) is a == strings.TrimSpace(Fold(s))
// on any bytes, for a unrelated to s and for a made from s (where most of
// the comparison runs).
func FuzzMatchesFolded(f *testing.F) {
	for _, c := range [][2]string{{"138", "１３８"}, {"张*", "张三"}, {"a b", "　ａ　ｂ　"}, {"\ufffd1", "\xff１"}, {"\xff1", "\xff1"},
		{"", "　 "}, {"x ", "x  "}, {"1-2", "1—2"}, {" x", " x"}, {"\ufffd", "\xe4\xbd"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, a, s string) {
		for _, a := range []string{a, strings.TrimSpace(Fold(s)), Fold(s), s, strings.TrimSpace(s)} {
			if got, want := MatchesFolded(a, s), a == strings.TrimSpace(Fold(s)); got != want {
				t.Fatalf("MatchesFolded(%x, %x) = %v", a, s, got)
			}
		}
	})
}

// FuzzFoldValid: FoldValid(s) is Fold(s) and utf8.ValidString(s), on any
// bytes.
func FuzzFoldValid(f *testing.F) {
	for _, s := range []string{"１３８", "广东省深圳市", "\xed\xa0\x80", "\xe0\x80\x80", "中\xff", "ａ\xe4\xbd", "\xef\xbc\x91", "\xee\x80\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, valid := FoldValid(s)
		if got != Fold(s) || valid != utf8.ValidString(s) {
			t.Fatalf("FoldValid(%x) = %x, %v", s, got, valid)
		}
	})
}
