package govshare

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/fpe"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/crypto/pseudonym"
	"github.com/govshare/govshare/crypto/token"
	"github.com/govshare/govshare/internal/space"
	"github.com/govshare/govshare/mask"
	"github.com/govshare/govshare/policy"
)

// valueFunc transforms one value. Errors never carry the value.
type valueFunc func(string) (string, error)

// Column is one output column of a plan.
type Column struct {
	Name      string            `json:"name"`
	Type      catalog.Type      `json:"type"`
	Transform catalog.Transform `json:"transform"`
	Reason    string            `json:"reason"`
	Grant     string            `json:"grant,omitempty"`
	KeyID     uint32            `json:"key_id,omitempty"` // key of token, pseudonym and fpe columns
	// FPEMaxBirthDate is the last birth date of a resident-ID fpe column's
	// domain (YYYY-MM-DD): the day of the Apply in China Standard Time.
	// Reverse needs the same date (Options.FPEMaxBirthDate).
	FPEMaxBirthDate string `json:"fpe_max_birth_date,omitempty"`
	in              int    // index in the input row
	fn              valueFunc
	inverse         valueFunc // Reverse: undoes token and fpe
}

// plan is the per-column work for one input header under one request.
type plan struct {
	// Columns leave in this order; withheld and dp fields are not among them.
	Columns []Column
	// Dropped lists the fields that do not leave, with the reason.
	Dropped []policy.Decision
}

// ErrFPEBound is Reverse's refusal to decrypt resident-ID fpe without the
// birth-date bound the Apply used (Options.FPEMaxBirthDate).
var ErrFPEBound = errors.New("govshare: resident IDs were encrypted under a birth-date bound: give the one the run that encrypted them reported (fpe_max_birth_date)")

// ErrTransform marks a value a transform cannot apply to (it does not parse
// as the catalogued type, or is too long).
var ErrTransform = errors.New("govshare: value cannot be transformed")

// newPlan decides every field of header and builds its transform. kr is the
// provider's keyring; it may be nil only when no field needs a key.
func newPlan(req policy.Request, header []string, kr *keys.Keyring) (*plan, error) {
	ds, err := policy.DecideAll(req, header)
	if err != nil {
		return nil, err
	}
	p := &plan{}
	for i, d := range ds {
		f, _ := req.Catalog.Field(d.Field)
		if f == nil {
			return nil, fmt.Errorf("govshare: field %q is not in the catalog (%w)", d.Field, policy.ErrUnknownField)
		}
		switch d.Transform {
		case catalog.TransformWithhold, catalog.TransformDP:
			p.Dropped = append(p.Dropped, d)
			continue
		}
		c := Column{Name: d.Field, Type: f.Type, Transform: d.Transform, Reason: d.Reason, Grant: d.Grant, in: i}
		if err := c.build(kr, req.Recipient, fpeBound(req.Now, time.Time{})); err != nil {
			return nil, err
		}
		p.Columns = append(p.Columns, c)
	}
	return p, nil
}

