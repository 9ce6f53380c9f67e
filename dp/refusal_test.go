package dp

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRunRefusesBeforeCharge: every refusal of issue 11 §1 happens before
// the budget is charged (the ledger is untouched), within a second (the
// 0,1e308 sum used to spin in dpagg's sampler forever), and its error
// quotes no value of the input.
func TestRunRefusesBeforeCharge(t *testing.T) {
	header := []string{"id", "g", "v"}
	people := func(n int, group func(i int) string) [][]string {
		rows := make([][]string, n)
		for i := range rows {
			rows[i] = []string{personID(i), group(i), "1"}
		}
		return rows
	}
	few := people(400, func(i int) string { return fmt.Sprint("district-", i%4) })
	mobile := func(i int) string { return fmt.Sprintf("1381234%04d", i%50) }
	long := func(i int) string {
		return fmt.Sprintf("来访人员反映其所在小区%d号楼的供暖设施长期不能正常运行请求有关部门尽快处理", i%3)
	}
	nearUnique := func(i int) string { return fmt.Sprint("户-", i*2/3) } // 267 groups for 400 persons
	count := Options{Kind: KindCount, Person: "id", Epsilon: 1}
	grouped := Options{Kind: KindCount, Person: "id", GroupBy: "g", Epsilon: 1, Delta: 1e-6}
	sum := Options{Kind: KindSum, Person: "id", Column: "v", Epsilon: 0.5}
	with := func(o Options, f func(*Options)) Options { f(&o); return o }
	cases := []struct {
		name string
		opts Options
		rows [][]string
		is   error
	}{
		{"sum bounds 0,1e308", with(sum, func(o *Options) { o.Lower, o.Upper = 0, 1e308 }), few, ErrInvalidOptions},
		{"sum bounds ±1e308", with(sum, func(o *Options) { o.Lower, o.Upper = -1e308, 1e308 }), few, ErrInvalidOptions},
		{"mean bounds ±1e308", with(sum, func(o *Options) { o.Kind, o.Lower, o.Upper = KindMean, -1e308, 1e308 }), few, ErrInvalidOptions},
		{"person is group", with(grouped, func(o *Options) { o.GroupBy = "id" }), few, ErrInvalidOptions},
		{"epsilon above the cap", with(count, func(o *Options) { o.Epsilon = 11 }), few, ErrInvalidOptions},
		{"delta 0.5", with(grouped, func(o *Options) { o.Delta = 0.5 }), few, ErrInvalidOptions},
		{"delta above 1/persons", with(count, func(o *Options) { o.Mechanism, o.Delta = Gaussian, MaxDelta }),
			people(100_001, func(int) string { return "" }), ErrInvalidOptions},
		{"identifier group values", grouped, people(400, mobile), ErrGroupColumn},
		{"free-text group values", grouped, people(400, long), ErrGroupColumn},
		{"one group value per person", grouped, people(400, nearUnique), ErrGroupColumn},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, _ := newLedger(t, 10, 1e-5)
			done := make(chan error, 1)
			go func() {
				_, _, err := Run(c.opts, rowsOf(c.rows), header, Budget{Ledger: l, Resource: "r", Recipient: "c"})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10 s")
			}
			if err == nil {
				t.Fatalf("not refused, want %v", c.is)
			}
			for _, r := range c.rows[:min(len(c.rows), 400)] {
				if strings.Contains(err.Error(), r[0]) || (r[1] != "" && strings.Contains(err.Error(), r[1])) {
					t.Fatal("the error quotes a value of the input")
				}
			}
			if !errors.Is(err, c.is) {
				t.Fatalf("err = %v, want %v", err, c.is)
			}
			if e, d, _ := l.Spent("r", "c"); e != 0 || d != 0 {
				t.Fatalf("a refused release charged ε=%g δ=%g", e, d)
			}
		})
	}
}

