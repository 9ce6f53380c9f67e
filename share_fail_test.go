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
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
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
	res, err := govshare.Share(context.Background(),
		govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv"}, &bytes.Buffer{},
		govshare.ShareOptions{
			Options: govshare.Options{
				Request: policy.Request{Catalog: cat, Purpose: catalog.PurposeAdministrativeBasis, Grants: grants, Now: now},
				Keys:    psb,
			},
			To: tax.Public(), NotAfter: late, TempDir: t.TempDir(),
		})
	if err == nil {
		if res.Header.Grant == "" {
			t.Fatal("the share relied on no grant: fixture changed")
		}
		t.Errorf("share under grant ending %s accepted a window to %s (not_after %s)",
			grantEnd.Format(time.RFC3339), late.Format(time.RFC3339), res.Header.NotAfter.In(cst).Format(time.RFC3339))
	}
	// Default window from a date where the grant limit applies.
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeAdministrativeBasis, Grants: grants, Now: time.Date(2027, 6, 20, 0, 0, 0, 0, time.UTC)}
	res, err = govshare.Share(context.Background(),
		govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv"}, &bytes.Buffer{},
		govshare.ShareOptions{Options: govshare.Options{Request: req, Keys: psb}, To: tax.Public(), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.NotAfter.After(grantEnd) {
		t.Errorf("default window ends %s, after the grant's end %s",
			res.Header.NotAfter.In(cst).Format(time.RFC3339), grantEnd.Format(time.RFC3339))
	}
}

// TestShareLogFailureWithdraws: when the share record cannot be appended
// after Commit published the envelope, Share withdraws it: every share that
// goes out is on record (envelope.md §8).
func TestShareLogFailureWithdraws(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat, _, data := loadFixtures(t)
	l, _, _ := testLog(t)
	l.Close() // Append now fails, as on a full disk or a lock error
	committed := false
	_, err := govshare.Share(context.Background(), govshare.Input{Reader: bytes.NewReader(data)}, &bytes.Buffer{},
		govshare.ShareOptions{
			Options: govshare.Options{Request: policy.Request{Catalog: cat, Purpose: catalog.PurposeWorkReference, Now: now}, Keys: psb},
			To:      tax.Public(), Log: l, TempDir: t.TempDir(),
			Commit:   func() error { committed = true; return nil },
			Withdraw: func() error { committed = false; return nil },
		})
	if err == nil {
		t.Fatal("share into a closed log succeeded")
	}
	if committed {
		t.Errorf("Share failed (%v) and left the envelope it published in place", err)
	}
}

// TestOpenLogFailureWithdraws: the same for Open: plaintext committed before
// the open record fails to append is withdrawn.
func TestOpenLogFailureWithdraws(t *testing.T) {
	_, tax, _ := shareParties(t)
	env, _, err := shareSample(t, nil, tax, catalog.PurposeAdministrativeBasis, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	l, _, _ := testLog(t)
	l.Close()
	committed := false
	var out bytes.Buffer
	_, err = govshare.Open(context.Background(), &out, bytes.NewReader(env), int64(len(env)), govshare.OpenOptions{
		OpenOptions: envelope.OpenOptions{Keys: tax, Purpose: catalog.PurposeAdministrativeBasis, Trust: parties.psb.Public(), Now: now.Add(time.Hour)},
		Log:         l,
		Commit:      func() error { committed = true; return nil },
		Withdraw:    func() error { committed = false; return nil },
	})
	if err == nil {
		t.Fatal("open into a closed log succeeded")
	}
	if committed {
		t.Errorf("Open failed (%v) and left the %d plaintext bytes it committed in place", err, out.Len())
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
	_, err := govshare.Share(context.Background(), govshare.Input{Reader: strings.NewReader(in), Name: "x.csv"}, &out,
		govshare.ShareOptions{
			Options: govshare.Options{Request: policy.Request{Catalog: cat, Purpose: catalog.PurposeStatistics, Now: now}, Keys: psb},
			To:      civ.Public(), Log: l, TempDir: t.TempDir(),
		})
	if !errors.Is(err, govshare.ErrNothingToShare) || out.Len() != 0 {
		t.Fatalf("got %v and %d bytes", err, out.Len())
	}
	if got := logKinds(t, dir); got != "refuse=nothing_leaves" {
		t.Fatalf("log holds %q", got)
	}
}

// TestShareRelease: a DP report is sealed to its recipient for statistics,
// opens to the same bytes, and both acts are on record; other purposes and
// unknown fields are refused.
func TestShareRelease(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, _ := loadFixtures(t)
	l, dir, _ := testLog(t)
	report := []byte(`{"kind":"count","group_by":"民族","results":[{"group":"汉族","value":187}]}` + "\n")
	opt := govshare.ShareOptions{
		Options: govshare.Options{Request: policy.Request{Catalog: cat, Purpose: catalog.PurposeStatistics, Now: now}, Keys: psb},
		To:      civ.Public(), Log: l,
	}
	rel := govshare.Release{Payload: report, ContentType: "application/json", Fields: []string{"身份证号", "民族"}, RecordCount: 1}
	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(), rel, &env, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Header.Fields {
		if f.Transform != catalog.TransformDP {
			t.Errorf("field %s leaves as %s", f.Name, f.Transform)
		}
	}
	got, err := openShared(env.Bytes(), l, civ, catalog.PurposeStatistics, now.Add(time.Hour))
	if err != nil || !bytes.Equal(got, report) {
		t.Fatalf("opened %q, %v", got, err)
	}
	if k := logKinds(t, dir); k != "share:opened" {
		t.Errorf("log holds %s", k)
	}
	opt.Request.Purpose = catalog.PurposeWorkReference
	if _, err := govshare.ShareRelease(context.Background(), rel, &bytes.Buffer{}, opt); err == nil {
		t.Error("a release for work_reference was sealed")
	}
	opt.Request.Purpose = catalog.PurposeStatistics
	rel.Fields = []string{"不存在"}
	if _, err := govshare.ShareRelease(context.Background(), rel, &bytes.Buffer{}, opt); !errors.Is(err, policy.ErrUnknownField) {
		t.Errorf("unknown release field: %v", err)
	}
}
