package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestScanCatalogOutNeverReplaces: scan --catalog-out does not overwrite a
// reviewed catalog (or any file) unless --force, nor write over its input.
func TestScanCatalogOutNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "register.csv")
	if err := os.WriteFile(in, []byte("姓名,手机号码\n张伟,13900001111\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reviewed := filepath.Join(dir, "catalog.yaml")
	if err := os.WriteFile(reviewed, []byte("# reviewed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runCLI(t, "", "scan", "--catalog-out", reviewed, in); code == 0 {
		t.Fatal("scan replaced an existing catalog without --force")
	}
	if b, _ := os.ReadFile(reviewed); string(b) != "# reviewed\n" {
		t.Fatal("the reviewed catalog changed")
	}
	if code, _, _ := runCLI(t, "", "scan", "--catalog-out", in, in); code == 0 {
		t.Fatal("scan wrote its draft over its input")
	}
	if code, _, stderr := runCLI(t, "", "scan", "--force", "--catalog-out", reviewed, in); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "", "inspect", "/dev/zero"); code == 0 {
		t.Fatal("inspect read a device")
	}
}
