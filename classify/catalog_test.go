package classify

import (
	"os"
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
	c, err := ParseCatalog([]byte(goodCatalog), "c.yaml")
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
	if err := SaveCatalog(path, c, "a comment"); err != nil {
		t.Fatal(err)
	}
	c2, err := LoadCatalog(path)
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
		_, err := ParseCatalog([]byte(src), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), c.wantMsg) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.wantMsg)
		}
	}
	if _, err := LoadCatalog(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestDraftCatalogNeedsReview(t *testing.T) {
	cols := []ColumnProfile{
		profile("身份证号", "11010519491231002X"),
		profile("控制点坐标", "116.397128,39.916527"),
	}
	c := DraftCatalog("register", cols)
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "provider is required") || !strings.Contains(err.Error(), "requires legal_basis") {
		t.Fatalf("draft validated without review: %v", err)
	}
	c.Provider = "bureau"
	c.Fields[1].LegalBasis = "自然资发〔2020〕95号"
	if err := c.Validate(); err != nil {
		t.Fatalf("reviewed draft: %v", err)
	}
	path := filepath.Join(t.TempDir(), "d.yaml")
	if err := SaveCatalog(path, c, DraftComment...); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "# DRAFT") {
		t.Error("draft comment missing")
	}
	if _, err := LoadCatalog(path); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(goodCatalog))
	f.Add([]byte("resource: x\nfields: [{name: a, type: none}]"))
	f.Add([]byte("fields: {a: 1}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCatalog(b, "fuzz.yaml")
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("parsed catalog does not validate: %v", err)
			}
		}
	})
}

// TestDraftCatalogReview: a column whose header names an identifier type
// its values do not confirm is drafted personal/conditional with a review
// note; the note keeps the catalog from validating until a reviewer
// deletes it, and then the catalog loads. Amounts in a table that
// identifies a person are drafted personal.
func TestDraftCatalogReview(t *testing.T) {
	junk := []string{"110105/19491231/002X", "待补录"}
	cols := []ColumnProfile{
		profile("身份证号", junk...),
		profile("手机号码", "138-1234-5678", "１３９１２３４５６７８"),
		profile("补贴金额", "1200.00", "980.50"),
	}
	c := DraftCatalog("subsidy", cols)
	id, mob, amt := c.Fields[0], c.Fields[1], c.Fields[2]
	if id.Review == "" || id.Category != CategoryPersonal || id.Tier != TierConditional || !id.Sensitive {
		t.Errorf("身份证号 over values that do not validate: %s %s sensitive %v review %q", id.Category, id.Tier, id.Sensitive, id.Review)
	}
	if mob.Type != TypeMobile || mob.Review != "" || mob.Tier != TierConditional {
		t.Errorf("dashed mobiles: %s %s review %q", mob.Type, mob.Tier, mob.Review)
	}
	if amt.Category != CategoryPersonal || amt.Tier != TierConditional {
		t.Errorf("补贴金额 beside an ID column: %s %s", amt.Category, amt.Tier)
	}
	c.Provider = "civil-affairs-bureau"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `field "身份证号": marked for review`) || strings.Count(err.Error(), "marked for review") != 1 {
		t.Fatalf("a draft with a review note validated, or the error does not name the field: %v", err)
	}
	for _, v := range junk {
		if strings.Contains(err.Error(), v) {
			t.Fatal("the validation error quotes a value")
		}
	}
	// Saved, the note is in the YAML (so a reviewer sees it) and is a known
	// key: loading fails on the note, not on an unknown key.
	dir := t.TempDir()
	path := filepath.Join(dir, "d.yaml")
	if err := SaveCatalog(path, c, DraftComment...); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "review: ") {
		t.Fatal("the review note is not in the saved draft")
	}
	if _, err := LoadCatalog(path); err == nil || !strings.Contains(err.Error(), "d.yaml:") || !strings.Contains(err.Error(), "marked for review") {
		t.Fatalf("loading a draft with a review note: %v", err)
	}
	// The reviewer resolves it by deleting the review line, nothing else.
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "review:") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCatalog(path)
	if err != nil {
		t.Fatalf("resolved draft: %v", err)
	}
	if f, _ := got.Field("身份证号"); f.Category != CategoryPersonal || got.EffectiveTier(f) != TierConditional {
		t.Errorf("resolving the note changed the classification: %s %s", f.Category, got.EffectiveTier(f))
	}
}