// TestRunBudgetRequired: a release with no budget of record is refused
// unless it says it is unbudgeted, and the rows are not even read; an
// exhausted account is refused before the rows are read.
func TestRunBudgetRequired(t *testing.T) {
	read := false
	rows := iter.Seq2[[]string, error](func(yield func([]string, error) bool) {
		read = true
		yield([]string{"p", "g", "1"}, nil)
	})
	header := []string{"id", "g", "v"}
	o := Options{Kind: KindCount, Person: "id", Epsilon: 1}
	if _, _, err := Run(o, rows, header, Budget{}); !errors.Is(err, ErrNoBudget) || read {
		t.Fatalf("no budget: %v (rows read: %t)", err, read)
	}
	l, _ := newLedger(t, 1, 1e-5)
	if _, _, err := Run(o, rows, header, Budget{Ledger: l, Resource: "r", Recipient: "c", Unbudgeted: true}); err == nil || read {
		t.Fatalf("ledger and unbudgeted: %v (rows read: %t)", err, read)
	}
	if err := l.Spend("r", "c", 0.6, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Run(o, rows, header, Budget{Ledger: l, Resource: "r", Recipient: "c"}); !errors.Is(err, ErrBudgetExhausted) || read {
		t.Fatalf("exhausted: %v (rows read: %t)", err, read)
	}
	rep, _, err := Run(o, rows, header, Budget{Unbudgeted: true})
	if err != nil || !read || !rep.Unbudgeted || rep.Budget != nil {
		t.Fatalf("unbudgeted: %v, %+v", err, rep)
	}
}

// TestRunBlankPersonKeysLeftOut: rows with no person key used to refuse
// the whole release. They are left out of the aggregate and counted for the
// provider, and the report carries no such count. The count's noise at
// ε = MaxEpsilon has scale 0.1: |noise| ≥ 2 with probability below
// 2e^-20 ≈ 4.1e-9, the false-failure rate of the value check, which tells
// the 300 persons from the 337 rows.
func TestRunBlankPersonKeysLeftOut(t *testing.T) {
	header := []string{"id", "v"}
	var rows [][]string
	for i := 0; i < 300; i++ {
		rows = append(rows, []string{personID(i), "1"})
	}
	blanks := []string{"", " ", "\u3000", "\t"}
	for i := 0; i < 37; i++ {
		rows = append(rows, []string{blanks[i%len(blanks)], "not a number"}) // never parsed
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	l, _ := newLedger(t, 10, 1e-5)
	rep, x, err := Run(Options{Kind: KindCount, Person: "id", Epsilon: MaxEpsilon}, rowsOf(rows), header,
		Budget{Ledger: l, Resource: "r", Recipient: "c"})
	if err != nil {
		t.Fatalf("a register with blank person keys was refused: %v", err)
	}
	if x.BlankPerson != 37 || !strings.Contains(x.String(), "37 rows left out") {
		t.Fatalf("excluded %+v (%s), want 37 blank-key rows", x, x)
	}
	if v := rep.Results[0].Value; math.Abs(v-300) >= 2 {
		t.Fatalf("count %g, want about 300: blank-key rows must not count", v)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if strings.Contains(k, "blank") || strings.Contains(k, "exclu") || strings.Contains(k, "rows") {
			t.Errorf("the report carries %q", k)
		}
	}
}

// TestChargeIsOneStepWithRelease: the ledger records a spend only for a
// release that was produced, and concurrent releases on an account that
// affords one produce exactly one.
func TestChargeIsOneStepWithRelease(t *testing.T) {
	l, _ := newLedger(t, 1, 1e-5)
	if _, err := l.charge("r", "c", 0.5, 0, func() error { return errors.New("noise failed") }); err == nil {
		t.Fatal("a failed release was charged without error")
	}
	if e, _, _ := l.Spent("r", "c"); e != 0 {
		t.Fatalf("a failed release left ε=%g spent", e)
	}
	st, err := l.charge("r", "c", 0.5, 0, func() error { return nil })
	if err != nil || st.SpentEpsilon != 0.5 || st.BudgetEpsilon != 1 {
		t.Fatalf("charge: %+v, %v", st, err)
	}

	l2, _ := newLedger(t, 1, 1e-5)
	rows := make([][]string, 2000)
	for i := range rows {
		rows[i] = []string{personID(i), "1"}
	}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = Run(Options{Kind: KindCount, Person: "id", Epsilon: 1}, rowsOf(rows), []string{"id", "v"},
				Budget{Ledger: l2, Resource: "r", Recipient: "c"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrBudgetExhausted):
			t.Errorf("unexpected error %v", err)
		}
	}
	if e, _, _ := l2.Spent("r", "c"); ok != 1 || e != 1 {
		t.Fatalf("%d releases produced, ε=%g spent; want 1 and 1", ok, e)
	}
}

// TestExactAccumulation: sums and means accumulate in integers, so the
// pre-noise total is exact and does not depend on the order of the rows.
// The values mix magnitudes so that float64 summation — what dpagg's
// BoundedSumFloat64 and BoundedMean did — gives different totals in
// different orders (asserted, so the input stays adversarial); the integer
// totals agree with each other and with the exact math/big sum of the
// rounded values. Adding a person moves the total by at most the stated
// sensitivity.
func TestExactAccumulation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 4000
	vals := make([]float64, n)
	for i := range vals {
		e := []float64{1e15, 1e9, 12345.678, 0.001}[i%4]
		vals[i] = e * (rng.Float64()*2 - 1)
	}
	for _, kind := range []Kind{KindSum, KindMean} {
		o := Options{Kind: kind, Epsilon: 1, Lower: -1e15, Upper: 1e15}
		totals := map[int64]bool{}
		floats := map[float64]bool{}
		var fx fixedPoint
		var lInf float64
		for trial := 0; trial < 4; trial++ {
			perm := rng.Perm(n)
			a, err := newAggregation(o)
			if err != nil {
				t.Fatal(err)
			}
			fx = a.fx
			var f float64
			for _, i := range perm {
				if err := a.add(personID(i), "", vals[i]); err != nil {
					t.Fatal(err)
				}
				f += vals[i]
			}
			floats[f] = true
			if err := a.bound(); err != nil {
				t.Fatal(err)
			}
			totals[a.aggs[0].exact] = true
			res, err := a.release()
			if err != nil {
				t.Fatal(err)
			}
			lInf = res[0].LInfSensitivity
		}
		if len(floats) < 2 {
			t.Fatalf("%s: float64 sums agree across orders; the test input is not adversarial", kind)
		}
		if len(totals) != 1 {
			t.Fatalf("%s: pre-noise totals differ across row orders: %v", kind, totals)
		}
		exact := new(big.Int)
		for _, v := range vals {
			u := fx.units(v, o.Lower, o.Upper)
			if kind == KindMean {
				u = 2*u - fx.hi
			}
			exact.Add(exact, big.NewInt(u))
		}
		for got := range totals {
			if !exact.IsInt64() || exact.Int64() != got {
				t.Fatalf("%s: pre-noise total %d, exact sum %s", kind, got, exact)
			}
		}
		// One more person changes the total by at most LInfSensitivity.
		for _, v := range []float64{o.Lower, o.Upper, 0, 3e14} {
			u := fx.units(v, o.Lower, o.Upper)
			d := float64(u)
			if kind == KindMean {
				d = float64(2*u-fx.hi) / 2
			}
			if math.Abs(fx.real(d)) > lInf {
				t.Fatalf("%s: a person of value %g moves the total by %g > sensitivity %g", kind, v, fx.real(d), lInf)
			}
		}
	}
}
