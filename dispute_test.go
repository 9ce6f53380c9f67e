package govshare_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"golang.org/x/mod/sumdb/note"
)

// disputeFixture: the public security bureau has shared a register with
// the tax bureau; civil affairs is a third department. The log is a
// directory operated here, registering the three real bundles.
type disputeFixture struct {
	psb, tax, civil *keys.Keyring
	env             []byte
	logDir          string
	app             audit.Appender
	v               note.Verifier
	reg             *audit.BundleRegistry
}

func newDisputeFixture(t *testing.T, shareAt time.Time) *disputeFixture {
	t.Helper()
	f := &disputeFixture{}
	var err error
	for _, k := range []struct {
		kr   **keys.Keyring
		dept string
	}{{&f.psb, "public-security-bureau"}, {&f.tax, "tax-bureau"}, {&f.civil, "civil-affairs-bureau"}} {
		if *k.kr, err = keys.New(k.dept); err != nil {
			t.Fatal(err)
		}
	}
	var env bytes.Buffer
	if _, err := govshare.Share(context.Background(), &env,
		govshare.Input{Reader: strings.NewReader(exampleRegister), Name: "register.csv"},
		f.psb, f.tax.Public(), catalog.PurposeWorkReference, exampleCatalog(),
		&govshare.ShareOptions{Now: shareAt}); err != nil {
		t.Fatal(err)
	}
	f.env = env.Bytes()
	f.openLog(t)
	return f
}

