package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

// now is the test clock: 2026-11-27 10:00 in Beijing.
var now = time.Date(2026, 11, 27, 10, 0, 0, 0, catalog.ChinaTime)

const (
	resource  = "population-register"
	recipient = "tax-bureau"
)

// grantState names the grant situations the rules speak of.
type grantCase string

const (
	gNone           grantCase = "none"
	gMatching       grantCase = "matching"
	gExpired        grantCase = "expired"
	gOtherRecipient grantCase = "other recipient"
	gOtherPurpose   grantCase = "other purpose"
	gNotNamed       grantCase = "field not named"
	gEmptyFields    grantCase = "empty fields"
)

var grantCases = []grantCase{gNone, gMatching, gExpired, gOtherRecipient, gOtherPurpose, gNotNamed, gEmptyFields}

// grantsFor builds the grants of a case for field f and purpose p.
func grantsFor(c grantCase, p catalog.Purpose, f string) []Grant {
	g := Grant{ID: "g-1", Resource: resource, Recipient: recipient, Purpose: p, Fields: []string{f},
		NotAfter: time.Date(2027, 6, 30, 0, 0, 0, 0, catalog.ChinaTime), Basis: "test"}
	switch c {
	case gNone:
		return nil
	case gExpired:
		g.NotAfter = time.Date(2026, 11, 26, 0, 0, 0, 0, catalog.ChinaTime)
	case gOtherRecipient:
		g.Recipient = "civil-affairs-bureau"
	case gOtherPurpose:
		g.Purpose = catalog.PurposeAdministrativeBasis
		if p == g.Purpose {
			g.Purpose = catalog.PurposeStatistics
		}
	case gNotNamed:
		g.Fields = []string{"another-field"}
	case gEmptyFields:
		g.Fields = nil
	}
	// A grant for another resource never counts, whatever it names.
	other := g
	other.ID, other.Resource, other.Recipient, other.Purpose, other.Fields = "g-other-resource", "land-register", recipient, p, []string{f}
	return []Grant{other, g}
}

// spec is one combination of field attributes.
type spec struct {
	cat   catalog.Category
	tier  catalog.Tier
	level catalog.Level
	sens  bool
	typ   catalog.Type
}

var (
	categories = []catalog.Category{catalog.CategoryPublic, catalog.CategoryPersonal, catalog.CategoryTradeSecret, catalog.CategoryNationalSecurity}
	tiers      = []catalog.Tier{catalog.TierUnconditional, catalog.TierConditional, catalog.TierNotShared}
	levels     = []catalog.Level{catalog.LevelGeneral, catalog.LevelImportant, catalog.LevelCore}
	types      = []catalog.Type{catalog.TypeGeoCoordinate, catalog.TypeDateOfBirth, catalog.TypeAddress, catalog.TypeResidentID, catalog.TypeMobile, catalog.TypeNone}
)

func allSpecs() []spec {
	var out []spec
	for _, c := range categories {
		for _, t := range tiers {
			for _, l := range levels {
				for _, s := range []bool{false, true} {
					for _, ty := range types {
						out = append(out, spec{c, t, l, s, ty})
					}
				}
			}
		}
	}
	return out
}

// catalogOf is a one-field catalog ("f") for a spec; the resource's tier
// is unconditional and the field carries its own tier.
func catalogOf(s spec, override map[catalog.Purpose]catalog.Transform) *catalog.Catalog {
	f := catalog.Field{Name: "f", Type: s.typ, Category: s.cat, Level: s.level, Sensitive: s.sens, Tier: s.tier, Transform: override}
	if s.tier == catalog.TierNotShared {
		f.LegalBasis = "test basis"
	}
	return &catalog.Catalog{Resource: resource, Provider: "public-security-bureau", Tier: catalog.TierUnconditional, Fields: []catalog.Field{f}}
}

func request(cat *catalog.Catalog, p catalog.Purpose, gc grantCase) Request {
	return Request{Catalog: cat, Purpose: p, Recipient: recipient, Grants: grantsFor(gc, p, "f"), Now: now}
}

