package govshare

import (
	"errors"
	"fmt"
	"strings"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/fpe"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/crypto/pseudonym"
	"github.com/govshare/govshare/crypto/token"
	"github.com/govshare/govshare/mask"
	"github.com/govshare/govshare/policy"
)

// valueFunc transforms one value. Errors never carry the value.
type valueFunc func(string) (string, error)

// Column is one output column of a plan.
type Column struct {
	Name      string             `json:"name"`
	Type      classify.Type      `json:"type"`
	Transform classify.Transform `json:"transform"`
	Reason    string             `json:"reason"`
	Grant     string             `json:"grant,omitempty"`
	KeyID     uint32             `json:"key_id,omitempty"` // key of token, pseudonym and fpe columns
	in        int                // index in the input row
	fn        valueFunc
	inverse   valueFunc // Unmask: reverses token and fpe
}

// Plan is the per-column work for one input header under one request.
type Plan struct {
	// Columns leave in this order; withheld and dp fields are not among them.
	Columns []Column
	// Dropped lists the fields that do not leave, with the reason.
	Dropped []policy.Decision
}

// ErrTransform marks a value a transform cannot apply to (it does not parse
// as the catalogued type, or is too long).
var ErrTransform = errors.New("govshare: value cannot be transformed")

// NewPlan decides every field of header and builds its transform. kr is the
// provider's keyring; it may be nil only when no field needs a key.
func NewPlan(req policy.Request, header []string, kr *keys.Keyring) (*Plan, error) {
	ds, err := policy.DecideAll(req, header)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	for i, d := range ds {
		f, _ := req.Catalog.Field(d.Field)
		if f == nil {
			return nil, fmt.Errorf("govshare: field %q is not in the catalog", d.Field)
		}
		switch d.Transform {
		case classify.TransformWithhold, classify.TransformDP:
			p.Dropped = append(p.Dropped, d)
			continue
		}
		c := Column{Name: d.Field, Type: f.Type, Transform: d.Transform, Reason: d.Reason, Grant: d.Grant, in: i}
		if err := c.build(kr, req.Recipient); err != nil {
			return nil, err
		}
		p.Columns = append(p.Columns, c)
	}
	return p, nil
}

// Header returns the output header.
func (p *Plan) Header() []string {
	h := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		h[i] = c.Name
	}
	return h
}

func (c *Column) build(kr *keys.Keyring, recipient string) error {
	needKey := func() error {
		if kr == nil {
			return fmt.Errorf("govshare: field %q needs the provider's keys for %s", c.Name, c.Transform)
		}
		return nil
	}
	switch c.Transform {
	case classify.TransformKeep:
		c.fn = func(v string) (string, error) { return v, nil }
	case classify.TransformRedact:
		c.fn = func(string) (string, error) { return mask.Redact(""), nil }
	case classify.TransformMask:
		c.fn = maskFunc(c.Type)
	case classify.TransformGeneralize:
		c.fn = generalizeFunc(c.Type)
	case classify.TransformToken:
		if err := needKey(); err != nil {
			return err
		}
		t, err := token.New(kr, c.Name, recipient)
		if err != nil {
			return err
		}
		c.KeyID, _ = kr.PrimaryKeyID(keys.KindToken)
		c.fn = t.Token
		c.inverse = t.Reverse
	case classify.TransformPseudonym:
		if err := needKey(); err != nil {
			return err
		}
		ps, err := pseudonym.New(kr, c.Name, recipient)
		if err != nil {
			return err
		}
		c.KeyID, _ = kr.PrimaryKeyID(keys.KindPseudonym)
		c.fn = ps.Pseudonym
	case classify.TransformFPE:
		if err := needKey(); err != nil {
			return err
		}
		key, id, err := kr.FPEKey(c.Name, recipient)
		if err != nil {
			return err
		}
		ff, err := fpe.NewFF1(key, 10)
		clear(key)
		if err != nil {
			return err
		}
		c.KeyID = id
		enc, dec, ok := fpeFuncs(ff, c.Type)
		if !ok {
			return fmt.Errorf("govshare: field %q: fpe is defined for cn_resident_id, cn_mobile, bank_card and cn_uscc, not %s; use token", c.Name, c.Type)
		}
		c.fn, c.inverse = enc, dec
	default:
		return fmt.Errorf("govshare: field %q: unknown transform %q", c.Name, c.Transform)
	}
	return nil
}

