package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/envelope"
)

// entries reads a log directory's entries.
func entries(t *testing.T, dir string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// verifyLog verifies a test log with every record's signature checked
// against the three departments' bundles.
func verifyLog(t *testing.T, dir, vk string) audit.Result {
	t.Helper()
	v, err := audit.NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	psb, tax, civ := shareParties(t)
	reg, err := audit.NewRegistry(psb.Public(), tax.Public(), civ.Public())
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.VerifyDir(dir, v, audit.VerifyOptions{Registry: reg, RequireSigned: true})
	if err != nil {
		t.Fatalf("log does not verify: %v", err)
	}
	return res
}

// TestActsSignedByMakers: every record the library writes is signed by the
// department whose act it is — a share, a policy refusal, a withdrawal and
// a release by the provider, an open (opened, refused, withdrawn) by the
// opener — so the log verifies with every signature checked and unsigned
// records refused; and every act returns its receipt, opens included.
// Before, the library appended every record unsigned (Log.Append).
func TestActsSignedByMakers(t *testing.T) {
	psb, tax, civ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	l, dir, vk := testLog(t)
	ctx := context.Background()

	env, res, err := shareSample(t, l, tax, catalog.PurposeAdministrativeBasis, time.Time{})
	if err != nil || res.Receipt == nil {
		t.Fatalf("share: %v", err)
	}
	if res, err := govshare.Share(ctx, &bytes.Buffer{}, csvInput(data), psb, tax.Public(), "curiosity", cat,
		&govshare.ShareOptions{Now: now, Log: l}); err == nil || res == nil || res.Receipt == nil {
		t.Fatalf("refused share: %v, result %+v", err, res)
	}
	if _, err := govshare.Share(ctx, &failingCommit{}, csvInput(data), psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat,
		&govshare.ShareOptions{Grants: grants, Now: now, Log: l}); err == nil {
		t.Fatal("share with a failing commit")
	}
	var out bytes.Buffer
	opened, err := govshare.Open(ctx, &out, bytes.NewReader(env), int64(len(env)), tax, psb.Public(),
		catalog.PurposeAdministrativeBasis, &govshare.OpenOptions{Now: now.Add(time.Hour), Log: l})
	if err != nil || opened.Receipt == nil || opened.Header == nil || opened.ID != res.Header.ID {
		t.Fatalf("open: %v", err)
	}
	refused, err := govshare.Open(ctx, &bytes.Buffer{}, bytes.NewReader(env), int64(len(env)), tax, psb.Public(),
		catalog.PurposeStatistics, &govshare.OpenOptions{Now: now.Add(time.Hour), Log: l})
	if !errors.Is(err, envelope.ErrWrongPurpose) || refused == nil || refused.Receipt == nil || refused.Header != nil {
		t.Fatalf("refused open: %v, %+v", err, refused)
	}
	if _, err := govshare.Open(ctx, &failingCommit{}, bytes.NewReader(env), int64(len(env)), tax, psb.Public(),
		catalog.PurposeAdministrativeBasis, &govshare.OpenOptions{Now: now.Add(time.Hour), Log: l}); err == nil {
		t.Fatal("open with a failing commit")
	}
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 0.5, Delta: 1e-6}
	rel, err := govshare.ShareRelease(ctx, &bytes.Buffer{}, csvInput(data), psb, civ.Public(), cat, q,
		&govshare.ReleaseOptions{Budget: &govshare.Budget{Epsilon: 1, Delta: 1e-5}, Now: now, Log: l})
	if err != nil || rel.Receipt == nil {
		t.Fatalf("release: %v", err)
	}
	unsealed, err := govshare.Release(ctx, csvInput(data), "public", cat, q,
		&govshare.ReleaseOptions{Unbudgeted: true, Now: now, Log: l, Provider: psb})
	if err != nil || unsealed.Receipt == nil {
		t.Fatalf("unsealed release: %v", err)
	}

	want := []struct{ kind, signer string }{
		{"share", "public-security-bureau"}, {"refuse=purpose_not_allowed", "public-security-bureau"},
		{"share", "public-security-bureau"}, {"refuse=withdrawn", "public-security-bureau"},
		{"opened", "tax-bureau"}, {"wrong_purpose", "tax-bureau"}, {"opened", "tax-bureau"}, {"withdrawn", "tax-bureau"},
		{"release", "public-security-bureau"}, {"release", "public-security-bureau"},
	}
	got := entries(t, dir)
	if k := logKinds(t, dir); k != "share:refuse=purpose_not_allowed:share:refuse=withdrawn:opened:wrong_purpose:opened:withdrawn:release:release" {
		t.Fatalf("log holds %s", k)
	}
	for i, w := range want {
		if got[i].Signer != w.signer {
			t.Errorf("record %d (%s) signed by %q, want %q", i, w.kind, got[i].Signer, w.signer)
		}
	}
	if r, ok := got[9].Record.(audit.ReleaseRecord); !ok || r.EnvelopeID != "" || !strings.HasPrefix(r.ReleaseID, "rel-") || r.Recipient != "public" || !r.Unbudgeted() {
		t.Errorf("unsealed release record %+v", got[9].Record)
	}
	if res := verifyLog(t, dir, vk); res.Signed != 10 || res.Unsigned != 0 {
		t.Errorf("verified %d signed, %d unsigned", res.Signed, res.Unsigned)
	}
	// Each receipt proves its own signed record.
	v, _ := audit.NewVerifier(vk)
	reg, _ := audit.NewRegistry(psb.Public(), tax.Public(), civ.Public())
	for name, r := range map[string]*audit.Receipt{"share": res.Receipt, "open": opened.Receipt, "refused open": refused.Receipt, "release": rel.Receipt} {
		if _, _, err := audit.VerifySignedReceipt(*r, v, reg); err != nil {
			t.Errorf("%s receipt: %v", name, err)
		}
	}
	// An unsealed release on a log is signed by its provider: it needs the
	// keyring.
	if _, err := govshare.Release(ctx, csvInput(data), "public", cat, q, &govshare.ReleaseOptions{Unbudgeted: true, Now: now, Log: l}); err == nil {
		t.Error("a release on a log without the provider's keyring")
	}
}