// oracle is the rules of docs/domain.md as the brief states them, written
// as plain conditions, independently of the table.
func oracle(s spec, p catalog.Purpose, gc grantCase) catalog.Transform {
	granted := gc == gMatching
	if s.tier == catalog.TierConditional && !granted {
		return withhold
	}
	if s.sens && p == admin && !granted {
		return withhold
	}
	coarse := s.typ == catalog.TypeGeoCoordinate || s.typ == catalog.TypeDateOfBirth || s.typ == catalog.TypeAddress
	var t catalog.Transform
	switch s.cat {
	case catalog.CategoryPublic:
		t = keep
	case catalog.CategoryPersonal:
		switch p {
		case admin:
			t = keep
		case verify:
			t = token
		case stats:
			t = dp
		case work:
			switch {
			case coarse:
				t = generalize
			case s.typ == catalog.TypeNone:
				t = redact
			default:
				t = mask
			}
		}
	case catalog.CategoryTradeSecret:
		if !granted {
			return withhold
		}
		t = map[catalog.Purpose]catalog.Transform{admin: keep, verify: token, work: generalize, stats: dp}[p]
	case catalog.CategoryNationalSecurity:
		switch {
		case p == stats:
			t = dp
		case p == work && s.typ == catalog.TypeGeoCoordinate:
			t = generalize
		default:
			return withhold
		}
	}
	if s.tier == catalog.TierNotShared {
		switch {
		case p == admin, p == verify, p == work && !coarse:
			return withhold
		case p == stats:
			if t != withhold {
				t = dp
			}
		case p == work && (t == keep || t == mask):
			t = generalize
		}
	}
	if s.level == catalog.LevelCore && (t == keep || t == fpe) {
		t = token
	}
	return t
}

// TestCrossProduct decides every category × tier × level × sensitive ×
// type × purpose × grant state, without and with an override of every
// transform, and checks the result against the oracle and the invariants.
func TestCrossProduct(t *testing.T) {
	n := 0
	for _, s := range allSpecs() {
		for _, p := range catalog.Purposes {
			for _, gc := range grantCases {
				req := request(catalogOf(s, nil), p, gc)
				d, err := Decide(req, "f")
				if err != nil {
					t.Fatalf("%+v %s %s: %v", s, p, gc, err)
				}
				n++
				checkBase(t, s, p, gc, d)
				for _, o := range catalog.Transforms {
					req := request(catalogOf(s, map[catalog.Purpose]catalog.Transform{p: o}), p, gc)
					od, err := Decide(req, "f")
					n++
					checkOverride(t, s, p, gc, d, o, od, err)
				}
			}
		}
	}
	t.Logf("%d decisions checked", n)
}

func checkBase(t *testing.T, s spec, p catalog.Purpose, gc grantCase, d Decision) {
	t.Helper()
	where := func() string {
		return string(s.cat) + "/" + string(s.tier) + "/" + string(s.level) + "/" + string(s.typ) + "/" + string(p) + "/" + string(gc)
	}
	if want := oracle(s, p, gc); d.Transform != want {
		t.Errorf("%s sensitive=%v: %s, want %s (%s)", where(), s.sens, d.Transform, want, d.Reason)
	}
	if d.Field != "f" {
		t.Errorf("%s: field %q", where(), d.Field)
	}
	// Invariants.
	if d.Transform == keep && (s.cat == catalog.CategoryNationalSecurity || s.tier == catalog.TierNotShared || s.level == catalog.LevelCore) {
		t.Errorf("%s: kept in clear", where())
	}
	if s.level == catalog.LevelCore && d.Transform == fpe {
		t.Errorf("%s: core data under fpe", where())
	}
	if s.tier == catalog.TierConditional && gc != gMatching && d.Transform != withhold {
		t.Errorf("%s: conditional data without a grant leaves as %s", where(), d.Transform)
	}
	if s.sens && p == admin && gc != gMatching && d.Transform != withhold {
		t.Errorf("%s: sensitive data for administrative_basis without a naming grant leaves as %s", where(), d.Transform)
	}
	if s.cat == catalog.CategoryTradeSecret && gc != gMatching && d.Transform != withhold {
		t.Errorf("%s: trade secret without a grant leaves as %s", where(), d.Transform)
	}
	if p == stats && s.cat != catalog.CategoryPublic && d.Transform != dp && d.Transform != withhold {
		t.Errorf("%s: %s at record level for statistics", where(), d.Transform)
	}
	// Reasons: a sentence that opens with what happens.
	if !strings.HasPrefix(d.Reason, verbs[d.Transform]+": ") || !strings.HasSuffix(d.Reason, ".") || strings.Contains(d.Reason, "{") {
		t.Errorf("%s: reason %q", where(), d.Reason)
	}
	if s.tier == catalog.TierConditional && gc != gMatching {
		want := map[grantCase]string{
			gNone: "has no grant for resource", gOtherRecipient: "has no grant for resource",
			gExpired: "expired at the end of 2026-11-26", gOtherPurpose: "is for another purpose",
			gNotNamed: "does not name this field", gEmptyFields: "does not name this field",
		}[gc]
		if !strings.Contains(d.Reason, want) || !strings.Contains(d.Reason, "conditional-tier") {
			t.Errorf("%s: reason %q does not say %q", where(), d.Reason, want)
		}
	}
	// The grant is named when it was relied on, and only then.
	relied := gc == gMatching && d.Transform != withhold &&
		(s.tier == catalog.TierConditional || s.cat == catalog.CategoryTradeSecret || s.sens && p == admin)
	if relied != (d.Grant == "g-1") || !relied && d.Grant != "" {
		t.Errorf("%s sensitive=%v: grant %q (relied on: %v)", where(), s.sens, d.Grant, relied)
	}
	if d.Grant != "" && !strings.Contains(d.Reason, d.Grant) {
		t.Errorf("%s: reason does not name grant %s", where(), d.Grant)
	}
}

