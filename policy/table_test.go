package policy

import (
	"os"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/golden"
)

// docTables is rowTables as it appears in doc.go: a preformatted block.
func docTables() string {
	var b strings.Builder
	b.WriteString("//\n") // gofmt sets preformatted blocks apart
	for _, line := range strings.Split(strings.TrimRight(rowTables(), "\n"), "\n") {
		if line == "" {
			b.WriteString("//\n")
		} else {
			b.WriteString("//\t" + line + "\n")
		}
	}
	b.WriteString("//\n")
	return b.String()
}

// TestDocTables: the Markdown tables in the package doc are the rows the
// code decides by.
func TestDocTables(t *testing.T) {
	const begin, end = "// The layers, generated from table.go:\n", "// (End of the generated layers.)\n"
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("doc.go lacks the markers around the generated layers")
	}
	want := docTables()
	got := s[i+len(begin) : j]
	if got == want {
		return
	}
	if golden.Update() {
		if err := os.WriteFile("doc.go", []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("doc.go tables differ from table.go; run go test ./policy -run TestDocTables -update\nwant:\n%s", want)
}

// TestStrengthOrder: the chain, dp's place beside it, and join.
func TestStrengthOrder(t *testing.T) {
	chain := []catalog.Transform{keep, fpe, token, pseudonym, mask, generalize, redact, withhold}
	for i, a := range chain {
		for j, b := range chain {
			if got := atLeast(a, b); got != (i >= j) {
				t.Errorf("atLeast(%s, %s) = %v", a, b, got)
			}
		}
	}
	for _, b := range []catalog.Transform{keep, fpe, token, pseudonym, mask, generalize} {
		if !atLeast(dp, b) || atLeast(b, dp) {
			t.Errorf("dp is not strictly above %s", b)
		}
	}
	if atLeast(dp, redact) || atLeast(redact, dp) {
		t.Error("dp and redact should be unordered")
	}
	if !atLeast(withhold, dp) || atLeast(dp, withhold) || !atLeast(dp, dp) {
		t.Error("dp is not below withhold")
	}
	if join(dp, redact) != withhold || join(redact, dp) != withhold {
		t.Error("join of dp and redact should be withhold")
	}
	if atLeast("nonsense", keep) || atLeast(withhold, "nonsense") {
		t.Error("an unknown transform compares")
	}
	// join is the least upper bound over every pair.
	for _, a := range catalog.Transforms {
		for _, b := range catalog.Transforms {
			j := join(a, b)
			if !atLeast(j, a) || !atLeast(j, b) {
				t.Errorf("join(%s, %s) = %s is not an upper bound", a, b, j)
			}
			for _, c := range catalog.Transforms {
				if atLeast(c, a) && atLeast(c, b) && !atLeast(c, j) {
					t.Errorf("join(%s, %s) = %s is not least (%s)", a, b, j, c)
				}
			}
		}
		if verbs[a] == "" {
			t.Errorf("no verb for %s", a)
		}
	}
}

// TestLayersTotal: every layer has a row for every combination, the last
// row of each is a catch-all, and every limiting row has a rule and a
// breach text.
func TestLayersTotal(t *testing.T) {
	for _, l := range layers {
		last := l.Rows[len(l.Rows)-1]
		if last != (row{Transform: last.Transform, NoLimit: last.NoLimit, Rule: last.Rule, Breach: last.Breach}) {
			t.Errorf("layer %s does not end in a catch-all row", l.Name)
		}
		for _, r := range l.Rows {
			if !r.Transform.Valid() {
				t.Errorf("layer %s: invalid transform %q", l.Name, r.Transform)
			}
			if !r.NoLimit && (r.Rule == "" || r.Breach == "" && r.Transform != keep) {
				t.Errorf("layer %s: row %+v lacks a rule or a breach text", l.Name, r)
			}
			if r.NoLimit && r.Transform != keep {
				t.Errorf("layer %s: a no-limit row must say keep", l.Name)
			}
		}
	}
	for _, s := range []shape{shapeGeo, shapeCoarse, shapeIdent, shapeNone} {
		if s&anyShape == 0 {
			t.Fatal("shape outside anyShape")
		}
	}
	for _, ty := range append([]catalog.Type{catalog.TypeNone, "made_up"}, catalog.Types...) {
		s := shapeOf(ty)
		if s == 0 || s&(s-1) != 0 {
			t.Errorf("shapeOf(%s) = %b, want one shape", ty, s)
		}
	}
}
