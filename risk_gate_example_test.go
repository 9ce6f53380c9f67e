package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/risk"
)

// A catalog that marks quasi-identifiers and sets max_prosecutor_risk
// makes Share measure what it releases: here one person is alone in their
// (district, sex) class, so the share is refused before sealing, and the
// error names the quasi-identifiers to coarsen. With ShareOptions.Log the
// refusal, with its figures, is on the log too.
func ExampleShare_riskThreshold() {
	cat, err := catalog.Parse([]byte(`resource: survey
provider: public-security-bureau
tier: unconditional
max_prosecutor_risk: 0.2
fields:
  - {name: 区县, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 性别, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 评分, type: none, category: public, level: general, sensitive: false}
`), "survey.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	var csv strings.Builder
	csv.WriteString("区县,性别,评分\n")
	for i := range 40 {
		fmt.Fprintf(&csv, "%s,%s,%d\n", []string{"东城区", "西城区"}[i%2], []string{"男", "女"}[i/2%2], i)
	}
	csv.WriteString("朝阳区,男,7\n")
	psb, err := keys.New("public-security-bureau")
	if err != nil {
		fmt.Println(err)
		return
	}
	tax, err := keys.New("tax-bureau")
	if err != nil {
		fmt.Println(err)
		return
	}
	var env bytes.Buffer
	res, err := govshare.Share(context.Background(), &env, govshare.Input{Reader: strings.NewReader(csv.String())},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, nil)
	var ee *risk.ExceededError
	if errors.As(err, &ee) {
		fmt.Println("refused:", errors.Is(err, risk.ErrExceeded))
		fmt.Println("coarsen first:", ee.Coarsen)
		fmt.Printf("records %d, classes %d, k_min %d\n", res.Risk.Records, res.Risk.Classes, res.Risk.KMin)
		fmt.Println("envelope bytes written:", env.Len())
	}
	// Output:
	// refused: true
	// coarsen first: [区县 性别]
	// records 41, classes 5, k_min 1
	// envelope bytes written: 0
}