// TestRefusedOpenAttributedByKeys: a refused open is attributed by what
// the keys prove, not by the name the keyring claims (issue 10 §1). The
// envelope's recipient, declaring the wrong purpose, is named by its
// department; another department's keys are named by their own signing
// key; and a keyring made afresh under the recipient's name is named by
// its key on a log that takes its signature (a local one), and cannot put
// anything on a log that knows the real department's keys. Before, all
// three were recorded as the department the keyring was named for.
func TestRefusedOpenAttributedByKeys(t *testing.T) {
	_, tax, civ := shareParties(t)
	l, dir, _ := testLog(t)
	env, _, err := shareSample(t, l, civ, catalog.PurposeDataVerification, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openShared(env, l, civ, catalog.PurposeStatistics, now); !errors.Is(err, envelope.ErrWrongPurpose) {
		t.Fatal(err)
	}
	if _, err := openShared(env, l, tax, catalog.PurposeDataVerification, now); !errors.Is(err, envelope.ErrWrongRecipient) {
		t.Fatal(err)
	}
	taxKey, _ := tax.PrimaryKeyID(keys.KindSignEd25519)
	fake, err := keys.New("civil-affairs-bureau")
	if err != nil {
		t.Fatal(err)
	}
	fakeKey, _ := fake.PrimaryKeyID(keys.KindSignEd25519)
	// The log knows the real civil affairs bureau's keys: the fake's record
	// is refused, and the refusal says it was not logged.
	_, err = openShared(env, l, fake, catalog.PurposeDataVerification, now)
	if !errors.Is(err, envelope.ErrWrongRecipient) || !errors.Is(err, audit.ErrUnknownSigner) || !strings.Contains(err.Error(), "not logged") {
		t.Fatalf("fake keyring on the shared log: %v", err)
	}
	ents := entries(t, dir)
	if len(ents) != 3 {
		t.Fatalf("%d records", len(ents))
	}
	if o := ents[1].Record.(audit.OpenRecord); o.Opener != "civil-affairs-bureau" || o.Outcome != audit.OutcomeWrongPurpose {
		t.Errorf("the recipient's wrong purpose recorded as %+v", o)
	}
	if o := ents[2].Record.(audit.OpenRecord); o.Opener != audit.KeyOpener("tax-bureau", taxKey) || ents[2].Signer != "tax-bureau" || ents[2].KeyID != taxKey {
		t.Errorf("another department's keys recorded as %q, signed by %s/%d", o.Opener, ents[2].Signer, ents[2].KeyID)
	}

	// A local log operated by the fake keyring's holder, registering its
	// own bundle, as the CLI does for one department's use.
	sk, _, _ := audit.GenerateKey("govshare.test/own-log")
	signer, _ := audit.NewSigner(sk)
	reg, _ := audit.NewRegistry(fake.Public())
	own := filepath.Join(t.TempDir(), "own")
	app, err := audit.OpenAppender(context.Background(), own, audit.AppenderOptions{Signer: signer, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	res, err := govshare.Open(context.Background(), &bytes.Buffer{}, bytes.NewReader(env), int64(len(env)), fake, parties.psb.Public(),
		catalog.PurposeDataVerification, &govshare.OpenOptions{Now: now, Log: app})
	if !errors.Is(err, envelope.ErrWrongRecipient) || res == nil || res.Receipt == nil {
		t.Fatalf("fake keyring on its own log: %v", err)
	}
	ents = entries(t, own)
	if o := ents[0].Record.(audit.OpenRecord); len(ents) != 1 || o.Opener != audit.KeyOpener("civil-affairs-bureau", fakeKey) || ents[0].KeyID != fakeKey {
		t.Errorf("the fake keyring recorded as %q (key %d)", o.Opener, ents[0].KeyID)
	}
}

// TestReleaseBudgetOnLog: the privacy budget lives on the log (issue 11
// §2). A ledger file kept beside it is a cache: emptying it, deleting it,
// deleting its lines or moving its spends to another recipient gives no
// fresh budget; neither does stating a larger budget, releasing unsealed to
// the same account, or calling the release unbudgeted. The budget of
// record is used when none is stated, and log verification recomputes
// every account. Before, each of the file edits gave a fresh budget.
func TestReleaseBudgetOnLog(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	l, dir, vk := testLog(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "L.json")
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 0.6, Delta: 1e-6}
	sealed := func(opt govshare.ReleaseOptions) (*govshare.ReleaseResult, []byte, error) {
		opt.Now, opt.Log = now, l
		var env bytes.Buffer
		res, err := govshare.ShareRelease(ctx, &env, csvInput(data), psb, civ.Public(), cat, q, &opt)
		return res, env.Bytes(), err
	}
	ledger := func() *dp.Ledger {
		led, err := dp.OpenLedger(path, 1, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		return led
	}
	res, _, err := sealed(govshare.ReleaseOptions{Ledger: ledger()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Budget == nil || res.Report.Budget.SpentEpsilon != 0.6 || res.Report.Budget.BudgetEpsilon != 1 ||
		!strings.HasPrefix(res.Report.Budget.Ledger, "log ") {
		t.Errorf("report budget %+v", res.Report.Budget)
	}
	if e, _, _ := ledger().Spent("population-register", "civil-affairs-bureau"); e != 0.6 {
		t.Errorf("cache holds ε=%g, want 0.6", e)
	}
	refused := func(what string, opt govshare.ReleaseOptions) {
		t.Helper()
		n := len(entries(t, dir))
		_, env, err := sealed(opt)
		if !errors.Is(err, dp.ErrBudgetExhausted) || !errors.Is(err, audit.ErrOverBudget) || len(env) != 0 {
			t.Errorf("%s: %v, %d envelope bytes", what, err, len(env))
		}
		if got := len(entries(t, dir)); got != n {
			t.Errorf("%s: %d records added", what, got-n)
		}
	}
	for name, damage := range map[string]func(){
		": > L.json": func() { os.WriteFile(path, nil, 0o600) },
		"rm L.json":  func() { os.Remove(path) },
		"lines deleted": func() {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.SplitN(string(b), "\n", 2)[0]+"\n"), 0o600)
		},
		"another recipient named": func() {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, bytes.ReplaceAll(b, []byte("civil-affairs-bureau"), []byte("tax-bureau")), 0o600)
		},
	} {
		damage()
		refused(name, govshare.ReleaseOptions{Ledger: ledger()})
	}
	refused("a larger budget stated", govshare.ReleaseOptions{Budget: &govshare.Budget{Epsilon: 100, Delta: 1e-5}})
	refused("unbudgeted", govshare.ReleaseOptions{Unbudgeted: true})
	refused("the budget of record", govshare.ReleaseOptions{})
	if _, err := govshare.Release(ctx, csvInput(data), "civil-affairs-bureau", cat, q,
		&govshare.ReleaseOptions{Now: now, Log: l, Provider: psb}); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Errorf("unsealed to the same account: %v", err)
	}
	// The rest of the budget of record, stated by none.
	q.Epsilon = 0.4
	if _, _, err := sealed(govshare.ReleaseOptions{}); err != nil {
		t.Fatalf("the rest of the budget: %v", err)
	}
	// An account with no budget of record needs one stated.
	if _, err := govshare.Release(ctx, csvInput(data), "public", cat, q,
		&govshare.ReleaseOptions{Now: now, Log: l, Provider: psb}); !errors.Is(err, dp.ErrNoBudget) {
		t.Errorf("no budget of record: %v", err)
	}
	res2 := verifyLog(t, dir, vk)
	if len(res2.Budgets) != 1 || res2.Budgets[0].Releases != 2 || res2.Budgets[0].Epsilon < 1-1e-9 || res2.Budgets[0].BudgetEpsilon != 1 {
		t.Errorf("verify recomputed %+v", res2.Budgets)
	}
}

// failingWrite is an output that cannot be written (a full disk).
type failingWrite struct{}

func (failingWrite) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }
func (failingWrite) Commit() error             { return nil }

