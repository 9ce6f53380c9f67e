package risk

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/govshare/govshare/internal/synth"
)

// TestSummaryIsResultsFigures: Summary gives Result's figures, names and
// k, on Adult, and Check decides the same on both.
func TestSummaryIsResultsFigures(t *testing.T) {
	header, rows := loadAdult(t)
	qis, err := Lookup(header, adultQIs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(qis, nil, Options{K: 11})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[:5000] {
		if err := a.Add(row); err != nil {
			t.Fatal(err)
		}
	}
	s, r := a.Summary(), a.Result()
	if !reflect.DeepEqual(s.Figures, r.Figures) || !reflect.DeepEqual(s.QuasiIdentifiers, r.QuasiIdentifiers) || s.K != r.K {
		t.Fatalf("summary %+v, result %+v", s, r.Figures)
	}
	if len(s.Contributions) != 0 || s.Records != 5000 {
		t.Fatalf("summary has %d contributions, %d records", len(s.Contributions), s.Records)
	}
}

// TestMerge: rows counted on several analyzers and merged give the figures
// of one analyzer over all of them; mismatched analyzers do not merge.
func TestMerge(t *testing.T) {
	qis := []QI{{Name: "a", Column: 0}, {Name: "b", Column: 1, Prefix: 2}}
	one, _ := New(qis, nil, Options{K: 3})
	parts := make([]*Analyzer, 3)
	for i := range parts {
		parts[i], _ = New(qis, nil, Options{K: 3})
	}
	for i := range 5000 {
		row := []string{strconv.Itoa(i % 37), strconv.Itoa(i*7%113) + "x"}
		if err := one.Add(row); err != nil {
			t.Fatal(err)
		}
		if err := parts[i%7%3].Add(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := parts[0].Merge(parts[1]); err != nil {
		t.Fatal(err)
	}
	if err := parts[0].Merge(parts[2]); err != nil {
		t.Fatal(err)
	}
	want, got := one.Result(), parts[0].Result()
	if !reflect.DeepEqual(want.Figures, got.Figures) || !reflect.DeepEqual(want.Contributions, got.Contributions) {
		t.Fatalf("merged %+v, want %+v", got.Figures, want.Figures)
	}
	other, _ := New(qis[:1], nil, Options{K: 3})
	if parts[0].Merge(other) == nil {
		t.Error("merged analyzers over different quasi-identifiers")
	}
	withSens, _ := New(qis, []Sensitive{{Name: "s", Column: 2}}, Options{K: 3})
	if parts[0].Merge(withSens) == nil {
		t.Error("merged an analyzer with a sensitive column")
	}
}

// TestFiguresBetweenAdds: rows wait in groups before they are counted, so
// every reading (Summary, Result, Classes, Merge from either side) taken
// between adds, at group bounds and off them, must equal a naive count of
// the rows added so far.
func TestFiguresBetweenAdds(t *testing.T) {
	qis := []QI{{Name: "a", Column: 0}, {Name: "b", Column: 1, Prefix: 1}}
	var rows [][]string
	for i := range 700 {
		rows = append(rows, []string{strconv.Itoa(i * 31 % 257), strconv.Itoa(i % 5)})
	}
	a, _ := New(qis, nil, Options{K: 2})
	b, _ := New(qis, nil, Options{K: 2})
	readAt := map[int]bool{1: true, 63: true, 64: true, 65: true, 127: true, 128: true, 300: true, 699: true}
	for i, row := range rows {
		if err := a.Add(row); err != nil {
			t.Fatal(err)
		}
		if !readAt[i] {
			continue
		}
		want := naiveCount(rows[:i+1], []int{0, 1}, []int{0, 1}, nil)
		sameFigures(t, "summary after "+strconv.Itoa(i+1), a.Summary().Figures, want.figuresOf(2))
		sameFigures(t, "result after "+strconv.Itoa(i+1), a.Result().Figures, want.figuresOf(2))
		if got := a.Classes(); got != len(want.classes) {
			t.Fatalf("after %d rows: %d classes, want %d", i+1, got, len(want.classes))
		}
	}
	// b holds pending rows when it is merged into a empty analyzer, and
	// when a with pending rows of its own takes it in.
	for _, row := range rows[:100] {
		b.Add(row)
	}
	c, _ := New(qis, nil, Options{K: 2})
	for _, row := range rows[100:130] {
		c.Add(row)
	}
	if err := c.Merge(b); err != nil {
		t.Fatal(err)
	}
	sameFigures(t, "merged", c.Summary().Figures, naiveCount(rows[:130], []int{0, 1}, []int{0, 1}, nil).figuresOf(2))
	sameFigures(t, "merged from", b.Summary().Figures, naiveCount(rows[:100], []int{0, 1}, []int{0, 1}, nil).figuresOf(2))
}

// TestFingerprints: an Analyzer that counts by fingerprint gives the
// figures of a naive count, on Adult and on a generated register whose
// classes are nearly all unique, merged from parts or not; it refuses
// sensitive columns and a merge with an Analyzer that keeps values.
func TestFingerprints(t *testing.T) {
	header, rows := loadAdult(t)
	qis, err := Lookup(header, adultQIs)
	if err != nil {
		t.Fatal(err)
	}
	cols := make([]int, len(qis))
	for i, q := range qis {
		cols[i] = q.Column
	}
	reg := make([][]string, 50_000)
	g := synth.New(3)
	for i := range reg {
		r := g.PopulationRow()
		reg[i] = []string{r[1], r[3], r[2], r[12]}
	}
	regQIs := []QI{{Name: "id", Column: 0, Prefix: 6}, {Name: "birth", Column: 1}, {Name: "sex", Column: 2}, {Name: "ethnic", Column: 3}}
	for _, c := range []struct {
		name     string
		rows     [][]string
		qis      []QI
		cols     []int
		prefixes []int
	}{
		{"adult", rows, qis, cols, nil},
		{"register", reg, regQIs, []int{0, 1, 2, 3}, []int{6, 0, 0, 0}},
	} {
		want := naiveCount(c.rows, c.cols, c.prefixes, nil).figuresOf(5)
		whole, err := New(c.qis, nil, Options{Fingerprints: true})
		if err != nil {
			t.Fatal(err)
		}
		parts := []*Analyzer{}
		for range 3 {
			p, _ := New(c.qis, nil, Options{Fingerprints: true})
			parts = append(parts, p)
		}
		for i, row := range c.rows {
			whole.Add(row)
			parts[i%5%3].Add(row)
		}
		sameFigures(t, c.name, whole.Summary().Figures, want)
		sameFigures(t, c.name+" result", whole.Result().Figures, want)
		if n := len(whole.Result().Contributions); n != 0 {
			t.Errorf("%s: %d contributions without values", c.name, n)
		}
		parts[1].Merge(parts[0])
		parts[1].Merge(parts[2])
		sameFigures(t, c.name+" merged", parts[1].Summary().Figures, want)
	}
	if _, err := New(qis, []Sensitive{{Name: "s", Column: 0}}, Options{Fingerprints: true}); err == nil {
		t.Error("sensitive column accepted with Fingerprints")
	}
	a, _ := New(qis, nil, Options{Fingerprints: true})
	b, _ := New(qis, nil, Options{})
	if a.Merge(b) == nil || b.Merge(a) == nil {
		t.Error("merged an Analyzer that keeps values with one that does not")
	}
}