func checkOverride(t *testing.T, s spec, p catalog.Purpose, gc grantCase, base Decision, o catalog.Transform, d Decision, err error) {
	t.Helper()
	where := string(s.cat) + "/" + string(s.tier) + "/" + string(s.level) + "/" + string(s.typ) + "/" + string(p) + "/" + string(gc) + " override " + string(o)
	if atLeast(o, base.Transform) {
		if err != nil {
			t.Errorf("%s (rule %s): %v", where, base.Transform, err)
			return
		}
		if d.Transform != o || !strings.HasPrefix(d.Reason, "catalog override: "+string(o)+" for "+string(p)) || !strings.HasSuffix(d.Reason, ".") {
			t.Errorf("%s: %s %q", where, d.Transform, d.Reason)
		}
		if o == withhold && d.Grant != "" || o != withhold && d.Grant != base.Grant {
			t.Errorf("%s: grant %q, rule's %q", where, d.Grant, base.Grant)
		}
		return
	}
	// Weaker (or unordered): an error naming the field, never a decision.
	if !errors.Is(err, ErrOverride) || !strings.Contains(err.Error(), `field "f"`) {
		t.Errorf("%s (rule %s): err = %v, decision %+v", where, base.Transform, err, d)
		return
	}
	msg := err.Error()
	switch {
	case s.tier == catalog.TierConditional && gc != gMatching && !strings.Contains(msg, "would skip a missing grant"):
		t.Errorf("%s: %v", where, err)
	case s.tier == catalog.TierNotShared && o == keep && !strings.Contains(msg, "would release not_shared data"):
		t.Errorf("%s: %v", where, err)
	case s.cat == catalog.CategoryNationalSecurity && o == keep && !strings.Contains(msg, "national_security"):
		t.Errorf("%s: %v", where, err)
	}
}

