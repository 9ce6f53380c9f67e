package risk_test

import (
	"errors"
	"fmt"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/risk"
)

// Example measures the re-identification risk of a small release over
// two quasi-identifiers and a sensitive column, then holds it to the
// catalog's thresholds.
func Example() {
	header := []string{"district", "birth_year", "diagnosis"}
	rows := [][]string{
		{"朝阳区", "1990", "flu"},
		{"朝阳区", "1990", "cold"},
		{"朝阳区", "1990", "flu"},
		{"海淀区", "1985", "flu"},
		{"海淀区", "1985", "asthma"},
		{"海淀区", "1962", "flu"},
	}
	qis, _ := risk.Lookup(header, []string{"district", "birth_year"})
	sens, _ := risk.LookupSensitive(header, []string{"diagnosis"})
	a, err := risk.New(qis, sens, risk.Options{K: 3})
	if err != nil {
		panic(err)
	}
	for _, row := range rows {
		if err := a.Add(row); err != nil {
			panic(err)
		}
	}
	r := a.Result()
	fmt.Printf("records %d, classes %d, k_min %d, uniques %d, below k %d\n",
		r.Records, r.Classes, r.KMin, r.Uniques, r.RecordsInClassesBelowK)
	fmt.Printf("prosecutor max %.2f, avg %.2f, l(diagnosis) %d\n", r.ProsecutorMax, r.ProsecutorAvg, r.LDiversity[0].L)
	for _, c := range r.Contributions {
		fmt.Printf("without %s: k_min %d\n", c.LeftOut, c.KMin)
	}

	minK := catalog.Count(2)
	cat := &catalog.Catalog{Resource: "clinic-visits", MinK: &minK}
	var ee *risk.ExceededError
	if err := risk.Check(cat, r); errors.As(err, &ee) {
		fmt.Println(err)
	}
	// Output:
	// records 6, classes 3, k_min 1, uniques 1, below k 3
	// prosecutor max 1.00, avg 0.50, l(diagnosis) 1
	// without district: k_min 1
	// without birth_year: k_min 3
	// govshare/risk: resource "clinic-visits": smallest class k_min 1 is below min_k 2; coarsen first: birth_year, district (leaving out any one of birth_year alone meets the thresholds)
}
