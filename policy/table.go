package policy

import (
	"strings"

	"github.com/govshare/govshare/catalog"
)

// The decision table. A field's decision is the strictest of what four
// layers allow (tier, sensitive, level, category; docs/domain.md). Each
// layer is a list of rows; the first row that matches the field and the
// request decides that layer. Every layer ends in a catch-all row, so no
// combination falls through (the tests check the whole cross product).
// The package doc shows the same rows as Markdown; TestDocTables keeps the
// two in step.

// shape groups identifier types by the protections that make sense for them.
type shape uint8

const (
	shapeGeo    shape = 1 << iota // geo_coordinate: coarsens to a grid cell
	shapeCoarse                   // date_of_birth, address: coarsen to a year, a district
	shapeIdent                    // any other identifier type: display masking applies
	shapeNone                     // type none: no rule says which part is safe to show
	anyShape    = shapeGeo | shapeCoarse | shapeIdent | shapeNone
)

// shapeOf classifies a field type; an unknown type counts as none, the
// shape with the fewest ways out.
func shapeOf(t catalog.Type) shape {
	switch {
	case t == catalog.TypeGeoCoordinate:
		return shapeGeo
	case !t.Supports(catalog.TransformMask):
		return shapeNone // type none, or unknown
	case t.Coarsens() && t != catalog.TypeResidentID:
		// dates and addresses: work_reference can do with a year, a district
		return shapeCoarse
	}
	return shapeIdent
}

// grantCond is a row's condition on the grant state of the field: whether
// an unexpired grant for this resource, recipient and purpose names it.
type grantCond uint8

const (
	anyGrant grantCond = iota
	named
	notNamed
)

// tri is a yes/no condition that may be left open.
type tri uint8

const (
	either tri = iota
	yes
	no
)

// row is one line of a layer. Empty conditions match anything.
type row struct {
	Tier      catalog.Tier
	Category  catalog.Category
	Level     catalog.Level
	Sensitive tri
	Purpose   catalog.Purpose
	Shapes    shape // 0 = any
	Grant     grantCond
	// Transform is the weakest form this row allows. NoLimit rows allow
	// anything (Transform is keep) and never supply the reason.
	Transform catalog.Transform
	NoLimit   bool
	// Rule is the reason, a clause naming the rule. Placeholders:
	// {purpose}, {grant} (id of the grant relied on), {failure} (why no
	// grant matched), {basis} (the legal basis of a not_shared field).
	Rule string
	// Breach says what a catalog override weaker than this row would do.
	Breach string
}

// field is what the rows match on.
type fieldFacts struct {
	tier      catalog.Tier
	category  catalog.Category
	level     catalog.Level
	sensitive bool
	purpose   catalog.Purpose
	shape     shape
	named     bool
}

func (r *row) matches(f *fieldFacts) bool {
	switch {
	case r.Tier != "" && r.Tier != f.tier,
		r.Category != "" && r.Category != f.category,
		r.Level != "" && r.Level != f.level,
		r.Sensitive == yes && !f.sensitive,
		r.Sensitive == no && f.sensitive,
		r.Purpose != "" && r.Purpose != f.purpose,
		r.Shapes != 0 && r.Shapes&f.shape == 0,
		r.Grant == named && !f.named,
		r.Grant == notNamed && f.named:
		return false
	}
	return true
}

// layer is a named list of rows, first match wins.
type layer struct {
	Name string
	Rows []row
}

func (l *layer) match(f *fieldFacts) *row {
	for i := range l.Rows {
		if l.Rows[i].matches(f) {
			return &l.Rows[i]
		}
	}
	return nil
}

// Shorthands for the tables below.
const (
	admin  = catalog.PurposeAdministrativeBasis
	verify = catalog.PurposeDataVerification
	work   = catalog.PurposeWorkReference
	stats  = catalog.PurposeStatistics

	keep       = catalog.TransformKeep
	fpe        = catalog.TransformFPE
	token      = catalog.TransformToken
	pseudonym  = catalog.TransformPseudonym
	mask       = catalog.TransformMask
	generalize = catalog.TransformGeneralize
	redact     = catalog.TransformRedact
	withhold   = catalog.TransformWithhold
	dp         = catalog.TransformDP
)

