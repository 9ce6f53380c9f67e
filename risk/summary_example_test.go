package risk_test

import (
	"fmt"

	"github.com/govshare/govshare/risk"
)

// Summary is the figures without each quasi-identifier's contribution:
// cheap for a passing check; Result adds what to coarsen.
func ExampleAnalyzer_Summary() {
	a, err := risk.New([]risk.QI{{Name: "district", Column: 0}, {Name: "sex", Column: 1}}, nil, risk.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range [][]string{{"东城区", "男"}, {"东城区", "男"}, {"东城区", "女"}, {"西城区", "女"}, {"西城区", "女"}} {
		if err := a.Add(row); err != nil {
			fmt.Println(err)
			return
		}
	}
	s := a.Summary()
	fmt.Printf("%d records, %d classes, k_min %d, uniques %d, contributions %d\n",
		s.Records, s.Classes, s.KMin, s.Uniques, len(s.Contributions))
	fmt.Println("with Result:", len(a.Result().Contributions), "contributions")
	// Output:
	// 5 records, 3 classes, k_min 1, uniques 1, contributions 0
	// with Result: 2 contributions
}
