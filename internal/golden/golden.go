// Package golden holds the one -update flag of govshare's tests and the
// comparison with golden files under testdata: `go test ./... -update`
// rewrites every golden file and vector instead of each package declaring
// its own flag.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and test vectors under testdata")

// Update reports whether the test run was asked to rewrite golden files.
func Update() bool { return *update }

// Check compares got with the golden file at path, or with -update writes
// got there. A mismatch reports the path and lengths, never the contents
// (golden files may hold generated identifiers).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: output (%d bytes) differs from the golden file (%d bytes); if the change is intended, run the test with -update", path, len(got), len(want))
	}
}
