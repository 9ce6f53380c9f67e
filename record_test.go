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
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

// failingCommit is an output whose Commit fails, as a full disk would make
// a rename fail.
type failingCommit struct{ bytes.Buffer }

func (*failingCommit) Commit() error { return errors.New("no space left on device") }

// TestShareWithheldWithoutRecord: when the share cannot be recorded, no
// envelope goes out: a writer receives nothing, an Output is not committed
// and leaves nothing behind (issue 11 §3). Before, the envelope was written
// (and an Output committed) before the record was appended.
func TestShareWithheldWithoutRecord(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat, _, data := loadFixtures(t)
	l, _, _ := testLog(t)
	l.Close() // Append now fails, as on a full disk or a lock error
	share := func(dst interface{ Write([]byte) (int, error) }) error {
		_, err := govshare.Share(context.Background(), dst, govshare.Input{Reader: bytes.NewReader(data)},
			psb, tax.Public(), catalog.PurposeWorkReference, cat, &govshare.ShareOptions{Now: now, Log: l})
		return err
	}
	var buf bytes.Buffer
	if err := share(&buf); err == nil || buf.Len() != 0 {
		t.Errorf("share into a closed log: %v, %d envelope bytes delivered", err, buf.Len())
	}
	dir := t.TempDir()
	out, err := govshare.CreateOutput(filepath.Join(dir, "x.gse"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := share(out); err == nil {
		t.Error("share into a closed log succeeded")
	}
	out.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left by a share that is not on record", len(ents))
	}
}

// TestOpenWithheldWithoutRecord: the same for Open: no plaintext reaches
// the writer when the open cannot be recorded.
func TestOpenWithheldWithoutRecord(t *testing.T) {
	_, tax, _ := shareParties(t)
	env, _, err := shareSample(t, nil, tax, catalog.PurposeAdministrativeBasis, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	l, _, _ := testLog(t)
	l.Close()
	out, err := openShared(env, l, tax, catalog.PurposeAdministrativeBasis, now.Add(time.Hour))
	if err == nil || len(out) != 0 {
		t.Errorf("open into a closed log: %v, %d plaintext bytes delivered", err, len(out))
	}
}

// TestWithdrawalRecorded: an act on record whose output cannot be
// delivered is followed by a withdrawn record, and nothing is delivered.
func TestWithdrawalRecorded(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	l, dir, _ := testLog(t)
	var fc failingCommit
	_, err := govshare.Share(context.Background(), &fc, govshare.Input{Reader: bytes.NewReader(data)},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, &govshare.ShareOptions{Grants: grants, Now: now, Log: l})
	if err == nil || !strings.Contains(err.Error(), "withdrawn") {
		t.Fatalf("share with a failing commit: %v", err)
	}
	if got := logKinds(t, dir); got != "share:refuse=withdrawn" {
		t.Errorf("log holds %s", got)
	}
	env, _, err := shareSample(t, l, tax, catalog.PurposeAdministrativeBasis, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var fo failingCommit
	_, err = govshare.Open(context.Background(), &fo, bytes.NewReader(env), int64(len(env)),
		tax, psb.Public(), catalog.PurposeAdministrativeBasis, &govshare.OpenOptions{Now: now.Add(time.Hour), Log: l})
	if err == nil {
		t.Fatal("open with a failing commit succeeded")
	}
	if got := logKinds(t, dir); got != "share:refuse=withdrawn:share:opened:withdrawn" {
		t.Errorf("log holds %s", got)
	}
}

// plaintextOnDisk returns a description of a file this process has open in
// dir (named or not) whose bytes hold s.
func plaintextOnDisk(t *testing.T, dir, s string) string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	for _, fd := range fds {
		p := filepath.Join("/proc/self/fd", fd.Name())
		target, err := os.Readlink(p)
		if err != nil || !strings.HasPrefix(target, dir) {
			continue
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			return target
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && bytes.Contains(b, []byte(s)) {
				return e.Name()
			}
		}
	}
	return ""
}

// probe calls check before its first write.
type probe struct {
	check  func()
	probed bool
	buf    bytes.Buffer
}

func (w *probe) Write(p []byte) (int, error) {
	if !w.probed {
		w.probed = true
		w.check()
	}
	return w.buf.Write(p)
}

// TestNoPlaintextSpilled: what Share holds between desensitizing and
// sealing, and what Open holds until its record, is on disk only
// encrypted: the files Share and Open have open in the temporary directory
// hold no row of the payload while the envelope or plaintext is written
// out (issue 11 §3). Before, both were clear text in govshare-share-* and
// govshare-open-* files.
func TestNoPlaintextSpilled(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	want, _, err := mask(t, data, catalog.PurposeAdministrativeBasis, "tax-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	row := strings.SplitN(string(want), "\n", 3)[1] // a desensitized row, with a resident ID in clear
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	l, _, _ := testLog(t)
	var leaks []string
	check := func() {
		if f := plaintextOnDisk(t, tmp, row); f != "" {
			leaks = append(leaks, f)
		}
	}
	env := &probe{check: check}
	if _, err := govshare.Share(context.Background(), env, govshare.Input{Reader: bytes.NewReader(data)},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, &govshare.ShareOptions{Grants: grants, Now: now, Log: l}); err != nil {
		t.Fatal(err)
	}
	plain := &probe{check: check}
	if _, err := govshare.Open(context.Background(), plain, bytes.NewReader(env.buf.Bytes()), int64(env.buf.Len()),
		tax, psb.Public(), catalog.PurposeAdministrativeBasis, &govshare.OpenOptions{Now: now.Add(time.Hour), Log: l}); err != nil {
		t.Fatal(err)
	}
	if !env.probed || !plain.probed || !bytes.Equal(plain.buf.Bytes(), want) {
		t.Fatal("share and open did not deliver")
	}
	if len(leaks) > 0 {
		t.Errorf("plaintext readable on disk in %v", leaks)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("%d files left in the temporary directory", len(ents))
	}
}

// TestOneErrorPrefix: an error names its package once, whatever it wraps
// (issue 10 §2): a bad value, a missing fpe bound, a window past its grant.
func TestOneErrorPrefix(t *testing.T) {
	cat, err := catalog.Parse([]byte(batchCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = maskWith(t, cat, "姓名,备注,手机号码\n张三,x,1381234\n", govshare.Options{})
	if got, want := errText(err), `govshare: b.csv:2: field "手机号码": value cannot be transformed: not a valid cn_mobile`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !errors.Is(err, govshare.ErrTransform) {
		t.Errorf("%v does not wrap ErrTransform", err)
	}
	fcat := edgeCatalog(t, fpeCatalog)
	var out bytes.Buffer
	_, err = govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader("身份证号,手机号码,备注\n11010519491231002X,13812345678,a\n"), Name: "f.csv"},
		providerKeys(t), "tax-bureau", catalog.PurposeAdministrativeBasis, fcat, &govshare.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = govshare.Reverse(context.Background(), &bytes.Buffer{}, govshare.Input{Reader: &out, Name: "m.csv"},
		providerKeys(t), "tax-bureau", catalog.PurposeAdministrativeBasis, fcat, nil)
	if !errors.Is(err, govshare.ErrFPEBound) || strings.Count(errText(err), "govshare") != 1 {
		t.Errorf("reverse without the bound: %v", err)
	}
	_, tax, _ := shareParties(t)
	_, _, err = shareSample(t, nil, tax, catalog.PurposeAdministrativeBasis, time.Date(2027, 7, 2, 0, 0, 0, 0, time.UTC))
	if !errors.Is(err, govshare.ErrOutlivesGrant) || strings.Count(errText(err), "govshare") != 1 || strings.Contains(errText(err), "--") {
		t.Errorf("window past the grant: %v", err)
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestReverseUnknownFieldWrapped: a column Reverse does not know is
// policy.ErrUnknownField, as it is for Apply.
func TestReverseUnknownFieldWrapped(t *testing.T) {
	cat, _, _ := loadFixtures(t)
	_, err := govshare.Reverse(context.Background(), &bytes.Buffer{}, govshare.Input{Reader: strings.NewReader("不存在\nx\n"), Name: "m.csv"},
		providerKeys(t), "tax-bureau", catalog.PurposeDataVerification, cat, nil)
	if !errors.Is(err, policy.ErrUnknownField) {
		t.Errorf("unknown column: %v", err)
	}
}

// TestReversePurposeRule: with no purpose, Reverse reproduces
// data_verification's decisions, unless the catalog encrypts (fpe) for
// another purpose: then it refuses to guess, as the CLI's unmask did
// (issue 10 §1).
func TestReversePurposeRule(t *testing.T) {
	fcat := edgeCatalog(t, fpeCatalog) // fpe for administrative_basis
	_, err := govshare.Reverse(context.Background(), &bytes.Buffer{}, govshare.Input{Reader: strings.NewReader("身份证号,手机号码,备注\n")},
		providerKeys(t), "tax-bureau", "", fcat, nil)
	if !errors.Is(err, govshare.ErrPurposeRequired) || !strings.Contains(err.Error(), "administrative_basis") {
		t.Errorf("no purpose, fpe for another: %v", err)
	}
	cat, _, data := loadFixtures(t)
	tokens, _, err := mask(t, data, catalog.PurposeDataVerification, "civil-affairs-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	if _, err := govshare.Reverse(context.Background(), &back, govshare.Input{Reader: bytes.NewReader(tokens), Name: "t.csv"},
		providerKeys(t), "civil-affairs-bureau", "", cat, nil); err != nil {
		t.Fatalf("no purpose, tokens for data_verification: %v", err)
	}
	if !bytes.Contains(data, []byte(strings.SplitN(back.String(), "\n", 3)[1][:40])) {
		t.Error("reverse did not restore the first row")
	}
}
