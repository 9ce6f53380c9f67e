package main

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// disputeCLISetup shares the population sample from the public security
// bureau to the tax bureau, logged, and returns the directories and the
// envelope.
func disputeCLISetup(t *testing.T) (dir, kdir, env, logDir string) {
	t.Helper()
	dir, kdir = shareSetup(t)
	env, logDir = filepath.Join(dir, "d.gse"), filepath.Join(dir, "log")
	if code, _, errs := runCLI(t, "", "share", "--catalog", "../../testdata/catalog/population.yaml", "--purpose", "work_reference",
		"--from", kdir, "--dept", "public-security-bureau", "--to", filepath.Join(kdir, "tax-bureau.pub"), "--log", logDir,
		filepath.Join(sampleDir, "population.csv"), "-o", env); code != 0 {
		t.Fatal(errs)
	}
	return dir, kdir, env, logDir
}

// disputeCount is the number of dispute records in the log.
func disputeCount(t *testing.T, logDir string) int {
	t.Helper()
	code, shown, errs := runCLI(t, "", "log", "show", "--json", logDir)
	if code != 0 {
		t.Fatalf("log show: %s", errs)
	}
	return strings.Count(shown, `"type":"dispute"`)
}

// TestDisputeCLIRefusesImpostor: `dispute --keys OTHER --dept
// civil-affairs-bureau` with a keyring freshly made under that name used to
// record a dispute as civil affairs; now a keyring is a party only by its
// keys (issue 10 §1). Fresh keyrings named for the recipient and the
// provider are refused too, and so is the real third department; the real
// recipient and provider are recorded.
func TestDisputeCLIRefusesImpostor(t *testing.T) {
	dir, kdir, env, logDir := disputeCLISetup(t)
	other := filepath.Join(dir, "other")
	for _, d := range []string{"civil-affairs-bureau", "tax-bureau", "public-security-bureau"} {
		if code, _, errs := runCLI(t, "", "keys", "new", "--dept", d, "--dir", other); code != 0 {
			t.Fatal(errs)
		}
	}
	psbPub, taxPub := filepath.Join(kdir, "public-security-bureau.pub"), filepath.Join(kdir, "tax-bureau.pub")
	dispute := func(keys, dept, to string, extra ...string) (int, string) {
		args := append([]string{"dispute", "--keys", keys, "--dept", dept, "--to-bundle", to, "--reason", "record_count",
			"--log", logDir, env}, extra...)
		code, _, errs := runCLI(t, "", args...)
		return code, errs
	}
	for name, c := range map[string][]string{
		"fresh civil-affairs-bureau":     {other, "civil-affairs-bureau", psbPub},
		"real civil-affairs-bureau":      {kdir, "civil-affairs-bureau", psbPub},
		"fresh tax-bureau":               {other, "tax-bureau", psbPub},
		"fresh public-security-bureau":   {other, "public-security-bureau", taxPub},
		"fresh provider trusting itself": {other, "public-security-bureau", taxPub, "--trust", filepath.Join(other, "public-security-bureau.pub")},
	} {
		if code, errs := dispute(c[0], c[1], c[2], c[3:]...); code != 1 || !strings.Contains(errs, "govshare: ") {
			t.Errorf("%s: exit %d: %s", name, code, errs)
		}
	}
	if n := disputeCount(t, logDir); n != 0 {
		t.Fatalf("refused disputes left %d records", n)
	}
	if code, errs := dispute(kdir, "tax-bureau", psbPub); code != 0 || !strings.Contains(errs, "by tax-bureau (recipient, reason record_count) recorded as #") {
		t.Fatalf("recipient: %d %s", code, errs)
	}
	if code, errs := dispute(kdir, "public-security-bureau", taxPub); code != 0 || !strings.Contains(errs, "(provider, reason record_count)") {
		t.Fatalf("provider: %d %s", code, errs)
	}
	if n := disputeCount(t, logDir); n != 2 {
		t.Fatalf("%d dispute records, want 2", n)
	}
}

