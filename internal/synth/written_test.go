package synth

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrittenCorpusSpans(t *testing.T) {
	g := New(90)
	per := 300
	if testing.Short() {
		per = 60
	}
	corpus := g.WrittenCorpus(per)
	if len(corpus) != per*len(WrittenForms) {
		t.Fatalf("%d cases, want %d", len(corpus), per*len(WrittenForms))
	}
	count := map[string]int{}
	for i, c := range corpus {
		count[c.Form]++
		if !utf8.ValidString(c.Text) {
			t.Fatalf("case %d (%s): text is not valid UTF-8", i, c.Form)
		}
		if strings.ContainsRune(c.Text, 0) {
			t.Fatalf("case %d (%s): a label marker was left in the text", i, c.Form)
		}
		neg := strings.HasPrefix(c.Form, "neg_")
		if neg != (len(c.Spans) == 0) {
			t.Fatalf("case %d (%s): %d spans", i, c.Form, len(c.Spans))
		}
		prev := 0
		for k, s := range c.Spans {
			if s.Start < 0 || s.End > len(c.Text) || s.Start >= s.End {
				t.Fatalf("case %d (%s) span %d: [%d,%d) out of range", i, c.Form, k, s.Start, s.End)
			}
			if c.Text[s.Start:s.End] != s.Value {
				t.Fatalf("case %d (%s) span %d: text[%d:%d] is not the value", i, c.Form, k, s.Start, s.End)
			}
			if !runeBoundary(c.Text, s.Start) || !runeBoundary(c.Text, s.End) ||
				!runeBoundary(c.Text, s.CoreStart) || !runeBoundary(c.Text, s.CoreEnd) {
				t.Fatalf("case %d (%s) span %d: a boundary cuts a UTF-8 character", i, c.Form, k)
			}
			if s.CoreStart < s.Start || s.CoreEnd > s.End || s.CoreStart >= s.CoreEnd {
				t.Fatalf("case %d (%s) span %d: core [%d,%d) outside [%d,%d)", i, c.Form, k, s.CoreStart, s.CoreEnd, s.Start, s.End)
			}
			first, _ := utf8.DecodeRuneInString(c.Text[s.CoreStart:])
			last, _ := utf8.DecodeLastRuneInString(c.Text[:s.CoreEnd])
			if !significant(first) || !significant(last) {
				t.Fatalf("case %d (%s) span %d: the core does not start and end with a letter or digit", i, c.Form, k)
			}
			// Spans are in order; only a nested value may lie inside the URL before it.
			if s.Start < prev && !(c.Form == "nested_url" && k > 0) {
				t.Fatalf("case %d (%s) span %d: out of order", i, c.Form, k)
			}
			prev = s.End
			// No letter or digit touches the span from outside, except inside a nested URL.
			if c.Form != "nested_url" {
				before, _ := utf8.DecodeLastRuneInString(c.Text[:s.Start])
				after, _ := utf8.DecodeRuneInString(c.Text[s.End:])
				if s.Start > 0 && asciiAlnum(before) || s.End < len(c.Text) && asciiAlnum(after) {
					t.Fatalf("case %d (%s) span %d: an ASCII letter or digit touches the value", i, c.Form, k)
				}
			}
			n := normalizeWritten(s.Type, s.Value)
			if !validWritten(s.Type, n, g.Now) {
				t.Fatalf("case %d (%s) span %d: %s value invalid after normalization (%s)", i, c.Form, k, s.Type, fp(n))
			}
		}
		if c.Form == "nested_url" {
			if len(c.Spans) < 2 || c.Spans[0].Type != "url" {
				t.Fatalf("case %d: nested_url wants the URL and at least one nested value", i)
			}
			for _, s := range c.Spans[1:] {
				if s.Start < c.Spans[0].Start || s.End > c.Spans[0].End {
					t.Fatalf("case %d: nested value outside the URL", i)
				}
			}
		}
	}
	for _, f := range WrittenForms {
		if count[f] != per {
			t.Errorf("form %s: %d cases, want %d", f, count[f], per)
		}
	}
}

func runeBoundary(s string, i int) bool {
	return i == len(s) || i >= 0 && i < len(s) && utf8.RuneStart(s[i])
}

func asciiAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}