// fpeBound is the resident-ID FPE birth-date bound: given, or the date of
// now in China Standard Time.
func fpeBound(now, given time.Time) time.Time {
	if !given.IsZero() {
		y, m, d := given.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	today := time.Now()
	if now.IsZero() || now.After(today) {
		now = today // a bound after today would be refused
	}
	y, m, d := now.In(catalog.ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// header returns the output header.
func (p *plan) header() []string {
	h := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		h[i] = c.Name
	}
	return h
}

func (c *Column) build(kr *keys.Keyring, recipient string, birthBound time.Time) error {
	needKey := func() error {
		if kr == nil {
			return fmt.Errorf("govshare: field %q needs the provider's keys for %s", c.Name, c.Transform)
		}
		return nil
	}
	canon := canonicalFunc(c.Type)
	switch c.Transform {
	case catalog.TransformKeep:
		c.fn = func(v string) (string, error) { return v, nil }
		return nil
	case catalog.TransformRedact:
		c.fn = func(string) (string, error) { return mask.Redact(""), nil }
	case catalog.TransformMask:
		c.fn = maskFunc(c.Type)
	case catalog.TransformGeneralize:
		c.fn = generalizeFunc(c.Type)
	case catalog.TransformToken:
		if err := needKey(); err != nil {
			return err
		}
		t, err := token.New(kr, c.Name, recipient)
		if err != nil {
			return err
		}
		c.KeyID, _ = kr.PrimaryKeyID(keys.KindToken)
		c.fn = func(v string) (string, error) { return t.Token(canon(v)) }
		c.inverse = t.Reverse
	case catalog.TransformPseudonym:
		if err := needKey(); err != nil {
			return err
		}
		ps, err := pseudonym.New(kr, c.Name, recipient)
		if err != nil {
			return err
		}
		c.KeyID, _ = kr.PrimaryKeyID(keys.KindPseudonym)
		c.fn = func(v string) (string, error) { return ps.Pseudonym(canon(v)) }
	case catalog.TransformFPE:
		if !c.Type.Supports(catalog.TransformFPE) {
			return fmt.Errorf("govshare: field %q: fpe is not defined for %s (see catalog.Type.Supports); use token", c.Name, c.Type)
		}
		if err := needKey(); err != nil {
			return err
		}
		ciph, err := fpe.New(kr, c.Type, c.Name, recipient, &fpe.Options{MaxBirthDate: birthBound})
		if err != nil {
			return wrapf(err, "field %q", c.Name)
		}
		c.KeyID = ciph.KeyID()
		c.fn, c.inverse = fpeFuncs(ciph, c.Type)
		if c.Type == catalog.TypeResidentID {
			c.FPEMaxBirthDate = ciph.MaxBirthDate().Format(time.DateOnly)
		}
	default:
		return fmt.Errorf("govshare: field %q: unknown transform %q", c.Name, c.Transform)
	}
	c.fn = noPassThrough(c.fn)
	return nil
}

// canonicalFunc returns what the keyed transforms (token, pseudonym, fpe)
// act on: the canonical form (classify.Canonical) of a value of an
// identifier type, so that one identifier written three ways (110105
// 19491231 002x, １１０１０５…, '11010519491231002X) gives one token and
// joins for data verification; a value its type does not accept, folded to
// ASCII and trimmed. A field of type none is taken as written. Reverse
// therefore returns the canonical form.
func canonicalFunc(t catalog.Type) func(string) string {
	if t == catalog.TypeNone || t == "" || !t.Known() {
		return func(v string) string { return v }
	}
	return func(v string) string {
		if c, ok := classify.Canonical(t, v); ok {
			return c
		}
		return strings.TrimSpace(classify.Fold(v))
	}
}

// errNotCoarsened comes with a redacted output from a generalize transform
// for a value it could not coarsen to a known level: the row is written
// with the redaction and counted in Report.NotCoarsened, not rejected.
var errNotCoarsened = errors.New("govshare: redacted: not coarsenable")

// noPassThrough makes a transform refuse to output its input unchanged
// (issue 9 §4: no transform but keep ever does): a value already in the
// form the transform produces (already masked, a coordinate already at the
// grid, "***" under redact, an FPE fixed point) is reported as a value
// that cannot be transformed.
func noPassThrough(f valueFunc) valueFunc {
	return func(v string) (string, error) {
		out, err := f(v)
		if (err == nil || err == errNotCoarsened) && out != "" && sameValue(out, v) {
			return "", fmt.Errorf("%w: it would come out unchanged", ErrTransform)
		}
		return out, err
	}
}

// sameValue reports whether out is v, v trimmed, or v folded to ASCII and
// trimmed: a transform that returns any of them has let the value through.
func sameValue(out, v string) bool {
	if out == v || classify.MatchesFolded(out, v) {
		return true
	}
	// Trimmed but not folded (" １２３" as "１２３"): only when v has a space
	// at an end.
	return (space.First(v) || space.Last(v)) && out == strings.TrimSpace(v)
}

// maskFunc is type-aware display masking; a field without an identifier
// type is redacted, since no rule says which part of it is safe to show.
func maskFunc(t catalog.Type) valueFunc {
	if !t.Supports(catalog.TransformMask) {
		return func(string) (string, error) { return mask.Redact(""), nil }
	}
	strict := t.Strict()
	return func(v string) (string, error) {
		// One parse: the canonical form classify finds is what mask renders.
		var out string
		var err error
		if t == catalog.TypePersonName {
			out, err = mask.Display(t, v) // no parse: masked as written
		} else if c, ok := classify.Canonical(t, v); ok {
			out, err = mask.DisplayCanonical(t, v, c)
		} else if strict {
			return "", fmt.Errorf("%w: not a valid %s", ErrTransform, t)
		} else {
			out, err = mask.Display(t, v)
		}
		if err != nil {
			return "", fmt.Errorf("%w: not a valid %s", ErrTransform, t)
		}
		return out, nil
	}
}

// generalizeFunc coarsens by type: birth dates to the year, addresses to
// the county-level district (else the prefecture, else the province, as
// GB/T 2260 names them), coordinates to 0.01° (~1.1 km, docs/domain.md; 0.1°
// for a value already at 0.01°), resident IDs to the name of their
// prefecture (else province), numbers to two significant digits. Other
// types are display-masked, the coarsest form an identifier has. An address
// that names no known division is redacted and counted (errNotCoarsened);
// nothing is passed on as it came.
func generalizeFunc(t catalog.Type) valueFunc {
	wrap := func(f func(string) (string, error)) valueFunc {
		return func(v string) (string, error) {
			out, err := f(v)
			if err != nil {
				return "", fmt.Errorf("%w: cannot generalize as %s", ErrTransform, t)
			}
			return out, nil
		}
	}
	switch t {
	case catalog.TypeDateOfBirth:
		return wrap(func(v string) (string, error) { return mask.GeneralizeDate(v, mask.Year) })
	case catalog.TypeAddress:
		addrs := mask.NewAddresses() // one per run: it remembers address beginnings
		return func(v string) (string, error) {
			if out, _, err := addrs.GeneralizeUpTo(v, mask.District); err == nil {
				return out, nil
			}
			return mask.Redact(""), errNotCoarsened
		}
	case catalog.TypeGeoCoordinate:
		return func(v string) (string, error) {
			out, err := generalizeCoordinate(v)
			if err != nil {
				return "", fmt.Errorf("%w: cannot generalize as %s", ErrTransform, t)
			}
			return out, nil
		}
	case catalog.TypeResidentID:
		return wrap(func(v string) (string, error) {
			if out, err := mask.IDRegionName(v, mask.City); err == nil {
				return out, nil
			}
			return mask.IDRegionName(v, mask.Province)
		})
	case catalog.TypeNone, "":
		return wrap(generalizeNumber)
	}
	// the other identifier types do not coarsen (catalog.Type.Coarsens):
	// their display mask is the coarsest form they have
	return maskFunc(t)
}

// coordDigits is the precision coordinates are generalized to: 0.01°.
const coordDigits = 2

// generalizeCoordinate rounds a coordinate to coordDigits decimals, or to
// fewer when it has no more than that already (trailing zeros aside), so
// that the output always holds less than the input: 116.40,39.90 becomes
// 116,40. A coordinate of whole degrees is redacted.
func generalizeCoordinate(v string) (string, error) {
	digits := coordDigits
	if d := significantDecimals(classify.Fold(v)); d <= coordDigits {
		digits = d - 1
	}
	if digits < 0 {
		if _, err := mask.RoundCoordinate(v, 0); err != nil {
			return "", err // not a coordinate
		}
		return mask.Redact(""), nil
	}
	return mask.RoundCoordinate(v, digits)
}

// significantDecimals is the largest number of decimals, up to the last
// non-zero one, of the decimal numbers written in s.
func significantDecimals(s string) int {
	most := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			continue
		}
		last := 0
		j := i + 1
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			if s[j] != '0' {
				last = j - i
			}
		}
		most = max(most, last)
		i = j - 1
	}
	return most
}

// generalizeNumber rounds a decimal to two significant digits; anything
// that is not a number is redacted rather than passed through.
func generalizeNumber(v string) (string, error) {
	s := strings.TrimSpace(v)
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			break
		}
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits == 0 || len(s) > 40 {
		return mask.Redact(""), nil
	}
	step := "1"
	if digits > 2 {
		step = "1" + strings.Repeat("0", digits-2)
	}
	out, err := mask.RoundStep(s, step)
	if err == nil && out == s {
		// already at two significant digits (34, 1200): one digit fewer
		out, err = mask.RoundStep(s, step+"0")
	}
	if err != nil || out == s {
		return mask.Redact(""), nil
	}
	return out, nil
}

// fpeFuncs wraps a Cipher's Encrypt and Decrypt as the column's value
// functions, with errors that name the type and never the value.
func fpeFuncs(c *fpe.Cipher, t catalog.Type) (enc, dec valueFunc) {
	wrap := func(f func(string) (string, error)) valueFunc {
		return func(v string) (string, error) {
			out, err := f(v)
			if err != nil {
				return "", fmt.Errorf("%w: not a valid %s for fpe", ErrTransform, t)
			}
			return out, nil
		}
	}
	return wrap(c.Encrypt), wrap(c.Decrypt)
}
