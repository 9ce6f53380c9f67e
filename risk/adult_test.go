package risk

import (
	"encoding/json"
	"testing"
)

// TestAdultEqualsNaiveCount: on UCI Adult's 8 quasi-identifiers, every
// figure, the l-diversity of salary-class and each contribution equal an
// independent count over the joined values.
func TestAdultEqualsNaiveCount(t *testing.T) {
	header, rows := loadAdult(t)
	if len(rows) != 30162 {
		t.Fatalf("adult.csv has %d records, want 30162", len(rows))
	}
	qis, err := Lookup(header, adultQIs)
	if err != nil {
		t.Fatal(err)
	}
	sens, err := LookupSensitive(header, []string{"salary-class"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{0, 2, 5, 11} {
		a, err := New(qis, sens, Options{K: k})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if err := a.Add(row); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Result()
		wantK := k
		if k == 0 {
			wantK = DefaultK
		}
		if r.K != wantK {
			t.Errorf("k = %d, want %d", r.K, wantK)
		}
		cols := colsOf(t, header, adultQIs)
		scol := colsOf(t, header, []string{"salary-class"})
		n := naiveCount(rows, cols, nil, scol)
		sameFigures(t, "adult", r.Figures, n.figuresOf(wantK))
		l, single := n.l(0)
		if len(r.LDiversity) != 1 || r.LDiversity[0] != (LDiversity{"salary-class", l, single}) {
			t.Errorf("l-diversity %+v, want l=%d single=%d", r.LDiversity, l, single)
		}
		if len(r.Contributions) != len(adultQIs) {
			t.Fatalf("%d contributions", len(r.Contributions))
		}
		for j, c := range r.Contributions {
			if c.LeftOut != adultQIs[j] {
				t.Errorf("contribution %d leaves out %q", j, c.LeftOut)
			}
			rest := append(append([]int(nil), cols[:j]...), cols[j+1:]...)
			sameFigures(t, "adult without "+adultQIs[j], c.Figures, naiveCount(rows, rest, nil, nil).figuresOf(wantK))
		}
		if k == 0 {
			b, _ := json.Marshal(r.Figures)
			t.Logf("Adult, 8 QIs: %s; coarsen first: %v", b, r.Ranked())
		}
	}
}

// TestAdultByLevel: the risk-against-generalization curve on Adult with
// ARX's hierarchies equals an independent count of the generalized rows at
// every level, coarsens monotonically, and ends in one class.
func TestAdultByLevel(t *testing.T) {
	header, rows := loadAdult(t)
	qis, err := Lookup(header, adultQIs)
	if err != nil {
		t.Fatal(err)
	}
	hs := make([]*Hierarchy, len(qis))
	for i, q := range adultQIs {
		hs[i] = loadHierarchy(t, q)
	}
	points, err := ByLevel(rows, qis, hs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 5 { // age has the deepest hierarchy: value + 4 levels
		t.Fatalf("%d levels, want 5", len(points))
	}
	for i, p := range points {
		gen := make([][]string, len(rows))
		for n, row := range rows {
			g := make([]string, len(qis))
			for j, q := range qis {
				v, ok := hs[j].Generalize(row[q.Column], p.Levels[j])
				if !ok {
					t.Fatalf("row %d: %s not in its hierarchy", n+1, q.Name)
				}
				g[j] = v
			}
			gen[n] = g
		}
		all := make([]int, len(qis))
		for j := range all {
			all[j] = j
		}
		sameFigures(t, "level", p.Figures, naiveCount(gen, all, nil, nil).figuresOf(DefaultK))
		if i > 0 {
			q := points[i-1]
			if p.KMin < q.KMin || p.Classes > q.Classes || p.ProsecutorMax > q.ProsecutorMax {
				t.Errorf("level %d is riskier than level %d", p.Level, q.Level)
			}
		}
		t.Logf("level %d %v: classes %d, k_min %d, uniques %d, below k %d, prosecutor max %.4f avg %.4f",
			p.Level, p.Levels, p.Classes, p.KMin, p.Uniques, p.RecordsInClassesBelowK, p.ProsecutorMax, p.ProsecutorAvg)
	}
	last := points[len(points)-1]
	if last.Classes != 1 || last.KMin != len(rows) {
		t.Errorf("top level: %d classes, k_min %d", last.Classes, last.KMin)
	}
}