// TestDisputeCLIText: the reason is a code; the free text, with a name, a
// spaced phone number and an ethnicity, leaves no trace in the log and
// reaches the provider sealed, which opens it with govshare open; the log
// verifies with the departments' bundles (issue 11 §6).
func TestDisputeCLIText(t *testing.T) {
	dir, kdir, env, logDir := disputeCLISetup(t)
	const text = "第 12 行：崔俊鹤的记录有误，电话 1918 639 8679 已停用，民族应为满族\n"
	textFile := writeFile(t, "reason.txt", text)
	sealed := filepath.Join(dir, "text.gse")
	base := []string{"dispute", "--keys", kdir, "--dept", "tax-bureau", "--to-bundle", filepath.Join(kdir, "public-security-bureau.pub"),
		"--log", logDir, env}

	// Free text where the code goes is a usage error that does not repeat it.
	for _, reason := range []string{strings.TrimSpace(text), "row count differs"} {
		code, _, errs := runCLI(t, "", append(base, "--reason", reason)...)
		if code != 2 || strings.Contains(errs, "崔俊鹤") || strings.Contains(errs, "8679") || strings.Contains(errs, "row count") {
			t.Errorf("free-text reason (sha256 %x): exit %d", sha256.Sum256([]byte(reason)), code)
		}
	}
	for name, extra := range map[string][]string{
		"text without -o": {"--reason", "field_value", "--text-file", textFile},
		"-o without text": {"--reason", "field_value", "-o", sealed},
		"text and file":   {"--reason", "field_value", "--text", "x", "--text-file", textFile, "-o", sealed},
		"no --to-bundle":  {"--reason", "field_value"},
	} {
		args := append(append([]string(nil), base...), extra...)
		if name == "no --to-bundle" {
			args = []string{"dispute", "--keys", kdir, "--dept", "tax-bureau", "--reason", "field_value", "--log", logDir, env}
		}
		if code, _, errs := runCLI(t, "", args...); code != 2 {
			t.Errorf("%s: exit %d: %s", name, code, errs)
		}
	}

	code, _, errs := runCLI(t, "", append(base, "--reason", "field_value", "--text-file", textFile, "-o", sealed)...)
	if code != 0 || !strings.Contains(errs, "text sealed to public-security-bureau for work_reference in "+sealed) {
		t.Fatalf("dispute: %d %s", code, errs)
	}
	if strings.Contains(errs, "崔俊鹤") || strings.Contains(errs, "8679") {
		t.Fatal("standard error repeats the text")
	}

	// Not in the log, in any form.
	var logged []byte
	if err := filepath.WalkDir(logDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		logged = append(logged, b...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var digits []byte
	for _, c := range logged {
		if c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	for what, found := range map[string]bool{
		"name":      bytes.Contains(logged, []byte("崔俊鹤")) || bytes.Contains(logged, []byte(`\u5d14`)),
		"phone":     bytes.Contains(digits, []byte("19186398679")) || bytes.Contains(digits, []byte("6398679")),
		"ethnicity": bytes.Contains(logged, []byte("满族")),
	} {
		if found {
			t.Errorf("the log holds the %s", what)
		}
	}
	if !bytes.Contains(logged, []byte(`"reason":"field_value","text_sha256":"`)) {
		t.Error("the log lacks the reason code and digest")
	}

	// The provider opens the text.
	plain := filepath.Join(dir, "text.txt")
	if code, _, errs := runCLI(t, "", "open", "--keys", kdir, "--dept", "public-security-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "tax-bureau.pub"), sealed, "-o", plain); code != 0 {
		t.Fatal(errs)
	}
	got, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "govshare dispute text v1\n") || !strings.HasSuffix(string(got), "\n\n"+text) {
		t.Errorf("opened text is not the dispute's (%d bytes)", len(got))
	}

	// The log verifies, every signature against the departments' bundles.
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", "--trust-dir", kdir, logDir); code != 0 {
		t.Fatalf("log verify: %d %s %s", code, out, errs)
	}
}
