//go:build unix

package main

import (
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// outputSetup makes a provider's and a recipient's keys, a copy of the
// sample register and catalog in a fresh directory, and an envelope for the
// tax bureau.
type outputFixture struct {
	dir, kdir, in, cat, env string
}

func newOutputFixture(t *testing.T) outputFixture {
	t.Helper()
	dir, kdir := shareSetup(t)
	f := outputFixture{dir: dir, kdir: kdir, in: filepath.Join(dir, "population.csv"),
		cat: filepath.Join(dir, "catalog.yaml"), env: filepath.Join(dir, "tax.gse")}
	for src, dst := range map[string]string{filepath.Join(sampleDir, "population.csv"): f.in, "../../testdata/catalog/population.yaml": f.cat} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errs := runCLI(t, "", f.share(f.in, f.env)...); code != 0 {
		t.Fatal(errs)
	}
	return f
}

func (f outputFixture) share(in, out string, extra ...string) []string {
	return append([]string{"share", "--catalog", f.cat, "--purpose", "work_reference", "--from", f.kdir,
		"--dept", "public-security-bureau", "--to", filepath.Join(f.kdir, "tax-bureau.pub"), in, "-o", out}, extra...)
}

func (f outputFixture) mask(in string, extra ...string) []string {
	return append([]string{"mask", "--catalog", f.cat, "--purpose", "work_reference", "--recipient", "tax-bureau",
		"--keys", f.kdir, in}, extra...)
}

func (f outputFixture) open(extra ...string) []string {
	return append([]string{"open", "--keys", f.kdir, "--dept", "tax-bureau", "--purpose", "work_reference",
		"--trust", filepath.Join(f.kdir, "public-security-bureau.pub"), f.env}, extra...)
}

// fileState is what a test compares to see that a file was not touched.
func fileState(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		return "missing"
	}
	s := st.Mode().String()
	if st.Mode().IsRegular() {
		b, _ := os.ReadFile(path)
		s += string(b)
	}
	return s
}

