package fsread

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if f does not return in time: a FIFO must be
// refused, not waited on.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
	}
}

func fifo(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no FIFOs")
	}
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	return p
}

func TestReadFileRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	want := bytes.Repeat([]byte("catalog\n"), 1000)
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, max := range []int64{int64(len(want)), int64(len(want)) + 1, 1 << 20} {
		got, err := ReadFile(p, max)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("max %d: %d bytes, %v", max, len(got), err)
		}
	}
	if got, err := ReadFile(filepath.Join(t.TempDir(), "empty"), 10); err == nil {
		t.Fatalf("missing file read: %q", got)
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestReadFileOversize: one byte over the cap is refused, naming the path
// and the cap and never the content.
func TestReadFileOversize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, []byte("secret-value-0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(p, 22)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, p) || !strings.Contains(msg, "22 bytes") || strings.Contains(msg, "secret") {
		t.Fatalf("error %q: want the path and the cap, not the content", msg)
	}
	_, err = ReadFile(p, 4<<20-1)
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadFileDevZero: an endless device is refused before it is read
// (os.ReadFile ran out of memory on it).
func TestReadFileDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	var err error
	within(t, 5*time.Second, func() { _, err = ReadFile("/dev/zero", 4<<20) })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "/dev/zero") || !strings.Contains(err.Error(), "device") {
		t.Fatalf("err = %v, want ErrNotRegular naming /dev/zero as a device", err)
	}
}

// TestReadFileFIFO: a FIFO with no writer is refused at once; os.Open
// would block on it forever.
func TestReadFileFIFO(t *testing.T) {
	p := fifo(t)
	var err error
	within(t, 5*time.Second, func() { _, err = ReadFile(p, 1<<20) })
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
		t.Fatalf("err = %v, want ErrNotRegular (FIFO)", err)
	}
	within(t, 5*time.Second, func() { _, _, err = Open(p) })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("Open: %v", err)
	}
}

func TestReadFileDirectory(t *testing.T) {
	d := t.TempDir()
	_, err := ReadFile(d, 1<<20)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "directory") || !strings.Contains(err.Error(), d) {
		t.Fatalf("err = %v, want ErrNotRegular naming the directory", err)
	}
}

// TestReadFileSymlink: a link to a regular file reads; a link to a FIFO is
// refused as the FIFO is.
func TestReadFileSymlink(t *testing.T) {
	d := t.TempDir()
	p := filepath.Join(d, "f")
	os.WriteFile(p, []byte("x"), 0o600)
	l := filepath.Join(d, "l")
	if err := os.Symlink(p, l); err != nil {
		t.Skip(err)
	}
	if b, err := ReadFile(l, 10); err != nil || string(b) != "x" {
		t.Fatalf("%q %v", b, err)
	}
	ff := fifo(t)
	lf := filepath.Join(d, "lf")
	os.Symlink(ff, lf)
	var err error
	within(t, 5*time.Second, func() { _, err = ReadFile(lf, 10) })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("link to FIFO: %v", err)
	}
}

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("abc"), "<stdin>", 3); err != nil || string(b) != "abc" {
		t.Fatalf("%q %v", b, err)
	}
	_, err := ReadAll(strings.NewReader("abcd"), "<stdin>", 3)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "<stdin>") {
		t.Fatalf("err = %v", err)
	}
	// An endless reader stops one byte past the cap.
	r := &countReader{}
	if _, err := ReadAll(r, "zero", 1<<20); !errors.Is(err, ErrTooLarge) || r.n > 1<<20+1 {
		t.Fatalf("read %d bytes: %v", r.n, err)
	}
}

type countReader struct{ n int }

func (r *countReader) Read(p []byte) (int, error) {
	r.n += len(p)
	return len(p), nil
}
