package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
)

// TestShareWindowGrantInOtherZone: policy.Grant documents that only
// NotAfter's calendar date counts and the grant ends at the following
// midnight in UTC+8 "whatever zone" NotAfter is in. A grant built with a
// UTC NotAfter (JSON, or a caller's own code) for 2027-06-30 ends at
// 2027-07-01 00:00 UTC+8; a share relying on it must not be openable after
// that. share.go computes the limit in NotAfter's own zone instead, so the
// window may outlive the grant by up to 8 h (32 h with a time of day).
func TestShareWindowGrantInOtherZone(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	cst := time.FixedZone("CST", 8*3600)
	found := false
	for i := range grants {
		if grants[i].ID == "g-2026-0042" {
			y, m, d := grants[i].NotAfter.Date()
			grants[i].NotAfter = time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // same calendar date
			found = true
		}
	}
	if !found {
		t.Fatal("fixture grant g-2026-0042 missing")
	}
	grantEnd := time.Date(2027, 7, 1, 0, 0, 0, 0, cst) // policy: midnight UTC+8 after 2027-06-30
	// Explicit window ending 5 h after the grant ended: must be refused.
	late := time.Date(2027, 7, 1, 5, 0, 0, 0, cst)
	res, err := govshare.Share(context.Background(), &bytes.Buffer{},
		govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv"},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat,
		&govshare.ShareOptions{Grants: grants, Now: now, NotAfter: late})
	if err == nil {
		if res.Header.Grant == "" {
			t.Fatal("the share relied on no grant: fixture changed")
		}
		t.Errorf("share under grant ending %s accepted a window to %s (not_after %s)",
			grantEnd.Format(time.RFC3339), late.Format(time.RFC3339), res.Header.NotAfter.In(cst).Format(time.RFC3339))
	}
	// Default window from a date where the grant limit applies.
	res, err = govshare.Share(context.Background(), &bytes.Buffer{},
		govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv"},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat,
		&govshare.ShareOptions{Grants: grants, Now: time.Date(2027, 6, 20, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.NotAfter.After(grantEnd) {
		t.Errorf("default window ends %s, after the grant's end %s",
			res.Header.NotAfter.In(cst).Format(time.RFC3339), grantEnd.Format(time.RFC3339))
	}
}

// TestShareNothingLeavesLogged: a request under which no field may leave is
// refused, and the refusal is on record.
func TestShareNothingLeavesLogged(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, _ := loadFixtures(t)
	l, dir, _ := testLog(t)
	in := "姓名,身份证号\n崔俊鹤,110106200003180752\n"
	var out bytes.Buffer
	_, err := govshare.Share(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "x.csv"},
		psb, civ.Public(), catalog.PurposeStatistics, cat, &govshare.ShareOptions{Now: now, Log: l})
	if !errors.Is(err, govshare.ErrNothingToShare) || out.Len() != 0 {
		t.Fatalf("got %v and %d bytes", err, out.Len())
	}
	if got := logKinds(t, dir); got != "refuse=nothing_leaves" {
		t.Fatalf("log holds %q", got)
	}
}
