package synth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// asciiTokens splits s into maximal runs of characters that can belong to an identifier written
// in ASCII, so each run can be tested as a candidate the way a detector would see it.
func asciiTokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			return false
		case strings.ContainsRune("().@:/,+-_?=&#", r):
			return false
		}
		return true
	})
}

// boundaryOK: the byte next to a value is a space, a non-ASCII (CJK or full-width) character, or
// the edge of the text, so no detector's word boundary is disturbed.
func boundaryOK(text string, i int) bool {
	if i < 0 || i >= len(text) {
		return true
	}
	return text[i] == ' ' || text[i] >= 0x80
}

func TestTextSpans(t *testing.T) {
	g := New(10)
	var cjkBefore, cjkAfter, withContext, english int
	total := 0
	for round := 0; round < 500; round++ {
		n := round % 25
		text, spans := g.Text(n, nil)
		if len(spans) != n {
			t.Fatalf("round %d: %d spans, want %d", round, len(spans), n)
		}
		if !utf8.ValidString(text) {
			t.Fatalf("round %d: text is not valid UTF-8", round)
		}
		prevEnd := 0
		for i, s := range spans {
			if s.Start < prevEnd || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("round %d span %d: [%d,%d) out of order or range", round, i, s.Start, s.End)
			}
			if text[s.Start:s.End] != s.Value {
				t.Fatalf("round %d span %d: text[%d:%d] is not the value", round, i, s.Start, s.End)
			}
			if !valid(s.Type, s.Value, g.Now) {
				t.Fatalf("round %d span %d: %s value invalid (%s)", round, i, s.Type, fp(s.Value))
			}
			if !boundaryOK(text, s.Start-1) || !boundaryOK(text, s.End) {
				t.Fatalf("round %d span %d: ASCII character touches the value", round, i)
			}
			before, _ := utf8.DecodeLastRuneInString(text[:s.Start])
			after, _ := utf8.DecodeRuneInString(text[s.End:])
			if before >= 0x4e00 && before <= 0x9fff {
				cjkBefore++
			}
			if after >= 0x4e00 && after <= 0x9fff {
				cjkAfter++
			}
			for _, c := range contextCN[s.Type] {
				if strings.HasSuffix(text[:s.Start], c) {
					withContext++
				}
			}
			for _, c := range contextEN[s.Type] {
				if strings.HasSuffix(text[:s.Start], c) {
					english++
				}
			}
			prevEnd = s.End
			total++
		}
		// Outside the spans there is nothing that looks like an identifier.
		var rest strings.Builder
		prev := 0
		for _, s := range spans {
			rest.WriteString(text[prev:s.Start])
			rest.WriteByte(' ')
			prev = s.End
		}
		rest.WriteString(text[prev:])
		for _, tok := range asciiTokens(rest.String()) {
			if typ, ok := looksValid(tok); ok {
				t.Fatalf("round %d: text outside spans holds a %s", round, typ)
			}
		}
	}
	// Each style must occur often (about 6000 values in all).
	for name, c := range map[string]int{"CJK before": cjkBefore, "CJK after": cjkAfter, "Chinese context": withContext, "English context": english} {
		if c < total/10 {
			t.Errorf("%s: %d of %d values", name, c, total)
		}
	}
}

func TestTextTypesRestricted(t *testing.T) {
	g := New(11)
	want := []string{"cn_mobile", "email"}
	text, spans := g.Text(200, want)
	seen := map[string]int{}
	for i, s := range spans {
		if !inList(want, s.Type) {
			t.Fatalf("span %d has type %s, not requested", i, s.Type)
		}
		if text[s.Start:s.End] != s.Value {
			t.Fatalf("span %d misplaced", i)
		}
		seen[s.Type]++
	}
	if seen["cn_mobile"] == 0 || seen["email"] == 0 {
		t.Errorf("types not both used: %v", seen)
	}
	for _, typ := range Types {
		_, spans := g.Text(3, []string{typ})
		for _, s := range spans {
			if s.Type != typ || !valid(typ, s.Value, g.Now) {
				t.Fatalf("Text(3, [%s]) gave a bad span", typ)
			}
		}
	}
	if text, spans := g.Text(0, nil); len(spans) != 0 || text == "" {
		t.Errorf("Text(0) = %d bytes, %d spans; want filler only", len(text), len(spans))
	}
}

func TestNegativeTextHasNoIdentifiers(t *testing.T) {
	g := New(12)
	kinds := 0
	for round := 0; round < 500; round++ {
		n := 1 + round%20
		text := g.NegativeText(n)
		toks := asciiTokens(text)
		for _, tok := range toks {
			// Trailing sentence punctuation from English suffixes is not part of a value.
			tok = strings.TrimRight(tok, ".")
			if typ, ok := looksValid(tok); ok {
				t.Fatalf("round %d: negative text holds a %s (%s)", round, typ, fp(tok))
			}
			for _, typ := range Types {
				if valid(typ, tok, g.Now) {
					t.Fatalf("round %d: negative text holds a valid %s", round, typ)
				}
			}
		}
		kinds += len(toks)
	}
	if kinds == 0 {
		t.Fatal("negative text held no candidate tokens at all")
	}
}

// Names are found by dictionary and context, so the fixed strings around values must not contain
// anything this package would itself generate as a name.
func TestStaticTextHasNoNames(t *testing.T) {
	var all []string
	all = append(all, fillers...)
	all = append(all, plainCN...)
	all = append(all, suffixCN...)
	for _, m := range []map[string][]string{contextCN, negativeContext} {
		for _, l := range m {
			all = append(all, l...)
		}
	}
	for _, s := range all {
		r := []rune(s)
		for i := range r {
			for n := 2; n <= 5 && i+n <= len(r); n++ {
				if validPersonName(string(r[i : i+n])) {
					t.Errorf("static text %q contains the name-like %q", s, string(r[i:i+n]))
				}
			}
		}
		for _, tok := range asciiTokens(s) {
			if typ, ok := looksValid(strings.TrimRight(tok, ".")); ok {
				t.Errorf("static text %q contains a %s", s, typ)
			}
		}
	}
}
