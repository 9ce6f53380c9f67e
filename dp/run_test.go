package dp

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

var testHeader = []string{"身份证号", "区县", "年龄", "收入"}

// population builds rows: district d has size[d] people; person i appears in
// `rowsEach` rows of their own district, age 20 + i%60, income 1000·(i%7).
func population(sizes map[string]int, rowsEach int) ([][]string, []string) {
	var rows [][]string
	var ids []string
	id := 0
	for _, d := range []string{"东城区", "西城区", "朝阳区", "海淀区", "延庆区"} {
		for i := 0; i < sizes[d]; i++ {
			id++
			pid := fmt.Sprintf("11010519%06dX", id)
			ids = append(ids, pid)
			for r := 0; r < rowsEach; r++ {
				rows = append(rows, []string{pid, d, fmt.Sprint(20 + id%60), fmt.Sprint(1000 * (id % 7))})
			}
		}
	}
	return rows, ids
}

func TestRunGroupedCount(t *testing.T) {
	rows, ids := population(map[string]int{"东城区": 2000, "西城区": 1500, "延庆区": 2}, 3)
	l, _ := newLedger(t, 20, 1e-5)
	bud := Budget{Ledger: l, Resource: "population-register", Recipient: "statistics-bureau"}
	opts := Options{Epsilon: 10, Delta: 1e-6, Person: "身份证号", GroupBy: "区县", Kind: KindCount}
	rep, _, err := Run(opts, rowsOf(rows), testHeader, bud)
	if err != nil {
		t.Fatal(err)
	}
	// Aggregation ε = 5, Laplace scale 0.2: P(|noise| > 5) = e^-25 ≈ 1.4e-11.
	// The 2-person district is released with probability < 1e-6·(1+e^5) < 1.5e-4;
	// it is not asserted to be absent here (TestPartitionSelection does that).
	want := map[string]float64{"东城区": 2000, "西城区": 1500}
	got := map[string]float64{}
	for _, r := range rep.Results {
		got[r.Group] = r.Value
		if r.Epsilon != 5 || r.Delta != 0 || r.Mechanism != "laplace" || r.CI == nil {
			t.Errorf("%s: result parameters %+v", r.Group, r)
		}
	}
	for g, w := range want {
		if math.Abs(got[g]-w) > 5 {
			t.Errorf("%s: count %g, want %g ± 5 (each person's 3 rows count once)", g, got[g], w)
		}
	}
	if rep.Epsilon != 10 || rep.Delta != 1e-6 || rep.Split.Selection == nil || rep.Split.Selection.Epsilon != 5 {
		t.Errorf("report budget %+v", rep)
	}
	if rep.Budget == nil || rep.Budget.SpentEpsilon != 10 || rep.Budget.SpentDelta != 1e-6 {
		t.Errorf("budget status %+v", rep.Budget)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if strings.Contains(string(b), id) {
			t.Fatal("a person key appears in the JSON report")
		}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"kind", "epsilon", "delta", "budget_split", "results", "budget", "person_column", "group_by"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	r0 := m["results"].([]any)[0].(map[string]any)
	for _, k := range []string{"group", "mechanism", "epsilon", "delta", "value", "confidence_interval", "confidence_level", "noise_stddev"} {
		if _, ok := r0[k]; !ok {
			t.Errorf("JSON result lacks %q", k)
		}
	}

	// Second identical release: 10 + 10 ≤ 20 fits; the third does not and
	// returns no results.
	if _, _, err := Run(opts, rowsOf(rows), testHeader, bud); err != nil {
		t.Fatal(err)
	}
	rep3, _, err := Run(opts, rowsOf(rows), testHeader, bud)
	if !errors.Is(err, ErrBudgetExhausted) || rep3.Results != nil {
		t.Fatalf("third release: %v, %d results", err, len(rep3.Results))
	}
}

func TestRunMeanSumQuantiles(t *testing.T) {
	rows, _ := population(map[string]int{"朝阳区": 3000}, 2)
	// ε = MaxEpsilon: noise is far below the tolerances; see each check.
	base := Options{Epsilon: MaxEpsilon, Person: "身份证号", Lower: 0, Upper: 100, MaxContributionsPerPartition: 2}
	mean := base
	mean.Kind, mean.Column = KindMean, "年龄"
	rep, _, err := Run(mean, rowsOf(rows), testHeader, unbudgeted)
	if err != nil {
		t.Fatal(err)
	}
	// True mean of 20 + id%60 over ids 1..3000 is 49.5. Each half gets ε = 5:
	// count noise scale 2/5 = 0.4 on a count of 6000, noise scale of the sum
	// of offsets 2·50/5 = 20 on 6000 values: the mean moves by more than 0.05
	// only if a noise exceeds 15 scales, probability below 2e^-15 ≈ 6e-7.
	// (CI coverage is a statistical property: TestConfidenceIntervalCoverage.)
	if r := rep.Results[0]; math.Abs(r.Value-49.5) > 0.05 || r.CI == nil || !(r.CI.Lower < r.CI.Upper) {
		t.Errorf("mean %+v, want ≈ 49.5 with an interval", r)
	}
	sum := base
	sum.Kind, sum.Column, sum.Upper = KindSum, "收入", 5000
	rep, _, err = Run(sum, rowsOf(rows), testHeader, unbudgeted)
	if err != nil {
		t.Fatal(err)
	}
	// Incomes 0…6000 clamp to 5000; each person counts twice (C = 2).
	var truth float64
	for id := 1; id <= 3000; id++ {
		truth += 2 * math.Min(5000, float64(1000*(id%7)))
	}
	// Laplace scale 2·5000/10 = 1000: P(|noise| > 25000) = e^-25 ≈ 1.4e-11.
	if r := rep.Results[0]; math.Abs(r.Value-truth) > 25000 {
		t.Errorf("sum %g, want %g", r.Value, truth)
	}
	q := base
	q.Kind, q.Column, q.Ranks = KindQuantiles, "年龄", []float64{0.1, 0.5, 0.9}
	rep, _, err = Run(q, rowsOf(rows), testHeader, unbudgeted)
	if err != nil {
		t.Fatal(err)
	}
	qs := rep.Results[0].Quantiles
	if len(qs) != 3 || rep.Results[0].CI != nil {
		t.Fatalf("quantiles %+v", rep.Results[0])
	}
	// Ages are uniform on 20…79: true quantiles ≈ 26, 50, 74. Node noise scale
	// 4·2/10 = 0.8 against 200 values a year: a quantile moves a whole year
	// only if some node's noise exceeds about 100 counts (125 scales), which
	// has probability below 70000·e^-125 < 1e-49 over the tree; the rest of
	// the ±2 allowance is the distance from a true quantile to an integer
	// age (3000 runs: largest deviation 1.0).
	for i, w := range []float64{26, 50, 74} {
		if math.Abs(qs[i].Value-w) > 2 {
			t.Errorf("quantile %g = %g, want ≈ %g", qs[i].Rank, qs[i].Value, w)
		}
	}
	b, _ := json.Marshal(rep.Results[0])
	if strings.Contains(string(b), `"value":`+"0") || !strings.Contains(string(b), `"quantiles"`) {
		t.Errorf("quantile JSON %s", b)
	}
}

func TestRunRowErrors(t *testing.T) {
	secret := "110105194912310021"
	mean := Options{Epsilon: 1, Person: "身份证号", Kind: KindMean, Column: "收入", Lower: 0, Upper: 1e5}
	cases := []struct {
		name string
		opts Options
		rows [][]string
		want []string
		is   error
	}{
		{"non-numeric", mean, [][]string{{secret, "东城区", "30", "1000"}, {secret, "东城区", "30", "¥" + secret}},
			[]string{"line 3", `"收入"`}, nil},
		{"NaN", mean, [][]string{{secret, "东城区", "30", "NaN"}}, []string{"line 2", `"收入"`}, nil},
		{"short", mean, [][]string{{secret, "东城区"}}, []string{"line 2", "2 fields"}, nil},
		{"no column", Options{Epsilon: 1, Person: "姓名", Kind: KindCount}, nil, []string{`"姓名"`}, nil},
		{"count with column", Options{Epsilon: 1, Person: "身份证号", Kind: KindCount, Column: "收入"}, nil, []string{"value column"}, ErrInvalidOptions},
		{"ledger needs names", Options{Epsilon: 1, Person: "身份证号", Kind: KindCount}, nil, []string{"resource"}, nil},
		{"bad options", Options{Epsilon: -1, Person: "身份证号", Kind: KindCount}, nil, []string{"epsilon"}, ErrInvalidOptions},
	}
	for _, c := range cases {
		l, path := newLedger(t, 10, 1e-5)
		b := Budget{Ledger: l, Resource: "r", Recipient: "c"}
		if c.name == "ledger needs names" {
			b.Resource, b.Recipient = "", ""
		}
		_, _, err := Run(c.opts, rowsOf(c.rows), testHeader, b)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "govshare/dp: ") {
			t.Errorf("%s: error not prefixed: %q", c.name, msg)
		}
		if strings.Contains(msg, secret) || strings.Contains(msg, "¥") {
			t.Errorf("%s: error quotes a value", c.name)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", c.name, msg, w)
			}
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: error %v is not %v", c.name, err, c.is)
		}
		// A failed run costs nothing.
		if e, _, _ := l.Spent("r", "c"); e != 0 {
			t.Errorf("%s: failed run charged ε=%g to %s", c.name, e, filepath.Base(path))
		}
	}
	// Duplicate header columns are ambiguous.
	_, _, err := Run(Options{Epsilon: 1, Person: "a", Kind: KindCount}, rowsOf(nil), []string{"a", "b", "a"}, unbudgeted)
	if err == nil || !strings.Contains(err.Error(), "more than once") {
		t.Errorf("duplicate column: %v", err)
	}
	// Reader errors are passed on with the line.
	bad := iter.Seq2[[]string, error](func(yield func([]string, error) bool) {
		if yield([]string{"p", "a", "1", "1"}, nil) {
			yield(nil, errors.New("bare quote"))
		}
	})
	_, _, err = Run(Options{Epsilon: 1, Person: "身份证号", Kind: KindCount}, bad, testHeader, unbudgeted)
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "bare quote") {
		t.Errorf("reader error: %v", err)
	}
}

// An empty grouped input releases no groups but is still charged: the empty
// answer is itself an output of the mechanism.
func TestRunEmptyGrouped(t *testing.T) {
	l, _ := newLedger(t, 1, 1e-5)
	rep, _, err := Run(Options{Epsilon: 0.5, Delta: 1e-6, Person: "身份证号", GroupBy: "区县", Kind: KindCount},
		rowsOf(nil), testHeader, Budget{Ledger: l, Resource: "r", Recipient: "c"})
	if err != nil || rep.Results == nil || len(rep.Results) != 0 {
		t.Fatalf("%+v, %v", rep.Results, err)
	}
	if e, _, _ := l.Spent("r", "c"); e != 0.5 {
		t.Fatalf("spent %g, want 0.5", e)
	}
}
