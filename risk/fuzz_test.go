package risk

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseHierarchy: any input either parses to a hierarchy whose every
// value generalizes at every level, or is an error that holds none of the
// input's fields.
func FuzzParseHierarchy(f *testing.F) {
	f.Add([]byte("Male;*\nFemale;*\n"))
	f.Add([]byte("39;35-39;30-39;20-39;*\r\n40;40-44;40-49;40-59;*\r\n"))
	f.Add([]byte("\"a;b\";*\n"))
	f.Add([]byte("a;*\na;*\n"))
	f.Add([]byte("a;*\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ParseHierarchy(bytes.NewReader(data), "h.csv", ';')
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), "govshare/risk: hierarchy h.csv")
			for _, field := range strings.FieldsFunc(string(data), func(r rune) bool { return r == ';' || r == '\n' || r == '\r' || r == '"' }) {
				// short fields may occur in the message by chance ("1", "a")
				if len(field) >= 12 && strings.Contains(msg, field) {
					t.Fatalf("error holds a field of the input")
				}
			}
			return
		}
		if h.Levels() < 1 {
			t.Fatal("no levels")
		}
		for v := range h.levels {
			for l := 0; l < h.Levels(); l++ {
				if _, ok := h.Generalize(v, l); !ok {
					t.Fatalf("value does not generalize to level %d", l)
				}
			}
			if g, _ := h.Generalize(v, 0); g != v {
				t.Fatal("level 0 differs from the value")
			}
		}
	})
}

// FuzzAnalyzer: on arbitrary tuples (any bytes, separators included) the
// Analyzer equals the naive count.
func FuzzAnalyzer(f *testing.F) {
	f.Add([]byte("a,b\nab,\n,ab\na,b\n"), uint8(2))
	f.Add([]byte("\x00\x80,\xff\n\x00\x80,\xff\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, pfx uint8) {
		var rows [][]string
		for _, line := range strings.Split(string(data), "\n") {
			row := strings.SplitN(line, ",", 3)
			for len(row) < 3 {
				row = append(row, "")
			}
			rows = append(rows, row)
		}
		p := int(pfx % 4)
		a, err := New([]QI{{Name: "a", Column: 0, Prefix: p}, {Name: "b", Column: 1}}, []Sensitive{{Name: "s", Column: 2}}, Options{K: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := a.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Result()
		n := naiveCount(rows, []int{0, 1}, []int{p, 0}, []int{2})
		sameFigures(t, "fuzz", r.Figures, n.figuresOf(2))
		if l, single := n.l(0); r.LDiversity[0].L != l || r.LDiversity[0].ClassesWithOneValue != single {
			t.Fatalf("l-diversity %+v, want %d, %d", r.LDiversity[0], l, single)
		}
	})
}
