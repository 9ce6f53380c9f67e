package policy

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

func loadGrantsWithin(t *testing.T, path string) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { _, err := LoadGrants(path); ch <- err }()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("LoadGrants(%s) still blocked after 10s", path)
		return nil
	}
}

// TestLoadGrantsBounded: --grants /dev/zero ended in "fatal error: out of
// memory" and a FIFO blocked; both, and a directory, are refused before
// they are read, and a file over the cap is refused with the cap named.
func TestLoadGrantsBounded(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err == nil {
		if err := loadGrantsWithin(t, "/dev/zero"); !errors.Is(err, fsread.ErrNotRegular) || !strings.Contains(err.Error(), "/dev/zero") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
	if runtime.GOOS != "windows" && runtime.GOOS != "plan9" {
		p := filepath.Join(t.TempDir(), "grants.yaml")
		if err := syscall.Mkfifo(p, 0o600); err == nil {
			if err := loadGrantsWithin(t, p); !errors.Is(err, fsread.ErrNotRegular) {
				t.Errorf("FIFO: %v", err)
			}
		}
	}
	d := t.TempDir()
	if err := loadGrantsWithin(t, d); !errors.Is(err, fsread.ErrNotRegular) {
		t.Errorf("directory: %v", err)
	}
	good, err := os.ReadFile("testdata/grants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(t.TempDir(), "grants.yaml")
	pad := "# " + strings.Repeat("g-2026-0042 身份证号 ", maxGrantsSize/16) + "\n"
	if err := os.WriteFile(big, append(good, pad...), 0o600); err != nil {
		t.Fatal(err)
	}
	err = loadGrantsWithin(t, big)
	if !errors.Is(err, fsread.ErrTooLarge) || !strings.Contains(err.Error(), "4 MiB") || strings.Contains(err.Error(), "身份证号") {
		t.Errorf("oversize: %v", err)
	}
	if err := os.WriteFile(big, append(good, "# "+strings.Repeat("x", maxGrantsSize-len(good)-100)+"\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := loadGrantsWithin(t, big); err != nil {
		t.Errorf("a grants file under the cap: %v", err)
	}
}