// TestRows are explicit expectations from docs/domain.md and the brief.
func TestRows(t *testing.T) {
	general, important, core := catalog.LevelGeneral, catalog.LevelImportant, catalog.LevelCore
	un, cond, ns := catalog.TierUnconditional, catalog.TierConditional, catalog.TierNotShared
	pub, per, ts, nat := catalog.CategoryPublic, catalog.CategoryPersonal, catalog.CategoryTradeSecret, catalog.CategoryNationalSecurity
	for _, c := range []struct {
		s      spec
		p      catalog.Purpose
		gc     grantCase
		want   catalog.Transform
		grant  string
		reason string
	}{
		// public: keep for every purpose.
		{spec{pub, un, general, false, catalog.TypeNone}, admin, gNone, keep, "", "kept: public data is kept for every purpose."},
		{spec{pub, un, general, false, catalog.TypeUSCC}, stats, gNone, keep, "", "kept: public data"},
		{spec{pub, un, core, false, catalog.TypeNone}, work, gNone, token, "", "tokenized: core data (GB/T 43697-2024) never leaves in clear"},
		// personal by purpose.
		{spec{per, un, general, false, catalog.TypePersonName}, admin, gNone, keep, "", "kept: personal data leaves in clear for administrative_basis, inside the purpose-bound envelope."},
		{spec{per, un, important, true, catalog.TypeResidentID}, admin, gNone, withhold, "", "withheld: sensitive personal information (PIPL art. 28) leaves in clear for administrative_basis only when a grant names it, and recipient tax-bureau has no grant for resource population-register."},
		{spec{per, un, important, true, catalog.TypeResidentID}, admin, gMatching, keep, "g-1", "relies on grant g-1"},
		{spec{per, un, important, true, catalog.TypeResidentID}, admin, gNotNamed, withhold, "", "grant g-1 for administrative_basis does not name this field"},
		{spec{per, un, general, false, catalog.TypeMobile}, verify, gNone, token, "", "tokenized: personal data leaves for data_verification only as match-only tokens keyed per recipient."},
		{spec{per, un, general, false, catalog.TypeNone}, verify, gNone, token, "", "tokenized"},
		{spec{per, un, general, false, catalog.TypeDateOfBirth}, work, gNone, generalize, "", "dates, addresses and coordinates leave generalized"},
		{spec{per, un, general, false, catalog.TypeAddress}, work, gNone, generalize, "", "generalized"},
		{spec{per, un, important, true, catalog.TypeGeoCoordinate}, work, gNone, generalize, "", "generalized"},
		{spec{per, un, general, false, catalog.TypeResidentID}, work, gNone, mask, "", "masked: personal data for work_reference is a picture, not identities: identifiers leave display-masked."},
		{spec{per, un, general, false, catalog.TypeNone}, work, gNone, redact, "", "redacted: personal data for work_reference is a picture"},
		{spec{per, un, general, false, catalog.TypeMobile}, stats, gNone, dp, "", "aggregates only: personal data for statistics leaves only in differential-privacy aggregates"},
		{spec{per, un, core, false, catalog.TypePersonName}, admin, gNone, token, "", "tokenized: core data"},
		{spec{per, un, core, false, catalog.TypePersonName}, work, gNone, mask, "", "masked"},
		// conditional: a grant, or withheld (not masked).
		{spec{per, cond, important, true, catalog.TypeBankCard}, admin, gMatching, keep, "g-1", "relies on grant g-1."},
		{spec{per, cond, important, true, catalog.TypeBankCard}, work, gMatching, mask, "g-1", "masked"},
		{spec{per, cond, important, true, catalog.TypeBankCard}, work, gNone, withhold, "", "withheld: conditional-tier data leaves only under an unexpired grant for this resource, recipient and purpose that names the field, and recipient tax-bureau has no grant for resource population-register."},
		{spec{per, cond, general, false, catalog.TypeBankCard}, verify, gExpired, withhold, "", "grant g-1 named it but expired at the end of 2026-11-26 (Asia/Shanghai)"},
		{spec{per, cond, general, false, catalog.TypeBankCard}, verify, gOtherPurpose, withhold, "", "grant g-1 is for another purpose (administrative_basis), not data_verification"},
		{spec{per, cond, general, false, catalog.TypeBankCard}, verify, gEmptyFields, withhold, "", "does not name this field"},
		{spec{pub, cond, general, false, catalog.TypeNone}, stats, gNone, withhold, "", "conditional-tier"},
		{spec{pub, cond, general, false, catalog.TypeNone}, stats, gMatching, keep, "g-1", "kept: public data is kept for every purpose; relies on grant g-1."},
		// not_shared: derivatives or statistics only, whatever grant exists.
		{spec{per, ns, important, true, catalog.TypeNone}, stats, gNone, dp, "", "aggregates only: not_shared data (legal basis: test basis) leaves only as desensitized derivatives or statistics"},
		{spec{per, ns, important, true, catalog.TypeNone}, work, gMatching, withhold, "", "not a date, address or coordinate that could be coarsened"},
		{spec{per, ns, general, false, catalog.TypeAddress}, work, gNone, generalize, "", "not_shared data"},
		{spec{per, ns, general, false, catalog.TypeMobile}, verify, gMatching, withhold, "", "match-only token would still link records"},
		{spec{pub, ns, general, false, catalog.TypeNone}, admin, gMatching, withhold, "", "never as an administrative basis"},
		// trade secrets: only under a grant naming them.
		{spec{ts, un, important, false, catalog.TypeNone}, admin, gNone, withhold, "", "withheld: a trade secret leaves only under a grant that names it (docs/domain.md: purposes and data minimization), and recipient tax-bureau has no grant"},
		{spec{ts, un, important, false, catalog.TypeNone}, admin, gMatching, keep, "g-1", "grant g-1 does, so it is kept for administrative_basis."},
		{spec{ts, un, important, false, catalog.TypeNone}, verify, gMatching, token, "g-1", "match-only token"},
		{spec{ts, un, important, false, catalog.TypeNone}, work, gMatching, generalize, "g-1", "generalized"},
		{spec{ts, un, important, false, catalog.TypeNone}, work, gExpired, withhold, "", "expired"},
		{spec{ts, cond, core, false, catalog.TypeNone}, admin, gMatching, token, "g-1", "tokenized: core data"},
		// national security: never in clear.
		{spec{nat, un, core, false, catalog.TypeGeoCoordinate}, admin, gMatching, withhold, "", "withheld: national_security fields never leave in clear."},
		{spec{nat, un, core, false, catalog.TypeGeoCoordinate}, work, gNone, generalize, "", "coordinates leave coarsened beyond the secrecy threshold"},
		{spec{nat, un, core, false, catalog.TypeAddress}, work, gNone, withhold, "", "withheld: national_security fields never leave in clear."},
		{spec{nat, un, important, false, catalog.TypeNone}, stats, gNone, dp, "", "aggregates only: national_security fields never leave in clear; for statistics"},
		{spec{nat, un, important, false, catalog.TypeNone}, verify, gMatching, withhold, "", "national_security"},
		{spec{nat, ns, core, true, catalog.TypeGeoCoordinate}, work, gNone, generalize, "", "not_shared data"},
	} {
		d, err := Decide(request(catalogOf(c.s, nil), c.p, c.gc), "f")
		if err != nil {
			t.Errorf("%+v %s %s: %v", c.s, c.p, c.gc, err)
			continue
		}
		if d.Transform != c.want || d.Grant != c.grant || !strings.Contains(d.Reason, c.reason) {
			t.Errorf("%+v %s %s:\n got  %s %q %q\n want %s %q …%q…", c.s, c.p, c.gc, d.Transform, d.Grant, d.Reason, c.want, c.grant, c.reason)
		}
	}
}

