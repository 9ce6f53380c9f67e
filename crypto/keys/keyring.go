package keys

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudflare/circl/oprf"
	"github.com/govshare/govshare/internal/keyaccess"
	"github.com/tink-crypto/tink-go/v2/daead"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// FPEKeyLabel is the domain-separation label of the FPE key derivation (see fpe.New).
const FPEKeyLabel = "govshare/fpe/v1"

// FPEKeySize is the length of derived FPE keys (AES-256).
const FPEKeySize = 32

// maxDeptLen bounds department names; they become file names.
const maxDeptLen = 64

// Keyring is one department's set of keys, its root key (which signs its
// public bundles) and the lifecycle of its published keys. It is safe for
// concurrent use; [Keyring.Rotate], [Keyring.Retire] and [Keyring.Revoke]
// swap in a new immutable state, so readers never block.
type Keyring struct {
	dept string
	mu   sync.Mutex // serializes Rotate, Retire and Revoke
	cur  atomic.Pointer[state]
}

// state is an immutable snapshot of a keyring: handles and the primitives
// built from them, so hot paths (token, pseudonym, FPE keys) do no set-up.
type state struct {
	handles   [numKinds]*keyset.Handle
	oprf      oprfSet
	root      *keyset.Handle // the department's root key: signs public bundles only
	life      lifecycle      // states of the published keys, bundle version
	daead     tink.DeterministicAEAD
	pseudonym *prf.Set
	fpe       *prf.Set
	pub       *PublicBundle
}

// ValidDept reports whether name can be a department id: 1–64 characters
// from [A-Za-z0-9._-], not starting with '.' or '-'. The name becomes a file
// name, so separators and dot-files are refused.
func ValidDept(name string) error {
	if name == "" || len(name) > maxDeptLen {
		return fmt.Errorf("govshare/keys: department name must be 1–%d characters", maxDeptLen)
	}
	if name[0] == '.' || name[0] == '-' {
		return errors.New("govshare/keys: department name must not start with '.' or '-'")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("govshare/keys: department name has a character outside [A-Za-z0-9._-] at byte %d", i)
		}
	}
	if name == "master" {
		return errors.New("govshare/keys: department name \"master\" is reserved for the master key file")
	}
	return nil
}

// New creates a keyring with one fresh key of every [Kind] for dept.
func New(dept string) (*Keyring, error) {
	if err := ValidDept(dept); err != nil {
		return nil, err
	}
	var handles [numKinds]*keyset.Handle
	for _, k := range Kinds() {
		if !k.isTink() {
			continue
		}
		m := keyset.NewManager()
		if _, err := addPrimary(m, k, signingIDTaken(&handles, k)); err != nil {
			return nil, err
		}
		h, err := m.Handle()
		if err != nil {
			return nil, fmt.Errorf("govshare/keys: new %v keyset: %w", k, err)
		}
		handles[k] = h
	}
	var oset oprfSet
	if _, err := oset.add(); err != nil {
		return nil, err
	}
	root, err := newRoot()
	if err != nil {
		return nil, err
	}
	return newKeyring(dept, handles, oset, root, defaultLifecycle(&handles))
}

func newKeyring(dept string, handles [numKinds]*keyset.Handle, oset oprfSet, root *keyset.Handle, life lifecycle) (*Keyring, error) {
	st, err := newState(dept, handles, oset, root, life)
	if err != nil {
		return nil, err
	}
	kr := &Keyring{dept: dept}
	kr.cur.Store(st)
	return kr, nil
}

// rootKind is the algorithm of a department's root key, the key that signs
// its public bundles: ML-DSA-87, the strongest signature govshare uses, since
// the root is meant to last longer than any key it vouches for.
const rootKind = KindSignMLDSA87

// newRoot generates a root key: a keyset of one ML-DSA-87 key.
func newRoot() (*keyset.Handle, error) {
	m := keyset.NewManager()
	if _, err := addPrimary(m, rootKind, nil); err != nil {
		return nil, err
	}
	h, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: new root key: %w", err)
	}
	return h, nil
}