// TestWrittenFormsShow checks that each form really has the property it is named for.
func TestWrittenFormsShow(t *testing.T) {
	g := New(91)
	for _, form := range WrittenForms {
		for i := range 200 {
			c := g.WrittenCase(form)
			var v string
			if len(c.Spans) > 0 {
				v = c.Spans[len(c.Spans)-1].Value
			}
			ok := true
			switch {
			case strings.HasPrefix(form, "fw_") && form != "fw_mixed":
				ok = strings.ContainsFunc(v, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == '\u3000' || r == '。' })
			case form == "fw_mixed":
				ok = strings.ContainsFunc(v, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E }) &&
					strings.ContainsFunc(v, func(r rune) bool { return r < 0x80 })
			case strings.HasPrefix(form, "grp_") && form != "grp_landline_digits":
				ok = strings.ContainsAny(v, " -()（）－转")
			case form == "grp_landline_digits":
				ok = isDigits(v)
			case form == "case_id_lower_x":
				ok = strings.HasSuffix(v, "x")
			case form == "prefix_mobile":
				s := c.Spans[len(c.Spans)-1]
				ok = s.Start < s.CoreStart
			case form == "excel_quote":
				ok = strings.HasPrefix(c.Text, "'") && c.Spans[0].Start == 1
			case form == "excel_formula":
				ok = strings.HasPrefix(c.Text, `="`) && strings.HasSuffix(c.Text, `"`)
			case form == "excel_float":
				ok = strings.HasSuffix(c.Text, ".0")
			case form == "plate_special":
				last, _ := utf8.DecodeLastRuneInString(v)
				ok = strings.ContainsRune("学挂警港澳领试超", last)
			case strings.HasPrefix(form, "ocr_"):
				ok = strings.Count(v, " ") >= 2
			case strings.HasPrefix(form, "bare_"):
				ok = c.Cell && c.Text == v && !strings.ContainsAny(v, "-()")
			}
			if !ok {
				t.Fatalf("form %s case %d does not show its form (%s)", form, i, fp(c.Text))
			}
		}
	}
}

// TestWrittenNegatives: the negatives are what their form says.
func TestWrittenNegatives(t *testing.T) {
	g := New(92)
	for range 2000 {
		s := g.luhnNoIIN()
		if len(s) < 16 || len(s) > 19 || !luhnValid(s) || validBankCard(s) || strings.ContainsAny(s[:1], "23456") {
			t.Fatalf("luhnNoIIN: %s", fp(s))
		}
		s = g.luhn19Prefix16()
		if len(s) != 19 || luhnValid(s) || !validBankCard(s[:16]) {
			t.Fatalf("luhn19Prefix16: %s", fp(s))
		}
		s = g.order18()
		c, _ := residentCheck(s[:17])
		if len(s) != 18 || !isDigits(s) || c != s[17] || validResidentID18(s, g.Now, 1900) {
			t.Fatalf("order18: %s", fp(s))
		}
	}
	for range 500 {
		c := g.WrittenCase("neg_luhn_context")
		found := false
		for _, w := range luhnContextWords {
			found = found || strings.Contains(c.Text, w)
		}
		if !found {
			t.Fatalf("neg_luhn_context without a context word (%s)", fp(c.Text))
		}
	}
}

func TestWrittenDeterministic(t *testing.T) {
	a, b := New(93).WrittenCorpus(20), New(93).WrittenCorpus(20)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave two corpora")
	}
	if reflect.DeepEqual(a, New(94).WrittenCorpus(20)) {
		t.Fatal("two seeds gave one corpus")
	}
}

func TestNormalizeWritten(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{"cn_mobile", "１３８１２３４５６７８", "13812345678"},
		{"cn_mobile", "(+86) 138 1234 5678", "13812345678"},
		{"cn_mobile", "0086138－1234－5678", "13812345678"},
		{"cn_resident_id", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"},
		{"cn_resident_id", "1101 0519 4912 3100 2x", "11010519491231002X"},
		{"cn_landline", "（0755）12345678", "0755-12345678"},
		{"cn_landline", "010-62345678-8001", "010-62345678"},
		{"cn_landline", "0755-22345678转801", "0755-22345678"},
		{"cn_landline", "(0512) 41040901", "0512-41040901"},
		{"email", "zhang.wei＠163。com", "zhang.wei@163.com"},
		{"cn_license_plate", "粤B·D12345", "粤BD12345"},
		{"hk_id", "A123456 （7）", "A123456(7)"},
	} {
		if got := normalizeWritten(c.typ, c.in); got != c.want {
			t.Errorf("normalizeWritten(%s, %q) = %q, want %q", c.typ, c.in, got, c.want)
		}
	}
	for _, s := range []string{"粤B1234学", "粤Z1234港", "京A1234警", "粤BA123挂"} {
		if !validSpecialPlate(s) {
			t.Errorf("validSpecialPlate(%q) = false", s)
		}
	}
	for _, s := range []string{"京A1234港", "粤B12345学", "粤BA123警", "粤B1234"} {
		if validSpecialPlate(s) {
			t.Errorf("validSpecialPlate(%q) = true", s)
		}
	}
}
