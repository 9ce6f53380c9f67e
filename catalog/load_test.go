package catalog

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

// loadWithin runs Load and fails the test if it does not return in time.
func loadWithin(t *testing.T, path string) (*Catalog, error) {
	t.Helper()
	type res struct {
		c   *Catalog
		err error
	}
	ch := make(chan res, 1)
	go func() { c, err := Load(path); ch <- res{c, err} }()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%s) still blocked after 10s", path)
		return nil, nil
	}
}

// TestLoadDevZero: --catalog /dev/zero ended in "fatal error: out of
// memory"; it is refused before it is read.
func TestLoadDevZero(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := loadWithin(t, "/dev/zero")
	if !errors.Is(err, fsread.ErrNotRegular) || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("err = %v, want a refusal naming /dev/zero", err)
	}
}

// TestLoadFIFO: a FIFO with no writer is refused, not waited on.
func TestLoadFIFO(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("no FIFOs")
	}
	p := filepath.Join(t.TempDir(), "catalog.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := loadWithin(t, p); !errors.Is(err, fsread.ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}

func TestLoadDirectory(t *testing.T) {
	d := t.TempDir()
	if _, err := loadWithin(t, d); !errors.Is(err, fsread.ErrNotRegular) || !strings.Contains(err.Error(), d) {
		t.Fatalf("err = %v, want ErrNotRegular naming the directory", err)
	}
}

// TestLoadOversize: a catalog over maxFileSize is refused by its size,
// with the cap in the error and none of the content.
func TestLoadOversize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.yaml")
	pad := "# " + strings.Repeat("身份证号 110101199003074578 ", maxFileSize/32) + "\n"
	if err := os.WriteFile(p, []byte(goodCatalog+pad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadWithin(t, p)
	if !errors.Is(err, fsread.ErrTooLarge) || !strings.Contains(err.Error(), "4 MiB") || strings.Contains(err.Error(), "110101") {
		t.Fatalf("err = %v, want ErrTooLarge with the 4 MiB cap", err)
	}
	// Just under the cap still loads.
	if err := os.WriteFile(p, []byte(goodCatalog+"# "+strings.Repeat("x", maxFileSize-len(goodCatalog)-200)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadWithin(t, p); err != nil {
		t.Fatalf("a catalog under the cap: %v", err)
	}
}

// TestParseMultiDocument: YAML "---" starting a second document was
// ignored, so a catalog file could hold a second catalog no one reviewed
// and only the first was used. It is refused, with the second's line.
func TestParseMultiDocument(t *testing.T) {
	second := strings.Replace(goodCatalog, "tier: unconditional", "tier: conditional", 1)
	for _, src := range []string{
		goodCatalog + "---\n" + second,
		goodCatalog + "---\nresource: x\n",
		goodCatalog + "--- \n# a comment, then another document\nfoo: [\n",
	} {
		_, err := Parse([]byte(src), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
			t.Errorf("err = %v, want a refusal of the second document", err)
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.File != "c.yaml" {
			t.Errorf("err = %#v, want a ValidationError naming the file", err)
		}
	}
	// A document marker before the one document, or a lone end marker
	// after it, is one document.
	for _, src := range []string{"---\n" + goodCatalog, goodCatalog + "...\n"} {
		if _, err := Parse([]byte(src), "c.yaml"); err != nil {
			t.Errorf("one document refused: %v", err)
		}
	}
}
