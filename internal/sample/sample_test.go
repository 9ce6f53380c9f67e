package sample

import (
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

// TestSampleParses: the embedded catalog and rendered grants are valid
// files, so the demo never starts from a broken sample.
func TestSampleParses(t *testing.T) {
	cat, err := catalog.Parse(Catalog, "population.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cat.Provider != Provider || cat.Resource != Resource {
		t.Errorf("catalog is %q's %q", cat.Provider, cat.Resource)
	}
	end := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	gs, err := policy.ParseGrants(Grants([]Grant{{ID: "g-1", Recipient: "tax-bureau", Purpose: "administrative_basis",
		Fields: []string{"姓名", "身份证号"}, NotAfter: end, Basis: `quoted "basis": 第十五条`}}), "grants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].Resource != Resource || len(gs[0].Fields) != 2 || gs[0].NotAfter.Format(time.DateOnly) != "2027-01-02" ||
		gs[0].Basis != `quoted "basis": 第十五条` {
		t.Errorf("grants read back as %+v", gs)
	}
	reg, err := Population(1, 10)
	if err != nil || len(reg) == 0 {
		t.Fatalf("population: %v", err)
	}
}
