package fpe

import (
	"errors"
	"fmt"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/keyaccess"
)

// Cipher is format-preserving encryption of one identifier type for one
// field and one recipient, with a key derived from a department's keyring:
// the shape of crypto/token's Tokenizer. Equal values encrypt to equal
// outputs (it hides values, not equality), different fields and recipients
// get unrelated outputs, and outputs are valid identifiers of the type.
// The raw key never leaves the Cipher; it prints redacted.
type Cipher struct {
	ff     *FF1
	typ    catalog.Type
	keyID  uint32
	idOpts ResidentIDOptions
}

// Options are the optional settings of New.
type Options struct {
	// MaxBirthDate is, for resident IDs, the last birth date of the
	// encrypted domain (see ResidentIDOptions.MaxBirthDate): zero means
	// today in China Standard Time. Decrypting needs the bound that
	// encrypting used: record Cipher.MaxBirthDate with the output.
	MaxBirthDate time.Time
	// KeyID selects a key other than the primary, to decrypt what an older
	// key encrypted (its id is recorded with the output). Zero means the
	// primary key.
	KeyID uint32
}

// tweak separates FPE uses of one derived key (which is already per field
// and recipient). Its bytes are part of every output: never change them.
var tweak = []byte("govshare/pipeline/fpe/v1")

// residentIDModes are tried in order: keep the region code (its validity
// and joins by region survive), or where that leaves too small a domain,
// encrypt everything. Modes keeping the birth year are never among them:
// they leave fewer than 10^6 values (ErrSmallDomain).
var residentIDModes = []ResidentIDOptions{{KeepRegion: true}, {}}

// ErrUnsupportedType is New's refusal of a type without an FPE mode
// (catalog.Type.Supports reports which have one).
var ErrUnsupportedType = errors.New("govshare/fpe: no format-preserving mode for this type; use a token")

// New returns the Cipher for values of type t in field, for recipient,
// under kr's primary FPE key (or opt.KeyID). opt may be nil.
func New(kr *keys.Keyring, t catalog.Type, field, recipient string, opt *Options) (*Cipher, error) {
	if kr == nil {
		return nil, errors.New("govshare/fpe: nil keyring")
	}
	if !t.Supports(catalog.TransformFPE) {
		return nil, fmt.Errorf("%w (%s)", ErrUnsupportedType, t)
	}
	var o Options
	if opt != nil {
		o = *opt
	}
	key, id, err := keyaccess.FPEKey(kr, field, recipient, o.KeyID, o.KeyID == 0)
	if err != nil {
		return nil, err
	}
	ff, err := NewFF1(key, 10)
	clear(key)
	if err != nil {
		return nil, err
	}
	c := &Cipher{ff: ff, typ: t, keyID: id}
	if t == catalog.TypeResidentID {
		var mode ResidentIDOptions
		for _, m := range residentIDModes {
			m.MaxBirthDate = o.MaxBirthDate
			if err = m.Check(); err == nil {
				mode = m
				break
			}
		}
		if err != nil {
			return nil, err
		}
		// fix the bound now, so a Cipher used past midnight stays one
		// permutation
		if mode.MaxBirthDate, err = mode.BirthBound(); err != nil {
			return nil, err
		}
		c.idOpts = mode
	}
	return c, nil
}

// Encrypt encrypts v, a valid value of the Cipher's type in any written
// form (classify.Canonical), to a valid value of the type in canonical form.
func (c *Cipher) Encrypt(v string) (string, error) { return c.crypt(true, v) }

// Decrypt reverses Encrypt.
func (c *Cipher) Decrypt(v string) (string, error) { return c.crypt(false, v) }

func (c *Cipher) crypt(enc bool, v string) (string, error) {
	switch c.typ {
	case catalog.TypeResidentID:
		if enc {
			return EncryptResidentID(c.ff, tweak, v, c.idOpts)
		}
		return DecryptResidentID(c.ff, tweak, v, c.idOpts)
	case catalog.TypeMobile:
		if enc {
			return EncryptMobile(c.ff, tweak, v)
		}
		return DecryptMobile(c.ff, tweak, v)
	case catalog.TypeBankCard:
		if enc {
			return EncryptBankCard(c.ff, tweak, v)
		}
		return DecryptBankCard(c.ff, tweak, v)
	case catalog.TypeUSCC:
		if enc {
			return EncryptUSCC(c.ff, tweak, v)
		}
		return DecryptUSCC(c.ff, tweak, v)
	}
	return "", ErrUnsupportedType
}

// KeyID is the id of the keyring key the Cipher's key was derived from,
// to record with the output.
func (c *Cipher) KeyID() uint32 { return c.keyID }

// MaxBirthDate is, for resident IDs, the birth-date bound of the domain
// (to record with the output: Decrypt on a later day needs it); zero for
// other types.
func (c *Cipher) MaxBirthDate() time.Time { return c.idOpts.MaxBirthDate }

// String prints the type and key id, never the key.
func (c *Cipher) String() string {
	return fmt.Sprintf("fpe.Cipher{type:%s key:%d [redacted]}", c.typ, c.keyID)
}

// GoString is String.
func (c *Cipher) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Cipher) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }
