package catalog

import (
	"path/filepath"
	"strings"
	"testing"
)

const goodCatalog = `resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - name: 身份证号
    type: cn_resident_id
    category: personal
    level: important
    sensitive: true
    transform:
      work_reference: mask
  - name: 宗教信仰
    type: none
    category: personal
    level: important
    sensitive: true
    tier: not_shared
    legal_basis: "PIPL art. 28"
`

func TestCatalogRoundTrip(t *testing.T) {
	c, err := Parse([]byte(goodCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := c.Field("身份证号")
	if !ok || f.Type != TypeResidentID || f.Transform[PurposeWorkReference] != TransformMask || c.EffectiveTier(f) != TierUnconditional {
		t.Fatalf("field: %+v", f)
	}
	if c.Level() != LevelImportant {
		t.Errorf("level = %s", c.Level())
	}
	path := filepath.Join(t.TempDir(), "out.yaml")
	if err := Save(path, c, "a comment"); err != nil {
		t.Fatal(err)
	}
	c2, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Marshal()
	b, _ := c2.Marshal()
	if string(a) != string(b) {
		t.Errorf("round trip differs:\n%s\n%s", a, b)
	}
}

func TestCatalogErrors(t *testing.T) {
	cases := []struct {
		name, edit, wantMsg string
	}{
		{"not_shared without legal basis", `    legal_basis: "PIPL art. 28"` + "\n", "c.yaml:12: field \"宗教信仰\": tier not_shared requires legal_basis"},
		{"unknown type", "type: cn_resident_id", "unknown type id \"cn_social_id\""},
		{"unknown key", "sensitive: true\n    transform", "field sensitivity not found"},
		{"unknown purpose", "work_reference: mask", "unknown purpose \"fishing\""},
		{"unknown transform", "work_reference: mask", "unknown transform \"shred\""},
		{"bad category", "category: personal\n    level: important\n    sensitive: true\n    transform", "category \"private\""},
		{"no provider", "provider: public-security-bureau\n", "provider is required"},
	}
	repl := map[string]string{
		"not_shared without legal basis": "",
		"unknown type":                   "type: cn_social_id",
		"unknown key":                    "sensitive: true\n    sensitivity: high\n    transform",
		"unknown purpose":                "fishing: mask",
		"unknown transform":              "work_reference: shred",
		"bad category":                   "category: private\n    level: important\n    sensitive: true\n    transform",
		"no provider":                    "",
	}
	for _, c := range cases {
		src := strings.Replace(goodCatalog, c.edit, repl[c.name], 1)
		if src == goodCatalog {
			t.Fatalf("%s: edit did not apply", c.name)
		}
		_, err := Parse([]byte(src), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), c.wantMsg) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.wantMsg)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file loaded")
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(goodCatalog))
	f.Add([]byte("resource: x\nfields: [{name: a, type: none}]"))
	f.Add([]byte("fields: {a: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, "fuzz.yaml")
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed catalog does not validate: %v", err)
			}
		}
	})
}