// checkRoot verifies a root keyset (private or public): exactly one key, of
// the root algorithm.
func checkRoot(h *keyset.Handle) error {
	if err := checkHandle(rootKind, h); err != nil {
		return fmt.Errorf("govshare/keys: root key: %w", err)
	}
	if h.Len() != 1 {
		return errors.New("govshare/keys: root keyset must hold exactly one key")
	}
	return nil
}

// signingIDTaken reports, for a new key of kind k, whether an id is already
// used by another signing kind, so that every signing key id names one key
// ([PublicBundle.SigningKeyValidAt], [PublicBundle.VerifySignature]).
func signingIDTaken(handles *[numKinds]*keyset.Handle, k Kind) func(uint32) bool {
	if !isSigning(k) {
		return nil
	}
	return func(id uint32) bool {
		for _, o := range []Kind{KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87} {
			if o == k || handles[o] == nil {
				continue
			}
			for _, ki := range handles[o].KeysetInfo().GetKeyInfo() {
				if ki.GetKeyId() == id {
					return true
				}
			}
		}
		return false
	}
}

// addPrimary generates a key of kind k in m, with an id for which taken (if
// not nil) is false, and makes it primary.
func addPrimary(m *keyset.Manager, k Kind, taken func(uint32) bool) (uint32, error) {
	p, err := k.params()
	if err != nil {
		return 0, err
	}
	for {
		id, err := m.AddNewKeyFromParameters(p)
		if err != nil {
			return 0, fmt.Errorf("govshare/keys: generate %v key: %w", k, err)
		}
		if taken != nil && taken(id) {
			// Not yet primary, so it can go; try another id.
			if err := m.Delete(id); err != nil {
				return 0, fmt.Errorf("govshare/keys: generate %v key: %w", k, err)
			}
			continue
		}
		if err := m.SetPrimary(id); err != nil {
			return 0, fmt.Errorf("govshare/keys: set %v primary: %w", k, err)
		}
		return id, nil
	}
}

func newState(dept string, handles [numKinds]*keyset.Handle, oset oprfSet, root *keyset.Handle, life lifecycle) (*state, error) {
	st := &state{handles: handles, oprf: oset, root: root, life: life}
	for _, k := range Kinds() {
		if k.isTink() {
			if err := checkHandle(k, handles[k]); err != nil {
				return nil, err
			}
		}
	}
	if err := oset.check(); err != nil {
		return nil, err
	}
	if err := checkRoot(root); err != nil {
		return nil, err
	}
	if err := checkLifecycle(life, &handles); err != nil {
		return nil, fmt.Errorf("govshare/keys: %w", err)
	}
	var err error
	if st.daead, err = daead.New(handles[KindToken]); err != nil {
		return nil, fmt.Errorf("govshare/keys: token primitive: %w", err)
	}
	if st.pseudonym, err = prf.NewPRFSet(handles[KindPseudonym]); err != nil {
		return nil, fmt.Errorf("govshare/keys: pseudonym primitive: %w", err)
	}
	if st.fpe, err = prf.NewPRFSet(handles[KindFPE]); err != nil {
		return nil, fmt.Errorf("govshare/keys: fpe primitive: %w", err)
	}
	if st.pub, err = newBundle(dept, &handles, oset, root, life); err != nil {
		return nil, err
	}
	return st, nil
}

// checkHandle verifies that every key in h has exactly the parameters of
// kind k and that h has an enabled primary.
func checkHandle(k Kind, h *keyset.Handle) error {
	if h == nil {
		return fmt.Errorf("govshare/keys: %v keyset missing", k)
	}
	want, err := k.params()
	if err != nil {
		return err
	}
	if _, err := h.Primary(); err != nil {
		return fmt.Errorf("govshare/keys: %v keyset has no primary key", k)
	}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			return fmt.Errorf("govshare/keys: %v keyset entry %d: %w", k, i, err)
		}
		if !e.Key().Parameters().Equal(want) {
			return fmt.Errorf("govshare/keys: %v keyset key %d has unexpected algorithm parameters", k, e.KeyID())
		}
	}
	return nil
}

// Dept returns the department the keyring belongs to.
func (k *Keyring) Dept() string { return k.dept }

// Handle returns the Tink keyset handle of a kind, for primitives this
// package does not wrap. Handles never print key material.
func (k *Keyring) Handle(kind Kind) (*keyset.Handle, error) {
	if !kind.isTink() {
		return nil, fmt.Errorf("govshare/keys: kind %v is not a Tink keyset", kind)
	}
	return k.cur.Load().handles[kind], nil
}

