package dp_test

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"

	"github.com/govshare/govshare/dp"
)

// csvRows stands in for the CLI's CSV reader.
func csvRows(rows [][]string) iter.Seq2[[]string, error] {
	return func(yield func([]string, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// A grouped DP count of residents per district, charged to a ledger. Noisy
// values differ per run, so only the released groups and the public
// parameters are printed. 东城区 has 500 people, above partition selection's
// hard threshold, so it is always released; 延庆区 has one person and is
// released with probability below 1e-6.
func ExampleRun() {
	header := []string{"身份证号", "区县"}
	var rows [][]string
	for i := 0; i < 500; i++ {
		id := fmt.Sprintf("P%06d", i)
		rows = append(rows, []string{id, "东城区"}, []string{id, "东城区"}) // two rows each: counted once
	}
	rows = append(rows, []string{"P999999", "延庆区"})

	dir, _ := os.MkdirTemp("", "dp-example")
	defer os.RemoveAll(dir)
	ledger, err := dp.OpenLedger(filepath.Join(dir, "budget.jsonl"), 2, 1e-5)
	if err != nil {
		fmt.Println(err)
		return
	}
	spec := dp.Spec{
		Resource: "population-register", Recipient: "statistics-bureau",
		Epsilon: 1, Delta: 1e-7, Person: "身份证号", GroupBy: "区县", Kind: dp.KindCount,
	}
	rep, err := dp.Run(spec, csvRows(rows), header, ledger)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("charged ε=%g δ=%g; selection ε=%g, count ε=%g\n",
		rep.Epsilon, rep.Delta, rep.Split.Selection.Epsilon, rep.Split.Aggregation.Epsilon)
	for _, r := range rep.Results {
		fmt.Printf("%s: %s noise, %.0f%% CI reported: %t\n", r.Group, r.Mechanism, 100*r.ConfidenceLevel, r.CI != nil)
	}
	fmt.Printf("ledger: ε %g of %g spent\n", rep.Budget.SpentEpsilon, rep.Budget.BudgetEpsilon)

	// Twice more would exceed ε = 2.
	_, _ = dp.Run(spec, csvRows(rows), header, ledger)
	_, err = dp.Run(spec, csvRows(rows), header, ledger)
	fmt.Println("third release refused:", errors.Is(err, dp.ErrBudgetExhausted))
	// Output:
	// charged ε=1 δ=1e-07; selection ε=0.5, count ε=0.5
	// 东城区: laplace noise, 95% CI reported: true
	// ledger: ε 1 of 2 spent
	// third release refused: true
}

func ExampleOpenLedger() {
	dir, _ := os.MkdirTemp("", "dp-example")
	defer os.RemoveAll(dir)
	l, err := dp.OpenLedger(filepath.Join(dir, "budget.jsonl"), 1, 1e-6)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Spend("population-register", "tax-bureau", 0.75, 0))
	err = l.Spend("population-register", "tax-bureau", 0.5, 0)
	fmt.Println(errors.Is(err, dp.ErrBudgetExhausted))
	fmt.Println(l.Spend("population-register", "health-commission", 0.5, 0)) // another account
	e, d, _ := l.Spent("population-register", "tax-bureau")
	fmt.Println(e, d)
	// Output:
	// <nil>
	// true
	// <nil>
	// 0.75 0
}

func ExampleNewAggregation() {
	a, err := dp.NewAggregation(dp.Options{
		Kind: dp.KindMean, Epsilon: 0.5, Lower: 0, Upper: 120,
		MaxContributionsPerPartition: 2, // up to two rows per person
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < 100; i++ {
		_ = a.Add(fmt.Sprintf("P%03d", i), "", float64(20+i%50))
	}
	eps, delta := a.Cost()
	fmt.Printf("cost ε=%g δ=%g\n", eps, delta)
	res, _ := a.Release()
	r := res[0]
	fmt.Printf("%s via %s, value within bounds: %t\n", r.Kind, r.Mechanism, r.Value >= 0 && r.Value <= 120)
	_, err = a.Release()
	fmt.Println(err)
	// Output:
	// cost ε=0.5 δ=0
	// mean via laplace, value within bounds: true
	// govshare/dp: result already released
}

func ExampleOptions_Validate() {
	err := dp.Options{Kind: dp.KindCount, Epsilon: 1, Grouped: true}.Validate()
	fmt.Println(err)
	// Output:
	// govshare/dp: invalid options: grouped releases need delta > 0 for partition selection
}