const (
	grantRule    = "conditional-tier data leaves only under an unexpired grant for this resource, recipient and purpose that names the field, and {failure}"
	notShared    = "not_shared data (legal basis: {basis}) leaves only as desensitized derivatives or statistics"
	tradeGranted = "a trade secret leaves only under a grant that names it (docs/domain.md: purposes and data minimization)"
	natSec       = "national_security fields never leave in clear"
)

// tierLayer: docs/domain.md: share tiers. Conditional data needs a grant; not_shared data
// leaves only as derivatives or statistics, whatever grant exists.
//
// Choices the rules leave open, and why:
//   - not_shared, work_reference: dates, addresses and coordinates leave
//     generalized (a year, a district, a 1 km cell are derivatives that no
//     longer point at a person or site); anything else is withheld, because
//     display masking still shows part of the value (138****5678 keeps 7 of
//     11 digits) and a field of type none has no safe part at all.
//   - not_shared, data_verification: withheld. A deterministic token still
//     links records and shows value frequencies (for a low-cardinality field
//     such as ethnicity the commonest token is as good as the value), and it
//     is reversible by the provider, so it is pseudonymised data, not a
//     derivative. Verification of such data is a yes/no answer from the
//     provider, not a column in an extract.
var tierLayer = layer{Name: "tier", Rows: []row{
	{Tier: catalog.TierUnconditional, Transform: keep, NoLimit: true},
	{Tier: catalog.TierConditional, Grant: named, Transform: keep, NoLimit: true},
	{Tier: catalog.TierConditional, Grant: notNamed, Transform: withhold,
		Rule: grantRule, Breach: "would skip a missing grant"},
	{Tier: catalog.TierNotShared, Purpose: stats, Transform: dp,
		Rule: notShared + ", so for statistics it feeds differential-privacy aggregates only", Breach: "would release not_shared data at record level"},
	{Tier: catalog.TierNotShared, Purpose: work, Shapes: shapeGeo | shapeCoarse, Transform: generalize,
		Rule: notShared + ", so for work_reference a date, address or coordinate leaves coarsened", Breach: "would release not_shared data beyond a coarsened derivative"},
	{Tier: catalog.TierNotShared, Purpose: work, Transform: withhold,
		Rule: notShared + ", and this field is not a date, address or coordinate that could be coarsened into one (masking would still show part of it)", Breach: "would release not_shared data"},
	{Tier: catalog.TierNotShared, Purpose: verify, Transform: withhold,
		Rule: notShared + ", and a match-only token would still link records and expose value frequencies; the provider answers verification queries itself", Breach: "would release not_shared data"},
	{Tier: catalog.TierNotShared, Purpose: admin, Transform: withhold,
		Rule: notShared + ", never as an administrative basis", Breach: "would release not_shared data"},
	{Transform: withhold, Rule: "the share tier is not recognised, so nothing leaves", Breach: "would release data of an unknown tier"},
}}

// sensitiveLayer: docs/domain.md: purposes and data minimization, administrative_basis. The flag is honoured
// on every category (fail closed), though only personal fields should carry
// it; other purposes protect sensitive fields through their category.
var sensitiveLayer = layer{Name: "sensitive", Rows: []row{
	{Sensitive: yes, Purpose: admin, Grant: named, Transform: keep, NoLimit: true},
	{Sensitive: yes, Purpose: admin, Grant: notNamed, Transform: withhold,
		Rule:   "sensitive personal information (PIPL art. 28) leaves in clear for administrative_basis only when a grant names it, and {failure}",
		Breach: "would release sensitive personal information without a grant naming it"},
	{Transform: keep, NoLimit: true},
}}

// levelLayer: core data (GB/T 43697-2024) never leaves in clear. Its
// weakest form is a token: opaque to the recipient, and fpe (which keeps
// the format and, for ID numbers, the region) is weaker still.
var levelLayer = layer{Name: "level", Rows: []row{
	{Level: catalog.LevelCore, Transform: token,
		Rule:   "core data (GB/T 43697-2024) never leaves in clear; the weakest form allowed is a keyed token",
		Breach: "would release core data in clear"},
	{Transform: keep, NoLimit: true},
}}

