package policy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

// FuzzParseGrants: ParseGrants never panics; what it accepts validates,
// has unique ids and dates at midnight Beijing time; what it rejects is an
// ErrInvalidGrant naming the file.
func FuzzParseGrants(f *testing.F) {
	if data, err := os.ReadFile("testdata/grants.yaml"); err == nil {
		f.Add(string(data))
	}
	f.Add("grants: []\n")
	f.Add("grants:\n  - id: g1\n    resource: r\n    recipient: d\n    purpose: statistics\n    fields: [a, b]\n    not_after: 2027-06-30\n")
	f.Add("grants:\n  - &g {id: g1, resource: r, recipient: d, purpose: statistics, not_after: 2027-06-30}\n  - *g\n")
	f.Add("grants:\n  - {id: 1, resource: 2.5, recipient: 2027-01-01, purpose: work_reference, not_after: '2027-06-30'}\n")
	f.Add("grants: [{<<: {id: g}}]\n")
	f.Add("---\n...\n")
	f.Fuzz(func(t *testing.T, in string) {
		gs, err := ParseGrants([]byte(in), "f.yaml")
		if err != nil {
			if gs != nil || !errors.Is(err, ErrInvalidGrant) || !strings.HasPrefix(err.Error(), "govshare/policy: grants f.yaml") {
				t.Fatalf("rejection: %v (grants %v)", err, gs)
			}
			return
		}
		ids := map[string]bool{}
		for i := range gs {
			g := &gs[i]
			if err := g.Validate(); err != nil {
				t.Fatalf("accepted grant %d does not validate: %v", i, err)
			}
			if ids[g.ID] {
				t.Fatalf("accepted id twice at grant %d", i)
			}
			ids[g.ID] = true
			if g.NotAfter.Location() != catalog.ChinaTime || g.NotAfter.Hour() != 0 || g.NotAfter.Minute() != 0 || g.NotAfter.Second() != 0 || g.NotAfter.Nanosecond() != 0 {
				t.Fatalf("grant %d: not_after is not midnight UTC+8", i)
			}
			if !g.ValidAt(g.NotAfter) || g.ValidAt(g.End()) {
				t.Fatalf("grant %d: validity window wrong", i)
			}
		}
	})
}
