package govshare_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/policy"
)

// parties are the departments of the share tests, made once: keyrings cost
// post-quantum key generation.
var parties struct {
	once          sync.Once
	psb, tax, civ *keys.Keyring
	err           error
}

func shareParties(t testing.TB) (psb, tax, civ *keys.Keyring) {
	t.Helper()
	parties.once.Do(func() {
		for dept, p := range map[string]**keys.Keyring{
			"public-security-bureau": &parties.psb, "tax-bureau": &parties.tax, "civil-affairs-bureau": &parties.civ,
		} {
			if *p, parties.err = keys.New(dept); parties.err != nil {
				return
			}
		}
	})
	if parties.err != nil {
		t.Fatal(parties.err)
	}
	return parties.psb, parties.tax, parties.civ
}

// testLog opens a fresh local log, whose operator accepts the records of
// the share tests' departments, and returns it with its directory and
// verifier key.
func testLog(t testing.TB) (*audit.Operator, string, string) {
	t.Helper()
	sk, vk, err := audit.GenerateKey("govshare.test/share-log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.NewSigner(sk)
	if err != nil {
		t.Fatal(err)
	}
	psb, tax, civ := shareParties(t)
	reg, err := audit.NewRegistry(psb.Public(), tax.Public(), civ.Public())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app, err := audit.OpenAppender(context.Background(), dir, audit.AppenderOptions{Signer: signer, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	op := app.(*audit.Operator)
	t.Cleanup(func() { op.Close() })
	return op, dir, vk
}

// appender is a log or none: a nil *audit.Operator is no log.
func appender(l *audit.Operator) audit.Appender {
	if l == nil {
		return nil
	}
	return l
}

func shareSample(t *testing.T, l *audit.Operator, to *keys.Keyring, purpose catalog.Purpose, notAfter time.Time) ([]byte, *govshare.ShareResult, error) {
	t.Helper()
	psb, _, _ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	var out bytes.Buffer
	res, err := govshare.Share(context.Background(), &out,
		govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv"},
		psb, to.Public(), purpose, cat,
		&govshare.ShareOptions{Grants: grants, Now: now, NotAfter: notAfter, Log: appender(l)})
	return out.Bytes(), res, err
}

func openShared(env []byte, l *audit.Operator, by *keys.Keyring, purpose catalog.Purpose, at time.Time) ([]byte, error) {
	var out bytes.Buffer
	_, err := govshare.Open(context.Background(), &out, bytes.NewReader(env), int64(len(env)),
		by, parties.psb.Public(), purpose, &govshare.OpenOptions{Now: at, Log: appender(l)})
	return out.Bytes(), err
}

// TestShareOpenLogged runs the provider's and the recipient's acts and checks
// that the recipient gets exactly Mask's output and that the log holds both
// acts, with a receipt that verifies.
func TestShareOpenLogged(t *testing.T) {
	_, tax, _ := shareParties(t)
	l, dir, vk := testLog(t)
	env, res, err := shareSample(t, l, tax, catalog.PurposeAdministrativeBasis, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Header
	suite, _ := envelope.SuiteFor(catalog.LevelImportant) // 身份证号 is important
	if h.Recipient != "tax-bureau" || h.Provider != "public-security-bureau" || h.Grant != "g-2026-0042" ||
		h.RecordCount != uint64(res.Rows) || h.Suite != suite {
		t.Fatalf("header: recipient %q provider %q grant %q records %d/%d suite %v",
			h.Recipient, h.Provider, h.Grant, h.RecordCount, res.Rows, h.Suite)
	}
	// The grant runs to 2027-06-30, after the default window ends.
	if got := h.NotAfter.Sub(h.NotBefore); got != govshare.DefaultValidity {
		t.Errorf("window %v, want %v", got, govshare.DefaultValidity)
	}
	for _, f := range h.Fields {
		if f.Name == "民族" {
			t.Error("a not_shared field is in the manifest")
		}
	}

	want, _, err := mask(t, mustRead(t, "testdata/sample/population.csv"), catalog.PurposeAdministrativeBasis, "tax-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := openShared(env, l, tax, catalog.PurposeAdministrativeBasis, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("opened payload differs from Mask's output for the same request")
	}

	v, err := audit.NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	hh, _ := h.Hash()
	// The receipt holds the share record as signed by the provider.
	psb, _, civ := shareParties(t)
	reg, _ := audit.NewRegistry(psb.Public(), tax.Public(), civ.Public())
	sr, _, err := audit.VerifySignedReceipt(*res.Receipt, v, reg)
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	share, ok := sr.Record.(audit.ShareRecord)
	if !ok || sr.Signer != "public-security-bureau" || share.EnvelopeID != h.ID.String() || share.HeaderHash != hh ||
		share.Recipient != h.Recipient || share.Purpose != h.Purpose || share.GrantID != h.Grant {
		t.Fatalf("receipt holds %+v signed by %s", sr.Record, sr.Signer)
	}
	kinds := logKinds(t, dir)
	if kinds != "share:opened" {
		t.Fatalf("log holds %s, want share:opened", kinds)
	}
	res2, err := audit.VerifyDir(dir, v, audit.VerifyOptions{Registry: reg, RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Signed != 2 || !res2.SignaturesChecked {
		t.Errorf("log verifies with %d signed records (checked: %v), want 2 checked", res2.Signed, res2.SignaturesChecked)
	}
}

// logKinds lists the log's records as kind (or open outcome / refuse code).
func logKinds(t *testing.T, dir string) string {
	t.Helper()
	var s []string
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		switch r := e.Record.(type) {
		case audit.OpenRecord:
			s = append(s, string(r.Outcome))
		case audit.RefuseRecord:
			s = append(s, "refuse="+string(r.Code))
		default:
			s = append(s, string(e.Record.Kind()))
		}
	}
	return strings.Join(s, ":")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenRefusalsLogged: every failed open is recorded with its own outcome,
// including bytes that are no envelope at all, and writes nothing. A failed
// open is recorded under the digest of the bytes presented, never under the
// envelope id their unauthenticated header claims: anyone could otherwise
// file "tampered" records against another's envelope (issue 11 §7).
func TestOpenRefusalsLogged(t *testing.T) {
	_, tax, civ := shareParties(t)
	l, dir, _ := testLog(t)
	env, _, err := shareSample(t, l, civ, catalog.PurposeDataVerification, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(env)
	tampered[len(tampered)-100] ^= 1
	cases := []struct {
		env     []byte
		by      *keys.Keyring
		purpose catalog.Purpose
		at      time.Time
		want    error
	}{
		{env, civ, catalog.PurposeStatistics, now, envelope.ErrWrongPurpose},
		{env, tax, catalog.PurposeDataVerification, now, envelope.ErrWrongRecipient},
		{env, civ, catalog.PurposeDataVerification, now.Add(31 * 24 * time.Hour), envelope.ErrExpired},
		{tampered, civ, catalog.PurposeDataVerification, now, envelope.ErrAuth},
		{[]byte("no envelope here"), civ, catalog.PurposeDataVerification, now, envelope.ErrMalformed},
	}
	for i, c := range cases {
		out, err := openShared(c.env, l, c.by, c.purpose, c.at)
		if !errors.Is(err, c.want) {
			t.Errorf("case %d: got %v, want %v", i, err, c.want)
		}
		if len(out) != 0 {
			t.Errorf("case %d: %d bytes written by a refused open", i, len(out))
		}
	}
	want := "share:wrong_purpose:wrong_recipient:expired:tampered:tampered"
	if got := logKinds(t, dir); got != want {
		t.Fatalf("log holds %s, want %s", got, want)
	}
	var ids []string
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := e.Record.(audit.OpenRecord); ok {
			ids = append(ids, r.EnvelopeID)
		}
	}
	for i, c := range cases {
		if want := fmt.Sprintf("sha256:%x", sha256.Sum256(c.env)); ids[i] != want {
			t.Errorf("case %d: refused open recorded as %q, want the digest of the bytes presented", i, ids[i])
		}
	}
}

// TestShareWindowFollowsGrant: a share under a grant may not outlive it; by
// default it ends with the grant when the grant ends first.
func TestShareWindowFollowsGrant(t *testing.T) {
	_, tax, _ := shareParties(t)
	if _, _, err := shareSample(t, nil, tax, catalog.PurposeAdministrativeBasis, time.Date(2027, 7, 2, 0, 0, 0, 0, time.UTC)); !errors.Is(err, govshare.ErrOutlivesGrant) ||
		!strings.Contains(err.Error(), "grant g-2026-0042") || strings.Contains(err.Error(), "--") {
		t.Fatalf("a window past the grant: %v", err)
	}
	// The grant runs through 2027-06-30 in China Standard Time.
	end := time.Date(2027, 6, 30, 23, 59, 59, 0, time.FixedZone("CST", 8*3600))
	_, res, err := shareSample(t, nil, tax, catalog.PurposeAdministrativeBasis, end)
	if err != nil {
		t.Fatalf("a window ending with the grant: %v", err)
	}
	if !res.Header.NotAfter.Equal(end) {
		t.Errorf("not_after %v, want %v", res.Header.NotAfter, end)
	}
}

// TestShareRefusalLogged: a request the policy refuses leaves no envelope and
// a refuse record; keys that do not fit the catalog or the recipient are an
// error.
func TestShareRefusalLogged(t *testing.T) {
	psb, tax, civ := shareParties(t)
	l, dir, _ := testLog(t)
	env, _, err := shareSample(t, l, tax, "curiosity", time.Time{})
	if !errors.Is(err, policy.ErrUnknownPurpose) {
		t.Fatalf("unknown purpose: %v", err)
	}
	if len(env) != 0 {
		t.Fatalf("%d envelope bytes written for a refused request", len(env))
	}
	if got := logKinds(t, dir); got != "refuse="+string(audit.ReasonPurpose) {
		t.Fatalf("log holds %s", got)
	}

	cat, _, data := loadFixtures(t)
	share := func(from *keys.Keyring, to *keys.PublicBundle) error {
		_, err := govshare.Share(context.Background(), &bytes.Buffer{}, govshare.Input{Reader: bytes.NewReader(data)},
			from, to, catalog.PurposeWorkReference, cat, nil)
		return err
	}
	if err := share(psb, psb.Public()); err == nil || !strings.Contains(err.Error(), "itself") {
		t.Errorf("share with itself: %v", err)
	}
	if err := share(civ, tax.Public()); err == nil || !strings.Contains(err.Error(), "provider") {
		t.Errorf("share by a department that is not the catalog's provider: %v", err)
	}
	if err := share(psb, nil); err == nil {
		t.Error("share without a recipient")
	}
}
