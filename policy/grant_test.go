package policy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

func TestLoadGrants(t *testing.T) {
	gs, err := LoadGrants("testdata/grants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Grant{
		{ID: "g-2026-0042", Resource: "population-register", Recipient: "tax-bureau", Purpose: catalog.PurposeAdministrativeBasis,
			Fields: []string{"姓名", "身份证号", "银行卡号"}, NotAfter: time.Date(2027, 6, 30, 0, 0, 0, 0, catalog.ChinaTime),
			Basis: "个人所得税法 第十五条: identity and account verification for tax refunds"},
		{ID: "g-2026-0043", Resource: "population-register", Recipient: "civil-affairs-bureau", Purpose: catalog.PurposeDataVerification,
			Fields: []string{"银行卡号"}, NotAfter: time.Date(2026, 12, 31, 0, 0, 0, 0, catalog.ChinaTime)},
		{ID: "g-2026-0044", Resource: "enterprise-register", Recipient: "statistics-bureau", Purpose: catalog.PurposeStatistics,
			Fields: []string{}, NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, catalog.ChinaTime)},
	}
	if !reflect.DeepEqual(gs, want) {
		t.Errorf("got\n%+v\nwant\n%+v", gs, want)
	}
	for i := range gs {
		if err := gs[i].Validate(); err != nil {
			t.Error(err)
		}
	}
	// Parsed dates are midnight in Beijing: the instant, not just the date.
	if !gs[0].NotAfter.Equal(time.Date(2027, 6, 29, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("not_after = %s", gs[0].NotAfter)
	}
	if _, err := LoadGrants(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.HasPrefix(err.Error(), "govshare/policy: grants: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseGrantsEmptyList(t *testing.T) {
	for _, in := range []string{"grants: []\n", "grants:\n", "# none yet\ngrants: []\n"} {
		gs, err := ParseGrants([]byte(in), "g.yaml")
		if err != nil || gs == nil || len(gs) != 0 {
			t.Errorf("%q: %v %v", in, gs, err)
		}
	}
}

// TestParseGrantsErrors: every problem is an error with file:line.
func TestParseGrantsErrors(t *testing.T) {
	const ok = "  - id: g1\n    resource: r\n    recipient: d\n    purpose: statistics\n    not_after: 2027-06-30\n"
	for _, c := range []struct {
		name string
		in   string
		want []string // each must appear in the error
	}{
		{"unknown key", "grants:\n  - id: g1\n    resource: r\n    recipient: d\n    purpose: statistics\n    not_after: 2027-06-30\n    scope: all\n",
			[]string{"g.yaml:7: grant 1: unknown key \"scope\""}},
		{"unknown top-level key", "grants: []\nversion: 2\n", []string{"g.yaml:2: unknown key \"version\" at the top level"}},
		{"unknown purpose", strings.Replace(ok, "statistics", "curiosity", 1), []string{"g.yaml:5: grant 1: unknown purpose \"curiosity\" (one of administrative_basis"}},
		{"bad date", strings.Replace(ok, "2027-06-30", "2027-02-30", 1), []string{"g.yaml:6: grant 1: not_after \"2027-02-30\" is not a calendar date"}},
		{"date with time", strings.Replace(ok, "2027-06-30", "2027-06-30T12:00:00Z", 1), []string{"g.yaml:6:", "not a calendar date"}},
		{"short date", strings.Replace(ok, "2027-06-30", "2027-6-30", 1), []string{"g.yaml:6:", "not a calendar date"}},
		{"words date", strings.Replace(ok, "2027-06-30", "June 30, 2027", 1), []string{"g.yaml:6:", "not a calendar date"}},
		{"duplicate id", ok + ok, []string{"g.yaml:7: grant id \"g1\" used twice (first at line 2)"}},
		{"missing id", strings.Replace(ok, "  - id: g1\n    resource", "  - resource", 1), []string{"g.yaml:2: grant 1: missing id"}},
		{"missing resource", strings.Replace(ok, "    resource: r\n", "", 1), []string{"g.yaml:2: grant 1: missing resource"}},
		{"missing recipient", strings.Replace(ok, "    recipient: d\n", "", 1), []string{"missing recipient"}},
		{"missing purpose", strings.Replace(ok, "    purpose: statistics\n", "", 1), []string{"missing purpose"}},
		{"missing not_after", strings.Replace(ok, "    not_after: 2027-06-30\n", "", 1), []string{"missing not_after"}},
		{"empty id", strings.Replace(ok, "id: g1", `id: ""`, 1), []string{"g.yaml:2: grant 1: id is empty"}},
		{"null id", strings.Replace(ok, "id: g1", "id: ~", 1), []string{"id must be text"}},
		{"key twice", ok + "    id: g2\n", []string{"g.yaml:7: grant 1: id given twice (first at line 2)"}},
		{"fields not a list", ok + "    fields: 姓名\n", []string{"g.yaml:7: grant 1: fields must be a list"}},
		{"field twice", ok + "    fields: [a, a]\n", []string{"field \"a\" listed twice"}},
		{"nested field", ok + "    fields: [[a]]\n", []string{"each of fields must be text"}},
		{"alias", "x: &a g1\n", []string{"unknown key \"x\""}},
		{"alias value", "grants:\n  - &g\n    id: g1\n  - *g\n", []string{"g.yaml:4: grant 2: expected a mapping, found an alias"}},
		{"not a mapping", "- id: g1\n", []string{"g.yaml:1: expected a mapping"}},
		{"grants not a list", "grants: {id: g1}\n", []string{"g.yaml:1: grants must be a list"}},
		{"grants twice", "grants: []\ngrants: []\n", []string{"g.yaml:2: grants given twice"}},
		{"no grants key", "{}\n", []string{"no grants: list"}},
		{"empty file", "", []string{"g.yaml: the file is empty"}},
		{"two documents", "grants: []\n---\ngrants: []\n", []string{"more than one YAML document"}},
		{"syntax", "grants:\n  - id: [\n", []string{"g.yaml:"}},
		{"tagged", strings.Replace(ok, "id: g1", "id: !!binary Zw==", 1), []string{"id must be text"}},
		{"two problems", "grants:\n  - id: g1\n    purpose: nope\n", []string{"unknown purpose", "missing resource", "missing not_after"}},
	} {
		in := c.in
		if !strings.HasPrefix(in, "grants") && strings.HasPrefix(in, "  - ") {
			in = "grants:\n" + in
		}
		gs, err := ParseGrants([]byte(in), "g.yaml")
		if err == nil {
			t.Errorf("%s: accepted: %+v", c.name, gs)
			continue
		}
		if gs != nil || !errors.Is(err, ErrInvalidGrant) || !strings.HasPrefix(err.Error(), "govshare/policy: grants g.yaml") {
			t.Errorf("%s: %v (grants %v)", c.name, err, gs)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
		var ge *GrantError
		if !errors.As(err, &ge) || ge.File != "g.yaml" {
			t.Errorf("%s: not a GrantError: %T", c.name, err)
		}
	}
}

func TestGrantValidate(t *testing.T) {
	g := Grant{ID: "g", Resource: "r", Recipient: "d", Purpose: catalog.PurposeStatistics, NotAfter: now}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Grant{Purpose: "x", Fields: []string{"a", "", "a"}}
	err := bad.Validate()
	for _, w := range []string{"missing id", "missing resource", "missing recipient", `unknown purpose "x"`, "missing not_after", "field 2 is empty", `field "a" listed twice`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("%v lacks %q", err, w)
		}
	}
	if !errors.Is(err, ErrInvalidGrant) {
		t.Error("not ErrInvalidGrant")
	}
	if g.Names("a") || g.Names("") {
		t.Error("a grant without fields names a field")
	}
	g.Fields = []string{"a"}
	if !g.Names("a") || g.Names("b") {
		t.Error("Names")
	}
}

// TestRepoGrants: the repository's sample grants file parses.
func TestRepoGrants(t *testing.T) {
	data, err := os.ReadFile("../testdata/catalog/grants.yaml")
	if err != nil {
		t.Skip("no sample grants:", err)
	}
	gs, err := ParseGrants(data, "grants.yaml")
	if err != nil || len(gs) != 2 || gs[1].ID != "g-2025-0007" || gs[1].ValidAt(now) {
		t.Errorf("%+v %v", gs, err)
	}
}