// TestOverrides: stricter overrides apply with their reason; weaker ones
// are errors naming the field and the rule they would break.
func TestOverrides(t *testing.T) {
	for _, c := range []struct {
		s       spec
		p       catalog.Purpose
		gc      grantCase
		o       catalog.Transform
		want    catalog.Transform
		errText string
	}{
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, p: admin, o: mask, want: mask},
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, p: admin, o: fpe, want: fpe},
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, p: work, o: keep, errText: "would release personal data beyond a picture"},
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, p: verify, o: fpe, errText: "beyond a match-only token"},
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeNone}, p: work, o: dp, errText: "cannot be ordered against the rule's redact"},
		{s: spec{catalog.CategoryNationalSecurity, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeGeoCoordinate}, p: work, o: keep, errText: "would release national_security coordinates finer than the secrecy threshold"},
		{s: spec{catalog.CategoryNationalSecurity, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeGeoCoordinate}, p: work, o: withhold, want: withhold},
		{s: spec{catalog.CategoryPublic, catalog.TierNotShared, catalog.LevelGeneral, false, catalog.TypeNone}, p: admin, o: keep, errText: "would release not_shared data"},
		{s: spec{catalog.CategoryPersonal, catalog.TierConditional, catalog.LevelGeneral, false, catalog.TypeBankCard}, p: work, gc: gExpired, o: mask, errText: "would skip a missing grant"},
		{s: spec{catalog.CategoryPersonal, catalog.TierConditional, catalog.LevelGeneral, false, catalog.TypeBankCard}, p: work, gc: gMatching, o: mask, want: mask},
		{s: spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelCore, false, catalog.TypeBankCard}, p: admin, o: fpe, errText: "would release core data in clear"},
	} {
		if c.gc == "" {
			c.gc = gNone
		}
		d, err := Decide(request(catalogOf(c.s, map[catalog.Purpose]catalog.Transform{c.p: c.o}), c.p, c.gc), "f")
		if c.errText != "" {
			if !errors.Is(err, ErrOverride) || !strings.Contains(err.Error(), c.errText) || !strings.Contains(err.Error(), `field "f"`) {
				t.Errorf("%+v %s %s: err = %v, want …%s…", c.s, c.p, c.o, err, c.errText)
			}
			continue
		}
		if err != nil || d.Transform != c.want || !strings.HasPrefix(d.Reason, "catalog override: ") {
			t.Errorf("%+v %s %s: %+v %v", c.s, c.p, c.o, d, err)
		}
	}
	// The override applies only to its purpose.
	s := spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}
	cat := catalogOf(s, map[catalog.Purpose]catalog.Transform{work: withhold})
	if d, err := Decide(request(cat, admin, gNone), "f"); err != nil || d.Transform != keep {
		t.Errorf("override leaked to another purpose: %+v %v", d, err)
	}
}

