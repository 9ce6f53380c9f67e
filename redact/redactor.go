package redact

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/mask"
	"github.com/govshare/govshare/policy"
)

// DefaultRecipient is the recipient department named in the policy
// requests of a Redactor made without WithRecipient. No grant names it, so
// conditional fields of a catalog are withheld.
const DefaultRecipient = "self"

// tagResource is the resource of the one-field catalogs that struct tags,
// key hints and detected identifiers are decided in. No grant is for it.
const tagResource = "govshare/redact"

// ErrTag marks a govshare struct tag that does not parse, names an unknown
// type, catalog field or option, or asks for a transform weaker than the
// policy allows (then it also wraps policy.ErrOverride).
var ErrTag = errors.New("govshare/redact: invalid govshare struct tag")

// Option configures New.
type Option func(*config)

type config struct {
	cat       *catalog.Catalog
	purpose   catalog.Purpose
	recipient string
	grants    []policy.Grant
	now       time.Time // fixed decision time; zero: the clock
	masker    mask.Masker
	noHints   bool
}

// WithCatalog makes c the authority for the fields, map keys and slog keys
// it names (exact name first, then case-insensitive): each is redacted as
// policy.Decide decides for the Redactor's purpose, recipient and grants.
// c must validate.
func WithCatalog(c *catalog.Catalog) Option { return func(cf *config) { cf.cat = c } }

// WithPurpose sets the declared purpose of the policy requests; the default
// is catalog.PurposeWorkReference.
func WithPurpose(p catalog.Purpose) Option { return func(cf *config) { cf.purpose = p } }

// WithRecipient sets the recipient department of the policy requests and
// the grants the caller holds (policy.LoadGrants). Grants are for a
// catalog's resource: they matter with WithCatalog.
func WithRecipient(dept string, grants ...policy.Grant) Option {
	return func(cf *config) { cf.recipient, cf.grants = dept, grants }
}

// WithTime fixes the instant at which grants are checked. Without it the
// Redactor uses the clock and decides again when a grant it holds expires.
func WithTime(t time.Time) Option { return func(cf *config) { cf.now = t } }

// WithMasker sets the display-masking options (mask rune, fixed runs,
// resident IDs keeping their region).
func WithMasker(m mask.Masker) Option { return func(cf *config) { cf.masker = m } }

// WithoutKeyHints turns off typing fields and keys by their names (a key
// "mobile" or "身份证号" read as a mobile or resident ID): only tags, the
// catalog and detection in values remain.
func WithoutKeyHints() Option { return func(cf *config) { cf.noHints = true } }

// Redactor redacts values, structs, log records and errors by one policy.
// It is safe for concurrent use; make one and share it.
type Redactor struct {
	cfg config
	mu  sync.Mutex
	st  atomic.Pointer[state]
}

// New compiles a Redactor. It fails when the options do not make a valid
// policy request (an unknown purpose, an invalid catalog or grant, a catalog
// override weaker than the rules); struct tags are compiled on first use of
// each type, and a bad one is reported by Struct and Copy.
func New(opts ...Option) (*Redactor, error) {
	r := &Redactor{cfg: config{purpose: catalog.PurposeWorkReference, recipient: DefaultRecipient}}
	for _, o := range opts {
		o(&r.cfg)
	}
	if r.cfg.recipient == "" {
		r.cfg.recipient = DefaultRecipient
	}
	now := r.cfg.now
	if now.IsZero() {
		now = time.Now()
	}
	st, err := build(r, now)
	if err != nil {
		return nil, err
	}
	r.st.Store(st)
	return r, nil
}

var defaultRedactor = sync.OnceValue(func() *Redactor {
	r, err := New()
	if err != nil {
		panic(err) // unreachable: the default request is valid
	}
	return r
})

// Default returns the Redactor that Value and Error use: purpose
// work_reference, no catalog, key hints on.
func Default() *Redactor { return defaultRedactor() }