// TestOutputNeverDestroysItsTarget: -o refuses a target that is not a
// regular file, that is an input, a key or the catalog in use (even with
// --force), and an existing file without --force (issue 11 §4).
func TestOutputNeverDestroysItsTarget(t *testing.T) {
	f := newOutputFixture(t)
	fifo := filepath.Join(f.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(f.dir, "existing.csv")
	os.WriteFile(existing, []byte("keep me\n"), 0o600)
	// The input through a symbolic link to its directory.
	linkDir := filepath.Join(t.TempDir(), "via-link")
	if err := os.Symlink(f.dir, linkDir); err != nil {
		t.Fatal(err)
	}
	// What each command reads, and so must never write over.
	common := map[string]string{
		"fifo":           fifo,
		"directory":      f.kdir,
		"the master key": filepath.Join(f.kdir, "master.key"),
		"a keyring":      filepath.Join(f.kdir, "tax-bureau.keys"),
		"a bundle":       filepath.Join(f.kdir, "public-security-bureau.pub"),
	}
	if os.Geteuid() == 0 {
		// A device node of our own (a copy of /dev/null's numbers), never /dev's.
		dev := filepath.Join(f.dir, "null")
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o600, 1<<8|3); err == nil {
			common["device"] = dev
		}
	}
	reads := map[string]map[string]string{
		"mask": {"the input": f.in, "the input, via link": filepath.Join(linkDir, "population.csv"), "the catalog": f.cat},
		"open": {"the envelope": f.env, "the envelope, via link": filepath.Join(linkDir, "tax.gse")},
	}
	for cmd, targets := range reads {
		maps.Copy(targets, common)
		for what, target := range targets {
			for _, force := range [][]string{nil, {"--force"}} {
				before := fileState(t, target)
				args := f.open(append([]string{"-o", target}, force...)...)
				if cmd == "mask" {
					args = f.mask(f.in, append([]string{"-o", target}, force...)...)
				}
				code, _, errs := runCLI(t, "", args...)
				if code == 0 {
					t.Errorf("%s -o %s %v: written", cmd, what, force)
				}
				if strings.Count(errs, "\n") != 1 {
					t.Errorf("%s -o %s: %q", cmd, what, errs)
				}
				if after := fileState(t, target); after != before {
					t.Errorf("%s -o %s %v: the target changed", cmd, what, force)
				}
			}
			// share never replaces a file.
			if code, _, _ := runCLI(t, "", f.share(f.in, target)...); code == 0 {
				t.Errorf("share -o %s: written", what)
			}
		}
	}

	// An existing file is replaced only with --force.
	if code, _, errs := runCLI(t, "", f.mask(f.in, "-o", existing)...); code == 0 || !strings.Contains(errs, "--force") {
		t.Errorf("mask -o existing: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", f.open("-o", existing)...); code == 0 || fileState(t, existing) != "-rw-------keep me\n" {
		t.Errorf("open -o existing: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", f.mask(f.in, "-o", existing, "--force")...); code != 0 || !strings.HasPrefix(fileState(t, existing), "-rw-------姓名,") {
		t.Errorf("mask -o existing --force: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", f.open("-o", existing, "--force")...); code != 0 || !strings.HasPrefix(fileState(t, existing), "-rw-------姓名,") {
		t.Errorf("open -o existing --force: %d %q", code, errs)
	}
	// --rejects is an output too.
	if code, _, _ := runCLI(t, "", f.mask(f.in, "--rejects", f.cat, "--force")...); code == 0 {
		t.Error("mask --rejects the catalog: accepted")
	}
	if fileState(t, f.cat) == "-rw-------" {
		t.Error("--rejects emptied the catalog")
	}
}

// runCLIWith runs the CLI in-process with the given standard streams.
func runCLIWith(stdin io.Reader, stdout io.Writer, args ...string) (int, string) {
	var errb bytes.Buffer
	code := run(&env{stdin: stdin, stdout: stdout, stderr: &errb}, args)
	return code, errb.String()
}

// TestStdoutFull: a command whose standard output cannot be written fails
// (writing to /dev/full), whatever it writes (issue 11 §4).
func TestStdoutFull(t *testing.T) {
	f := newOutputFixture(t)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer full.Close()
	masked := filepath.Join(f.dir, "m.csv")
	if code, _, errs := runCLI(t, "", "mask", "--catalog", f.cat, "--purpose", "data_verification", "--recipient", "tax-bureau",
		"--keys", f.kdir, f.in, "-o", masked); code != 0 {
		t.Fatal(errs)
	}
	logDir := filepath.Join(f.dir, "log")
	for name, args := range map[string][]string{
		"mask":          f.mask(f.in),
		"mask -o -":     f.mask(f.in, "-o", "-"),
		"unmask":        {"unmask", "--catalog", f.cat, "--keys", f.kdir, "--recipient", "tax-bureau", masked},
		"open":          f.open(),
		"open --log":    f.open("--log", logDir),
		"inspect":       {"inspect", f.env},
		"inspect -json": {"inspect", "--json", f.env},
	} {
		if code, errs := runCLIWith(strings.NewReader(""), full, args...); code == 0 {
			t.Errorf("%s > /dev/full: exit 0 %q", name, errs)
		}
	}
	// An open whose plaintext could not be delivered is not on record as
	// opened without its withdrawal.
	_, shown, _ := runCLI(t, "", "log", "show", "--json", logDir)
	if strings.Contains(shown, `"outcome":"opened"`) && !strings.Contains(shown, `"outcome":"withdrawn"`) {
		t.Errorf("log: %s", shown)
	}
}

// TestStdinDash: mask and share read standard input for "-" (issue 10 §3).
func TestStdinDash(t *testing.T) {
	f := newOutputFixture(t)
	in, err := os.ReadFile(f.in)
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := runCLI(t, "", f.mask(f.in)...)
	code, got, errs := runCLI(t, string(in), f.mask("-")...)
	if code != 0 || got != want || want == "" {
		t.Errorf("mask -: %d %q", code, errs)
	}
	env := filepath.Join(f.dir, "stdin.gse")
	if code, _, errs := runCLI(t, string(in), f.share("-", env)...); code != 0 || !strings.Contains(errs, "sealed 200 rows") {
		t.Errorf("share -: %d %q", code, errs)
	}
}

// TestOpenStdoutHoldsNoPlaintext: while an open to standard output waits
// for its record, the plaintext it holds is nowhere readable on disk
// (issue 11 §3).
func TestOpenStdoutHoldsNoPlaintext(t *testing.T) {
	f := newOutputFixture(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, masked, _ := runCLI(t, "", f.mask(f.in)...)
	row := strings.SplitN(masked, "\n", 3)[1] // a row of the plaintext the envelope holds
	w := &probeWriter{check: func() {
		if leak := findInDir(t, tmp, row); leak != "" {
			t.Errorf("plaintext in %s while the open is written out", leak)
		}
	}}
	code, errs := runCLIWith(strings.NewReader(""), w, f.open("--log", filepath.Join(f.dir, "log"))...)
	if code != 0 || !w.probed {
		t.Fatalf("open: %d %q", code, errs)
	}
}

// probeWriter calls check before its first write.
type probeWriter struct {
	check  func()
	probed bool
	buf    bytes.Buffer
}

func (w *probeWriter) Write(p []byte) (int, error) {
	if !w.probed {
		w.probed = true
		w.check()
	}
	return w.buf.Write(p)
}

// findInDir returns the name of a file under dir that holds s, or "".
func findInDir(t *testing.T, dir, s string) string {
	t.Helper()
	found := ""
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found != "" {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(s)) {
			found = p
		}
		return nil
	})
	return found
}
