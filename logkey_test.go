package govshare_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
)

// TestLogKeyFirstUse: eight first users at once agree on one key, exactly
// one of them made it, the verifier key matches it and the key file is
// private; a log that holds files but has no key is refused, without
// making one (run with -race).
func TestLogKeyFirstUse(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "sharelog")
	var wg sync.WaitGroup
	sks := make([]string, 8)
	made := make([]bool, 8)
	errs := make([]error, 8)
	for i := range sks {
		wg.Go(func() { sks[i], made[i], errs[i] = govshare.LogKey(log, log+".key", "govshare.local/sharelog") })
	}
	wg.Wait()
	n := 0
	for i := range sks {
		if errs[i] != nil || sks[i] != sks[0] {
			t.Fatalf("user %d: %v, or another key", i, errs[i])
		}
		if made[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d users made the key", n)
	}
	vk, err := os.ReadFile(log + ".vkey")
	derived, derr := audit.VerifierKey(audit.SignerKey(sks[0]))
	if err != nil || derr != nil || strings.TrimSpace(string(vk)) != derived {
		t.Fatalf("verifier key %q (%v), derived %q (%v)", vk, err, derived, derr)
	}
	if fi, err := os.Stat(log + ".key"); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("key file: %v, %v", fi.Mode(), err)
	}

	orphan := filepath.Join(dir, "orphan")
	if err := os.MkdirAll(orphan, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(orphan, "records"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := govshare.LogKey(orphan, orphan+".key", "govshare.local/orphan"); err == nil || !strings.Contains(err.Error(), "exists but its signing key") {
		t.Fatalf("a log without its key: %v", err)
	}
	if _, err := os.Stat(orphan + ".key"); !os.IsNotExist(err) {
		t.Fatal("a key was made for a log that already holds records")
	}
}
