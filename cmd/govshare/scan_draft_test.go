package main

// End to end: a column of identifiers written as people write them is
// drafted personal by scan, and a draft that a reviewer only completed (a
// provider; a legal basis where validation asks for one) never lets mask
// release those identifiers in clear (issue 9 §3).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/synth"
	"go.yaml.in/yaml/v3"
)

// fullWidth writes the ASCII characters of s in their full-width forms, as
// a Chinese input method types them.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '!' && r <= '~' {
			r += 0xFF01 - '!'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// canonicalDigits keeps the digits and X of s after folding full-width
// forms: the layout-free view in which a leaked identifier shows however
// it was written.
func canonicalDigits(s string) string {
	var b strings.Builder
	for _, r := range classify.Fold(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == 'x' || r == 'X':
			b.WriteByte('X')
		}
	}
	return b.String()
}

// writtenTable returns a CSV whose ID and mobile columns are written in the
// layouts of issue 9, with the canonical secrets a masked output must not
// contain: every mobile's 11 digits and every ID's first 17 digits.
// idLayout and mobileLayout write one value given its row number.
func writtenTable(t *testing.T, header string, rows int, idLayout, mobileLayout func(v string, i int) string) (csv string, secrets []string) {
	t.Helper()
	g := synth.New(9)
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range rows {
		id, mob := g.ResidentID(), g.Mobile()
		secrets = append(secrets, id[:17], mob)
		fmt.Fprintf(&b, "%s,%s,%s,东城区,%d.00\n", g.PersonName(), idLayout(id, i), mobileLayout(mob, i), 500+i*10)
	}
	return b.String(), secrets
}

