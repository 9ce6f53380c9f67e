package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
)

// Request is the policy question: which fields of Catalog may go to
// Recipient for Purpose, at time Now, given the caller's grants.
type Request struct {
	Catalog   *catalog.Catalog // required, and must validate
	Purpose   catalog.Purpose  // required: one of catalog.Purposes
	Recipient string           // required: department id of the consumer
	Grants    []Grant          // all grants the caller has; Decide picks the matching one
	Now       time.Time        // required: the instant at which grants must be valid
}

// Decision is the form in which one field may leave.
type Decision struct {
	Field     string            `json:"field"`
	Transform catalog.Transform `json:"transform"`
	// Reason is a sentence naming the rule, e.g. "withheld: national_security
	// fields never leave in clear."
	Reason string `json:"reason"`
	// Grant is the id of the grant relied on, "" if none was needed.
	Grant string `json:"grant,omitempty"`
}

// Sentinels for errors.Is. Errors wrap one of them with the detail.
var (
	ErrNoCatalog      = errors.New("govshare/policy: no catalog")
	ErrInvalidCatalog = errors.New("govshare/policy: invalid catalog")
	ErrNoLegalBasis   = errors.New("govshare/policy: not_shared without a legal basis")
	ErrUnknownPurpose = errors.New("govshare/policy: unknown purpose")
	ErrNoRecipient    = errors.New("govshare/policy: no recipient")
	ErrNoTime         = errors.New("govshare/policy: no time")
	ErrUnknownField   = errors.New("govshare/policy: unknown field")
	ErrDuplicateField = errors.New("govshare/policy: field asked for twice")
	// ErrOverride marks a catalog override weaker than the rules allow.
	ErrOverride = errors.New("govshare/policy: catalog override weaker than the rules")
)

// Decide decides one field. It fails, rather than withholding, when the
// request itself is wrong: no or invalid catalog, a not_shared tier without
// a legal basis, an unknown purpose, no recipient, no time, an invalid grant,
// a field the catalog does not list, or a catalog override weaker than the
// rules. DecideAll is cheaper for many fields.
func Decide(req Request, field string) (Decision, error) {
	p, err := prepare(req)
	if err != nil {
		return Decision{}, err
	}
	return p.decide(field)
}

// DecideAll decides every field, in order: one Decision per field. Any
// error fails the whole call; asking for a field twice is an error.
func DecideAll(req Request, fields []string) ([]Decision, error) {
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	out := make([]Decision, len(fields))
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		if seen[f] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateField, clip(f))
		}
		seen[f] = true
		if out[i], err = p.decide(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// prepared is a checked request with its candidate grants.
type prepared struct {
	req Request
	// grants are those for this resource and recipient, in request order.
	grants []*Grant
}

func prepare(req Request) (*prepared, error) {
	c := req.Catalog
	if c == nil {
		return nil, ErrNoCatalog
	}
	// Before Validate, so the sentinel says what is wrong.
	if c.Tier == catalog.TierNotShared && c.LegalBasis == "" {
		return nil, fmt.Errorf("%w: resource %q is not_shared and states no legal_basis", ErrNoLegalBasis, clip(c.Resource))
	}
	for i := range c.Fields {
		f := &c.Fields[i]
		if c.EffectiveTier(f) == catalog.TierNotShared && f.LegalBasis == "" && c.LegalBasis == "" {
			return nil, fmt.Errorf("%w: field %q is not_shared and states no legal_basis", ErrNoLegalBasis, clip(f.Name))
		}
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCatalog, err)
	}
	if !req.Purpose.Valid() {
		return nil, fmt.Errorf("%w %q (%s)", ErrUnknownPurpose, clip(string(req.Purpose)), purposeList())
	}
	if req.Recipient == "" {
		return nil, fmt.Errorf("%w: the request names no recipient department", ErrNoRecipient)
	}
	if req.Now.IsZero() {
		return nil, fmt.Errorf("%w: the request has no Now, so grant expiry cannot be checked", ErrNoTime)
	}
	p := &prepared{req: req}
	ids := map[string]bool{}
	for i := range req.Grants {
		g := &req.Grants[i]
		if err := g.Validate(); err != nil {
			return nil, err
		}
		if ids[g.ID] {
			return nil, fmt.Errorf("%w %q: id used twice", ErrInvalidGrant, clip(g.ID))
		}
		ids[g.ID] = true
		if g.Resource == c.Resource && g.Recipient == req.Recipient {
			p.grants = append(p.grants, g)
		}
	}
	return p, nil
}

// grantState is what the grants say about one field.
type grantState struct {
	id    string // the grant that names the field, when named
	named bool
	// When not named: the nearest miss and its grant, for the reason.
	miss  missKind
	grant *Grant
}

// missKind orders the ways a grant can fail to cover a field, nearest
// first: a naming grant that expired, a grant for the purpose that does not
// name the field (unexpired, then expired), a grant for another purpose,
// no grant at all.
type missKind int

const (
	missExpired missKind = iota
	missUnnamed
	missExpiredUnnamed
	missOtherPurpose
	missNothing
)

// grantFor finds an unexpired grant for the request's purpose that names
// field, or else the nearest miss.
func (p *prepared) grantFor(field string) grantState {
	st := grantState{miss: missNothing}
	for _, g := range p.grants {
		var miss missKind
		switch {
		case g.Purpose != p.req.Purpose:
			miss = missOtherPurpose
		case g.Names(field) && g.ValidAt(p.req.Now):
			return grantState{id: g.ID, named: true}
		case g.Names(field):
			miss = missExpired
		case g.ValidAt(p.req.Now):
			miss = missUnnamed
		default:
			miss = missExpiredUnnamed
		}
		if miss < st.miss {
			st.miss, st.grant = miss, g
		}
	}
	return st
}

