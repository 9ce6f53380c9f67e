package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// shareSetup makes the keys of a provider and two recipients in one
// keyring directory.
func shareSetup(t *testing.T) (dir, kdir string) {
	t.Helper()
	dir = t.TempDir()
	kdir = filepath.Join(dir, "keys")
	for _, d := range []string{"public-security-bureau", "tax-bureau", "civil-affairs-bureau"} {
		if code, _, errs := runCLI(t, "", "keys", "new", "--dept", d, "--dir", kdir); code != 0 {
			t.Fatal(errs)
		}
	}
	return dir, kdir
}

// TestShareOpenInspectLog runs share → inspect → open → log show → log
// verify through the CLI, and checks that what opens is what mask makes,
// that refusals are logged, and that an edited log fails verification.
func TestShareOpenInspectLog(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat, grants := "../../testdata/catalog/population.yaml", "../../testdata/catalog/grants.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	env := filepath.Join(dir, "tax.gse")
	logDir := filepath.Join(dir, "log")
	code, _, errs := runCLI(t, "", "share", "--catalog", cat, "--grants", grants, "--purpose", "work_reference",
		"--from", kdir, "--dept", "public-security-bureau", "--to", filepath.Join(kdir, "tax-bureau.pub"),
		"--not-after", "2099-01-01", "--log", logDir, in, "-o", env)
	if code != 0 || !strings.Contains(errs, "sealed 200 rows") || !strings.Contains(errs, "share record #0") {
		t.Fatalf("share: %d %s", code, errs)
	}
	if _, err := os.Stat(env + ".receipt.json"); err != nil {
		t.Errorf("no receipt: %v", err)
	}
	if st, err := os.Stat(logDir + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("log signing key: %v", err)
	}

	code, out, errs := runCLI(t, "", "inspect", "--json", env)
	var h struct {
		Recipient, Purpose, Suite string
		NotAfter                  string `json:"not_after"`
		Fields                    []struct{ Name, Transform string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil {
		t.Fatalf("inspect: %d %s %s", code, out, errs)
	}
	if h.Recipient != "tax-bureau" || h.Purpose != "work_reference" || h.Suite != "important" || !strings.HasPrefix(h.NotAfter, "2099-01-01T15:59:59Z") {
		t.Errorf("inspect: %+v", h)
	}
	if code, out, _ := runCLI(t, "", "inspect", env); code != 0 || !strings.Contains(out, "onward transfer: prohibited") {
		t.Errorf("inspect (text): %d %s", code, out)
	}

	opened := filepath.Join(dir, "tax.csv")
	open := []string{"open", "--keys", kdir, "--dept", "tax-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), "--log", logDir, env, "-o", opened}
	if code, _, errs := runCLI(t, "", open...); code != 0 {
		t.Fatalf("open: %s", errs)
	}
	_, masked, _ := runCLI(t, "", "mask", "--catalog", cat, "--grants", grants, "--purpose", "work_reference",
		"--recipient", "tax-bureau", "--keys", kdir, in)
	if got, _ := os.ReadFile(opened); string(got) != masked || masked == "" {
		t.Error("opened payload differs from mask's output")
	}

	// Refused opens write nothing and are logged.
	os.Remove(opened)
	for i, c := range [][2]string{{"--dept", "civil-affairs-bureau"}, {"--purpose", "statistics"}} {
		args := append([]string(nil), open...)
		for j := range args {
			if args[j] == c[0] {
				args[j+1] = c[1]
			}
		}
		if code, _, _ := runCLI(t, "", args...); code == 0 {
			t.Errorf("refusal %d: opened", i)
		}
		if _, err := os.Stat(opened); err == nil {
			t.Errorf("refusal %d left an output file", i)
		}
	}

	code, out, _ = runCLI(t, "", "log", "show", "--json", logDir)
	var show struct {
		Records []struct {
			Index  int
			Record struct{ Type, Outcome string }
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &show) != nil {
		t.Fatalf("log show: %d %s", code, out)
	}
	var kinds []string
	for _, r := range show.Records {
		kinds = append(kinds, r.Record.Type+"/"+r.Record.Outcome)
	}
	if got := strings.Join(kinds, " "); got != "share/ open/opened open/wrong_recipient open/wrong_purpose" {
		t.Errorf("log holds %s", got)
	}
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", logDir); code != 0 || !strings.Contains(out, "verifies: 4 records") {
		t.Fatalf("log verify: %d %s %s", code, out, errs)
	}
	// The sealer's receipt still holds: its record is there and the log only grew.
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", "--receipt", env+".receipt.json", logDir); code != 0 ||
		!strings.Contains(out, "record #0 (share of envelope") {
		t.Fatalf("log verify --receipt: %d %s %s", code, out, errs)
	}

	// A log operator's key that others can read is refused; a log without
	// its key is not silently given a new one.
	os.Chmod(logDir+".key", 0o644)
	if code, _, errs := runCLI(t, "", open...); code == 0 || !strings.Contains(errs, "chmod 600") {
		t.Errorf("world-readable log key: %d %s", code, errs)
	}
	os.Rename(logDir+".key", logDir+".key.bak")
	if code, _, errs := runCLI(t, "", open...); code == 0 || !strings.Contains(errs, "signing key") {
		t.Errorf("log without its key: %d %s", code, errs)
	}

	// Any edited byte of the stored log fails verification.
	ents, _ := os.ReadDir(logDir)
	edited := 0
	for _, e := range ents {
		p := filepath.Join(logDir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 || e.Name() == "lock" {
			continue
		}
		for _, at := range []int{0, len(b) / 2, len(b) - 1} {
			b[at] ^= 1
			os.WriteFile(p, b, 0o600)
			if code, _, _ := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", logDir); code == 0 {
				t.Errorf("%s: byte %d edited and the log still verifies", e.Name(), at)
			}
			b[at] ^= 1
			os.WriteFile(p, b, 0o600)
			edited++
		}
	}
	if edited == 0 {
		t.Fatal("no log file to edit")
	}
	if code, _, errs := runCLI(t, "", "log", "verify", "--vkey", logDir+".vkey", logDir); code != 0 {
		t.Fatalf("restored log: %s", errs)
	}
}

// TestShareRefusals: a share that the policy refuses, or that asks for a
// window past its grant, writes no envelope.
func TestShareRefusals(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat, grants := "../../testdata/catalog/population.yaml", "../../testdata/catalog/grants.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	env := filepath.Join(dir, "x.gse")
	base := []string{"share", "--catalog", cat, "--grants", grants, "--from", kdir, "--dept", "public-security-bureau",
		"--to", filepath.Join(kdir, "tax-bureau.pub"), "--log", filepath.Join(dir, "log"), in, "-o", env}
	for _, extra := range [][]string{
		{"--purpose", "curiosity"},
		{"--purpose", "administrative_basis", "--not-after", "2099-01-01"}, // past grant g-2026-0042
		{"--purpose", "administrative_basis", "--not-after", "next week"},
	} {
		code, _, errs := runCLI(t, "", append(append([]string(nil), base...), extra...)...)
		if code == 0 {
			t.Errorf("%v: shared", extra)
		}
		if _, err := os.Stat(env); err == nil {
			t.Errorf("%v: envelope written: %s", extra, errs)
		}
	}
	_, out, _ := runCLI(t, "", "log", "show", "--json", filepath.Join(dir, "log"))
	if !strings.Contains(out, `"code":"purpose_not_allowed"`) {
		t.Errorf("refusal not logged: %s", out)
	}
	// Another department's catalog.
	args := append([]string(nil), base...)
	args[8] = "tax-bureau"
	if code, _, errs := runCLI(t, "", append(args, "--purpose", "work_reference")...); code == 0 || !strings.Contains(errs, "catalog") {
		t.Errorf("share by a department that is not the catalog's provider: %d %s", code, errs)
	}
}

// TestDemo runs the demo as a new user would and checks each act of the story.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", "demo", "--rows", "300", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo: %s\n%s", errs, out)
	}
	for _, want := range []string{
		"sealed 300 rows", "to tax-bureau for administrative_basis", "not shared: 银行卡号, 民族",
		"opened envelope", "wrong_recipient", "wrong_purpose", "tampered",
		"verifies: 9 records", "does NOT verify", "DP COUNT", "sealed a count release (2 groups released)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The civil affairs bureau's copy carries no resident ID in clear.
	reg, _ := os.ReadFile(filepath.Join(dir, "register.csv"))
	civil, _ := os.ReadFile(filepath.Join(dir, "civil.csv"))
	for _, line := range bytes.Split(reg, []byte("\n"))[1:10] {
		if f := bytes.Split(line, []byte(",")); len(f) > 1 && bytes.Contains(civil, f[1]) {
			t.Error("a resident ID reached the verifier in clear")
		}
	}
	if strings.Count(out, dir) != 1 { // once, where the demo says where it works
		t.Error("demo output shows absolute paths of its directory")
	}
}

// TestCLIFailsClosed: the ways a careless user meets the share commands
// end in one line on stderr, leave no file or key behind, and log nothing
// that did not happen.
func TestCLIFailsClosed(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	logDir := filepath.Join(dir, "log")
	share := func(out string, extra ...string) (int, string) {
		args := append([]string{"share", "--catalog", cat, "--purpose", "work_reference", "--from", kdir,
			"--dept", "public-security-bureau", "--to", filepath.Join(kdir, "tax-bureau.pub"), "--log", logDir, in, "-o", out}, extra...)
		code, _, errs := runCLI(t, "", args...)
		return code, errs
	}
	env := filepath.Join(dir, "a.gse")
	if code, errs := share(env); code != 0 {
		t.Fatal(errs)
	}
	for _, out := range []string{env, dir, "-", filepath.Join(dir, "missing", "b.gse")} {
		if code, errs := share(out); code == 0 || strings.Count(errs, "\n") != 1 || strings.Contains(errs, "/.") {
			t.Errorf("share -o %s: %d %q", out, code, errs)
		}
	}
	_, out, _ := runCLI(t, "", "log", "show", "--json", logDir)
	if n := strings.Count(out, `"type":"share"`); n != 1 {
		t.Errorf("%d share records for one envelope written", n)
	}

	// Opening to standard output with a log: the plaintext comes out, and
	// only after the open is on record (it is held in a temporary file).
	code, out, errs := runCLI(t, "", "open", "--keys", kdir, "--dept", "tax-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), "--log", logDir, env)
	_, shown, _ := runCLI(t, "", "log", "show", "--json", logDir)
	if code != 0 || !strings.HasPrefix(out, "姓名,") || !strings.Contains(shown, `"outcome":"opened"`) {
		t.Errorf("open to stdout with a log: %d %q, log %s", code, errs, shown)
	}
	for _, args := range [][]string{{"log", "-h"}, {"keys", "--help"}} {
		if code, _, errs := runCLI(t, "", args...); code != 0 || !strings.Contains(errs, "usage:") {
			t.Errorf("%v: %d %q", args, code, errs)
		}
	}

	// Unknown flags: one line, exit 2. -h: the help, exit 0.
	if code, _, errs := runCLI(t, "", "demo", "--bogus"); code != 2 || strings.Count(errs, "\n") != 1 {
		t.Errorf("unknown flag: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "share", "-h"); code != 0 || !strings.Contains(errs, "-not-after") {
		t.Errorf("-h: %d %q", code, errs)
	}

	// Loading keys never makes keys.
	empty := filepath.Join(dir, "nokeys")
	code, _, errs = runCLI(t, "", "open", "--keys", empty, "--dept", "tax-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(kdir, "public-security-bureau.pub"), env)
	if _, err := os.Stat(filepath.Join(empty, "master.key")); code == 0 || err == nil || !strings.Contains(errs, "keys new") {
		t.Errorf("open with an empty keys dir: %d %q (master key made: %v)", code, errs, err == nil)
	}

	// A log directory that is not one.
	if code, _, errs := runCLI(t, "", "log", "verify", kdir); code == 0 || !strings.Contains(errs, "not a share-record log") {
		t.Errorf("log verify on a keys dir: %d %q", code, errs)
	}

	// A file without its header row: the first row's values are not column names.
	b, _ := os.ReadFile(in)
	nohdr := filepath.Join(dir, "nohdr.csv")
	os.WriteFile(nohdr, b[bytes.IndexByte(b, '\n')+1:], 0o600)
	first := strings.Split(strings.SplitN(string(b), "\n", 3)[1], ",")
	for _, args := range [][]string{{"scan", nohdr}, {"scan", "--catalog-out", filepath.Join(dir, "d.yaml"), nohdr}} {
		code, out, errs := runCLI(t, "", args...)
		if code == 0 || !strings.Contains(errs, "header row is missing") {
			t.Errorf("%v: %d %q", args, code, errs)
		}
		for _, v := range first {
			if strings.Contains(out+errs, v) {
				t.Errorf("%v: a value of the first row is in the output", args)
			}
		}
	}

	// No sums of identifiers.
	if code, _, errs := runCLI(t, "", "stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "1",
		"--person", "身份证号", "--sum", "手机号码", "--bounds", "0,1", "--unbudgeted", in); code == 0 || !strings.Contains(errs, "only a count") {
		t.Errorf("sum of mobiles: %d %q", code, errs)
	}
}

// TestStatsSealed: a DP release sealed with stats --from/--to/-o opens for
// statistics only, to the JSON stats prints, and both acts are logged; the
// sealing flags go together.
func TestStatsSealed(t *testing.T) {
	dir, kdir := shareSetup(t)
	cat := "../../testdata/catalog/population.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	env, logDir := filepath.Join(dir, "s.gse"), filepath.Join(dir, "log")
	base := []string{"stats", "--catalog", cat, "--purpose", "statistics", "--epsilon", "1", "--person", "身份证号",
		"--group-by", "性别", "--count", "--unbudgeted", in}
	code, _, errs := runCLI(t, "", append(base, "--from", kdir, "--to", filepath.Join(kdir, "civil-affairs-bureau.pub"),
		"--log", logDir, "-o", env)...)
	if code != 0 || !strings.Contains(errs, "sealed a count release") {
		t.Fatalf("sealed stats: %d %s", code, errs)
	}
	open := []string{"open", "--keys", kdir, "--dept", "civil-affairs-bureau", "--trust", filepath.Join(kdir, "public-security-bureau.pub"), "--log", logDir, env}
	if code, _, _ := runCLI(t, "", append(open, "--purpose", "work_reference")...); code == 0 {
		t.Error("a statistics release opened for work_reference")
	}
	code, out, errs := runCLI(t, "", append(open, "--purpose", "statistics")...)
	var rep struct {
		Kind    string
		Results []struct{ Group string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Kind != "count" || len(rep.Results) == 0 {
		t.Fatalf("open: %d %s %s", code, out, errs)
	}
	_, shown, _ := runCLI(t, "", "log", "show", "--json", logDir)
	// One release record, its ε, δ and mechanism on record, unbudgeted.
	if !strings.Contains(shown, `"type":"release"`) || !strings.Contains(shown, `"mechanism":"count/laplace+dpagg.PreAggSelectPartition","epsilon":1,"delta":0.00001,"budget_epsilon":0,"budget_delta":0`) ||
		strings.Count(shown, `"outcome":"opened"`) != 1 {
		t.Errorf("log: %s", shown)
	}
	for _, partial := range [][]string{{"--from", kdir}, {"-o", filepath.Join(dir, "t.gse")}, {"--log", logDir}} {
		if code, _, _ := runCLI(t, "", append(append([]string(nil), base...), partial...)...); code != 2 {
			t.Errorf("stats %v: exit %d, want a usage error", partial, code)
		}
	}
}

// TestDetectWarnsOnBadGB18030: bytes that are not GB18030 are reported, not
// silently read as U+FFFD.
func TestDetectWarnsOnBadGB18030(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("手机13812345678，姓名")
	p := writeFile(t, "notes.txt", gb[:len(gb)-1]+"\xff\n")
	code, out, errs := runCLI(t, "", "detect", "--encoding", "gb18030", p)
	if code != 0 || !strings.Contains(out, "cn_mobile") || !strings.Contains(errs, "not valid gb18030") {
		t.Errorf("%d %q %q", code, out, errs)
	}
	if code, _, errs := runCLI(t, "", "detect", "--encoding", "gb18030", writeFile(t, "ok.txt", gb+"\n")); code != 0 || errs != "" {
		t.Errorf("valid GB18030: %d %q", code, errs)
	}
}