// TestExpiryBoundary: not_after is valid through the end of its day in
// Beijing, whatever the zone of Now, and not a moment longer.
func TestExpiryBoundary(t *testing.T) {
	s := spec{catalog.CategoryPersonal, catalog.TierConditional, catalog.LevelGeneral, false, catalog.TypeBankCard}
	cat := catalogOf(s, nil)
	g := Grant{ID: "g", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"f"},
		NotAfter: time.Date(2027, 6, 30, 0, 0, 0, 0, catalog.ChinaTime)}
	utc := Grant{ID: "g", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"f"},
		NotAfter: time.Date(2027, 6, 30, 23, 0, 0, 0, time.UTC)} // only the calendar date counts
	for _, c := range []struct {
		now  time.Time
		want catalog.Transform
	}{
		{time.Date(2027, 6, 30, 0, 0, 0, 0, catalog.ChinaTime), keep},
		{time.Date(2027, 6, 30, 23, 59, 59, 999999999, catalog.ChinaTime), keep},
		{time.Date(2027, 6, 30, 15, 59, 59, 0, time.UTC), keep},
		{time.Date(2027, 7, 1, 0, 0, 0, 0, catalog.ChinaTime), withhold},
		{time.Date(2027, 6, 30, 16, 0, 0, 0, time.UTC), withhold},
		{time.Date(2027, 6, 30, 12, 0, 0, 0, time.FixedZone("PDT", -7*3600)), withhold}, // 2027-07-01 03:00 in Beijing
		{time.Date(2030, 1, 1, 0, 0, 0, 0, catalog.ChinaTime), withhold},
	} {
		for _, gr := range []Grant{g, utc} {
			d, err := Decide(Request{Catalog: cat, Purpose: admin, Recipient: recipient, Grants: []Grant{gr}, Now: c.now}, "f")
			if err != nil || d.Transform != c.want {
				t.Errorf("now %s, not_after %s: %s %v (%s)", c.now, gr.NotAfter, d.Transform, err, d.Reason)
			}
			if c.want == withhold && !strings.Contains(d.Reason, "expired at the end of 2027-06-30") {
				t.Errorf("now %s: reason %q", c.now, d.Reason)
			}
		}
	}
	if (&Grant{}).ValidAt(time.Time{}) {
		t.Error("a grant without not_after is valid")
	}
}