// failure says why no grant covers the field. It is formatted only when a
// reason needs it.
func (p *prepared) failure(st *grantState) string {
	g := st.grant
	switch st.miss {
	case missExpired:
		return fmt.Sprintf("grant %s named it but expired at the end of %s (Asia/Shanghai)", g.ID, g.NotAfter.Format(time.DateOnly))
	case missUnnamed:
		return fmt.Sprintf("grant %s for %s does not name this field (a grant covers only the fields it lists)", g.ID, g.Purpose)
	case missExpiredUnnamed:
		return fmt.Sprintf("grant %s for %s expired at the end of %s and does not name this field", g.ID, g.Purpose, g.NotAfter.Format(time.DateOnly))
	case missOtherPurpose:
		return fmt.Sprintf("grant %s is for another purpose (%s), not %s", g.ID, g.Purpose, p.req.Purpose)
	}
	return fmt.Sprintf("recipient %s has no grant for resource %s", p.req.Recipient, p.req.Catalog.Resource)
}

func (p *prepared) decide(name string) (Decision, error) {
	c := p.req.Catalog
	f, ok := c.Field(name)
	if !ok {
		return Decision{}, fmt.Errorf("%w %q: not in the catalog of %s, and a field the catalog does not list is never passed through", ErrUnknownField, clip(name), clip(c.Resource))
	}
	gs := p.grantFor(name)
	facts := fieldFacts{
		tier: c.EffectiveTier(f), category: f.Category, level: f.Level, sensitive: f.Sensitive,
		purpose: p.req.Purpose, shape: shapeOf(f.Type), named: gs.named,
	}
	basis := f.LegalBasis
	if basis == "" {
		basis = c.LegalBasis
	}
	// fill puts the request's facts into a rule's placeholders.
	fill := func(rule string) string {
		var b strings.Builder
		for {
			i := strings.IndexByte(rule, '{')
			j := strings.IndexByte(rule[i+1:], '}') // i == -1 searches the whole rule: harmless
			if i < 0 || j < 0 {
				b.WriteString(rule)
				return b.String()
			}
			b.WriteString(rule[:i])
			switch key := rule[i+1 : i+1+j]; key {
			case "purpose":
				b.WriteString(string(p.req.Purpose))
			case "grant":
				b.WriteString(gs.id)
			case "failure":
				b.WriteString(p.failure(&gs))
			case "basis":
				b.WriteString(basis)
			default:
				b.WriteString("{" + key + "}")
			}
			rule = rule[i+2+j:]
		}
	}
	// The decision is the join of what every layer allows; the reason is
	// the first limiting row that asks for exactly that.
	var rows [len(layers)]*row
	final := keep
	usesGrant := false
	for i, l := range layers {
		r := l.match(&facts)
		if r == nil { // unreachable: every layer ends in a catch-all row
			return Decision{}, fmt.Errorf("govshare/policy: field %q: no %s rule matches", clip(name), l.Name)
		}
		rows[i] = r
		if r.Grant == named {
			usesGrant = true
		}
		if !r.NoLimit {
			final = join(final, r.Transform)
		}
	}
	var rule *row
	for _, r := range rows {
		if !r.NoLimit && r.Transform == final {
			rule = r
			break
		}
	}
	d := Decision{Field: name, Transform: final}
	if usesGrant && final != withhold {
		d.Grant = gs.id
	}
	if rule != nil {
		d.Reason = verbs[final] + ": " + fill(rule.Rule)
	} else {
		// Two layers ask for incomparable forms (none do in the current
		// table); the join withholds and the reason names both rules.
		var why []string
		for _, r := range rows {
			if !r.NoLimit {
				why = append(why, fill(r.Rule))
			}
		}
		d.Reason = verbs[final] + ": the rules ask for incomparable forms, so the field is withheld: " + strings.Join(why, "; ")
	}
	if d.Grant != "" && !strings.Contains(d.Reason, d.Grant) {
		d.Reason += "; relies on grant " + d.Grant
	}
	d.Reason += "."

	o, ok := f.Transform[p.req.Purpose]
	if !ok {
		return d, nil
	}
	var breaches []string
	for i, r := range rows {
		if r.NoLimit || atLeast(o, r.Transform) {
			continue
		}
		breach := r.Breach
		if !atLeast(r.Transform, o) {
			breach = "cannot be ordered against the rule's " + string(r.Transform)
		}
		breaches = append(breaches, fmt.Sprintf("%s (%s rule: %s)", breach, layers[i].Name, fill(r.Rule)))
	}
	if breaches != nil {
		return Decision{}, fmt.Errorf("%w: field %q: %s for %s %s",
			ErrOverride, clip(name), o, p.req.Purpose, strings.Join(breaches, "; and "))
	}
	if o == withhold {
		d.Grant = ""
	}
	rel := "stricter than"
	if o == final {
		rel = "the same as"
	}
	d.Reason = fmt.Sprintf("catalog override: %s for %s, %s the rules (%s)", o, p.req.Purpose, rel, strings.TrimSuffix(d.Reason, "."))
	if d.Grant != "" && !strings.Contains(d.Reason, d.Grant) {
		d.Reason += "; relies on grant " + d.Grant
	}
	d.Reason += "."
	d.Transform = o
	return d, nil
}