// openLog starts a new log whose operator registers the departments'
// bundles as they are now.
func (f *disputeFixture) openLog(t *testing.T) {
	t.Helper()
	sk, vk, err := audit.GenerateKey("test.gov/dispute-log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := audit.NewSigner(sk)
	if f.v, err = audit.NewVerifier(vk); err != nil {
		t.Fatal(err)
	}
	if f.reg, err = audit.NewRegistry(f.psb.Public(), f.tax.Public(), f.civil.Public()); err != nil {
		t.Fatal(err)
	}
	f.logDir = filepath.Join(t.TempDir(), "log")
	app, err := audit.OpenAppender(context.Background(), f.logDir, audit.AppenderOptions{Signer: signer, Registry: f.reg})
	if err != nil {
		t.Fatal(err)
	}
	f.app = app
	t.Cleanup(func() { app.Close() })
}

func (f *disputeFixture) dispute(as *keys.Keyring, from *keys.PublicBundle, reason audit.DisputeReason, text string, opt *govshare.DisputeOptions) (*govshare.DisputeResult, error) {
	return govshare.Dispute(context.Background(), f.app, bytes.NewReader(f.env), int64(len(f.env)), as, from, reason, text, opt)
}

// logBytes is every byte the log directory holds.
func (f *disputeFixture) logBytes(t *testing.T) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(f.logDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		all = append(all, b...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func (f *disputeFixture) verify(t *testing.T) audit.Result {
	t.Helper()
	res, err := audit.VerifyDir(f.logDir, f.v, audit.VerifyOptions{Registry: f.reg, RequireSigned: true})
	if err != nil {
		t.Fatalf("log does not verify: %v", err)
	}
	return res
}

// TestDisputeRefusesImpostor: a keyring is a party by its keys, not by its
// name. A keyring freshly made under the recipient's, the provider's or a
// third department's name is refused, even with a bundle of its own passed
// as the provider's, and nothing reaches the log; the real recipient and
// provider are accepted (issue 10 §1).
func TestDisputeRefusesImpostor(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	fake := func(dept string) *keys.Keyring {
		k, err := keys.New(dept)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	fakePSB := fake("public-security-bureau")
	cases := map[string]struct {
		as   *keys.Keyring
		from *keys.PublicBundle
	}{
		"third department":                          {f.civil, f.psb.Public()},
		"fresh keyring of a third name":             {fake("civil-affairs-bureau"), f.psb.Public()},
		"fresh keyring of the recipient":            {fake("tax-bureau"), f.psb.Public()},
		"fresh keyring of the provider":             {fake("public-security-bureau"), f.psb.Public()},
		"fake provider with its own bundle":         {fakePSB, fakePSB.Public()},
		"recipient trusting a fake bundle":          {f.tax, fakePSB.Public()},
		"recipient trusting another":                {f.tax, f.civil.Public()},
		"provider's keys under a bundle of another": {f.psb, f.civil.Public()},
	}
	for name, c := range cases {
		_, err := f.dispute(c.as, c.from, audit.DisputeRecordCount, "", nil)
		if !errors.Is(err, govshare.ErrNotParty) {
			t.Errorf("%s: %v, want ErrNotParty", name, err)
		}
	}
	if n := f.verify(t).Checkpoint.Size; n != 0 {
		t.Fatalf("refused disputes left %d records", n)
	}
	for _, c := range []struct {
		as   *keys.Keyring
		role string
	}{{f.tax, "recipient"}, {f.psb, "provider"}} {
		res, err := f.dispute(c.as, f.psb.Public(), audit.DisputeRecordCount, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", c.role, err)
		}
		if res.Role != c.role || res.Record.By != c.as.Dept() || res.Record.EnvelopeID != res.Envelope.ID.String() {
			t.Errorf("%s: %+v", c.role, res)
		}
	}
}

// TestDisputeProviderAfterRotation: the provider proves itself with the
// key that signed the envelope, which is no longer its primary.
func TestDisputeProviderAfterRotation(t *testing.T) {
	f := newDisputeFixture(t, time.Now().Add(-time.Hour))
	if _, err := f.psb.Rotate(keys.KindSignEd25519); err != nil {
		t.Fatal(err)
	}
	f.openLog(t) // the operator knows the rotated bundle
	if _, err := f.dispute(f.psb, f.psb.Public(), audit.DisputeStaleData, "", nil); err != nil {
		t.Fatal(err)
	}
}

// TestDisputeTamperedEnvelope: an envelope that does not authenticate as
// the provider's proves nothing about its recipient.
func TestDisputeTamperedEnvelope(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	f.env[len(f.env)-200] ^= 1
	_, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeRecordCount, "", nil)
	if !errors.Is(err, govshare.ErrNotParty) || !errors.Is(err, envelope.ErrAuth) {
		t.Fatalf("%v, want ErrNotParty and ErrAuth", err)
	}
}

// TestDisputeExpiredEnvelope: the window limits opening, not disputing.
func TestDisputeExpiredEnvelope(t *testing.T) {
	f := newDisputeFixture(t, time.Now().Add(-90*24*time.Hour))
	if _, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeStaleData, "", nil); err != nil {
		t.Fatal(err)
	}
}

// digitsOf keeps the ASCII digits of b: a phone number written in any
// layout (spaces, dashes, dots) is one run of digits there.
func digitsOf(b []byte) []byte {
	var d []byte
	for _, c := range b {
		if c >= '0' && c <= '9' {
			d = append(d, c)
		}
	}
	return d
}

// TestDisputeTextStaysOutOfLog: a dispute text naming a person, a spaced
// phone number and an ethnicity leaves no trace in the log — not the name,
// not the digits in any layout, not the ethnicity, not even an unsalted
// digest — and the provider opens it sealed and checks it against the
// record (issue 11 §6).
func TestDisputeTextStaysOutOfLog(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	const text = "崔俊鹤的记录有误：手机 1918 639 8679 已停用，民族应为回族"
	var sealed bytes.Buffer
	res, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeFieldValue, text, &govshare.DisputeOptions{Text: &sealed})
	if err != nil {
		t.Fatal(err)
	}
	if res.Record.TextDigest == (audit.Digest{}) || res.Text == nil || res.Text.Recipient != "public-security-bureau" {
		t.Fatalf("result: %+v", res)
	}
	logged := f.logBytes(t)
	plain := sha256.Sum256([]byte(text))
	for what, secret := range map[string][]byte{
		"name":            []byte("崔俊鹤"),
		"surname+given":   []byte("俊鹤"),
		"ethnicity":       []byte("回族"),
		"text":            []byte(text),
		"unsalted digest": []byte(hex.EncodeToString(plain[:])),
	} {
		if bytes.Contains(logged, secret) {
			t.Errorf("the log holds the %s", what)
		}
	}
	if bytes.Contains(digitsOf(logged), []byte("19186398679")) || bytes.Contains(digitsOf(logged), []byte("6398679")) {
		t.Error("the log holds the phone number's digits")
	}
	for _, s := range []string{"崔", "俊", "鹤", "回"} { // escaped as JSON \uXXXX
		if bytes.Contains(logged, []byte(jsonEscape(s))) {
			t.Errorf("the log holds an escaped character of the text")
		}
	}
	if !bytes.Contains(logged, []byte(`"reason":"field_value","text_sha256":"`+res.Record.TextDigest.String()+`"`)) {
		t.Error("the log lacks the reason code and the text digest")
	}

	// The provider opens the text, for the envelope's purpose, as sealed by
	// the tax bureau, and checks it against the record in the log.
	var opened bytes.Buffer
	h, err := govshare.Open(context.Background(), &opened, bytes.NewReader(sealed.Bytes()), int64(sealed.Len()),
		f.psb, f.tax.Public(), catalog.PurposeWorkReference, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.ContentType != govshare.DisputeTextType || h.Resource != res.Envelope.Resource {
		t.Errorf("text envelope header: %+v", h)
	}
	ent := lastRecord(t, f)
	got, err := govshare.CheckDisputeText(opened.Bytes(), ent)
	if err != nil || got != text {
		t.Fatalf("the provider cannot read the text back (%v)", err)
	}
	// A text other than the one the record committed to is refused.
	forged := bytes.Replace(opened.Bytes(), []byte("回族"), []byte("汉族"), 1)
	if _, err := govshare.CheckDisputeText(forged, ent); err == nil {
		t.Error("an altered text matched the record")
	}
	// Nobody else opens it: it is sealed to the provider.
	if _, err := govshare.Open(context.Background(), &bytes.Buffer{}, bytes.NewReader(sealed.Bytes()), int64(sealed.Len()),
		f.civil, f.tax.Public(), catalog.PurposeWorkReference, nil); !errors.Is(err, envelope.ErrWrongRecipient) {
		t.Errorf("a third department: %v", err)
	}
	f.verify(t)
}

// jsonEscape is the \uXXXX escape of one rune, as JSON may write it.
func jsonEscape(s string) string {
	r := []rune(s)[0]
	return `\u` + strings.ToLower(hex.EncodeToString([]byte{byte(r >> 8), byte(r)}))
}

// lastRecord reads the dispute record back from the log.
func lastRecord(t *testing.T, f *disputeFixture) audit.DisputeRecord {
	t.Helper()
	var last audit.Record
	for ent, err := range audit.Entries(f.logDir) {
		if err != nil {
			t.Fatal(err)
		}
		last = ent.Record
	}
	d, ok := last.(audit.DisputeRecord)
	if !ok {
		t.Fatalf("last record is %T", last)
	}
	return d
}

// TestDisputeByProviderSealsToRecipient: the provider's text goes to the
// recipient, whose bundle it must give.
func TestDisputeByProviderSealsToRecipient(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	const text = "第 2 行已于上月更正，请以新版为准"
	var sealed bytes.Buffer
	if _, err := f.dispute(f.psb, f.psb.Public(), audit.DisputeStaleData, text, &govshare.DisputeOptions{Text: &sealed}); err == nil {
		t.Fatal("a provider's text was sealed without the recipient's bundle")
	}
	if _, err := f.dispute(f.psb, f.psb.Public(), audit.DisputeStaleData, text, &govshare.DisputeOptions{Text: &sealed, To: f.civil.Public()}); err == nil {
		t.Fatal("a provider's text was sealed to a third department")
	}
	res, err := f.dispute(f.psb, f.psb.Public(), audit.DisputeStaleData, text, &govshare.DisputeOptions{Text: &sealed, To: f.tax.Public()})
	if err != nil {
		t.Fatal(err)
	}
	var opened bytes.Buffer
	if _, err := govshare.Open(context.Background(), &opened, bytes.NewReader(sealed.Bytes()), int64(sealed.Len()),
		f.tax, f.psb.Public(), catalog.PurposeWorkReference, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := govshare.CheckDisputeText(opened.Bytes(), res.Record); err != nil || got != text {
		t.Fatalf("recipient reads %v", err)
	}
}

// TestDisputeVerifies: disputes by both parties are signed records that
// verify with audit's verification (every signature against the
// registered bundles, signed records required) and by their receipts.
func TestDisputeVerifies(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	var sealed bytes.Buffer
	r1, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeOther, "数据口径与目录说明不一致", &govshare.DisputeOptions{Text: &sealed})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.dispute(f.psb, f.psb.Public(), audit.DisputeWrongRecipient, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.verify(t); got.Checkpoint.Size != 2 {
		t.Fatalf("verified %d records", got.Checkpoint.Size)
	}
	for _, r := range []*govshare.DisputeResult{r1, r2} {
		sr, _, err := audit.VerifySignedReceipt(r.Receipt, f.v, f.reg)
		if err != nil {
			t.Fatal(err)
		}
		if sr.Signer != r.Record.By || sr.Record != audit.Record(r.Record) {
			t.Errorf("receipt holds a record by %s, signed by %s, not the one Dispute returned", audit.Actor(sr.Record), sr.Signer)
		}
	}
}

// TestDisputeArguments: the reason is a code and the error never quotes
// what was given instead; "other" needs a text, and a text needs a writer.
func TestDisputeArguments(t *testing.T) {
	f := newDisputeFixture(t, time.Now())
	const secret = "崔俊鹤 1918 639 8679"
	_, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeReason(secret), "", nil)
	if err == nil {
		t.Fatal("a free-text reason was accepted")
	}
	for _, part := range strings.Fields(secret) {
		if strings.Contains(err.Error(), part) {
			t.Fatal("the error quotes the reason")
		}
	}
	if _, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeOther, "", nil); err == nil {
		t.Error("reason other without a text")
	}
	if _, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeFieldValue, secret, nil); err == nil || strings.Contains(err.Error(), "8679") {
		t.Error("a text without a writer")
	}
	if _, err := f.dispute(f.tax, f.psb.Public(), audit.DisputeFieldValue, strings.Repeat("x", govshare.MaxDisputeText+1), &govshare.DisputeOptions{Text: &bytes.Buffer{}}); err == nil {
		t.Error("an oversized text")
	}
	if n := f.verify(t).Checkpoint.Size; n != 0 {
		t.Fatalf("refused disputes left %d records", n)
	}
}