// state returns the decisions in force, deciding again once a grant they
// relied on has expired.
func (r *Redactor) state() *state {
	st := r.st.Load()
	if st.until.IsZero() {
		return st
	}
	now := time.Now()
	if now.Before(st.until) {
		return st
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if st = r.st.Load(); now.Before(st.until) {
		return st
	}
	nst, err := build(r, now)
	if err != nil {
		// Cannot happen for a request that was valid at New; fail closed.
		nst = &state{r: r, cfg: &r.cfg, now: now, broken: err}
	}
	r.st.Store(nst)
	return nst
}

// verb is what happens to one value.
type verb uint8

const (
	vDetect     verb = iota // no decision: text is scanned for identifiers
	vKeep                   // as it is
	vMask                   // display profile of its type
	vGeneralize             // coarsened
	vRedact                 // "***"
	vDrop                   // withheld: the field, key or attribute is left out
)

// action is a decision applied to a value: a verb and the catalogued type.
type action struct {
	v verb
	t catalog.Type
}

func (a action) typed() bool { return a.v != vDetect && a.v != vKeep }

func verbOf(t catalog.Transform) verb {
	switch t {
	case catalog.TransformKeep:
		return vKeep
	case catalog.TransformMask:
		return vMask
	case catalog.TransformGeneralize:
		return vGeneralize
	case catalog.TransformWithhold, catalog.TransformDP:
		return vDrop
	}
	// redact, and token, pseudonym and fpe: they need the provider's keys
	// and produce a value for one recipient; a Redactor has neither, so it
	// applies redact, which is stricter.
	return vRedact
}

// spec is a field declared by a tag or a key hint: decided in a one-field
// catalog of its own.
type spec struct {
	t         catalog.Type
	cat       catalog.Category
	level     catalog.Level
	sensitive bool
	tier      catalog.Tier
	override  catalog.Transform
}

// defaultSpec is how a value of type t is catalogued when nothing but its
// type is known: the type's category, level and sensitivity
// (classify.TypeDefaults), tier unconditional.
func defaultSpec(t catalog.Type) spec {
	c, l, s, _ := classify.TypeDefaults(t)
	return spec{t: t, cat: c, level: l, sensitive: s, tier: catalog.TierUnconditional}
}

// state is the Redactor's decisions at one instant.
type state struct {
	r      *Redactor
	cfg    *config
	now    time.Time
	until  time.Time // first instant a grant changes; zero: never
	broken error     // fail closed: every value is redacted

	fields map[string]action // catalog fields by exact name
	folded map[string]action // by lower-case name
	found  map[catalog.Type]action

	specs     sync.Map // spec → specResult
	hints     sync.Map // string → action
	hintCount atomic.Int64
	plans     sync.Map // reflect.Type → *structPlan
	det       classify.Detector
}

type specResult struct {
	a   action
	err error
}

func build(r *Redactor, now time.Time) (*state, error) {
	cf := &r.cfg
	st := &state{r: r, cfg: cf, now: now, found: map[catalog.Type]action{}}
	if cf.now.IsZero() {
		for i := range cf.grants {
			if end := cf.grants[i].End(); end.After(now) && (st.until.IsZero() || end.Before(st.until)) {
				st.until = end
			}
		}
	}
	if cf.cat != nil {
		names := make([]string, len(cf.cat.Fields))
		for i := range cf.cat.Fields {
			names[i] = cf.cat.Fields[i].Name
		}
		ds, err := policy.DecideAll(st.request(cf.cat), names)
		if err != nil {
			return nil, fmt.Errorf("govshare/redact: %w", err)
		}
		st.fields = make(map[string]action, len(ds))
		st.folded = make(map[string]action, len(ds))
		for i, d := range ds {
			a := action{v: verbOf(d.Transform), t: cf.cat.Fields[i].Type}
			st.fields[d.Field] = a
			if _, dup := st.folded[strings.ToLower(d.Field)]; !dup {
				st.folded[strings.ToLower(d.Field)] = a
			}
		}
	}
	// Identifiers found in text are decided as values of their type; this
	// also checks the request (purpose, grants) when there is no catalog.
	for _, t := range catalog.Types {
		a, err := st.decide(defaultSpec(t))
		if err != nil {
			return nil, err
		}
		st.found[t] = a
	}
	return st, nil
}

func (st *state) request(c *catalog.Catalog) policy.Request {
	return policy.Request{Catalog: c, Purpose: st.cfg.purpose, Recipient: st.cfg.recipient, Grants: st.cfg.grants, Now: st.now}
}

// decide decides a declared field through policy.Decide, once per spec.
func (st *state) decide(sp spec) (action, error) {
	if v, ok := st.specs.Load(sp); ok {
		res := v.(specResult)
		return res.a, res.err
	}
	f := catalog.Field{Name: "value", Type: sp.t, Category: sp.cat, Level: sp.level, Sensitive: sp.sensitive, Tier: sp.tier}
	if sp.tier == catalog.TierNotShared {
		f.LegalBasis = "declared in code"
	}
	if sp.override != "" {
		f.Transform = map[catalog.Purpose]catalog.Transform{st.cfg.purpose: sp.override}
	}
	c := &catalog.Catalog{Resource: tagResource, Provider: tagResource, Tier: catalog.TierUnconditional, Fields: []catalog.Field{f}}
	d, err := policy.Decide(st.request(c), f.Name)
	var res specResult
	if err != nil {
		res.err = fmt.Errorf("govshare/redact: %w", err)
	} else {
		res.a = action{v: verbOf(d.Transform), t: sp.t}
	}
	st.specs.Store(sp, res)
	return res.a, res.err
}

// maxHints bounds the cache of key hints (keys of decoded JSON are
// unbounded); past it hints are computed on each use.
const maxHints = 4096

// keyAction is what a key or field name says about its value: the catalog
// field of that name, else the type or category its name suggests
// (classify's header keywords: "mobile", "身份证号", "income" …). ok is
// false when the name says nothing, or suggests only what would be kept.
func (st *state) keyAction(name string) (action, bool) {
	if st.fields != nil {
		if a, ok := st.fields[name]; ok {
			return a, true
		}
		if a, ok := st.folded[strings.ToLower(name)]; ok {
			return a, true
		}
	}
	return st.hint(name)
}

func (st *state) hint(name string) (action, bool) {
	if st.cfg.noHints || name == "" {
		return action{}, false
	}
	if v, ok := st.hints.Load(name); ok {
		a := v.(action)
		return a, a.v != vDetect
	}
	a := st.hintOf(name)
	if st.hintCount.Load() < maxHints {
		if _, loaded := st.hints.LoadOrStore(name, a); !loaded {
			st.hintCount.Add(1)
		}
	}
	return a, a.v != vDetect
}

var profiler classify.Profiler

func (st *state) hintOf(name string) action {
	if !mayName(name) {
		return action{}
	}
	p := profiler.ProfileColumn(name, nil)
	var sp spec
	switch {
	case p.Type != catalog.TypeNone && p.Type != "":
		sp = defaultSpec(p.Type)
	case p.Category != catalog.CategoryPublic && p.Category.Valid():
		sp = spec{t: catalog.TypeNone, cat: p.Category, level: p.Level, sensitive: p.Sensitive, tier: p.Tier}
	default:
		return action{}
	}
	a, err := st.decide(sp)
	if err != nil || a.v == vKeep {
		// A hint only ever adds protection: where the policy would keep
		// the value, the value is still scanned.
		return action{}
	}
	return a
}

// mayName reports whether s could be a header keyword: short, and with a
// letter in it.
func mayName(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f {
			return true
		}
	}
	return false
}

