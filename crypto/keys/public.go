package keys

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cloudflare/circl/oprf"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// PublicFormat is the format tag of a public bundle file.
const PublicFormat = "govshare-public/v1"

// maxPublicSize bounds a public bundle file; a bundle with a few rotated
// ML-DSA-87 keys is well under 64 KiB.
const maxPublicSize = 1 << 20

// PublicBundle is what a department publishes so others can seal data to it,
// verify its signatures and verify its OPRF evaluations. It holds no secrets.
type PublicBundle struct {
	dept        string
	handles     [numKinds]*keyset.Handle // public KEM and signing kinds only
	oprf        []oprfPublic
	oprfPrimary uint32
}

type oprfPublic struct {
	id  uint32
	key []byte // circl PublicKey.MarshalBinary
}

// Dept returns the department that published the bundle.
func (p *PublicBundle) Dept() string { return p.dept }

// Handle returns the public keyset of a KEM or signing kind.
func (p *PublicBundle) Handle(kind Kind) (*keyset.Handle, error) {
	if !kind.isPublic() {
		return nil, fmt.Errorf("govshare/keys: kind %v has no public keyset", kind)
	}
	return p.handles[kind], nil
}

// HybridEncrypt returns an HPKE encrypter to the department's primary key of
// a KEM kind. Ciphertexts carry the key id (TINK prefix).
func (p *PublicBundle) HybridEncrypt(kind Kind) (tink.HybridEncrypt, error) {
	if kind != KindKEMXWing && kind != KindKEMMLKEM1024 {
		return nil, fmt.Errorf("govshare/keys: kind %v is not a KEM kind", kind)
	}
	e, err := hybrid.NewHybridEncrypt(p.handles[kind])
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: %v encrypter: %w", kind, err)
	}
	return e, nil
}

// Verifier returns a verifier for a signing kind; it accepts signatures by
// any key in the public keyset (the signature's prefix names the key).
func (p *PublicBundle) Verifier(kind Kind) (tink.Verifier, error) {
	switch kind {
	case KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87:
	default:
		return nil, fmt.Errorf("govshare/keys: kind %v is not a signing kind", kind)
	}
	v, err := signature.NewVerifier(p.handles[kind])
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: %v verifier: %w", kind, err)
	}
	return v, nil
}

// OPRFPublicKey returns the primary OPRF public key and its id.
func (p *PublicBundle) OPRFPublicKey() (*oprf.PublicKey, uint32, error) {
	pk, err := p.OPRFPublicKeyByID(p.oprfPrimary)
	return pk, p.oprfPrimary, err
}

// OPRFPublicKeyByID returns the OPRF public key with the given id.
func (p *PublicBundle) OPRFPublicKeyByID(id uint32) (*oprf.PublicKey, error) {
	for _, e := range p.oprf {
		if e.id == id {
			pk := new(oprf.PublicKey)
			if err := pk.UnmarshalBinary(OPRFSuite, e.key); err != nil {
				return nil, fmt.Errorf("govshare/keys: oprf public key %d: %w", id, err)
			}
			return pk, nil
		}
	}
	return nil, fmt.Errorf("govshare/keys: no oprf public key with id %d", id)
}

// String names the department and primary key ids.
func (p *PublicBundle) String() string {
	if p == nil {
		return "keys.PublicBundle(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keys.PublicBundle{dept:%q", p.dept)
	for _, k := range Kinds() {
		if k.isPublic() {
			fmt.Fprintf(&b, " %s:%d", k, p.handles[k].KeysetInfo().GetPrimaryKeyId())
		}
	}
	fmt.Fprintf(&b, " oprf:%d}", p.oprfPrimary)
	return b.String()
}

// GoString is [PublicBundle.String].
func (p *PublicBundle) GoString() string { return p.String() }

// Format prints [PublicBundle.String] for every verb.
func (p *PublicBundle) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// publicFile is the JSON form of a bundle. Keysets are Tink binary keysets
// (public material only), base64 standard encoding.
type publicFile struct {
	Format  string            `json:"format"`
	Dept    string            `json:"dept"`
	Keysets map[string]string `json:"keysets"`
	OPRF    publicOPRF        `json:"oprf"`
}

type publicOPRF struct {
	Suite   string          `json:"suite"`
	Primary uint32          `json:"primary"`
	Keys    []publicOPRFKey `json:"keys"`
}

type publicOPRFKey struct {
	ID  uint32 `json:"id"`
	Key string `json:"key"`
}

