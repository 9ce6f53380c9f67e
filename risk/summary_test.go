package risk

import (
	"reflect"
	"strconv"
	"testing"
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
