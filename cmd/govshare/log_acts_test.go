package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// logShown is log show --json, as far as these tests read it.
type logShown struct {
	Records []struct {
		Signer string
		KeyID  uint32 `json:"key_id"`
		Record struct {
			Type, Opener, Outcome, Code, Recipient string
			Epsilon, Delta                         float64
		}
	}
	Budgets []struct {
		Resource, Recipient string
		SpentEpsilon        float64  `json:"spent_epsilon"`
		BudgetEpsilon       *float64 `json:"budget_epsilon"`
		Releases            int
	}
}

func showLog(t *testing.T, args ...string) logShown {
	t.Helper()
	code, out, errs := runCLI(t, "", append([]string{"log", "show", "--json"}, args...)...)
	var s logShown
	if code != 0 || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("log show: %d %s %s", code, out, errs)
	}
	return s
}

// TestActsOverLogURL: share, open and stats record their acts in a log
// served by "log serve", each signed by its maker and checked by the
// operator against the departments' bundles; every act has its receipt
// (an open's with --receipt); log show lists the budget and log verify,
// with the operator's key given by the user, checks every signature and
// recomputes it. Before, --log took a directory only and appended
// unsigned records.
func TestActsOverLogURL(t *testing.T) {
	dir, kdir := shareSetup(t)
	logDir := filepath.Join(dir, "log")
	t.Setenv("GOVSHARE_LOG_KEY", "")
	l, err := openLog(&env{stderr: &bytes.Buffer{}}, logDir, "")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	vkey := logDir + ".vkey"
	url := startServer(t, "serve", "--dir", logDir, "--addr", "127.0.0.1:0", "--trust-dir", kdir)
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	env := filepath.Join(dir, "t.gse")
	pub := func(d string) string { return filepath.Join(kdir, d+".pub") }

	share := []string{"share", "--catalog", cat, "--purpose", "work_reference", "--from", kdir, "--dept", "public-security-bureau",
		"--to", pub("tax-bureau"), "--log", url, in, "-o", env}
	if code, _, errs := runCLI(t, "", share...); code == 0 || !strings.Contains(errs, "--log-vkey") {
		t.Errorf("a log URL without its verifier key: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", append(share, "--log-vkey", vkey)...); code != 0 || !strings.Contains(errs, "share record #0 in "+url) {
		t.Fatalf("share: %d %s", code, errs)
	}
	open := []string{"open", "--keys", kdir, "--dept", "tax-bureau", "--trust", pub("public-security-bureau"), "--log", url, "--log-vkey", vkey}
	receipt := filepath.Join(dir, "open.receipt.json")
	if code, out, errs := runCLI(t, "", append(open, "--purpose", "work_reference", "--receipt", receipt, env)...); code != 0 || !strings.HasPrefix(out, "姓名,") ||
		!strings.Contains(errs, "open record #1") {
		t.Fatalf("open: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", append(open, "--purpose", "statistics", env)...); code == 0 || !strings.Contains(errs, "refusal on record as #2") {
		t.Errorf("refused open: %d %s", code, errs)
	}
	stats := []string{"stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "0.6", "--person", "身份证号", "--count",
		"--budget", "1,1e-5", "--from", kdir, "--to", pub("civil-affairs-bureau"), "--log", url, "--log-vkey", vkey, in, "-o"}
	if code, _, errs := runCLI(t, "", append(stats, filepath.Join(dir, "s1.gse"))...); code != 0 || !strings.Contains(errs, "release record #3") {
		t.Fatalf("stats: %d %s", code, errs)
	}
	if code, _, errs := runCLI(t, "", append(stats, filepath.Join(dir, "s2.gse"))...); code == 0 || !strings.Contains(errs, "budget exhausted") {
		t.Errorf("stats over the budget: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "s2.gse")); err == nil {
		t.Error("an envelope for a refused release")
	}

	shown := showLog(t, "--vkey", vkey, url)
	want := []string{"share:public-security-bureau", "open:tax-bureau", "open:tax-bureau", "release:public-security-bureau"}
	if len(shown.Records) != len(want) {
		t.Fatalf("log holds %d records", len(shown.Records))
	}
	for i, w := range want {
		if r := shown.Records[i]; r.Record.Type+":"+r.Signer != w {
			t.Errorf("record %d: %s signed by %q, want %s", i, r.Record.Type, r.Signer, w)
		}
	}
	if b := shown.Budgets; len(b) != 1 || b[0].Recipient != "civil-affairs-bureau" || b[0].SpentEpsilon != 0.6 || b[0].BudgetEpsilon == nil || *b[0].BudgetEpsilon != 1 {
		t.Errorf("budgets %+v", shown.Budgets)
	}
	code, out, errs := runCLI(t, "", "log", "verify", "--vkey", vkey, "--trust-dir", kdir, "--require-signed", "--receipt", receipt, url)
	if code != 0 || !strings.Contains(out, "verifies: 4 records (4 signed by their makers, signatures checked with 3 departments' keys)") ||
		!strings.Contains(out, "1 accounts, none over its budget") || !strings.Contains(out, "record #1 (open of") {
		t.Errorf("log verify: %d %s %s", code, out, errs)
	}
}

// TestStatsBudgetOnLog: with --log the budget lives on the log, and the
// --ledger file is a cache rebuilt from it: emptying it, deleting it,
// deleting its lines or naming another recipient in it gives no fresh
// budget, through the CLI as through the library. log show lists the
// spent budget per (resource, recipient). Before, each gave a fresh one.
func TestStatsBudgetOnLog(t *testing.T) {
	dir, kdir := shareSetup(t)
	logDir, ledger := filepath.Join(dir, "log"), filepath.Join(dir, "L.json")
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	n := 0
	stats := func(eps string) (int, string) {
		n++
		code, _, errs := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", eps, "--person", "身份证号",
			"--count", "--budget", "1,1e-5", "--ledger", ledger, "--from", kdir, "--to", filepath.Join(kdir, "civil-affairs-bureau.pub"),
			"--log", logDir, in, "-o", filepath.Join(dir, "s"+string(rune('a'+n))+".gse"))
		return code, errs
	}
	if code, errs := stats("0.6"); code != 0 {
		t.Fatalf("stats: %s", errs)
	}
	if b, _ := os.ReadFile(ledger); !bytes.Contains(b, []byte(`"recipient":"civil-affairs-bureau","epsilon":0.6`)) {
		t.Errorf("ledger cache after the release: %s", b)
	}
	for name, damage := range map[string]func(){
		": > L.json": func() { os.WriteFile(ledger, nil, 0o600) },
		"rm L.json":  func() { os.Remove(ledger) },
		"lines deleted": func() {
			b, _ := os.ReadFile(ledger)
			os.WriteFile(ledger, []byte(strings.SplitN(string(b), "\n", 2)[0]+"\n"), 0o600)
		},
		"another recipient named": func() {
			b, _ := os.ReadFile(ledger)
			os.WriteFile(ledger, bytes.ReplaceAll(b, []byte("civil-affairs-bureau"), []byte("tax-bureau")), 0o600)
		},
	} {
		damage()
		if code, errs := stats("0.6"); code == 0 || !strings.Contains(errs, "budget exhausted") {
			t.Errorf("%s: %d %s", name, code, errs)
		}
	}
	// Naming another recipient on the command line is refused too: the
	// account is the sealed envelope's recipient.
	if code, _, _ := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "0.6", "--person", "身份证号",
		"--count", "--recipient", "tax-bureau", "--from", kdir, "--to", filepath.Join(kdir, "civil-affairs-bureau.pub"),
		"--log", logDir, in, "-o", filepath.Join(dir, "x.gse")); code == 0 {
		t.Error("--recipient naming another account than --to")
	}
	// An unsealed release on the log: signed with --from, to the account named.
	code, out, errs := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "0.5", "--person", "身份证号",
		"--count", "--recipient", "public", "--from", kdir, "--log", logDir, in)
	if code != 0 || !strings.Contains(out, `"kind": "count"`) || !strings.Contains(errs, "release record #1") {
		t.Errorf("unsealed stats on the log: %d %s", code, errs)
	}
	shown := showLog(t, logDir)
	if b := shown.Budgets; len(b) != 2 || b[0].Recipient != "civil-affairs-bureau" || b[0].SpentEpsilon != 0.6 || b[1].Recipient != "public" || b[1].SpentEpsilon != 0.5 {
		t.Errorf("budgets %+v", shown.Budgets)
	}
	if code, out, _ := runCLI(t, "", "log", "show", logDir); code != 0 || !strings.Contains(out, "privacy budget spent per (resource, recipient)") {
		t.Errorf("log show: %s", out)
	}
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", "--trust-dir", kdir, logDir); code != 0 || !strings.Contains(out, "2 accounts, none over its budget") {
		t.Errorf("log verify: %d %s %s", code, out, errs)
	}
}

