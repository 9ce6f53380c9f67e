package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/crypto/keys"
)

// TestVersion: "govshare version" and "govshare --version" print the
// module version ("(devel)" in a checkout or a test) and the Go version.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || errs != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errs)
		}
		if !strings.HasPrefix(out, "govshare ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: %q, want one line: govshare VERSION … %s", args, out, runtime.Version())
		}
		if !regexp.MustCompile(`^govshare (\(devel\)|v\S+) `).MatchString(out) {
			t.Errorf("%v: %q: no module version", args, out)
		}
	}
	if code, _, _ := runCLI(t, "", "version", "extra"); code != 2 {
		t.Errorf("version with an argument: exit %d, want 2", code)
	}
}

// TestHelpCommand: "govshare help CMD" and "govshare CMD -h" print that
// command's synopsis and its flags, for every command; subcommand commands
// (keys, log) print each subcommand's.
func TestHelpCommand(t *testing.T) {
	flagOf := map[string]string{
		"scan": "-sample", "detect": "-encoding", "mask": "-catalog", "unmask": "-fpe-bound", "stats": "-epsilon",
		"share": "-not-after", "open": "-trust", "inspect": "-json", "demo": "-rows", "dispute": "-reason",
		"keys": "-dept", "log": "-vkey",
	}
	for name := range commands {
		for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}} {
			code, out, errs := runCLI(t, "", args...)
			if code != 0 || out != "" {
				t.Errorf("%v: exit %d, stdout %q", args, code, out)
			}
			if !strings.Contains(errs, "usage: govshare "+name) {
				t.Errorf("%v: no synopsis: %q", args, errs)
			}
			if f, ok := flagOf[name]; ok && !strings.Contains(errs, "  "+f) {
				t.Errorf("%v: flag %s not listed: %q", args, f, errs)
			}
		}
	}
	// Subcommands: each one's flags, under its own synopsis.
	_, _, errs := runCLI(t, "", "help", "keys")
	for _, want := range []string{"usage: govshare keys new", "usage: govshare keys show", "-master", "-json"} {
		if !strings.Contains(errs, want) {
			t.Errorf("help keys: no %q in %q", want, errs)
		}
	}
	_, _, errs = runCLI(t, "", "keys", "show", "-h")
	if !strings.Contains(errs, "usage: govshare keys show") || strings.Contains(errs, "-dept") {
		t.Errorf("keys show -h: %q", errs)
	}
	_, _, errs = runCLI(t, "", "help", "log")
	for _, s := range logSubcommands {
		if !strings.Contains(errs, "usage: govshare "+s.usage) {
			t.Errorf("help log: no synopsis of log %s in %q", s.name, errs)
		}
	}
	if code, _, errs := runCLI(t, "", "help", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("help of an unknown command: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "", "help", "version"); code != 0 || !strings.Contains(errs, "usage: govshare version") {
		t.Errorf("help version: %d %q", code, errs)
	}
	// "govshare help" lists every command, version and help among them.
	_, _, errs = runCLI(t, "", "help")
	for _, want := range []string{"govshare keys show", "govshare version", "govshare help COMMAND"} {
		if !strings.Contains(errs, want) {
			t.Errorf("help: no %q in %q", want, errs)
		}
	}
}

type keysShowJSON struct {
	Department  string `json:"department"`
	Version     uint64 `json:"version"`
	Signed      bool   `json:"signed"`
	Fingerprint string `json:"fingerprint"`
	Keys        []struct {
		Kind      string `json:"kind"`
		ID        uint32 `json:"id"`
		State     string `json:"state"`
		Primary   bool   `json:"primary"`
		NotBefore string `json:"not_before"`
		NotAfter  string `json:"not_after"`
		RevokedAt string `json:"revoked_at"`
	} `json:"keys"`
	OPRFPrimary uint32 `json:"oprf_primary"`
}

// TestKeysShow: "keys show D.pub" prints the bundle's department, version,
// whether it is signed, its keys with their states, and the fingerprint
// to compare out of band; never a secret.
func TestKeysShow(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	if code, _, errs := runCLI(t, "", "keys", "new", "--dept", "tax-bureau", "--dir", dir); code != 0 {
		t.Fatal(errs)
	}
	pubPath := keys.PublicPath(dir, "tax-bureau")
	pub, err := keys.LoadPublic(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "keys", "show", pubPath)
	if code != 0 {
		t.Fatalf("keys show: %d %q", code, errs)
	}
	for _, want := range []string{"tax-bureau", "version", "signed", pub.Fingerprint(), "active", "kem"} {
		if !strings.Contains(out, want) {
			t.Errorf("keys show: no %q in\n%s", want, out)
		}
	}
	for _, ki := range pub.Keys() {
		if !strings.Contains(out, ki.Kind.String()) {
			t.Errorf("keys show: %v key %d not listed", ki.Kind, ki.ID)
		}
	}

	code, out, errs = runCLI(t, "", "keys", "show", "--json", pubPath)
	var got keysShowJSON
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("keys show --json: %d %q %q", code, out, errs)
	}
	if got.Department != "tax-bureau" || got.Version != pub.Version() || !got.Signed || got.Fingerprint != pub.Fingerprint() || len(got.Keys) != len(pub.Keys()) {
		t.Errorf("keys show --json: %+v", got)
	}
	primaries := 0
	for _, k := range got.Keys {
		if k.State != "active" || k.Kind == "" {
			t.Errorf("key %+v", k)
		}
		if k.Primary {
			primaries++
		}
	}
	if primaries == 0 {
		t.Error("no primary key marked")
	}

	// A version-1 (unsigned) bundle is shown as unsigned.
	code, out, _ = runCLI(t, "", "keys", "show", filepath.Join("..", "..", "crypto", "keys", "testdata", "v1", "tax-bureau.pub"))
	if code != 0 || !strings.Contains(out, "unsigned") {
		t.Errorf("v1 bundle: %d %q", code, out)
	}

	// The secret keyring is not a bundle: refused, and none of it printed.
	secret, _ := os.ReadFile(keys.KeysPath(dir, "tax-bureau"))
	code, out, errs = runCLI(t, "", "keys", "show", keys.KeysPath(dir, "tax-bureau"))
	if code != 1 || out != "" || !strings.Contains(errs, "tax-bureau.keys") || strings.Contains(errs, string(secret[:8])) {
		t.Errorf("keys show of the keyring: %d %q %q", code, out, errs)
	}
	master := filepath.Join(dir, keys.MasterFile)
	code, out, _ = runCLI(t, "", "keys", "show", master)
	if code != 1 || out != "" {
		t.Errorf("keys show of the master key: %d %q", code, out)
	}

	// A FIFO, a device, a directory: refused without blocking.
	fifo := testFIFO(t, "x.pub")
	for _, p := range []string{fifo, "/dev/zero", t.TempDir()} {
		code, _, errs := runCLIWithin(t, 10*time.Second, strings.NewReader(""), "keys", "show", p)
		if code != 1 || !strings.Contains(errs, "not a regular file") {
			t.Errorf("keys show %s: %d %q", p, code, errs)
		}
	}
	if code, _, _ := runCLI(t, "", "keys", "show"); code != 2 {
		t.Errorf("keys show without a file: exit %d", code)
	}
	if code, _, errs := runCLI(t, "", "keys", "frob"); code != 2 || !strings.Contains(errs, "new, show") {
		t.Errorf("keys frob: %d %q", code, errs)
	}
}