// TestNearestMiss: with several grants the reason names the closest one.
func TestNearestMiss(t *testing.T) {
	cat := catalogOf(spec{catalog.CategoryPersonal, catalog.TierConditional, catalog.LevelGeneral, false, catalog.TypeBankCard}, nil)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, catalog.ChinaTime) }
	other := Grant{ID: "a-other", Resource: resource, Recipient: recipient, Purpose: stats, Fields: []string{"f"}, NotAfter: day(2030, 1, 1)}
	unnamedOld := Grant{ID: "b-unnamed-old", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"x"}, NotAfter: day(2020, 1, 1)}
	unnamed := Grant{ID: "c-unnamed", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"x"}, NotAfter: day(2030, 1, 1)}
	expired := Grant{ID: "d-expired", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"f"}, NotAfter: day(2026, 1, 1)}
	good := Grant{ID: "e-good", Resource: resource, Recipient: recipient, Purpose: admin, Fields: []string{"f"}, NotAfter: day(2030, 1, 1)}
	for _, c := range []struct {
		grants []Grant
		want   string
	}{
		{[]Grant{other}, "a-other is for another purpose"},
		{[]Grant{other, unnamedOld}, "b-unnamed-old for administrative_basis expired at the end of 2020-01-01 and does not name"},
		{[]Grant{other, unnamedOld, unnamed}, "c-unnamed for administrative_basis does not name"},
		{[]Grant{expired, other, unnamedOld, unnamed}, "d-expired named it but expired"},
		{[]Grant{expired, other, good, unnamed}, ""},
	} {
		d, err := Decide(Request{Catalog: cat, Purpose: admin, Recipient: recipient, Grants: c.grants, Now: now}, "f")
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" {
			if d.Transform != keep || d.Grant != "e-good" {
				t.Errorf("good grant not used: %+v", d)
			}
			continue
		}
		if d.Transform != withhold || !strings.Contains(d.Reason, c.want) {
			t.Errorf("%v: %q, want …%s…", c.grants, d.Reason, c.want)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	good := catalogOf(spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, nil)
	base := Request{Catalog: good, Purpose: admin, Recipient: recipient, Now: now}
	noBasis := catalogOf(spec{catalog.CategoryPersonal, catalog.TierNotShared, catalog.LevelGeneral, false, catalog.TypeMobile}, nil)
	noBasis.Fields[0].LegalBasis = ""
	noBasisRes := catalogOf(spec{catalog.CategoryPersonal, catalog.TierUnconditional, catalog.LevelGeneral, false, catalog.TypeMobile}, nil)
	noBasisRes.Tier = catalog.TierNotShared
	invalid := catalogOf(spec{catalog.CategoryPersonal, catalog.TierUnconditional, "secret", false, catalog.TypeMobile}, nil)
	badGrant := Grant{ID: "g", Resource: resource, Recipient: recipient, Purpose: "curiosity", NotAfter: now}
	okGrant := Grant{ID: "g", Resource: resource, Recipient: recipient, Purpose: admin, NotAfter: now}
	for _, c := range []struct {
		name   string
		mod    func(*Request)
		field  string
		target error
		text   string
	}{
		{"nil catalog", func(r *Request) { r.Catalog = nil }, "f", ErrNoCatalog, ""},
		{"invalid catalog", func(r *Request) { r.Catalog = invalid }, "f", ErrInvalidCatalog, `level "secret"`},
		{"field without legal basis", func(r *Request) { r.Catalog = noBasis }, "f", ErrNoLegalBasis, `field "f"`},
		{"resource without legal basis", func(r *Request) { r.Catalog = noBasisRes }, "f", ErrNoLegalBasis, "resource"},
		{"unknown purpose", func(r *Request) { r.Purpose = "curiosity" }, "f", ErrUnknownPurpose, "curiosity"},
		{"empty purpose", func(r *Request) { r.Purpose = "" }, "f", ErrUnknownPurpose, ""},
		{"no recipient", func(r *Request) { r.Recipient = "" }, "f", ErrNoRecipient, ""},
		{"no time", func(r *Request) { r.Now = time.Time{} }, "f", ErrNoTime, ""},
		{"invalid grant", func(r *Request) { r.Grants = []Grant{badGrant} }, "f", ErrInvalidGrant, "curiosity"},
		{"duplicate grant", func(r *Request) { r.Grants = []Grant{okGrant, okGrant} }, "f", ErrInvalidGrant, "used twice"},
		{"unknown field", func(r *Request) {}, "备注", ErrUnknownField, `"备注"`},
		{"empty field", func(r *Request) {}, "", ErrUnknownField, ""},
	} {
		req := base
		c.mod(&req)
		d, err := Decide(req, c.field)
		if !errors.Is(err, c.target) || !strings.Contains(err.Error(), c.text) || !strings.HasPrefix(err.Error(), "govshare/policy: ") {
			t.Errorf("%s: err = %v, want %v …%s…", c.name, err, c.target, c.text)
		}
		if d != (Decision{}) {
			t.Errorf("%s: a decision came with the error: %+v", c.name, d)
		}
		if _, err := DecideAll(req, []string{c.field}); !errors.Is(err, c.target) {
			t.Errorf("%s: DecideAll err = %v", c.name, err)
		}
	}
}

