package keys

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cloudflare/circl/oprf"
	"github.com/govshare/govshare/internal/fsread"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// PublicFormat is the format tag of a public bundle file: versioned key
// states, signed by the department's root key.
const PublicFormat = "govshare-public/v2"

// PublicFormatV1 is the tag of the earlier, unsigned bundle file. It still
// parses: as bundle version 1 with every key active and no validity bounds,
// and [PublicBundle.Signed] false.
const PublicFormatV1 = "govshare-public/v1"

// Domain-separation labels of the bundle signature and fingerprints.
const (
	labelBundle        = "govshare/keys/v2/public-bundle"
	labelBundleV1      = "govshare/keys/v1/public-bundle"
	labelRootPrint     = "govshare/keys/v2/root-fingerprint"
	maxPublicSize      = 1 << 20 // a bundle with many rotated ML-DSA-87 keys is well under
	fingerprintGroupSz = 4
)

// PublicBundle is what a department publishes so others can seal data to it,
// verify its signatures and verify its OPRF evaluations. It holds no secrets.
//
// A bundle has a version, raised by every change to it, and the state and
// validity of every KEM and signing key ([PublicBundle.Keys]). It is signed
// by the department's root key, an ML-DSA-87 key that signs nothing but
// bundles and stays the same across rotations; [PublicBundle.Fingerprint]
// identifies it. Compare the fingerprint with the department out of band
// once; later bundles are checked against the one kept ([VerifyUpdate]).
type PublicBundle struct {
	dept        string
	handles     [numKinds]*keyset.Handle // public KEM and signing kinds only
	raw         [numKinds][]byte         // their Tink binary keysets, as signed and written
	oprf        []oprfPublic
	oprfPrimary uint32
	version     uint64
	infos       []KeyInfo
	root        *keyset.Handle // nil in a version-1 bundle
	rootRaw     []byte
	signature   []byte
}

type oprfPublic struct {
	id  uint32
	key []byte // circl PublicKey.MarshalBinary
}

// newBundle builds and signs a keyring's public bundle.
func newBundle(dept string, handles *[numKinds]*keyset.Handle, oset oprfSet, root *keyset.Handle, life lifecycle) (*PublicBundle, error) {
	p := &PublicBundle{dept: dept, oprfPrimary: oset.primary, version: life.version, infos: slices.Clone(life.infos)}
	for _, k := range Kinds() {
		if !k.isPublic() {
			continue
		}
		ph, err := handles[k].Public()
		if err != nil {
			return nil, fmt.Errorf("govshare/keys: %v public keyset: %w", k, err)
		}
		if p.raw[k], err = publicBytes(ph); err != nil {
			return nil, fmt.Errorf("govshare/keys: encode %v public keyset: %w", k, err)
		}
		p.handles[k] = ph
	}
	for _, e := range oset.keys {
		b, err := e.sk.Public().MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("govshare/keys: oprf public key: %w", err)
		}
		p.oprf = append(p.oprf, oprfPublic{id: e.id, key: b})
	}
	rp, err := root.Public()
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: root public key: %w", err)
	}
	if p.rootRaw, err = publicBytes(rp); err != nil {
		return nil, fmt.Errorf("govshare/keys: encode root public key: %w", err)
	}
	p.root = rp
	s, err := signature.NewSigner(root)
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: root signer: %w", err)
	}
	if p.signature, err = s.Sign(p.signedMessage()); err != nil {
		return nil, fmt.Errorf("govshare/keys: sign public bundle: %w", err)
	}
	return p, nil
}

