//go:build unix

package govshare_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/govshare/govshare"
)

// TestCreateOutputRefuses: an Output never destroys what its path names
// (issue 11 §4): a FIFO, a device, a directory, a file the run reads (also
// through a symbolic link, or in a directory the run reads), or, without
// force, any existing file. Each target is unchanged afterwards.
func TestCreateOutputRefuses(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("a\n1\n"), 0o600)
	kdir := filepath.Join(dir, "keys")
	os.Mkdir(kdir, 0o700)
	key := filepath.Join(kdir, "master.key")
	os.WriteFile(key, []byte("secret\n"), 0o600)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(dir, link)
	cases := []struct {
		path  string
		force bool
		want  error
	}{
		{fifo, true, govshare.ErrOutputUnsafe},
		{dir, true, govshare.ErrOutputUnsafe},
		{in, true, govshare.ErrOutputUnsafe},
		{filepath.Join(link, "in.csv"), true, govshare.ErrOutputUnsafe},
		{key, true, govshare.ErrOutputUnsafe},
		{in, false, govshare.ErrOutputUnsafe},
		{key, false, govshare.ErrOutputUnsafe},
	}
	if os.Geteuid() == 0 {
		dev := filepath.Join(dir, "null")
		if err := syscall.Mknod(dev, syscall.S_IFCHR|0o600, 1<<8|3); err == nil {
			cases = append(cases, struct {
				path  string
				force bool
				want  error
			}{dev, true, govshare.ErrOutputUnsafe})
		}
	}
	for _, c := range cases {
		before, _ := os.Lstat(c.path)
		_, err := govshare.CreateOutput(c.path, c.force, in, kdir)
		if !errors.Is(err, c.want) {
			t.Errorf("%s (force %v): %v, want %v", c.path, c.force, err, c.want)
		}
		after, _ := os.Lstat(c.path)
		if before.Mode() != after.Mode() || !os.SameFile(before, after) {
			t.Errorf("%s changed", c.path)
		}
	}
	other := filepath.Join(dir, "other.csv")
	os.WriteFile(other, []byte("keep\n"), 0o600)
	if _, err := govshare.CreateOutput(other, false, in); !errors.Is(err, govshare.ErrOutputExists) {
		t.Errorf("existing file without force: %v", err)
	}
	// A directory the run reads protects every name in it.
	if _, err := govshare.CreateOutput(filepath.Join(kdir, "new.csv"), false, kdir); !errors.Is(err, govshare.ErrOutputUnsafe) {
		t.Errorf("new file in a key directory: %v", err)
	}
}

// TestOutputCommitAbort: nothing is visible at the path before Commit, Abort
// leaves nothing behind, a file that appeared meanwhile is not replaced
// without force, and force replaces a regular file.
func TestOutputCommitAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	o, err := govshare.CreateOutput(path, false)
	if err != nil {
		t.Fatal(err)
	}
	o.Write([]byte("x\n"))
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("visible before Commit: %v", ents)
	}
	o.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left after Abort: %v", ents)
	}

	o, _ = govshare.CreateOutput(path, false)
	os.WriteFile(path, []byte("theirs\n"), 0o600) // appears meanwhile
	o.Write([]byte("ours\n"))
	if err := o.Commit(); !errors.Is(err, govshare.ErrOutputExists) {
		t.Errorf("commit over a file that appeared: %v", err)
	}
	o.Abort()
	if b, _ := os.ReadFile(path); string(b) != "theirs\n" {
		t.Errorf("replaced: %q", b)
	}

	o, _ = govshare.CreateOutput(path, true)
	o.Write([]byte("ours\n"))
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "ours\n" {
		t.Errorf("not replaced with force: %q", b)
	}
	if err := o.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files, want 1", len(ents))
	}
}
