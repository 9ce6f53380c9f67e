package keys

import (
	"errors"
	"fmt"

	"github.com/govshare/govshare/catalog"
	"github.com/tink-crypto/tink-go/v2/daead/aessiv"
	"github.com/tink-crypto/tink-go/v2/hybrid/hpke"
	"github.com/tink-crypto/tink-go/v2/key"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	"github.com/tink-crypto/tink-go/v2/signature/compositemldsa"
	"github.com/tink-crypto/tink-go/v2/signature/ed25519"
	"github.com/tink-crypto/tink-go/v2/signature/mldsa"

	// Registers the key managers and primitive constructors used below;
	// compositemldsa registers itself on import and is not pulled in by
	// the signature package.
	_ "github.com/tink-crypto/tink-go/v2/daead"
	_ "github.com/tink-crypto/tink-go/v2/hybrid"
	_ "github.com/tink-crypto/tink-go/v2/prf"
	_ "github.com/tink-crypto/tink-go/v2/signature"
)

// Kind names one keyset of a keyring. The zero value is invalid so that a
// forgotten field fails instead of picking a key.
type Kind int

// Kinds of keys in a keyring. The numeric values are part of the keyring file
// format: never renumber.
const (
	KindUnknown            Kind = iota
	KindToken                   // AES256-SIV deterministic AEAD
	KindPseudonym               // HMAC-SHA256 PRF, irreversible pseudonyms
	KindFPE                     // HMAC-SHA256 PRF deriving FF1 keys
	KindKEMXWing                // HPKE X-Wing KEM (general and important data)
	KindKEMMLKEM1024            // HPKE ML-KEM-1024 KEM (core data)
	KindSignEd25519             // Ed25519 signatures (general data)
	KindSignMLDSA65Ed25519      // composite ML-DSA-65 + Ed25519 signatures (important data)
	KindSignMLDSA87             // ML-DSA-87 signatures (core data)
	KindOPRF                    // ristretto255 POPRF key (circl), not a Tink keyset
	numKinds
)

// Kinds lists every kind in keyring-file order.
func Kinds() []Kind {
	out := make([]Kind, 0, numKinds-1)
	for k := KindToken; k < numKinds; k++ {
		out = append(out, k)
	}
	return out
}

var kindNames = [numKinds]string{
	KindUnknown:            "unknown",
	KindToken:              "token",
	KindPseudonym:          "pseudonym",
	KindFPE:                "fpe",
	KindKEMXWing:           "kem-xwing",
	KindKEMMLKEM1024:       "kem-mlkem1024",
	KindSignEd25519:        "sign-ed25519",
	KindSignMLDSA65Ed25519: "sign-mldsa65-ed25519",
	KindSignMLDSA87:        "sign-mldsa87",
	KindOPRF:               "oprf",
}

// String returns the kind's stable name, as used in files and the CLI.
func (k Kind) String() string {
	if k.valid() || k == KindUnknown {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ParseKind is the inverse of [Kind.String].
func ParseKind(name string) (Kind, error) {
	for k := KindToken; k < numKinds; k++ {
		if kindNames[k] == name {
			return k, nil
		}
	}
	return KindUnknown, fmt.Errorf("govshare/keys: unknown key kind %q", name)
}

func (k Kind) valid() bool { return k > KindUnknown && k < numKinds }

// isPublic reports whether the kind has a public half that goes into the
// public bundle (KEM and signing keys; the OPRF public key is handled apart).
func (k Kind) isPublic() bool {
	switch k {
	case KindKEMXWing, KindKEMMLKEM1024, KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87:
		return true
	}
	return false
}

// isTink reports whether the kind is stored as a Tink keyset.
func (k Kind) isTink() bool { return k.valid() && k != KindOPRF }

// params returns the Tink parameters every key of the kind must have. Keys
// are generated from these and keysets read from disk are checked against
// them, so a file cannot smuggle in a weaker algorithm under a known name.
func (k Kind) params() (key.Parameters, error) {
	switch k {
	case KindToken:
		return aessiv.NewParameters(64, aessiv.VariantTink)
	case KindPseudonym, KindFPE:
		return hmacprf.NewParameters(32, hmacprf.SHA256)
	case KindKEMXWing:
		return hpke.NewParameters(hpke.ParametersOpts{KEMID: hpke.X_WING, KDFID: hpke.HKDFSHA256, AEADID: hpke.AES256GCM, Variant: hpke.VariantTink})
	case KindKEMMLKEM1024:
		return hpke.NewParameters(hpke.ParametersOpts{KEMID: hpke.ML_KEM1024, KDFID: hpke.HKDFSHA256, AEADID: hpke.AES256GCM, Variant: hpke.VariantTink})
	case KindSignEd25519:
		p, err := ed25519.NewParameters(ed25519.VariantTink)
		if err != nil {
			return nil, err
		}
		return &p, nil
	case KindSignMLDSA65Ed25519:
		return compositemldsa.NewParameters(compositemldsa.Ed25519, compositemldsa.MLDSA65, compositemldsa.VariantTink)
	case KindSignMLDSA87:
		return mldsa.NewParameters(mldsa.MLDSA87, mldsa.VariantTink)
	}
	return nil, fmt.Errorf("govshare/keys: kind %v has no Tink parameters", k)
}

// ErrUnknownLevel is returned by [SuiteKinds] for a level it does not know.
var ErrUnknownLevel = errors.New("govshare/keys: unknown data level")

// SuiteKinds returns the KEM and signing kinds for data of the given level:
// general → X-Wing + Ed25519; important → X-Wing + ML-DSA-65/Ed25519;
// core → ML-KEM-1024 + ML-DSA-87 (docs/envelope.md).
func SuiteKinds(level catalog.Level) (kem, sig Kind, err error) {
	switch level {
	case catalog.LevelGeneral:
		return KindKEMXWing, KindSignEd25519, nil
	case catalog.LevelImportant:
		return KindKEMXWing, KindSignMLDSA65Ed25519, nil
	case catalog.LevelCore:
		return KindKEMMLKEM1024, KindSignMLDSA87, nil
	}
	return KindUnknown, KindUnknown, fmt.Errorf("%w %q", ErrUnknownLevel, level)
}