func publicBytes(h *keyset.Handle) ([]byte, error) {
	var buf bytes.Buffer
	if err := h.WriteWithNoSecrets(keyset.NewBinaryWriter(&buf)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// signedMessage is the canonical form of the bundle, which the root signs
// and [PublicBundle.Digest] hashes (lp = 4-byte big-endian length ‖ bytes):
//
//	lp(label) ‖ lp(dept) ‖ u64(version) ‖ lp(root public keyset)
//	‖ for each KEM and signing kind, in Kind order: lp(kind name) ‖ lp(public keyset)
//	‖ lp(oprf suite) ‖ u32(oprf primary) ‖ u32(n) ‖ n × (u32 id ‖ lp(public key))
//	‖ u32(m) ‖ m × (lp(kind name) ‖ u32 id ‖ u8 state ‖ u64 not_before ‖ u64 not_after ‖ u64 revoked_at)
//
// label is "govshare/keys/v2/public-bundle"; a version-1 bundle has label
// "govshare/keys/v1/public-bundle", an empty root and no key states.
func (p *PublicBundle) signedMessage() []byte {
	label := labelBundle
	if p.root == nil {
		label = labelBundleV1
	}
	b := AppendLengthPrefixed(nil, label)
	b = AppendLengthPrefixed(b, p.dept)
	b = binary.BigEndian.AppendUint64(b, p.version)
	b = AppendLengthPrefixed(b, string(p.rootRaw))
	for _, k := range Kinds() {
		if k.isPublic() {
			b = AppendLengthPrefixed(b, k.String())
			b = AppendLengthPrefixed(b, string(p.raw[k]))
		}
	}
	b = AppendLengthPrefixed(b, OPRFSuite.Identifier())
	b = binary.BigEndian.AppendUint32(b, p.oprfPrimary)
	b = binary.BigEndian.AppendUint32(b, uint32(len(p.oprf)))
	for _, e := range p.oprf {
		b = binary.BigEndian.AppendUint32(b, e.id)
		b = AppendLengthPrefixed(b, string(e.key))
	}
	if p.root == nil {
		return b
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(p.infos)))
	for _, ki := range p.infos {
		b = AppendLengthPrefixed(b, ki.Kind.String())
		b = appendInfo(b, ki)
	}
	return b
}

// Dept returns the department that published the bundle.
func (p *PublicBundle) Dept() string { return p.dept }

// Version returns the bundle's version: 1 for a new keyring, one more after
// every rotation, retirement or revocation. A version-1 file is version 1.
func (p *PublicBundle) Version() uint64 { return p.version }

// Signed reports whether the bundle is signed by a root key (format v2).
// An unsigned bundle (format v1) can only be trusted as a whole, by the way
// it was obtained.
func (p *PublicBundle) Signed() bool { return p.root != nil }

// Keys returns the state and validity of every KEM and signing key, in Kind
// order, then in keyset order.
func (p *PublicBundle) Keys() []KeyInfo { return slices.Clone(p.infos) }

// KeyInfo returns the state and validity of one KEM or signing key.
func (p *PublicBundle) KeyInfo(kind Kind, id uint32) (KeyInfo, error) {
	for _, ki := range p.infos {
		if ki.Kind == kind && ki.ID == id {
			return ki, nil
		}
	}
	return KeyInfo{}, fmt.Errorf("%w: %s's bundle has no %v key %d", ErrUnknownKey, p.dept, kind, id)
}

// KeyValidAt returns nil if the given KEM or signing key was valid at t, and
// otherwise an error wrapping [ErrKeyNotValid] (or [ErrUnknownKey]).
func (p *PublicBundle) KeyValidAt(kind Kind, id uint32, t time.Time) error {
	ki, err := p.KeyInfo(kind, id)
	if err != nil {
		return err
	}
	return ki.ValidAt(t)
}

// signingKind returns the signing kind that holds key id. Signing key ids
// are unique across the signing kinds of a bundle (checked on parse).
func (p *PublicBundle) signingKind(id uint32) (Kind, error) {
	for _, k := range []Kind{KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87} {
		for _, ki := range p.handles[k].KeysetInfo().GetKeyInfo() {
			if ki.GetKeyId() == id {
				return k, nil
			}
		}
	}
	return KindUnknown, fmt.Errorf("%w: %s's bundle has no signing key %d", ErrUnknownKey, p.dept, id)
}

// SigningKeyValidAt returns nil if the department's signing key id (of any
// signing kind) was valid at t: not before its not_before, not at or after
// its retirement or revocation. Otherwise the error wraps [ErrKeyNotValid],
// or [ErrUnknownKey] if the bundle has no such signing key. t is the time the
// signed statement claims (an envelope's issue time, a record's time).
func (p *PublicBundle) SigningKeyValidAt(id uint32, t time.Time) error {
	k, err := p.signingKind(id)
	if err != nil {
		return err
	}
	return p.KeyValidAt(k, id, t)
}

// VerifySignature checks a detached signature over msg made by the
// department's signing key keyID (any signing kind): the signature must carry
// that key's id (Tink's 0x01 ‖ u32 id prefix) and verify under that key.
// Errors wrap [ErrUnknownKey] or [ErrSignature]. It does not look at time:
// call [PublicBundle.SigningKeyValidAt] with the time the signed message
// claims as well.
func (p *PublicBundle) VerifySignature(keyID uint32, msg, sig []byte) error {
	k, err := p.signingKind(keyID)
	if err != nil {
		return err
	}
	var want [5]byte
	want[0] = 1
	binary.BigEndian.PutUint32(want[1:], keyID)
	if len(sig) < len(want) || !bytes.Equal(sig[:len(want)], want[:]) {
		return fmt.Errorf("%w: not made by %v key %d", ErrSignature, k, keyID)
	}
	// The keyset holds only TINK-prefixed keys (checkHandle), so the prefix
	// selects the key: this verifies under keyID and no other.
	v, err := p.Verifier(k)
	if err != nil {
		return err
	}
	if v.Verify(sig, msg) != nil {
		return fmt.Errorf("%w: %v key %d", ErrSignature, k, keyID)
	}
	return nil
}

// Digest returns the SHA-256 of the bundle's canonical form (everything the
// root signs, not the signature): two bundles with the same digest say the
// same thing. A share-record log can record it to name the bundle version a
// signature was checked against.
func (p *PublicBundle) Digest() [32]byte { return sha256.Sum256(p.signedMessage()) }

// Fingerprint identifies the department's root key: SHA-256 over
// lp("govshare/keys/v2/root-fingerprint") ‖ lp(dept) ‖ lp(root public
// keyset), as 16 groups of 4 lowercase hex digits. It stays the same across
// rotations, retirements and revocations, so two departments compare it out
// of band once (by telephone, on paper) and every later bundle is checked
// against it. A version-1 bundle has no root: its fingerprint is its
// [PublicBundle.Digest], which changes with every rotation.
func (p *PublicBundle) Fingerprint() string {
	var sum [32]byte
	if p.root == nil {
		sum = p.Digest()
	} else {
		b := AppendLengthPrefixed(nil, labelRootPrint)
		b = AppendLengthPrefixed(b, p.dept)
		b = AppendLengthPrefixed(b, string(p.rootRaw))
		sum = sha256.Sum256(b)
	}
	h := hex.EncodeToString(sum[:])
	var out strings.Builder
	for i := 0; i < len(h); i += fingerprintGroupSz {
		if i > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(h[i : i+fingerprintGroupSz])
	}
	return out.String()
}

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
// any key in the public keyset (the signature's prefix names the key),
// whatever the key's state. Prefer [PublicBundle.VerifySignature] with
// [PublicBundle.SigningKeyValidAt].
func (p *PublicBundle) Verifier(kind Kind) (tink.Verifier, error) {
	if !isSigning(kind) {
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

// String names the department, version and primary key ids.
func (p *PublicBundle) String() string {
	if p == nil {
		return "keys.PublicBundle(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "keys.PublicBundle{dept:%q version:%d", p.dept, p.version)
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
// (public material only), base64 standard encoding. Version, Root, Keys and
// Signature are absent in format v1.
type publicFile struct {
	Format    string            `json:"format"`
	Dept      string            `json:"dept"`
	Version   uint64            `json:"version,omitempty"`
	Root      string            `json:"root,omitempty"`
	Keysets   map[string]string `json:"keysets"`
	OPRF      publicOPRF        `json:"oprf"`
	Keys      []publicKeyInfo   `json:"keys,omitempty"`
	Signature string            `json:"signature,omitempty"`
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

type publicKeyInfo struct {
	Kind      string `json:"kind"`
	ID        uint32 `json:"id"`
	State     string `json:"state"`
	NotBefore string `json:"not_before,omitempty"`
	NotAfter  string `json:"not_after,omitempty"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

func fileTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

// Marshal encodes the bundle as indented JSON (the <dept>.pub format). A
// bundle parsed from a version-1 file is written in that format again.
func (p *PublicBundle) Marshal() ([]byte, error) {
	f := publicFile{Format: PublicFormatV1, Dept: p.dept, Keysets: map[string]string{}}
	for _, k := range Kinds() {
		if k.isPublic() {
			f.Keysets[k.String()] = base64.StdEncoding.EncodeToString(p.raw[k])
		}
	}
	f.OPRF = publicOPRF{Suite: OPRFSuite.Identifier(), Primary: p.oprfPrimary}
	for _, e := range p.oprf {
		f.OPRF.Keys = append(f.OPRF.Keys, publicOPRFKey{ID: e.id, Key: base64.StdEncoding.EncodeToString(e.key)})
	}
	if p.root != nil {
		f.Format, f.Version = PublicFormat, p.version
		f.Root = base64.StdEncoding.EncodeToString(p.rootRaw)
		f.Signature = base64.StdEncoding.EncodeToString(p.signature)
		for _, ki := range p.infos {
			f.Keys = append(f.Keys, publicKeyInfo{Kind: ki.Kind.String(), ID: ki.ID, State: ki.State.String(),
				NotBefore: fileTime(ki.NotBefore), NotAfter: fileTime(ki.NotAfter), RevokedAt: fileTime(ki.RevokedAt)})
		}
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: encode public bundle: %w", err)
	}
	return append(out, '\n'), nil
}

// ErrMalformedPublic is wrapped by [ParsePublic] and [LoadPublic] errors for
// input that is not a valid public bundle, including one whose root
// signature does not verify.
var ErrMalformedPublic = errors.New("govshare/keys: malformed public bundle")

func malformedPublic(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedPublic}, args...)...)
}

// ParsePublic decodes a bundle made by [PublicBundle.Marshal]. It checks the
// format tag, that every KEM and signing keyset is present, public-only and
// of its kind's exact algorithm, and that every OPRF key is a valid point.
// For format v2 it also checks that every KEM and signing key has exactly one
// consistent lifecycle entry, that every primary key is active, and that the
// root key's signature over the whole bundle verifies. It does not say
// whether the root is the department's: compare [PublicBundle.Fingerprint]
// out of band, or check the bundle against an earlier one with
// [VerifyUpdate].
//
// A format-v1 file (no versions, states or signature) parses as version 1
// with every key active and unbounded; [PublicBundle.Signed] is false.
func ParsePublic(b []byte) (*PublicBundle, error) {
	if len(b) > maxPublicSize {
		return nil, malformedPublic("larger than %d bytes", maxPublicSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f publicFile
	if err := dec.Decode(&f); err != nil {
		// Not json's message: it quotes the offending byte, and a file given
		// here by mistake may be a secret key.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, malformedPublic("not JSON (at byte %d)", se.Offset)
		}
		return nil, malformedPublic("not a public bundle")
	}
	if dec.More() {
		return nil, malformedPublic("trailing data")
	}
	v2 := f.Format == PublicFormat
	switch {
	case v2:
	case f.Format == PublicFormatV1:
		if f.Version != 0 || f.Root != "" || f.Keys != nil || f.Signature != "" {
			return nil, malformedPublic("a %s bundle has no version, root, keys or signature", PublicFormatV1)
		}
	default:
		return nil, malformedPublic("format is not %q", PublicFormat)
	}
	if err := ValidDept(f.Dept); err != nil {
		return nil, malformedPublic("%v", err)
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
			return nil, malformedPublic("keyset %v missing", k)
		}
		h, raw, err := readPublicKeyset(s)
		if err != nil {
			return nil, malformedPublic("keyset %v: %v", k, err)
		}
		// A public key's parameters are those of its private key.
		if err := checkHandle(k, h); err != nil {
			return nil, malformedPublic("%v", err)
		}
		p.handles[k], p.raw[k] = h, raw
	}
	if len(f.Keysets) != n {
		return nil, malformedPublic("unexpected keysets")
	}
	if f.OPRF.Suite != OPRFSuite.Identifier() {
		return nil, malformedPublic("oprf suite is not %s", OPRFSuite.Identifier())
	}
	seen := map[uint32]bool{}
	for _, e := range f.OPRF.Keys {
		raw, err := base64.StdEncoding.Strict().DecodeString(e.Key)
		if err != nil || e.ID == 0 || seen[e.ID] {
			return nil, malformedPublic("oprf key %d", e.ID)
		}
		if err := new(oprf.PublicKey).UnmarshalBinary(OPRFSuite, raw); err != nil {
			return nil, malformedPublic("oprf key %d is not a valid point", e.ID)
		}
		seen[e.ID] = true
		p.oprf = append(p.oprf, oprfPublic{id: e.ID, key: raw})
	}
	if !seen[p.oprfPrimary] {
		return nil, malformedPublic("oprf primary key missing")
	}
	if !v2 {
		life := defaultLifecycle(&p.handles)
		if err := checkLifecycle(life, &p.handles); err != nil {
			return nil, malformedPublic("%v", err)
		}
		p.version, p.infos = life.version, life.infos
		return p, nil
	}

	p.version = f.Version
	var err error
	if p.root, p.rootRaw, err = readPublicKeyset(f.Root); err != nil {
		return nil, malformedPublic("root: %v", err)
	}
	if err := checkRoot(p.root); err != nil {
		return nil, malformedPublic("%v", err)
	}
	for i, e := range f.Keys {
		ki, err := parseKeyInfo(e)
		if err != nil {
			return nil, malformedPublic("keys[%d]: %v", i, err)
		}
		p.infos = append(p.infos, ki)
	}
	life := lifecycle{version: p.version, infos: p.infos}
	if err := checkLifecycle(life, &p.handles); err != nil {
		return nil, malformedPublic("%v", err)
	}
	sorted := slices.Clone(p.infos)
	sortInfos(sorted, &p.handles)
	if !slices.Equal(sorted, p.infos) {
		return nil, malformedPublic("keys are not in kind and keyset order")
	}
	if p.signature, err = base64.StdEncoding.Strict().DecodeString(f.Signature); err != nil || len(p.signature) == 0 {
		return nil, malformedPublic("signature is not base64")
	}
	v, err := signature.NewVerifier(p.root)
	if err != nil {
		return nil, malformedPublic("root: %v", err)
	}
	if v.Verify(p.signature, p.signedMessage()) != nil {
		return nil, malformedPublic("the root key's signature does not verify: the bundle was modified")
	}
	return p, nil
}

// readPublicKeyset decodes a base64 Tink binary keyset holding no secrets.
func readPublicKeyset(s string) (*keyset.Handle, []byte, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, nil, errors.New("bad base64")
	}
	h, err := keyset.ReadWithNoSecrets(keyset.NewBinaryReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, nil, err
	}
	return h, raw, nil
}

// parseKeyInfo decodes one lifecycle entry; times must be canonical (RFC
// 3339, UTC, whole seconds), so every bundle has one JSON form.
func parseKeyInfo(e publicKeyInfo) (KeyInfo, error) {
	k, err := ParseKind(e.Kind)
	if err != nil || !k.isPublic() {
		return KeyInfo{}, fmt.Errorf("kind %q is not a published kind", e.Kind)
	}
	st, ok := parseKeyState(e.State)
	if !ok {
		return KeyInfo{}, fmt.Errorf("unknown state %q", e.State)
	}
	ki := KeyInfo{Kind: k, ID: e.ID, State: st}
	for _, x := range []struct {
		s   string
		dst *time.Time
	}{{e.NotBefore, &ki.NotBefore}, {e.NotAfter, &ki.NotAfter}, {e.RevokedAt, &ki.RevokedAt}} {
		if x.s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, x.s)
		if err != nil || stamp(t) != x.s {
			return KeyInfo{}, fmt.Errorf("time %q is not RFC 3339 UTC in whole seconds", x.s)
		}
		*x.dst = t.UTC()
	}
	return ki, nil
}

// LoadPublic reads a public bundle file (<dept>.pub).
func LoadPublic(path string) (*PublicBundle, error) {
	b, err := fsread.ReadFile(path, maxPublicSize)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	p, err := ParsePublic(b)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return p, nil
}

// Errors of [VerifyUpdate].
var (
	// ErrUntrustedRoot: the new bundle is not signed by the root key of the
	// bundle kept (another root, another department, or no root at all).
	ErrUntrustedRoot = errors.New("govshare/keys: bundle is not signed by the trusted root key")
	// ErrBundleRollback: the new bundle is older than the one kept.
	ErrBundleRollback = errors.New("govshare/keys: bundle is older than the trusted one (rollback)")
	// ErrBundleFork: the root signed two bundles that cannot both be true: two
	// different bundles of one version, or a later one that drops a key,
	// changes a key, or undoes a retirement or revocation.
	ErrBundleFork = errors.New("govshare/keys: bundle contradicts the trusted one (fork)")
)

// VerifyUpdate checks that next may replace trusted, the bundle a party kept
// for a department (after comparing its fingerprint out of band, or from an
// earlier VerifyUpdate): both are signed by the same root key (bundles are
// not chained version to version; the root vouches for each, see
// [PublicBundle.Fingerprint]), next's version is not older, a bundle of the
// same version says exactly the same, and next keeps the history trusted
// states: every key is still there with the same public key, and no
// retirement or revocation is undone, moved later or forgotten. An update
// that passes may skip versions. Errors wrap [ErrUntrustedRoot],
// [ErrBundleRollback] or [ErrBundleFork].
//
// A version-1 (unsigned) bundle can neither be verified nor vouch for
// another: moving from one to a signed bundle means comparing the new
// fingerprint out of band.
func VerifyUpdate(trusted, next *PublicBundle) error {
	if trusted == nil || next == nil {
		return errors.New("govshare/keys: VerifyUpdate needs two bundles")
	}
	if !trusted.Signed() || !next.Signed() {
		return fmt.Errorf("%w: a version-1 bundle is unsigned: compare the fingerprint of %s's signed bundle out of band", ErrUntrustedRoot, next.dept)
	}
	if trusted.dept != next.dept {
		return fmt.Errorf("%w: bundle of %q, trusted bundle is %q's", ErrUntrustedRoot, next.dept, trusted.dept)
	}
	if subtle.ConstantTimeCompare(trusted.rootRaw, next.rootRaw) != 1 {
		return fmt.Errorf("%w: %s's bundle is signed by another root key (fingerprint %s)", ErrUntrustedRoot, next.dept, next.Fingerprint())
	}
	if next.version < trusted.version {
		return fmt.Errorf("%w: version %d, trusted version is %d", ErrBundleRollback, next.version, trusted.version)
	}
	if next.version == trusted.version {
		if next.Digest() != trusted.Digest() {
			return fmt.Errorf("%w: two different bundles of version %d", ErrBundleFork, next.version)
		}
		return nil
	}
	for _, old := range trusted.infos {
		cur, err := next.KeyInfo(old.Kind, old.ID)
		if err != nil {
			return fmt.Errorf("%w: version %d drops %v key %d", ErrBundleFork, next.version, old.Kind, old.ID)
		}
		if !samePublicKey(trusted.handles[old.Kind], next.handles[old.Kind], old.ID) {
			return fmt.Errorf("%w: version %d changes %v key %d", ErrBundleFork, next.version, old.Kind, old.ID)
		}
		if !laterState(old, cur) {
			return fmt.Errorf("%w: version %d undoes the %v of %v key %d", ErrBundleFork, next.version, old.State, old.Kind, old.ID)
		}
	}
	for _, e := range trusted.oprf {
		pk, err := next.OPRFPublicKeyByID(e.id)
		if err != nil {
			return fmt.Errorf("%w: version %d drops oprf key %d", ErrBundleFork, next.version, e.id)
		}
		if b, _ := pk.MarshalBinary(); !bytes.Equal(b, e.key) {
			return fmt.Errorf("%w: version %d changes oprf key %d", ErrBundleFork, next.version, e.id)
		}
	}
	return nil
}

// samePublicKey reports whether key id is in both keysets with the same
// public key.
func samePublicKey(a, b *keyset.Handle, id uint32) bool {
	find := func(h *keyset.Handle) *keyset.Entry {
		for i := 0; i < h.Len(); i++ {
			if e, err := h.Entry(i); err == nil && e.KeyID() == id {
				return e
			}
		}
		return nil
	}
	ea, eb := find(a), find(b)
	return ea != nil && eb != nil && ea.Key().Equal(eb.Key())
}

// laterState reports whether cur can follow old in a key's history: states
// only move from active to retired to revoked, not_before never changes, and
// a retirement or revocation time never moves later.
func laterState(old, cur KeyInfo) bool {
	if cur.State < old.State || !cur.NotBefore.Equal(old.NotBefore) {
		return false
	}
	if !old.NotAfter.IsZero() && (cur.NotAfter.IsZero() || cur.NotAfter.After(old.NotAfter)) {
		return false
	}
	if !old.RevokedAt.IsZero() && cur.RevokedAt.After(old.RevokedAt) {
		return false
	}
	return true
}