// categoryLayer: docs/domain.md, by purpose.
var categoryLayer = layer{Name: "category", Rows: []row{
	{Category: catalog.CategoryPublic, Transform: keep,
		Rule: "public data is kept for every purpose"},

	{Category: catalog.CategoryPersonal, Purpose: admin, Transform: keep,
		Rule: "personal data leaves in clear for administrative_basis, inside the purpose-bound envelope"},
	{Category: catalog.CategoryPersonal, Purpose: verify, Transform: token,
		Rule: "personal data leaves for data_verification only as match-only tokens keyed per recipient", Breach: "would release personal data beyond a match-only token"},
	{Category: catalog.CategoryPersonal, Purpose: work, Shapes: shapeGeo | shapeCoarse, Transform: generalize,
		Rule: "personal data for work_reference is a picture, not identities: dates, addresses and coordinates leave generalized", Breach: "would release personal data beyond a picture"},
	{Category: catalog.CategoryPersonal, Purpose: work, Shapes: shapeIdent, Transform: mask,
		Rule: "personal data for work_reference is a picture, not identities: identifiers leave display-masked", Breach: "would release personal data beyond a picture"},
	{Category: catalog.CategoryPersonal, Purpose: work, Shapes: shapeNone, Transform: redact,
		Rule: "personal data for work_reference is a picture, not identities, and a field with no identifier type has no safe part to show", Breach: "would release personal data beyond a picture"},
	{Category: catalog.CategoryPersonal, Purpose: stats, Transform: dp,
		Rule: "personal data for statistics leaves only in differential-privacy aggregates, never at record level", Breach: "would release personal data at record level"},

	{Category: catalog.CategoryTradeSecret, Grant: named, Purpose: admin, Transform: keep,
		Rule: tradeGranted + "; grant {grant} does, so it is kept for administrative_basis"},
	{Category: catalog.CategoryTradeSecret, Grant: named, Purpose: verify, Transform: token,
		Rule: tradeGranted + "; grant {grant} does, and for data_verification it leaves as a match-only token", Breach: "would release a trade secret beyond a match-only token"},
	{Category: catalog.CategoryTradeSecret, Grant: named, Purpose: work, Transform: generalize,
		Rule: tradeGranted + "; grant {grant} does, and for work_reference it leaves generalized", Breach: "would release a trade secret beyond a generalized value"},
	{Category: catalog.CategoryTradeSecret, Grant: named, Purpose: stats, Transform: dp,
		Rule: tradeGranted + "; grant {grant} does, and for statistics it feeds differential-privacy aggregates only", Breach: "would release a trade secret at record level"},
	{Category: catalog.CategoryTradeSecret, Transform: withhold,
		Rule: tradeGranted + ", and {failure}", Breach: "would release a trade secret without a grant naming it"},

	{Category: catalog.CategoryNationalSecurity, Purpose: stats, Transform: dp,
		Rule: natSec + "; for statistics they feed differential-privacy aggregates only", Breach: "would release national_security data at record level"},
	{Category: catalog.CategoryNationalSecurity, Purpose: work, Shapes: shapeGeo, Transform: generalize,
		Rule: natSec + "; for work_reference coordinates leave coarsened beyond the secrecy threshold (docs/domain.md: geospatial data)", Breach: "would release national_security coordinates finer than the secrecy threshold"},
	{Category: catalog.CategoryNationalSecurity, Transform: withhold,
		Rule: natSec, Breach: "would release national_security data"},

	{Transform: withhold, Rule: "the category is not recognised, so nothing leaves", Breach: "would release data of an unknown category"},
}}

// layers in the order their reasons take precedence when two layers
// require the same transform: the tier explains why data may leave at all,
// the category merely what form it takes.
var layers = [...]*layer{&tierLayer, &sensitiveLayer, &levelLayer, &categoryLayer}