// DeterministicAEAD returns the token keyset's AES-SIV primitive. It
// encrypts with the primary key at the time of the call and decrypts under
// any key in the keyset. Prefer crypto/token, which adds the per-field,
// per-recipient associated data.
func (k *Keyring) DeterministicAEAD() tink.DeterministicAEAD { return k.cur.Load().daead }

// PseudonymPRF returns the pseudonym keyset's PRF set. Prefer
// crypto/pseudonym, which adds the per-field, per-recipient encoding.
func (k *Keyring) PseudonymPRF() *prf.Set { return k.cur.Load().pseudonym }

// fpeKeyFor derives the 32-byte FF1 (AES-256) key for one field and
// recipient from the primary FPE key (or the key with id keyID), and
// returns that key's id, which must be recorded next to the output so the
// key can be found again after a rotation. The key is HMAC-SHA256(fpe key,
// lp(FPEKeyLabel) ‖ lp(field) ‖ lp(recipient)), lp = 4-byte big-endian
// length ‖ bytes. Raw key bytes leave this package only through
// internal/keyaccess, for crypto/fpe (use fpe.New).
func (k *Keyring) fpeKeyFor(field, recipient string, keyID uint32, primary bool) (key []byte, id uint32, err error) {
	set := k.cur.Load().fpe
	if primary {
		keyID = set.PrimaryID
	}
	key, err = fpeKey(set, keyID, field, recipient)
	return key, keyID, err
}

func init() {
	keyaccess.FPEKey = func(kr any, field, recipient string, keyID uint32, primary bool) ([]byte, uint32, error) {
		return kr.(*Keyring).fpeKeyFor(field, recipient, keyID, primary)
	}
	keyaccess.OPRFPrivateKey = func(k any) *oprf.PrivateKey { return k.(OPRFKey).sk }
}

func fpeKey(set *prf.Set, id uint32, field, recipient string) ([]byte, error) {
	p, ok := set.PRFs[id]
	if !ok {
		return nil, fmt.Errorf("govshare/keys: no fpe key with id %d", id)
	}
	in := make([]byte, 0, 12+len(FPEKeyLabel)+len(field)+len(recipient))
	in = AppendLengthPrefixed(in, FPEKeyLabel)
	in = AppendLengthPrefixed(in, field)
	in = AppendLengthPrefixed(in, recipient)
	out, err := p.ComputePRF(in, FPEKeySize)
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: derive fpe key: %w", err)
	}
	return out, nil
}

// AppendLengthPrefixed appends the 4-byte big-endian length of s and s to b.
// It is the canonical encoding of labels, fields and recipients in every
// govshare PRF input and associated data: no two different tuples encode
// alike. Strings longer than 2^32-1 bytes are cut to that length; callers
// bound their inputs far below it.
func AppendLengthPrefixed(b []byte, s string) []byte {
	if uint64(len(s)) > 0xFFFFFFFF {
		s = s[:0xFFFFFFFF]
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Signer returns a signer for a signing kind, using its primary key.
func (k *Keyring) Signer(kind Kind) (tink.Signer, error) {
	switch kind {
	case KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87:
	default:
		return nil, fmt.Errorf("govshare/keys: kind %v is not a signing kind", kind)
	}
	s, err := signature.NewSigner(k.cur.Load().handles[kind])
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: %v signer: %w", kind, err)
	}
	return s, nil
}

// HybridDecrypt returns an HPKE decrypter for a KEM kind (any key in the
// keyset can decrypt; the ciphertext's key-id prefix selects it).
func (k *Keyring) HybridDecrypt(kind Kind) (tink.HybridDecrypt, error) {
	if kind != KindKEMXWing && kind != KindKEMMLKEM1024 {
		return nil, fmt.Errorf("govshare/keys: kind %v is not a KEM kind", kind)
	}
	d, err := hybrid.NewHybridDecrypt(k.cur.Load().handles[kind])
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: %v decrypter: %w", kind, err)
	}
	return d, nil
}