// Marshal encodes the bundle as indented JSON (the <dept>.pub format).
func (p *PublicBundle) Marshal() ([]byte, error) {
	f := publicFile{Format: PublicFormat, Dept: p.dept, Keysets: map[string]string{}}
	for _, k := range Kinds() {
		if !k.isPublic() {
			continue
		}
		var buf bytes.Buffer
		if err := p.handles[k].WriteWithNoSecrets(keyset.NewBinaryWriter(&buf)); err != nil {
			return nil, fmt.Errorf("govshare/keys: encode %v public keyset: %w", k, err)
		}
		f.Keysets[k.String()] = base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	f.OPRF = publicOPRF{Suite: OPRFSuite.Identifier(), Primary: p.oprfPrimary}
	for _, e := range p.oprf {
		f.OPRF.Keys = append(f.OPRF.Keys, publicOPRFKey{ID: e.id, Key: base64.StdEncoding.EncodeToString(e.key)})
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: encode public bundle: %w", err)
	}
	return append(out, '\n'), nil
}

// ErrMalformedPublic is wrapped by [ParsePublic] and [LoadPublic] errors for
// input that is not a valid public bundle.
var ErrMalformedPublic = errors.New("govshare/keys: malformed public bundle")

// ParsePublic decodes a bundle made by [PublicBundle.Marshal]. It checks the
// format tag, that every KEM and signing keyset is present, public-only and
// of its kind's exact algorithm, and that every OPRF key is a valid point.
func ParsePublic(b []byte) (*PublicBundle, error) {
	if len(b) > maxPublicSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrMalformedPublic, maxPublicSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f publicFile
	if err := dec.Decode(&f); err != nil {
		// Not json's message: it quotes the offending byte, and a file given
		// here by mistake may be a secret key.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: not JSON (at byte %d)", ErrMalformedPublic, se.Offset)
		}
		return nil, fmt.Errorf("%w: not a public bundle", ErrMalformedPublic)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformedPublic)
	}
	if f.Format != PublicFormat {
		return nil, fmt.Errorf("%w: format is not %q", ErrMalformedPublic, PublicFormat)
	}
	if err := ValidDept(f.Dept); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedPublic, err)
	}
	p := &PublicBundle{dept: f.Dept, oprfPrimary: f.OPRF.Primary}
	n := 0
	for _, k := range Kinds() {
		if !k.isPublic() {
			continue
		}
		n++
		s, ok := f.Keysets[k.String()]
		if !ok {
			return nil, fmt.Errorf("%w: keyset %v missing", ErrMalformedPublic, k)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: keyset %v: bad base64", ErrMalformedPublic, k)
		}
		h, err := keyset.ReadWithNoSecrets(keyset.NewBinaryReader(bytes.NewReader(raw)))
		if err != nil {
			return nil, fmt.Errorf("%w: keyset %v: %v", ErrMalformedPublic, k, err)
		}
		// A public key's parameters are those of its private key.
		if err := checkHandle(k, h); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedPublic, err)
		}
		p.handles[k] = h
	}
	if len(f.Keysets) != n {
		return nil, fmt.Errorf("%w: unexpected keysets", ErrMalformedPublic)
	}
	if f.OPRF.Suite != OPRFSuite.Identifier() {
		return nil, fmt.Errorf("%w: oprf suite is not %s", ErrMalformedPublic, OPRFSuite.Identifier())
	}
	seen := map[uint32]bool{}
	for _, e := range f.OPRF.Keys {
		raw, err := base64.StdEncoding.Strict().DecodeString(e.Key)
		if err != nil || e.ID == 0 || seen[e.ID] {
			return nil, fmt.Errorf("%w: oprf key %d", ErrMalformedPublic, e.ID)
		}
		if err := new(oprf.PublicKey).UnmarshalBinary(OPRFSuite, raw); err != nil {
			return nil, fmt.Errorf("%w: oprf key %d is not a valid point", ErrMalformedPublic, e.ID)
		}
		seen[e.ID] = true
		p.oprf = append(p.oprf, oprfPublic{id: e.ID, key: raw})
	}
	if !seen[p.oprfPrimary] {
		return nil, fmt.Errorf("%w: oprf primary key missing", ErrMalformedPublic)
	}
	return p, nil
}

// LoadPublic reads a public bundle file (<dept>.pub).
func LoadPublic(path string) (*PublicBundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPublicSize+1))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	p, err := ParsePublic(b)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return p, nil
}
