package policy

import (
	"strings"
	"testing"
)

// TestExplain: columns line up by display width (a CJK rune takes two
// cells), a newline in a name cannot break a row, and no decisions still
// give the header.
func TestExplain(t *testing.T) {
	got := Explain([]Decision{
		{Field: "姓名", Transform: mask, Reason: "masked: r."},
		{Field: "ab\ncd", Transform: withhold, Reason: "withheld: r.", Grant: "g-1"},
		{Field: "x\xff", Transform: keep, Reason: "kept: r."},
	})
	want := "FIELD  TRANSFORM  GRANT  REASON\n" +
		"姓名   mask       -      masked: r.\n" +
		"ab?cd  withhold   g-1    withheld: r.\n" +
		"x?     keep       -      kept: r.\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Explain(nil); got != "FIELD  TRANSFORM  GRANT  REASON\n" {
		t.Errorf("empty: %q", got)
	}
	if cells("姓名ab") != 6 || cells("") != 0 || cells("ｘ") != 2 {
		t.Error("cells")
	}
	if strings.Count(Explain([]Decision{{Field: "a\r\nb"}}), "\n") != 2 {
		t.Error("a control character broke a row")
	}
}
