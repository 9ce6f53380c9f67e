package risk

import (
	"reflect"
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
