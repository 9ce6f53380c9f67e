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
	opts := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "区县", Epsilon: 1, Delta: 1e-7}
	budget := dp.Budget{Ledger: ledger, Resource: "population-register", Recipient: "statistics-bureau"}
	rep, _, err := dp.Run(opts, csvRows(rows), header, budget)
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
	_, _, _ = dp.Run(opts, csvRows(rows), header, budget)
	_, _, err = dp.Run(opts, csvRows(rows), header, budget)
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

// A release with no budget of record is refused unless it says so, and
// rows without a person key are left out and counted for the provider only.
func ExampleRun_unbudgeted() {
	header := []string{"身份证号", "年龄"}
	var rows [][]string
	for i := 0; i < 300; i++ {
		rows = append(rows, []string{fmt.Sprintf("P%06d", i), fmt.Sprint(20 + i%50)})
	}
	rows = append(rows, []string{"", "99"}, []string{"  ", "99"}) // no person key
	opts := dp.Options{Kind: dp.KindMean, Person: "身份证号", Column: "年龄", Epsilon: 0.5, Lower: 0, Upper: 120}
	_, _, err := dp.Run(opts, csvRows(rows), header, dp.Budget{})
	fmt.Println(errors.Is(err, dp.ErrNoBudget))
	rep, left, err := dp.Run(opts, csvRows(rows), header, dp.Budget{Unbudgeted: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := rep.Results[0]
	fmt.Printf("%s via %s, unbudgeted %t, within bounds %t\n", r.Kind, r.Mechanism, rep.Unbudgeted, r.Value >= 0 && r.Value <= 120)
	fmt.Println(left)
	// Output:
	// true
	// mean via laplace, unbudgeted true, within bounds true
	// 2 rows left out of the aggregate: their person key is blank, so their contributions cannot be bounded
}

func ExampleOptions_Validate() {
	err := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "区县", Epsilon: 1}.Validate()
	fmt.Println(err)
	// Output:
	// govshare/dp: invalid options: grouped releases need delta > 0 for partition selection
}
