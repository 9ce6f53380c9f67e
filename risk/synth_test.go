package risk

import (
	"testing"

	"github.com/govshare/govshare/internal/synth"
)

// TestRegisterEqualsNaiveCount: on generated population registers, with
// the parts of identifiers a share keeps (a resident ID's region under
// FPE, a birth date's year) as quasi-identifiers next to sex and ethnic
// group, the figures equal an independent count.
func TestRegisterEqualsNaiveCount(t *testing.T) {
	var header []string
	for _, c := range synth.PopulationColumns() {
		header = append(header, c.Name)
	}
	for _, n := range []int{1, 100, 20000} {
		g := synth.New(uint64(n))
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = g.PopulationRow()
		}
		names := []string{"身份证号", "出生日期", "性别", "民族"}
		cols := colsOf(t, header, names)
		prefixes := []int{6, 4, 0, 0}
		qis := []QI{
			{Name: "身份证号", Column: cols[0], Prefix: 6, Part: "region"},
			{Name: "出生日期", Column: cols[1], Prefix: 4, Part: "year"},
			{Name: "性别", Column: cols[2]},
			{Name: "民族", Column: cols[3]},
		}
		scol := colsOf(t, header, []string{"登记日期"})
		a, err := New(qis, []Sensitive{{Name: "登记日期", Column: scol[0]}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := a.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Result()
		nv := naiveCount(rows, cols, prefixes, scol)
		sameFigures(t, "register", r.Figures, nv.figuresOf(DefaultK))
		if l, single := nv.l(0); r.LDiversity[0].L != l || r.LDiversity[0].ClassesWithOneValue != single {
			t.Errorf("l-diversity %+v, want %d, %d", r.LDiversity[0], l, single)
		}
		for j, c := range r.Contributions {
			rc := append(append([]int(nil), cols[:j]...), cols[j+1:]...)
			rp := append(append([]int(nil), prefixes[:j]...), prefixes[j+1:]...)
			sameFigures(t, "register without "+c.LeftOut, c.Figures, naiveCount(rows, rc, rp, nil).figuresOf(DefaultK))
		}
		if n == 20000 {
			t.Logf("register of %d: classes %d, k_min %d, uniques %d, prosecutor max %.3f avg %.3f; coarsen first %v",
				n, r.Classes, r.KMin, r.Uniques, r.ProsecutorMax, r.ProsecutorAvg, r.Ranked())
		}
	}
}