// maskFunc is type-aware display masking; a field without an identifier
// type is redacted, since no rule says which part of it is safe to show.
func maskFunc(t classify.Type) valueFunc {
	if t == classify.TypeNone || t == "" {
		return func(string) (string, error) { return mask.Redact(""), nil }
	}
	strict := strictTypes[t]
	return func(v string) (string, error) {
		if strict && !classify.Validate(t, v) {
			return "", fmt.Errorf("%w: not a valid %s", ErrTransform, t)
		}
		out, err := mask.Display(t, v)
		if err != nil {
			return "", fmt.Errorf("%w: not a valid %s", ErrTransform, t)
		}
		return out, nil
	}
}

// strictTypes have a decisive format or check digit: a value of the column
// that fails it is bad input, reported rather than masked as if it were one.
// Names, addresses, coordinates and dates are checked by mask's own parsing.
var strictTypes = map[classify.Type]bool{
	classify.TypeResidentID: true, classify.TypeUSCC: true, classify.TypeOrgCode: true, classify.TypeMobile: true,
	classify.TypeLandline: true, classify.TypeBankCard: true, classify.TypeLicensePlate: true, classify.TypePassport: true,
	classify.TypeTravelPermit: true, classify.TypeHKID: true, classify.TypeTWID: true, classify.TypeEmail: true,
	classify.TypeIPv4: true, classify.TypeIPv6: true,
}

// generalizeFunc coarsens by type: birth dates to the year, addresses to the
// district, coordinates to 0.01° (~1.1 km, DOMAIN.md §8), resident IDs to
// their prefecture code, numbers to two significant digits. Other types are
// display-masked, the coarsest form an identifier has.
func generalizeFunc(t classify.Type) valueFunc {
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
	case classify.TypeDateOfBirth:
		return wrap(func(v string) (string, error) { return mask.GeneralizeDate(v, mask.Year) })
	case classify.TypeAddress:
		// An address whose region the generalizer cannot find is masked
		// or, failing that, redacted: coarser, never the value itself.
		return func(v string) (string, error) {
			if out, err := mask.GeneralizeAddress(v, mask.District); err == nil {
				return out, nil
			}
			if out, err := mask.Display(t, v); err == nil {
				return out, nil
			}
			return mask.Redact(""), nil
		}
	case classify.TypeGeoCoordinate:
		return wrap(func(v string) (string, error) { return mask.RoundCoordinate(v, 2) })
	case classify.TypeResidentID:
		return wrap(func(v string) (string, error) { return mask.IDRegion(v, 4) })
	case classify.TypeNone, "":
		return wrap(generalizeNumber)
	}
	return maskFunc(t)
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
	if err != nil {
		return mask.Redact(""), nil
	}
	return out, nil
}

// fpeTweak separates FPE uses of one derived key (the key is already per
// field and recipient).
var fpeTweak = []byte("govshare/pipeline/fpe/v1")

func fpeFuncs(ff *fpe.FF1, t classify.Type) (enc, dec valueFunc, ok bool) {
	wrap := func(f func(*fpe.FF1, []byte, string) (string, error)) valueFunc {
		return func(v string) (string, error) {
			out, err := f(ff, fpeTweak, v)
			if err != nil {
				return "", fmt.Errorf("%w: not a valid %s for fpe", ErrTransform, t)
			}
			return out, nil
		}
	}
	switch t {
	case classify.TypeResidentID:
		opts := fpe.ResidentIDOptions{KeepRegion: true}
		return wrap(func(f *fpe.FF1, tw []byte, v string) (string, error) { return fpe.EncryptResidentID(f, tw, v, opts) }),
			wrap(func(f *fpe.FF1, tw []byte, v string) (string, error) { return fpe.DecryptResidentID(f, tw, v, opts) }), true
	case classify.TypeMobile:
		return wrap(fpe.EncryptMobile), wrap(fpe.DecryptMobile), true
	case classify.TypeBankCard:
		return wrap(fpe.EncryptBankCard), wrap(fpe.DecryptBankCard), true
	case classify.TypeUSCC:
		return wrap(fpe.EncryptUSCC), wrap(fpe.DecryptUSCC), true
	}
	return nil, nil, false
}