// review completes a draft as a reviewer minimally would: a provider, and
// a legal basis for each not_shared field if there is one. Nothing else,
// review notes included, is touched.
func review(t *testing.T, draft, out string) *catalog.Catalog {
	t.Helper()
	data, err := os.ReadFile(draft)
	if err != nil {
		t.Fatal(err)
	}
	var c catalog.Catalog
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	c.Provider = "civil-affairs-bureau"
	for i := range c.Fields {
		if c.EffectiveTier(&c.Fields[i]) == catalog.TierNotShared {
			c.Fields[i].LegalBasis = "《个人信息保护法》第二十八条"
		}
	}
	if err := catalog.Save(out, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

// noSecrets fails when any line of the masked output holds a secret in
// its canonical digits, whatever the layout. It never prints the secret.
func noSecrets(t *testing.T, what, masked string, secrets []string) {
	t.Helper()
	leaks := 0
	for _, line := range strings.Split(masked, "\n") {
		d := canonicalDigits(line)
		for _, s := range secrets {
			if strings.Contains(d, s) {
				leaks++
			}
		}
	}
	if leaks > 0 {
		t.Errorf("%s: %d identifiers released in clear (compared on canonical digits)", what, leaks)
	}
}

func TestScanDraftNeverReleasesWrittenForms(t *testing.T) {
	idLayouts := []func(string) string{
		func(v string) string { return v[:6] + " " + v[6:14] + " " + v[14:] },                                 // 6-8-4
		func(v string) string { return fullWidth(v) },                                                         // full-width
		func(v string) string { return v[:4] + " " + v[4:8] + " " + v[8:12] + " " + v[12:16] + " " + v[16:] }, // fours
		func(v string) string { return strings.ToLower(v[:6] + "-" + v[6:14] + "-" + v[14:]) },                // dashes, lower-case x
	}
	mobileLayouts := []func(string) string{
		func(v string) string { return v[:3] + "-" + v[3:7] + "-" + v[7:] },
		func(v string) string { return "+86 " + v[:3] + " " + v[3:7] + " " + v[7:] },
		func(v string) string { return fullWidth(v[:3] + "-" + v[3:7] + "-" + v[7:]) },
	}
	csv, secrets := writtenTable(t, "姓名,身份证号,手机号码,街道,补贴金额", 40,
		func(v string, i int) string { return idLayouts[i%len(idLayouts)](v) },
		func(v string, i int) string { return mobileLayouts[i%len(mobileLayouts)](v) })
	dir := t.TempDir()
	in := filepath.Join(dir, "subsidy.csv")
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	// The profile: typed as written, personal, conditional or stricter.
	code, out, errs := runCLI(t, "", "scan", "--json", in)
	if code != 0 {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	var res scanJSON
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]catalog.Type{"身份证号": catalog.TypeResidentID, "手机号码": catalog.TypeMobile, "补贴金额": catalog.TypeNone}
	for _, c := range res.Columns {
		if w, ok := want[c.Name]; ok && (c.Type != w || c.Category != catalog.CategoryPersonal || c.Tier == catalog.TierUnconditional) {
			t.Errorf("scan: %q profiled %s %s %s, want %s personal, conditional or stricter", c.Name, c.Type, c.Category, c.Tier, w)
		}
	}
	// The draft says the same.
	draft := filepath.Join(dir, "draft.yaml")
	if code, _, errs := runCLI(t, "", "scan", "--catalog-out", draft, in); code != 0 {
		t.Fatalf("scan --catalog-out: exit %d: %s", code, errs)
	}
	reviewed := filepath.Join(dir, "reviewed.yaml")
	c := review(t, draft, reviewed)
	for name, w := range want {
		f, ok := c.Field(name)
		if !ok || f.Type != w || f.Category != catalog.CategoryPersonal || c.EffectiveTier(f) == catalog.TierUnconditional || f.Review != "" {
			t.Errorf("draft: %q is not %s, personal, conditional or stricter, without review note", name, w)
		}
	}
	// mask for work reference, without grants.
	masked := filepath.Join(dir, "masked.csv")
	code, _, errs = runCLI(t, "", "mask", "--catalog", reviewed, "--purpose", "work_reference", "--recipient", "housing-bureau", in, "-o", masked)
	if code != 0 {
		t.Fatalf("mask with the reviewed draft: exit %d: %s", code, errs)
	}
	mb, err := os.ReadFile(masked)
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "reviewed draft", string(mb), secrets)
	// The test would see a leak: the input holds every secret.
	if raw, _ := os.ReadFile(in); len(secrets) == 0 || !strings.Contains(canonicalDigits(string(raw)), secrets[0]) {
		t.Fatal("the leak check cannot see the input's identifiers")
	}
}

// TestScanDraftHeaderNamesTypeValuesDoNotValidate: IDs and mobiles written
// in a layout Validate does not accept (slashes) under headers that
// name them are drafted personal and marked for review. The draft a
// reviewer only completed does not load; one whose review notes were
// deleted without any other change still releases nothing in clear.
func TestScanDraftHeaderNamesTypeValuesDoNotValidate(t *testing.T) {
	csv, secrets := writtenTable(t, "姓名,证件号码,联系电话,街道,补贴金额", 30,
		func(v string, _ int) string { return v[:6] + "/" + v[6:14] + "/" + v[14:] },
		func(v string, _ int) string { return v[:3] + "/" + v[3:7] + "/" + v[7:] })
	dir := t.TempDir()
	in := filepath.Join(dir, "subsidy.csv")
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	draft := filepath.Join(dir, "draft.yaml")
	code, out, errs := runCLI(t, "", "scan", "--catalog-out", draft, in)
	if code != 0 {
		t.Fatalf("scan --catalog-out: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "2 fields marked for review") {
		t.Errorf("scan does not say that fields are marked for review")
	}
	if canon := canonicalDigits(out); func() bool {
		for _, s := range secrets {
			if strings.Contains(canon, s) {
				return true
			}
		}
		return false
	}() {
		t.Error("scan's output quotes a value")
	}
	reviewed := filepath.Join(dir, "reviewed.yaml")
	c := review(t, draft, reviewed)
	for _, name := range []string{"证件号码", "联系电话", "补贴金额"} {
		f, ok := c.Field(name)
		if !ok || f.Category != catalog.CategoryPersonal || c.EffectiveTier(f) == catalog.TierUnconditional {
			t.Errorf("draft: %q is not personal, conditional or stricter", name)
		}
		if name != "补贴金额" && (f == nil || f.Review == "") {
			t.Errorf("draft: %q is not marked for review", name)
		}
	}
	// Completed with a provider only: the review notes stop it.
	masked := filepath.Join(dir, "masked.csv")
	args := []string{"mask", "--catalog", reviewed, "--purpose", "work_reference", "--recipient", "housing-bureau", in, "-o", masked}
	code, _, errs = runCLI(t, "", args...)
	if code == 0 || !strings.Contains(errs, "marked for review") {
		t.Errorf("mask ran on a draft with review notes: exit %d", code)
	}
	if mb, err := os.ReadFile(masked); err == nil {
		noSecrets(t, "draft with review notes", string(mb), secrets)
	}
	// The reviewer deletes the notes and changes nothing else.
	data, _ := os.ReadFile(reviewed)
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "review:") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(reviewed, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("mask after the review: exit %d: %s", code, errs)
	}
	mb, err := os.ReadFile(masked)
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "resolved draft", string(mb), secrets)
}
