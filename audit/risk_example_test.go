package audit_test

import (
	"fmt"
	"time"

	"github.com/govshare/govshare/audit"
)

// A refusal by the re-identification threshold carries the figures of
// what would have left and the quasi-identifiers to coarsen: names and
// counts, never a value.
func ExampleRiskFigures() {
	b, err := audit.Marshal(audit.RefuseRecord{
		RequestID: "req-0001", By: "public-security-bureau", Code: audit.ReasonRiskExceeded,
		Time: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC),
		Risk: &audit.RiskFigures{
			QuasiIdentifiers: []string{"区县", "性别"}, K: 5,
			Records: 41, Classes: 5, KMin: 1, Uniques: 1, RecordsInClassesBelowK: 1,
			ProsecutorMax: 1, ProsecutorAvg: 5.0 / 41, MaxProsecutorRisk: 0.2,
			Coarsen: []string{"区县", "性别"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"v":1,"type":"refuse","envelope":"","request":"req-0001","by":"public-security-bureau","code":"risk_exceeded","risk":{"quasi_identifiers":["区县","性别"],"k":5,"records":41,"classes":5,"k_min":1,"uniques":1,"records_in_classes_below_k":1,"prosecutor_max":1,"prosecutor_avg":0.12195121951219512,"max_prosecutor_risk":0.2,"coarsen":["区县","性别"]},"time":"2026-12-03T08:00:00.000Z"}
}
