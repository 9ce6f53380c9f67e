package policy

import (
	"fmt"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

// BenchmarkDecideAll decides a 20-field catalog (a mix of every category
// and tier) against 10 grants, as Mask does once per input file.
func BenchmarkDecideAll(b *testing.B) {
	cat := &catalog.Catalog{Resource: resource, Provider: "public-security-bureau", Tier: catalog.TierUnconditional}
	var names []string
	for i := range 20 {
		f := catalog.Field{
			Name:      fmt.Sprintf("field-%02d", i),
			Type:      types[i%len(types)],
			Category:  categories[i%len(categories)],
			Level:     levels[i%len(levels)],
			Sensitive: i%5 == 0,
			Tier:      tiers[i%len(tiers)],
		}
		if f.Tier == catalog.TierNotShared {
			f.LegalBasis = "test basis"
		}
		cat.Fields = append(cat.Fields, f)
		names = append(names, f.Name)
	}
	var grants []Grant
	for i := range 10 {
		grants = append(grants, Grant{ID: fmt.Sprintf("g-%d", i), Resource: resource, Recipient: recipient,
			Purpose: catalog.Purposes[i%len(catalog.Purposes)], Fields: names[i : i+5],
			NotAfter: time.Date(2027, 6, 30, 0, 0, 0, 0, catalog.ChinaTime)})
	}
	req := Request{Catalog: cat, Purpose: admin, Recipient: recipient, Grants: grants, Now: now}
	for b.Loop() {
		if _, err := DecideAll(req, names); err != nil {
			b.Fatal(err)
		}
	}
}