// TestReleaseChargeIsTheRecord: noise, sealing and the release record are
// one step. A release whose envelope cannot be sealed leaves no record and
// charges nothing; one on record whose envelope cannot be delivered stays
// charged, with a withdrawal after it, and the error says so.
func TestReleaseChargeIsTheRecord(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	l, dir, _ := testLog(t)
	ctx := context.Background()
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", Epsilon: 1}
	opt := &govshare.ReleaseOptions{Budget: &govshare.Budget{Epsilon: 1, Delta: 1e-5}, Now: now, Log: l}
	if _, err := govshare.ShareRelease(ctx, failingWrite{}, csvInput(data), psb, civ.Public(), cat, q, opt); err == nil {
		t.Fatal("a release sealed into a full disk")
	}
	if k := logKinds(t, dir); k != "" {
		t.Fatalf("log holds %s for a release that was never sealed", k)
	}
	_, err := govshare.ShareRelease(ctx, &failingCommit{}, csvInput(data), psb, civ.Public(), cat, q, opt)
	if err == nil || !strings.Contains(err.Error(), "charged") || !strings.Contains(err.Error(), "withdrawn") {
		t.Fatalf("a release whose envelope cannot be committed: %v", err)
	}
	if k := logKinds(t, dir); k != "release:refuse=withdrawn" {
		t.Errorf("log holds %s", k)
	}
	if _, err := govshare.ShareRelease(ctx, &bytes.Buffer{}, csvInput(data), psb, civ.Public(), cat, q, opt); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Errorf("the withdrawn release's budget came back: %v", err)
	}
}
