package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/govshare/govshare/internal/golden"
	"github.com/govshare/govshare/internal/sample"
)

const sampleDir = "../../testdata/sample"

// TestSampleData keeps the bundled samples equal to what the generator
// makes, and the catalog in testdata equal to the one the demo embeds; run
// with -update after changing internal/synth or internal/sample.
func TestSampleData(t *testing.T) {
	files, err := sample.Files()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"../catalog/population.yaml": sample.Catalog}
	for name, b := range files {
		want[name] = b
	}
	for name, b := range want {
		path := filepath.Join(sampleDir, name)
		if golden.Update() {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (regenerate with go test ./cmd/govshare -run TestSampleData -update)", err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from internal/sample (regenerate with -update)", name)
		}
	}
}