// TestOpenByOtherKeysCLI: a keyring made afresh under the recipient's name
// that opens the recipient's envelope is recorded by its own signing key
// on a local log, and cannot record anything on a served log that knows
// the department's registered keys (issue 10 §1).
func TestOpenByOtherKeysCLI(t *testing.T) {
	dir, kdir := shareSetup(t)
	logDir := filepath.Join(dir, "log")
	env := filepath.Join(dir, "c.gse")
	if code, _, errs := runCLI(t, "", "share", "--catalog", "../../testdata/catalog/population.yaml", "--purpose", "work_reference",
		"--from", kdir, "--dept", "public-security-bureau", "--to", filepath.Join(kdir, "civil-affairs-bureau.pub"), "--log", logDir,
		filepath.Join(sampleDir, "population.csv"), "-o", env); code != 0 {
		t.Fatal(errs)
	}
	fake := filepath.Join(dir, "fake")
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "civil-affairs-bureau", "--dir", fake); code != 0 {
		t.Fatal(errs)
	}
	kr, err := loadKeyring(fake, "civil-affairs-bureau", "")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := kr.PrimaryKeyID(keys.KindSignEd25519)
	open := []string{"open", "--keys", fake, "--dept", "civil-affairs-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), env}
	if code, _, errs := runCLI(t, "", append(open, "--log", logDir)...); code == 0 || !strings.Contains(errs, "another recipient") {
		t.Fatalf("open with other keys: %d %s", code, errs)
	}
	shown := showLog(t, logDir)
	if r := shown.Records[1]; r.Record.Opener != "key:civil-affairs-bureau/"+itoa(id) || r.KeyID != id || r.Record.Outcome != "wrong_recipient" {
		t.Errorf("recorded as %+v", r)
	}
	if code, out, _ := runCLI(t, "", "log", "show", logDir); code != 0 || !strings.Contains(out, "key:civil-affairs-bureau/"+itoa(id)) ||
		!strings.Contains(out, "key:DEPT/ID: an opener whose keys are not the envelope's recipient's") {
		t.Errorf("log show: %s", out)
	}
	url := startServer(t, "serve", "--dir", logDir, "--addr", "127.0.0.1:0", "--trust-dir", kdir)
	if code, _, errs := runCLI(t, "", append(open, "--log", url, "--log-vkey", logDir+".vkey")...); code == 0 || !strings.Contains(errs, "not logged") {
		t.Errorf("open with other keys on the served log: %d %s", code, errs)
	}
	if n := len(showLog(t, logDir).Records); n != 2 {
		t.Errorf("%d records after the served log's refusal", n)
	}
}

func itoa(n uint32) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestLogShowApplication: an exchange service's application steps show as
// rows of their own (the id, who recorded it, the applicant, the event).
func TestLogShowApplication(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "log")
	skey, _, err := note.GenerateKey(rand.Reader, "test-log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.NewSigner(audit.SignerKey(skey))
	if err != nil {
		t.Fatal(err)
	}
	l, err := audit.Open(dir, signer)
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.ApplicationRecord{Application: "app-0001", Event: audit.AppApproved, By: "public-security-bureau",
		Provider: "public-security-bureau", Recipient: "tax-bureau", Resource: "population-register",
		Purpose: catalog.PurposeDataVerification, GrantID: "g-1", Time: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	if _, err := l.Append(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	l.Close()
	code, out, errs := runCLI(t, "", "log", "show", dir)
	if code != 0 {
		t.Fatalf("log show: %d %s", code, errs)
	}
	for _, want := range []string{"application", "app-0001", "tax-bureau", "data_verification", "approved"} {
		if !strings.Contains(out, want) {
			t.Errorf("log show lacks %q:\n%s", want, out)
		}
	}
}