// OPRFKey returns the primary OPRF private key.
func (k *Keyring) OPRFKey() OPRFKey {
	oset := k.cur.Load().oprf
	e, _ := oset.byID(oset.primary) // check() guarantees the primary exists
	return e
}

// OPRFKeyByID returns the OPRF private key with the given id.
func (k *Keyring) OPRFKeyByID(id uint32) (OPRFKey, error) {
	e, ok := k.cur.Load().oprf.byID(id)
	if !ok {
		return OPRFKey{}, fmt.Errorf("govshare/keys: no oprf key with id %d", id)
	}
	return e, nil
}

// PrimaryKeyID returns the id of the primary key of a kind.
func (k *Keyring) PrimaryKeyID(kind Kind) (uint32, error) {
	st := k.cur.Load()
	if kind == KindOPRF {
		return st.oprf.primary, nil
	}
	if !kind.isTink() {
		return 0, fmt.Errorf("govshare/keys: unknown key kind %v", kind)
	}
	return st.handles[kind].KeysetInfo().GetPrimaryKeyId(), nil
}

// KeyIDs returns the ids of every key of a kind, in keyset order.
func (k *Keyring) KeyIDs(kind Kind) ([]uint32, error) {
	st := k.cur.Load()
	if kind == KindOPRF {
		ids := make([]uint32, len(st.oprf.keys))
		for i, e := range st.oprf.keys {
			ids[i] = e.id
		}
		return ids, nil
	}
	if !kind.isTink() {
		return nil, fmt.Errorf("govshare/keys: unknown key kind %v", kind)
	}
	var ids []uint32
	for _, ki := range st.handles[kind].KeysetInfo().GetKeyInfo() {
		ids = append(ids, ki.GetKeyId())
	}
	return ids, nil
}

// Rotate is [Keyring.RotateAt] at the current time.
func (k *Keyring) Rotate(kind Kind) (uint32, error) { return k.RotateAt(kind, time.Now()) }