// redacted is the output of redact: three mask runes, whatever the input.
func (st *state) redacted() string { return st.cfg.masker.Redact("") }

// apply applies a to s. drop reports a value that must be left out.
func (st *state) apply(a action, s string) (out string, drop bool) {
	if st.broken != nil {
		return st.redacted(), false
	}
	switch a.v {
	case vDetect:
		return st.text(s), false
	case vKeep:
		return s, false
	case vMask:
		return st.maskValue(a.t, s), false
	case vGeneralize:
		return st.generalize(a.t, s), false
	case vDrop:
		return "", true
	}
	return st.redacted(), false
}

// maskValue is the display profile of t; a value the profile cannot mask
// (not of its type, already masked, a type without a profile) is redacted.
func (st *state) maskValue(t catalog.Type, s string) string {
	if s == "" {
		return ""
	}
	if !t.Supports(catalog.TransformMask) {
		return st.redacted()
	}
	out, err := st.cfg.masker.Display(t, s)
	if err != nil || out == "" || out == s {
		return st.redacted()
	}
	return out
}

// generalize coarsens as shares do: birth dates to the year, addresses to
// the county-level division, coordinates to 0.01° (0.1° for one already
// that coarse), resident IDs to the name of their prefecture or province;
// other identifier types get their display mask, and a value that cannot be
// coarsened is redacted.
func (st *state) generalize(t catalog.Type, s string) string {
	if s == "" {
		return ""
	}
	var out string
	var err error
	switch t {
	case catalog.TypeDateOfBirth:
		out, err = mask.GeneralizeDate(s, mask.Year)
	case catalog.TypeAddress:
		out, _, err = mask.GeneralizeAddressUpTo(s, mask.District)
	case catalog.TypeGeoCoordinate:
		out, err = mask.RoundCoordinate(s, 2)
		if err == nil && out == strings.TrimSpace(classify.Fold(s)) {
			out, err = mask.RoundCoordinate(s, 1)
		}
	case catalog.TypeResidentID:
		if out, err = mask.IDRegionName(s, mask.City); err != nil {
			out, err = mask.IDRegionName(s, mask.Province)
		}
	case catalog.TypeNone, "":
		return st.redacted()
	default:
		return st.maskValue(t, s)
	}
	if err != nil || out == "" || out == s || out == strings.TrimSpace(classify.Fold(s)) {
		return st.redacted()
	}
	return out
}
