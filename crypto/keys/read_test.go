package keys

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/fsread"
)

// returnsWithin fails the test if f blocks: a FIFO given as a key file
// used to hang forever, opened before its type was checked.
func returnsWithin(t *testing.T, f func() error) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("still blocked after 10s")
		return nil
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no FIFOs")
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
}

// TestReadSecretFileFIFO: a FIFO as a secret file (a --log-key, a keyring,
// a master key) is refused at once, naming the path.
func TestReadSecretFileFIFO(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "log.key")
	mkfifo(t, p)
	err := returnsWithin(t, func() error { _, err := ReadSecretFile(p, 4<<10); return err })
	if !errors.Is(err, fsread.ErrNotRegular) || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want ErrNotRegular naming %s", err, p)
	}

	// The keyring and the local master key go through it too.
	kdir := t.TempDir()
	mkfifo(t, KeysPath(kdir, "tax-bureau"))
	err = returnsWithin(t, func() error {
		_, err := Load(kdir, "tax-bureau", testMaster(t))
		return err
	})
	if !errors.Is(err, fsread.ErrNotRegular) {
		t.Fatalf("keyring FIFO: %v", err)
	}
	mdir := t.TempDir()
	mkfifo(t, filepath.Join(mdir, MasterFile))
	err = returnsWithin(t, func() error { _, err := LocalMaster(mdir); return err })
	if !errors.Is(err, fsread.ErrNotRegular) {
		t.Fatalf("master key FIFO: %v", err)
	}
}

// TestReadSecretFileBounded: a device, a directory and a file over the cap
// are refused without printing any of the file.
func TestReadSecretFileBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		err := returnsWithin(t, func() error { _, err := ReadSecretFile("/dev/zero", 4<<10); return err })
		if !errors.Is(err, fsread.ErrNotRegular) {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	if _, err := ReadSecretFile(t.TempDir(), 4<<10); !errors.Is(err, fsread.ErrNotRegular) {
		t.Errorf("directory: %v", err)
	}
	p := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(p, []byte(strings.Repeat("s3cret", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSecretFile(p, 4<<10)
	if !errors.Is(err, fsread.ErrTooLarge) || !strings.Contains(err.Error(), p) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("oversize: %v", err)
	}
	if b, err := ReadSecretFile(p, 6000); err != nil || len(b) != 6000 {
		t.Errorf("at the cap: %d bytes, %v", len(b), err)
	}
	// Permissions are still checked.
	os.Chmod(p, 0o640)
	if _, err := ReadSecretFile(p, 6000); !errors.Is(err, ErrInsecurePermissions) {
		t.Errorf("mode 0640: %v", err)
	}
}
