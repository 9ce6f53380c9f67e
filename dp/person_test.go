package dp

import (
	"errors"
	"slices"
	"testing"

	"github.com/govshare/govshare/catalog"
)

// spellings are one resident ID and one mobile as people write them.
var spellings = map[catalog.Type][]string{
	catalog.TypeResidentID: {"11010519491231002X", "110105 19491231 002x", "１１０１０５１９４９１２３１００２Ｘ", "'11010519491231002X", " 1101-0519-4912-3100-2X "},
	catalog.TypeMobile:     {"13812345678", "138-1234-5678", "+86 138 1234 5678", "１３８１２３４５６７８"},
}

// TestPersonKeyCanonical: with the person column's identifier type, one
// person written several ways is one person, so contribution bounding
// counts them once; without it (type none) they stay apart, as before.
func TestPersonKeyCanonical(t *testing.T) {
	for typ, forms := range spellings {
		for _, pt := range []catalog.Type{typ, ""} {
			a, err := newAggregation(Options{Kind: KindCount, Epsilon: 1, PersonType: pt})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range forms {
				if err := a.add(f, "", 0); err != nil {
					t.Fatal(err)
				}
			}
			want := 1
			if pt == "" {
				want = len(forms) // only surrounding spaces are ignored without a type
			}
			if len(a.people) != want {
				t.Errorf("%s, person type %q: %d persons, want %d", typ, pt, len(a.people), want)
			}
		}
	}
	// A key its type does not accept is still a key: folded and trimmed.
	a, _ := newAggregation(Options{Kind: KindCount, Epsilon: 1, PersonType: catalog.TypeResidentID})
	for _, k := range []string{"ABC１２３", " ABC123 "} {
		if err := a.add(k, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.people) != 1 {
		t.Errorf("invalid keys: %d persons, want 1", len(a.people))
	}
	if err := a.add(" \u3000", "", 0); !errors.Is(err, errBlankPerson) {
		t.Errorf("blank key: %v", err)
	}
	if _, err := newAggregation(Options{Kind: KindCount, Epsilon: 1, PersonType: "no_such_type"}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("unknown person type: %v", err)
	}
}

// TestRunPersonType: Options.PersonType reaches the aggregation: a person
// written five ways across five rows of one group, with one contribution
// per person, is one contribution. With ε = MaxEpsilon = 10 the count's
// discrete Laplace noise has scale 0.1 and |noise| ≥ 2 has probability
// below 2e^-20 ≈ 4.1e-9, so the tolerance of ±1.5 that tells 1 from 5
// fails falsely with probability below 1e-8 over both runs.
func TestRunPersonType(t *testing.T) {
	header := []string{"sfzh", "g"}
	var rows [][]string
	for _, f := range spellings[catalog.TypeResidentID] {
		rows = append(rows, []string{f, "a"})
	}
	for _, pt := range []catalog.Type{catalog.TypeResidentID, ""} {
		opts := Options{Epsilon: MaxEpsilon, Person: "sfzh", Kind: KindCount, PersonType: pt}
		rep, _, err := Run(opts, func(yield func([]string, error) bool) {
			for _, r := range slices.Clone(rows) {
				if !yield(r, nil) {
					return
				}
			}
		}, header, unbudgeted)
		if err != nil {
			t.Fatal(err)
		}
		got := rep.Results[0].Value
		want := 1.0
		if pt == "" {
			want = float64(len(rows))
		}
		if got < want-1.5 || got > want+1.5 {
			t.Errorf("person type %q: count %.2f, want about %.0f", pt, got, want)
		}
	}
}
