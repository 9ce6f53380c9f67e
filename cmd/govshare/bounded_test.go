package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runCLIWithin runs the CLI with stdin from r and fails the test if it has
// not returned within d: a FIFO or a device must be refused, not waited on.
func runCLIWithin(t *testing.T, d time.Duration, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type res struct {
		code     int
		out, err string
	}
	ch := make(chan res, 1)
	go func() {
		var out, errb bytes.Buffer
		c := run(&env{stdin: stdin, stdout: &out, stderr: &errb}, args)
		ch <- res{c, out.String(), errb.String()}
	}()
	select {
	case r := <-ch:
		return r.code, r.out, r.err
	case <-time.After(d):
		t.Fatalf("govshare %s: still running after %v", strings.Join(args, " "), d)
		return 0, "", ""
	}
}

func testFIFO(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no FIFOs")
	}
	p := filepath.Join(t.TempDir(), name)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	return p
}

// endless is an input of one record without end: a quoted CSV field that
// never closes, or a line with no newline.
type endless struct {
	head []byte
	n    int64
}

func (r *endless) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	if r.n > 512<<20 {
		return 0, io.ErrUnexpectedEOF // the test's own bound: never reached when capped
	}
	return len(p), nil
}

// TestScanRecordCap: scan read a record of any size (a 100 MB line took
// 1 GB); it now stops at the record cap mask has, with file and line and
// without the record's content.
func TestScanRecordCap(t *testing.T) {
	for _, head := range []string{"姓名,备注\n张三,\"", "姓名,备注\n张三,"} {
		src := &endless{head: []byte(head)}
		code, _, errs := runCLIWithin(t, 60*time.Second, src, "scan", "-")
		if code != 1 || !strings.Contains(errs, "longer than 67108864 bytes") || !strings.Contains(errs, "<stdin>:2") {
			t.Errorf("%q: exit %d, %q; want a record-too-long error at <stdin>:2", head, code, errs)
		}
		if src.n > 80<<20 {
			t.Errorf("%q: read %d MiB of one record before refusing it", head, src.n>>20)
		}
		if strings.Contains(errs, "xxxx") || strings.Contains(errs, "张三") {
			t.Errorf("%q: the error holds the content: %.200q", head, errs)
		}
	}
	// The same cap for a file: a header line over the cap.
	p := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	line := bytes.Repeat([]byte("x"), 1<<20)
	for range 65 {
		f.Write(line)
	}
	f.WriteString(",a\n1,2\n")
	f.Close()
	code, _, errs := runCLIWithin(t, 60*time.Second, strings.NewReader(""), "scan", p)
	if code != 1 || !strings.Contains(errs, "longer than") || !strings.Contains(errs, p) {
		t.Errorf("a 65 MiB header: exit %d, %.300q", code, errs)
	}
}

// TestBoundedFileInputs: every file given by path to mask — the catalog,
// the grants, the keyring, the master key — is refused, at once and in one
// line, when it is a device (/dev/zero ran out of memory), a FIFO (hung
// forever), a directory or too large; a catalog of two YAML documents is
// refused.
func TestBoundedFileInputs(t *testing.T) {
	const catalogFile = "../../testdata/catalog/population.yaml"
	const grantsFile = "../../testdata/catalog/grants.yaml"
	in := filepath.Join(sampleDir, "population.csv")
	kdir := filepath.Join(t.TempDir(), "keys")
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "public-security-bureau", "--dir", kdir); code != 0 {
		t.Fatal(errs)
	}
	mask := func(catalog, grants, keys string) []string {
		return []string{"mask", "--catalog", catalog, "--grants", grants, "--purpose", "data_verification",
			"--recipient", "civil-affairs-bureau", "--keys", keys, in, "-o", filepath.Join(t.TempDir(), "out.csv")}
	}
	if code, _, errs := runCLI(t, "", mask(catalogFile, grantsFile, kdir)...); code != 0 {
		t.Fatalf("mask with good inputs: %d %q", code, errs)
	}

	good, err := os.ReadFile(catalogFile)
	if err != nil {
		t.Fatal(err)
	}
	twoDocs := filepath.Join(t.TempDir(), "two.yaml")
	os.WriteFile(twoDocs, append(append(append([]byte{}, good...), "---\n"...), good...), 0o644)
	bigCatalog := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(bigCatalog, append(append([]byte{}, good...), "# "+strings.Repeat("x", 4<<20)+"\n"...), 0o644)
	bigGrants := filepath.Join(t.TempDir(), "big-grants.yaml")
	g, _ := os.ReadFile(grantsFile)
	os.WriteFile(bigGrants, append(g, "# "+strings.Repeat("x", 4<<20)+"\n"...), 0o644)

	fifoKeys := filepath.Join(t.TempDir(), "fifo-keys")
	os.MkdirAll(fifoKeys, 0o700)
	kb, _ := os.ReadFile(filepath.Join(kdir, "master.key"))
	os.WriteFile(filepath.Join(fifoKeys, "master.key"), kb, 0o600)
	fifoMaster := filepath.Join(t.TempDir(), "fifo-master")
	os.MkdirAll(fifoMaster, 0o700)
	kb, _ = os.ReadFile(filepath.Join(kdir, "public-security-bureau.keys"))
	os.WriteFile(filepath.Join(fifoMaster, "public-security-bureau.keys"), kb, 0o600)
	if runtime.GOOS != "windows" {
		if err := syscall.Mkfifo(filepath.Join(fifoKeys, "public-security-bureau.keys"), 0o600); err != nil {
			t.Skip(err)
		}
		syscall.Mkfifo(filepath.Join(fifoMaster, "master.key"), 0o600)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"catalog /dev/zero", mask("/dev/zero", grantsFile, kdir), "not a regular file"},
		{"catalog FIFO", mask(testFIFO(t, "c.yaml"), grantsFile, kdir), "named pipe"},
		{"catalog directory", mask(t.TempDir(), grantsFile, kdir), "directory"},
		{"catalog over 4 MiB", mask(bigCatalog, grantsFile, kdir), "4 MiB"},
		{"catalog of two documents", mask(twoDocs, grantsFile, kdir), "more than one YAML document"},
		{"grants /dev/zero", mask(catalogFile, "/dev/zero", kdir), "not a regular file"},
		{"grants FIFO", mask(catalogFile, testFIFO(t, "g.yaml"), kdir), "named pipe"},
		{"grants over 4 MiB", mask(catalogFile, bigGrants, kdir), "4 MiB"},
		{"keyring FIFO", mask(catalogFile, grantsFile, fifoKeys), "named pipe"},
		{"master key FIFO", mask(catalogFile, grantsFile, fifoMaster), "named pipe"},
	} {
		code, _, errs := runCLIWithin(t, 20*time.Second, strings.NewReader(""), tc.args...)
		if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%s: exit %d, %q; want exit 1 and %q on one line", tc.name, code, errs, tc.want)
		}
		if strings.Contains(errs, "xxxx") || strings.Contains(errs, "resource:") {
			t.Errorf("%s: the error holds file content: %.200q", tc.name, errs)
		}
	}
}
