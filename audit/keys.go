package audit

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// recordSignKinds are the signing kinds a record may be signed with.
var recordSignKinds = []keys.Kind{keys.KindSignEd25519, keys.KindSignMLDSA65Ed25519, keys.KindSignMLDSA87}

// keyringSigner signs with a keyring's primary key of one kind.
type keyringSigner struct {
	dept string
	s    tink.Signer
}

// KeyringSigner returns a RecordSigner for kr's department that signs with
// the primary key of kind: keys.KindSignEd25519 keeps records small (69
// bytes of signature); the ML-DSA kinds are accepted too.
func KeyringSigner(kr *keys.Keyring, kind keys.Kind) (RecordSigner, error) {
	if kr == nil {
		return nil, errors.New("govshare/audit: nil keyring")
	}
	s, err := kr.Signer(kind)
	if err != nil {
		return nil, err
	}
	return &keyringSigner{dept: kr.Dept(), s: s}, nil
}

func (k *keyringSigner) Dept() string { return k.dept }

func (k *keyringSigner) Sign(msg []byte) ([]byte, uint32, error) {
	sig, err := k.s.Sign(msg)
	if err != nil {
		return nil, 0, err
	}
	id, ok := tinkKeyID(sig)
	if !ok {
		return nil, 0, errors.New("govshare/audit: keyring signature has no key id prefix")
	}
	return sig, id, nil
}

// tinkKeyID reads the key id of a signature in Tink's TINK output prefix
// (0x01, then the key id, big-endian).
func tinkKeyID(sig []byte) (uint32, bool) {
	if len(sig) < 5 || sig[0] != 1 {
		return 0, false
	}
	return binary.BigEndian.Uint32(sig[1:5]), true
}

// BundleRegistry is a Registry built from departments' public bundles
// (<dept>.pub): a record signed with key id K by department D verifies with
// the key K of D's bundle, of whichever signing kind holds K. It is safe
// for concurrent use.
//
// Public bundles do not yet say when a key was valid, so the time a
// record's key is checked at is not used: a key stays good for every record
// while it is in the department's published bundle.
type BundleRegistry struct {
	mu    sync.RWMutex
	depts map[string]*bundleKeys
}

type bundleKeys struct {
	bundle *keys.PublicBundle
	byID   map[uint32]*idVerifier
}

// idVerifier checks that a signature names its key and verifies it.
type idVerifier struct {
	id uint32
	v  tink.Verifier
}

func (v *idVerifier) Verify(sig, msg []byte) error {
	if id, ok := tinkKeyID(sig); !ok || id != v.id {
		return errors.New("govshare/audit: signature names another key")
	}
	return v.v.Verify(sig, msg)
}

// NewRegistry returns a registry of the given bundles. A department may
// appear once.
func NewRegistry(bundles ...*keys.PublicBundle) (*BundleRegistry, error) {
	r := &BundleRegistry{depts: map[string]*bundleKeys{}}
	for _, b := range bundles {
		if err := r.Add(b); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// LoadRegistry reads every <dept>.pub file in dir into a registry.
func LoadRegistry(dir string) (*BundleRegistry, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.pub"))
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("govshare/audit: no public bundles (*.pub) in %s", dir)
	}
	sort.Strings(paths)
	r := &BundleRegistry{depts: map[string]*bundleKeys{}}
	for _, p := range paths {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			continue
		}
		b, err := keys.LoadPublic(p)
		if err != nil {
			return nil, err
		}
		if err := r.Add(b); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add registers a department's bundle.
func (r *BundleRegistry) Add(b *keys.PublicBundle) error {
	if b == nil {
		return errors.New("govshare/audit: nil public bundle")
	}
	bk := &bundleKeys{bundle: b, byID: map[uint32]*idVerifier{}}
	for _, kind := range recordSignKinds {
		h, err := b.Handle(kind)
		if err != nil || h == nil {
			continue
		}
		var v tink.Verifier
		for _, ki := range h.KeysetInfo().GetKeyInfo() {
			if v == nil {
				if v, err = b.Verifier(kind); err != nil {
					return err
				}
			}
			bk.byID[ki.GetKeyId()] = &idVerifier{id: ki.GetKeyId(), v: v}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.depts == nil {
		r.depts = map[string]*bundleKeys{}
	}
	if _, dup := r.depts[b.Dept()]; dup {
		return fmt.Errorf("govshare/audit: two public bundles for department %s", b.Dept())
	}
	r.depts[b.Dept()] = bk
	return nil
}

// Depts lists the registered departments, sorted.
func (r *BundleRegistry) Depts() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.depts))
}

// RecordVerifier implements Registry. The key must be in dept's bundle
// and, when at is not zero, valid at at by the bundle's key lifecycle (not
// before its start, not retired or revoked by then): a record signed with
// a key revoked before the record's time fails with ErrBadSignature.
func (r *BundleRegistry) RecordVerifier(dept string, keyID uint32, at time.Time) (RecordVerifier, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	bk, ok := r.depts[dept]
	if !ok {
		return nil, fmt.Errorf("%w: no public bundle for %s", ErrUnknownSigner, dept)
	}
	v, ok := bk.byID[keyID]
	if !ok {
		return nil, fmt.Errorf("%w: %s's bundle has no signing key %d", ErrUnknownSigner, dept, keyID)
	}
	if !at.IsZero() {
		if err := bk.bundle.SigningKeyValidAt(keyID, at); err != nil {
			return nil, &verifyError{kind: ErrBadSignature, msg: fmt.Sprintf("govshare/audit: %s's signing key %d was not valid at the record's time", dept, keyID), err: err}
		}
	}
	return v, nil
}