// strength orders record-level transforms from weakest to strictest:
//
//	keep < fpe < token < pseudonym < mask < generalize < redact < withhold
//
// keep, fpe, token and pseudonym are all one-to-one with the value, so each
// lets the recipient link records on it; they differ in what survives.
// keep is the value. fpe is reversible by the provider and opaque to the
// recipient, but keeps the format (length, check digits, an ID number's
// region). token is reversible by the provider and shows nothing but
// equality. pseudonym is like a token but irreversible even for the
// provider. mask, generalize and redact are many-to-one: a masked mobile is
// shared by ten thousand numbers, a generalized date by a year's births, a
// redacted field by everyone. withhold releases nothing.
var strength = map[catalog.Transform]int{
	keep: 0, fpe: 1, token: 2, pseudonym: 3, mask: 4, generalize: 5, redact: 6, withhold: 7,
}

// atLeast reports whether a is at least as strict as b. dp stands apart
// from the chain: a differential-privacy aggregate releases less about
// anyone than any record-level form that carries information about the
// value (keep … generalize), and more than withhold; against redact it is
// incomparable (redact shows nothing of the value but still puts a column
// in every record; dp puts none there but releases noisy aggregates).
// Unknown transforms are comparable to nothing.
func atLeast(a, b catalog.Transform) bool {
	if !a.Valid() || !b.Valid() {
		return false
	}
	switch {
	case a == b, a == withhold:
		return true
	case b == withhold:
		return false
	case a == dp:
		return b != redact
	case b == dp:
		return false
	}
	return strength[a] >= strength[b]
}

// join is the weakest transform at least as strict as both.
func join(a, b catalog.Transform) catalog.Transform {
	switch {
	case atLeast(a, b):
		return a
	case atLeast(b, a):
		return b
	}
	return withhold
}

// verbs open every reason with what happens to the field.
var verbs = map[catalog.Transform]string{
	keep:       "kept",
	fpe:        "encrypted (format-preserving)",
	token:      "tokenized",
	pseudonym:  "pseudonymized",
	mask:       "masked",
	generalize: "generalized",
	redact:     "redacted",
	withhold:   "withheld",
	dp:         "aggregates only",
}

// rowTables renders the layers as Markdown tables, the form the package
// doc shows them in (the test compares the two). A condition no row of a
// layer uses is left out of that layer's table.
func rowTables() string {
	var b strings.Builder
	cell := func(s string) string {
		if s == "" {
			return "any"
		}
		return s
	}
	heads := []string{"tier", "category", "level", "sensitive", "purpose", "type", "grant names field"}
	for _, l := range layers {
		cells := make([][]string, len(l.Rows))
		used := make([]bool, len(heads))
		for i, r := range l.Rows {
			cells[i] = []string{
				cell(string(r.Tier)), cell(string(r.Category)), cell(string(r.Level)),
				[]string{"any", "yes", "no"}[r.Sensitive], cell(string(r.Purpose)),
				shapeCell(r.Shapes), []string{"any", "yes", "no"}[r.Grant],
			}
			for j, c := range cells[i] {
				used[j] = used[j] || c != "any"
			}
		}
		pick := func(cs []string, last string) string {
			var out []string
			for j, c := range cs {
				if used[j] {
					out = append(out, c)
				}
			}
			return "| " + strings.Join(append(out, last), " | ") + " |\n"
		}
		b.WriteString("layer " + l.Name + " (first matching row wins):\n\n")
		b.WriteString(pick(heads, "weakest form"))
		cols := 1
		for _, u := range used {
			if u {
				cols++
			}
		}
		b.WriteString(strings.Repeat("|---", cols) + "|\n")
		for i, r := range l.Rows {
			t := string(r.Transform)
			if r.NoLimit {
				t = "no limit"
			}
			b.WriteString(pick(cells[i], t))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func shapeCell(s shape) string {
	if s == 0 || s == anyShape {
		return "any"
	}
	var parts []string
	for _, p := range []struct {
		s    shape
		name string
	}{{shapeGeo, "geo_coordinate"}, {shapeCoarse, "date_of_birth, address"}, {shapeIdent, "other identifier"}, {shapeNone, "none"}} {
		if s&p.s != 0 {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, ", ")
}