func TestDecideAll(t *testing.T) {
	cat := &catalog.Catalog{Resource: resource, Provider: "p", Tier: catalog.TierUnconditional, Fields: []catalog.Field{
		{Name: "姓名", Type: catalog.TypePersonName, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral},
		{Name: "民族", Type: catalog.TypeNone, Category: catalog.CategoryPersonal, Level: catalog.LevelImportant, Sensitive: true, Tier: catalog.TierNotShared, LegalBasis: "PIPL art. 28"},
		{Name: "登记日期", Type: catalog.TypeNone, Category: catalog.CategoryPublic, Level: catalog.LevelGeneral},
	}}
	req := Request{Catalog: cat, Purpose: work, Recipient: recipient, Now: now}
	ds, err := DecideAll(req, []string{"登记日期", "姓名", "民族"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Field+"="+string(d.Transform))
	}
	if strings.Join(got, " ") != "登记日期=keep 姓名=mask 民族=withhold" {
		t.Errorf("got %v", got)
	}
	for _, d := range ds {
		one, err := Decide(req, d.Field)
		if err != nil || one != d {
			t.Errorf("Decide(%s) = %+v %v, DecideAll gave %+v", d.Field, one, err, d)
		}
	}
	if _, err := DecideAll(req, []string{"姓名", "姓名"}); !errors.Is(err, ErrDuplicateField) {
		t.Errorf("duplicate field: %v", err)
	}
	if _, err := DecideAll(req, []string{"姓名", "备注"}); !errors.Is(err, ErrUnknownField) || !strings.Contains(err.Error(), "备注") {
		t.Errorf("unknown field: %v", err)
	}
	if ds, err := DecideAll(req, nil); err != nil || len(ds) != 0 {
		t.Errorf("no fields: %v %v", ds, err)
	}
}

// TestSampleFixtures decides the repository's sample catalog and grants
// for every purpose and recipient the pipeline tests use.
func TestSampleFixtures(t *testing.T) {
	cat, err := catalog.Load("../testdata/catalog/population.yaml")
	if err != nil {
		t.Fatal(err)
	}
	grants, err := LoadGrants("../testdata/catalog/grants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range cat.Fields {
		names = append(names, f.Name)
	}
	want := map[catalog.Purpose]map[string]string{
		admin: {"tax-bureau": "姓名=keep 身份证号=keep 性别=keep 出生日期=keep 手机号码=keep 固定电话=keep 户籍地址=keep 电子邮箱=keep 银行卡号=keep 车牌号=keep 护照号=withhold 经纬度=withhold 民族=withhold 登记日期=keep",
			"statistics-bureau": "姓名=keep 身份证号=withhold 性别=keep 出生日期=keep 手机号码=keep 固定电话=keep 户籍地址=keep 电子邮箱=keep 银行卡号=withhold 车牌号=keep 护照号=withhold 经纬度=withhold 民族=withhold 登记日期=keep"},
		verify: {"civil-affairs-bureau": "姓名=token 身份证号=token 性别=token 出生日期=token 手机号码=token 固定电话=token 户籍地址=token 电子邮箱=token 银行卡号=withhold 车牌号=token 护照号=token 经纬度=token 民族=withhold 登记日期=keep"},
		work:   {"tax-bureau": "姓名=mask 身份证号=mask 性别=redact 出生日期=generalize 手机号码=mask 固定电话=mask 户籍地址=generalize 电子邮箱=mask 银行卡号=withhold 车牌号=mask 护照号=mask 经纬度=generalize 民族=withhold 登记日期=keep"},
		stats:  {"statistics-bureau": "姓名=dp 身份证号=dp 性别=dp 出生日期=dp 手机号码=dp 固定电话=dp 户籍地址=dp 电子邮箱=dp 银行卡号=withhold 车牌号=dp 护照号=dp 经纬度=dp 民族=dp 登记日期=keep"},
	}
	for p, byRecipient := range want {
		for r, w := range byRecipient {
			ds, err := DecideAll(Request{Catalog: cat, Purpose: p, Recipient: r, Grants: grants, Now: now}, names)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Field+"="+string(d.Transform))
			}
			if strings.Join(got, " ") != w {
				t.Errorf("%s/%s:\n got  %s\n want %s", p, r, strings.Join(got, " "), w)
			}
		}
	}
}