// RotateAt adds a fresh key of the given kind and makes it primary; returns
// its id. Old keys stay in the keyset, so tokens, FPE outputs and ciphertexts
// made under them still reverse, and signatures still verify. Pseudonyms and
// OPRF tokens made after a rotation differ from earlier ones for the same
// value (they are irreversible; the recorded key id tells them apart).
//
// For the published kinds (KEM and signing keys) the new key is valid from
// at, and the previous primary is retired at at: it still decrypts, and its
// signatures dated before at still verify, but a signature it makes dated at
// or after at is refused ([KeyInfo.ValidAt]). Rotating a published kind or
// the OPRF key changes the public bundle, so its version goes up by one.
//
// Primitives already obtained from the keyring keep using the key that was
// primary when they were made. Save the keyring afterwards, and give the new
// public bundle to the departments that trust this one.
func (k *Keyring) RotateAt(kind Kind, at time.Time) (uint32, error) {
	if !kind.valid() {
		return 0, fmt.Errorf("govshare/keys: unknown key kind %v", kind)
	}
	at, err := lifeTime(at, "rotation")
	if err != nil {
		return 0, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.cur.Load()
	handles, oset, life := old.handles, old.oprf.clone(), old.life.clone()
	var id uint32
	if kind == KindOPRF {
		if id, err = oset.add(); err != nil {
			return 0, err
		}
		life.version++
	} else {
		prev := old.handles[kind].KeysetInfo().GetPrimaryKeyId()
		m := keyset.NewManagerFromHandle(old.handles[kind])
		if id, err = addPrimary(m, kind, signingIDTaken(&handles, kind)); err != nil {
			return 0, err
		}
		if handles[kind], err = m.Handle(); err != nil {
			return 0, fmt.Errorf("govshare/keys: rotate %v: %w", kind, err)
		}
		if kind.isPublic() {
			i, _ := life.find(kind, prev)
			p := &life.infos[i]
			if !p.NotBefore.IsZero() && at.Before(p.NotBefore) {
				return 0, fmt.Errorf("govshare/keys: rotation time %s is before the current %v key's not_before %s", stamp(at), kind, stamp(p.NotBefore))
			}
			p.State, p.NotAfter = KeyRetired, at
			life.infos = append(life.infos, KeyInfo{Kind: kind, ID: id, State: KeyActive, NotBefore: at})
			sortInfos(life.infos, &handles)
			life.version++
		}
	}
	st, err := newState(k.dept, handles, oset, old.root, life)
	if err != nil {
		return 0, err
	}
	k.cur.Store(st)
	return id, nil
}

// Retire ends the validity of a published (KEM or signing) key that is not
// the primary at at: signatures it makes dated at or after at are refused.
// Retiring only ever shortens a validity: an earlier retirement time stays.
// Use it for a key that should no longer be trusted for new signatures
// although nothing suggests it leaked; [Keyring.RotateAt] retires the
// previous primary by itself. The bundle version goes up by one if anything
// changed. Save the keyring afterwards.
func (k *Keyring) Retire(kind Kind, id uint32, at time.Time) error {
	return k.change(kind, id, at, "retirement", func(ki *KeyInfo, at time.Time) bool {
		if ki.State == KeyRevoked || (!ki.NotAfter.IsZero() && !at.Before(ki.NotAfter)) {
			return false
		}
		ki.State, ki.NotAfter = KeyRetired, at
		return true
	})
}

// Revoke declares a published key that is not the primary compromised or
// withdrawn from at on: from that time nothing it signs is valid, whatever
// its state before. at may be in the past; give the earliest time the key may
// have been exposed, since a thief can date a signature before the
// revocation. Revoking again only ever moves the time earlier. To revoke the
// primary key, rotate first. The bundle version goes up by one if anything
// changed. Save the keyring afterwards.
func (k *Keyring) Revoke(kind Kind, id uint32, at time.Time) error {
	return k.change(kind, id, at, "revocation", func(ki *KeyInfo, at time.Time) bool {
		if ki.State == KeyRevoked && !at.Before(ki.RevokedAt) {
			return false
		}
		ki.State, ki.RevokedAt = KeyRevoked, at
		return true
	})
}

// change applies a lifecycle change to a non-primary published key.
func (k *Keyring) change(kind Kind, id uint32, at time.Time, what string, apply func(ki *KeyInfo, at time.Time) bool) error {
	if !kind.isPublic() {
		return fmt.Errorf("govshare/keys: %v keys are not published and have no lifecycle: rotate instead", kind)
	}
	at, err := lifeTime(at, what)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.cur.Load()
	life := old.life.clone()
	i, ok := life.find(kind, id)
	if !ok {
		return fmt.Errorf("%w: no %v key %d in %s's keyring", ErrUnknownKey, kind, id, k.dept)
	}
	if id == old.handles[kind].KeysetInfo().GetPrimaryKeyId() {
		return fmt.Errorf("govshare/keys: %v key %d is the primary: rotate first", kind, id)
	}
	ki := life.infos[i]
	if !apply(&ki, at) {
		return nil
	}
	life.infos[i] = ki
	life.version++
	st, err := newState(k.dept, old.handles, old.oprf, old.root, life)
	if err != nil {
		return err
	}
	k.cur.Store(st)
	return nil
}

// Public returns the public bundle: KEM and signature public keysets, the
// OPRF public keys, every published key's lifecycle and the bundle version,
// signed by the keyring's root key. It holds no secrets and is what
// [Keyring.Save] writes to <dept>.pub.
func (k *Keyring) Public() *PublicBundle { return k.cur.Load().pub }

// String describes the keyring by department and primary key ids only.
func (k *Keyring) String() string {
	if k == nil {
		return "keys.Keyring(nil)"
	}
	st := k.cur.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "keys.Keyring{dept:%q", k.dept)
	for _, kind := range Kinds() {
		var id uint32
		n := 0
		if kind == KindOPRF {
			id, n = st.oprf.primary, len(st.oprf.keys)
		} else {
			info := st.handles[kind].KeysetInfo()
			id, n = info.GetPrimaryKeyId(), len(info.GetKeyInfo())
		}
		fmt.Fprintf(&b, " %s:%d/%d", kind, id, n)
	}
	b.WriteString("}")
	return b.String()
}

// GoString is [Keyring.String]: %#v must not dump key material either.
func (k *Keyring) GoString() string { return k.String() }

