package catalog

import (
	"strings"
	"testing"
)

const riskFieldsCatalog = `resource: adult-extract
provider: census-bureau
tier: conditional
%THRESHOLDS%
fields:
  - name: age
    type: none
    category: personal
    level: general
    sensitive: false
    quasi_identifier: true
  - name: salary
    type: none
    category: personal
    level: general
    sensitive: true
`

func withThresholds(th string) []byte {
	return []byte(strings.Replace(riskFieldsCatalog, "%THRESHOLDS%", th, 1))
}

// TestQuasiIdentifierAndThresholds: quasi_identifier, max_prosecutor_risk
// and min_k parse, survive a round trip, and are unset when absent.
func TestQuasiIdentifierAndThresholds(t *testing.T) {
	c, err := Parse(withThresholds("max_prosecutor_risk: 0.2\nmin_k: 5"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	age, _ := c.Field("age")
	salary, _ := c.Field("salary")
	if !age.QuasiIdentifier || salary.QuasiIdentifier {
		t.Errorf("quasi_identifier: age %v salary %v", age.QuasiIdentifier, salary.QuasiIdentifier)
	}
	if c.MaxProsecutorRisk == nil || *c.MaxProsecutorRisk != 0.2 || c.MinK == nil || *c.MinK != 5 {
		t.Fatalf("thresholds %v %v", c.MaxProsecutorRisk, c.MinK)
	}
	out, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"max_prosecutor_risk: 0.2", "min_k: 5", "quasi_identifier: true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("marshalled catalog lacks %q", want)
		}
	}
	c2, err := Parse(out, "c2.yaml")
	if err != nil || *c2.MaxProsecutorRisk != 0.2 || *c2.MinK != 5 {
		t.Errorf("round trip: %v", err)
	}
	// Bounds: 1 and min_k 1 are allowed.
	if _, err := Parse(withThresholds("max_prosecutor_risk: 1\nmin_k: 1"), "c.yaml"); err != nil {
		t.Errorf("bounds: %v", err)
	}
	// Absent: nil, and not written.
	c, err = Parse(withThresholds(""), "c.yaml")
	if err != nil || c.MaxProsecutorRisk != nil || c.MinK != nil {
		t.Fatalf("absent: %v %v %v", err, c.MaxProsecutorRisk, c.MinK)
	}
	out, _ = c.Marshal()
	if strings.Contains(string(out), "max_prosecutor_risk") || strings.Contains(string(out), "min_k") || strings.Contains(string(out), "quasi_identifier: false") {
		t.Errorf("unset fields written:\n%s", out)
	}
}

// TestThresholdValidation: 0 < max_prosecutor_risk ≤ 1 and min_k ≥ 1,
// an explicit 0 included; a value of the wrong type is a decode error.
func TestThresholdValidation(t *testing.T) {
	cases := map[string]string{
		"max_prosecutor_risk: 0":    "max_prosecutor_risk must be greater than 0 and at most 1",
		"max_prosecutor_risk: -0.1": "max_prosecutor_risk must be greater than 0 and at most 1",
		"max_prosecutor_risk: 1.5":  "max_prosecutor_risk must be greater than 0 and at most 1",
		"max_prosecutor_risk: .nan": "max_prosecutor_risk must be greater than 0 and at most 1",
		"max_prosecutor_risk: .inf": "max_prosecutor_risk must be greater than 0 and at most 1",
		"min_k: 0":                  "min_k must be at least 1",
		"min_k: -3":                 "min_k must be at least 1",
		"min_k: 2.5":                "line 4: not a whole number",
		"min_k: 5.0":                "line 4: not a whole number",
		"min_k: [5]":                "line 4: not a whole number",
		"max_prosecutor_risk: high": "line 4",
	}
	for th, want := range cases {
		_, err := Parse(withThresholds(th), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "c.yaml") {
			t.Errorf("%s: %v", th, err)
		}
	}
	// Validate (no file) checks them as well.
	c, err := Parse(withThresholds(""), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k := Count(0)
	c.MinK = &k
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "min_k") {
		t.Errorf("Validate: %v", err)
	}
}
