package policy

import (
	"strings"
	"unicode/utf8"
)

// Explain renders decisions as an aligned table for people (the CLI's
// --explain): field, transform, grant ("-" for none) and reason, one line
// per decision, columns measured in terminal cells so Chinese field names
// line up.
func Explain(decisions []Decision) string {
	rows := make([][4]string, 0, len(decisions)+1)
	rows = append(rows, [4]string{"FIELD", "TRANSFORM", "GRANT", "REASON"})
	for _, d := range decisions {
		g := d.Grant
		if g == "" {
			g = "-"
		}
		rows = append(rows, [4]string{oneLine(d.Field), string(d.Transform), oneLine(g), oneLine(d.Reason)})
	}
	var w [3]int
	for _, r := range rows {
		for i := range w {
			w[i] = max(w[i], cells(r[i]))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i := range w {
			b.WriteString(r[i])
			b.WriteString(strings.Repeat(" ", w[i]-cells(r[i])+2))
		}
		b.WriteString(r[3])
		b.WriteByte('\n')
	}
	return b.String()
}

// oneLine keeps a cell on its line: control characters (a newline in a
// field name) would break the table.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// cells is the display width of s: East Asian wide and fullwidth runes
// take two terminal cells (Unicode UAX #11, the common ranges).
func cells(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115f, // Hangul Jamo
		r >= 0x2e80 && r <= 0x303e, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33ff, // kana, CJK compatibility
		r >= 0x3400 && r <= 0x4dbf, // CJK extension A
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xa000 && r <= 0xa4cf, // Yi
		r >= 0xac00 && r <= 0xd7a3, // Hangul syllables
		r >= 0xf900 && r <= 0xfaff, // CJK compatibility ideographs
		r >= 0xfe30 && r <= 0xfe4f, // CJK compatibility forms
		r >= 0xff00 && r <= 0xff60, // fullwidth forms
		r >= 0xffe0 && r <= 0xffe6,
		r >= 0x20000 && r <= 0x3fffd: // CJK extensions B and beyond
		return true
	}
	return false
}