// Format prints [Keyring.String] for every verb, so no verb or flag reaches
// the fields.
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// OPRFSuite is the RFC 9497 suite of every OPRF key: ristretto255-SHA512.
// Chosen over P-256 because circl's server operations on the NIST curves
// are not constant time in the private key.
var OPRFSuite = oprf.SuiteRistretto255

// OPRFKey is an OPRF private key with its id. It prints as its id only.
type OPRFKey struct {
	id uint32
	sk *oprf.PrivateKey
}

// ID returns the key id recorded in every OPRF output made with the key.
func (k OPRFKey) ID() uint32 { return k.id }

// String prints the suite and key id, never the scalar.
func (k OPRFKey) String() string {
	return fmt.Sprintf("keys.OPRFKey{suite:%s id:%d}", OPRFSuite.Identifier(), k.id)
}

// GoString is [OPRFKey.String].
func (k OPRFKey) GoString() string { return k.String() }

// Format prints [OPRFKey.String] for every verb.
func (k OPRFKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

type oprfSet struct {
	primary uint32
	keys    []OPRFKey
}

func (s oprfSet) clone() oprfSet {
	return oprfSet{primary: s.primary, keys: append([]OPRFKey(nil), s.keys...)}
}

func (s oprfSet) byID(id uint32) (OPRFKey, bool) {
	for _, e := range s.keys {
		if e.id == id {
			return e, true
		}
	}
	return OPRFKey{}, false
}

// add generates a key with a fresh non-zero id and makes it primary.
func (s *oprfSet) add() (uint32, error) {
	sk, err := oprf.GenerateKey(OPRFSuite, rand.Reader)
	if err != nil {
		return 0, fmt.Errorf("govshare/keys: generate oprf key: %w", err)
	}
	var id uint32
	for {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		id = binary.BigEndian.Uint32(b[:])
		if _, dup := s.byID(id); id != 0 && !dup {
			break
		}
	}
	s.keys = append(s.keys, OPRFKey{id: id, sk: sk})
	s.primary = id
	return id, nil
}

func (s oprfSet) check() error {
	if len(s.keys) == 0 {
		return errors.New("govshare/keys: oprf key set is empty")
	}
	seen := make(map[uint32]bool, len(s.keys))
	for _, e := range s.keys {
		if e.id == 0 || seen[e.id] || e.sk == nil {
			return errors.New("govshare/keys: oprf key set has a zero, duplicate or missing key")
		}
		seen[e.id] = true
	}
	if !seen[s.primary] {
		return errors.New("govshare/keys: oprf primary key missing")
	}
	return nil
}

// oprfBlobVersion and the layout below are the plaintext of the OPRF entry
// of a keyring file: version(1) ‖ primary(4) ‖ count(2) ‖ count × (id(4) ‖
// len(1) ‖ scalar).
const oprfBlobVersion = 1

func (s oprfSet) marshal() ([]byte, error) {
	b := []byte{oprfBlobVersion}
	b = binary.BigEndian.AppendUint32(b, s.primary)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.keys)))
	for _, e := range s.keys {
		sk, err := e.sk.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("govshare/keys: marshal oprf key: %w", err)
		}
		b = binary.BigEndian.AppendUint32(b, e.id)
		b = append(b, byte(len(sk)))
		b = append(b, sk...)
	}
	return b, nil
}

func parseOPRFSet(b []byte) (oprfSet, error) {
	bad := errors.New("govshare/keys: malformed oprf key blob")
	var s oprfSet
	if len(b) < 7 || b[0] != oprfBlobVersion {
		return s, bad
	}
	s.primary = binary.BigEndian.Uint32(b[1:])
	n := int(binary.BigEndian.Uint16(b[5:]))
	b = b[7:]
	for i := 0; i < n; i++ {
		if len(b) < 5 {
			return s, bad
		}
		id, l := binary.BigEndian.Uint32(b), int(b[4])
		b = b[5:]
		if len(b) < l {
			return s, bad
		}
		sk := new(oprf.PrivateKey)
		if err := sk.UnmarshalBinary(OPRFSuite, b[:l]); err != nil {
			return s, bad
		}
		b = b[l:]
		s.keys = append(s.keys, OPRFKey{id: id, sk: sk})
	}
	if len(b) != 0 {
		return s, bad
	}
	if err := s.check(); err != nil {
		return s, err
	}
	return s, nil
}
