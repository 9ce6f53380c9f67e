package classify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

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
	if err := catalog.Save(path, c, DraftComment...); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "# DRAFT") {
		t.Error("draft comment missing")
	}
	if _, err := catalog.Load(path); err != nil {
		t.Fatal(err)
	}
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
	if id.Review == "" || id.Category != catalog.CategoryPersonal || id.Tier != catalog.TierConditional || !id.Sensitive {
		t.Errorf("身份证号 over values that do not validate: %s %s sensitive %v review %q", id.Category, id.Tier, id.Sensitive, id.Review)
	}
	if mob.Type != catalog.TypeMobile || mob.Review != "" || mob.Tier != catalog.TierConditional {
		t.Errorf("dashed mobiles: %s %s review %q", mob.Type, mob.Tier, mob.Review)
	}
	if amt.Category != catalog.CategoryPersonal || amt.Tier != catalog.TierConditional {
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
	if err := catalog.Save(path, c, DraftComment...); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "review: ") {
		t.Fatal("the review note is not in the saved draft")
	}
	if _, err := catalog.Load(path); err == nil || !strings.Contains(err.Error(), "d.yaml:") || !strings.Contains(err.Error(), "marked for review") {
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
	got, err := catalog.Load(path)
	if err != nil {
		t.Fatalf("resolved draft: %v", err)
	}
	if f, _ := got.Field("身份证号"); f.Category != catalog.CategoryPersonal || got.EffectiveTier(f) != catalog.TierConditional {
		t.Errorf("resolving the note changed the classification: %s %s", f.Category, got.EffectiveTier(f))
	}
}
