package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

var tl = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func mustParsePublic(t *testing.T, p *PublicBundle) *PublicBundle {
	t.Helper()
	q, err := ParsePublic(mustMarshal(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestNewBundleIsSignedAndActive: a new keyring publishes a signed version-1
// bundle in which every KEM and signing key is active and unbounded.
func TestNewBundleIsSignedAndActive(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	p := mustParsePublic(t, kr.Public())
	if !p.Signed() || p.Version() != 1 {
		t.Fatalf("signed %v, version %d", p.Signed(), p.Version())
	}
	n := 0
	for _, k := range Kinds() {
		if k.isPublic() {
			n += len(mustIDs(t, kr, k))
		}
	}
	ks := p.Keys()
	if len(ks) != n {
		t.Fatalf("%d lifecycle entries for %d published keys", len(ks), n)
	}
	for _, ki := range ks {
		if ki.State != KeyActive || !ki.NotBefore.IsZero() || !ki.NotAfter.IsZero() || !ki.RevokedAt.IsZero() {
			t.Errorf("new key %+v", ki)
		}
		if err := p.KeyValidAt(ki.Kind, ki.ID, time.Unix(1, 0)); err != nil {
			t.Errorf("new key not valid: %v", err)
		}
	}
	if p.Digest() != kr.Public().Digest() {
		t.Error("parsing changed the bundle's digest")
	}
}

// TestRotateRetiresPrevious: a rotation makes the new key valid from the
// rotation time and retires the old primary at that time; the bundle version
// rises for published kinds only.
func TestRotateRetiresPrevious(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	kind := KindSignMLDSA65Ed25519
	old, _ := kr.PrimaryKeyID(kind)
	at := tl.Add(500 * time.Millisecond) // stored in whole seconds
	id, err := kr.RotateAt(kind, at)
	if err != nil {
		t.Fatal(err)
	}
	p := mustParsePublic(t, kr.Public())
	if p.Version() != 2 {
		t.Fatalf("version %d after one rotation", p.Version())
	}
	oi, _ := p.KeyInfo(kind, old)
	ni, _ := p.KeyInfo(kind, id)
	if oi.State != KeyRetired || !oi.NotAfter.Equal(tl) || ni.State != KeyActive || !ni.NotBefore.Equal(tl) {
		t.Fatalf("old %+v, new %+v", oi, ni)
	}
	for _, c := range []struct {
		id    uint32
		at    time.Time
		valid bool
	}{{old, tl.Add(-time.Second), true}, {old, tl, false}, {old, tl.Add(time.Hour), false}, {id, tl.Add(-time.Second), false}, {id, tl, true}, {id, tl.AddDate(10, 0, 0), true}} {
		err := p.SigningKeyValidAt(c.id, c.at)
		if c.valid != (err == nil) || (err != nil && !errors.Is(err, ErrKeyNotValid)) {
			t.Errorf("key %d at %s: %v, want valid=%v", c.id, c.at, err, c.valid)
		}
	}
	if _, err := kr.RotateAt(kind, tl.Add(-time.Hour)); err == nil {
		t.Error("a rotation dated before the current key's not_before succeeded")
	}
	if _, err := kr.RotateAt(kind, time.Time{}); err == nil {
		t.Error("a rotation without a time succeeded")
	}
	if _, err := kr.Rotate(KindToken); err != nil {
		t.Fatal(err)
	}
	if kr.Public().Version() != 2 {
		t.Error("rotating an unpublished kind changed the bundle version")
	}
	if _, err := kr.Rotate(KindOPRF); err != nil {
		t.Fatal(err)
	}
	if kr.Public().Version() != 3 {
		t.Error("rotating the OPRF key did not change the bundle version")
	}
}

// TestRetireRevoke covers Retire and Revoke: only non-primary published
// keys; validity only ever shrinks; a revoked key is invalid from the
// revocation time, which may be in the past.
func TestRetireRevoke(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	kind := KindSignEd25519
	a, _ := kr.PrimaryKeyID(kind)
	if err := kr.Revoke(kind, a, tl); err == nil || !strings.Contains(err.Error(), "rotate first") {
		t.Fatalf("revoking the primary: %v", err)
	}
	if err := kr.Retire(kind, a, tl); err == nil {
		t.Fatal("retiring the primary succeeded")
	}
	if _, err := kr.RotateAt(kind, tl.Add(10*time.Hour)); err != nil {
		t.Fatal(err)
	}
	v := kr.Public().Version()
	if err := kr.Retire(kind, a, tl.Add(11*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if kr.Public().Version() != v {
		t.Error("a later retirement changed something: validity must only shrink")
	}
	if err := kr.Retire(kind, a, tl.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ki, _ := kr.Public().KeyInfo(kind, a); !ki.NotAfter.Equal(tl.Add(5*time.Hour)) || kr.Public().Version() != v+1 {
		t.Fatalf("earlier retirement: %+v", ki)
	}
	if err := kr.Revoke(kind, a, tl); err != nil {
		t.Fatal(err)
	}
	p := mustParsePublic(t, kr.Public())
	ki, _ := p.KeyInfo(kind, a)
	if ki.State != KeyRevoked || !ki.RevokedAt.Equal(tl) {
		t.Fatalf("revoked: %+v", ki)
	}
	if err := p.SigningKeyValidAt(a, tl.Add(-time.Second)); err != nil {
		t.Errorf("before the revocation: %v", err)
	}
	if err := p.SigningKeyValidAt(a, tl); !errors.Is(err, ErrKeyNotValid) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("at the revocation: %v", err)
	}
	v = kr.Public().Version()
	if err := kr.Revoke(kind, a, tl.Add(time.Hour)); err != nil || kr.Public().Version() != v {
		t.Errorf("revoking again later changed the bundle (%v)", err)
	}
	if err := kr.Retire(kind, a, tl.Add(-time.Hour)); err != nil || kr.Public().Version() != v {
		t.Errorf("retiring a revoked key changed the bundle (%v)", err)
	}
	if err := kr.Revoke(kind, a, tl.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ki, _ := kr.Public().KeyInfo(kind, a); !ki.RevokedAt.Equal(tl.Add(-time.Hour)) {
		t.Error("an earlier revocation time did not replace the later one")
	}
	if err := kr.Revoke(kind, 12345, tl); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if err := kr.Revoke(KindToken, 1, tl); err == nil {
		t.Error("revoking an unpublished kind succeeded")
	}
	if err := kr.Revoke(kind, a, time.Time{}); err == nil {
		t.Error("a revocation without a time succeeded")
	}
	// A KEM key has a lifecycle too.
	kem, _ := kr.PrimaryKeyID(KindKEMXWing)
	if _, err := kr.RotateAt(KindKEMXWing, tl); err != nil {
		t.Fatal(err)
	}
	if err := kr.Revoke(KindKEMXWing, kem, tl); err != nil {
		t.Fatal(err)
	}
	if err := kr.Public().KeyValidAt(KindKEMXWing, kem, tl); !errors.Is(err, ErrKeyNotValid) {
		t.Errorf("revoked KEM key: %v", err)
	}
}

// TestLifecycleSavedAndLoaded: states, version and the root key survive the
// keyring file; the fingerprint stays the same across rotations.
func TestLifecycleSavedAndLoaded(t *testing.T) {
	dir := t.TempDir()
	master := testMaster(t)
	kr := newTestKeyring(t, "tax-bureau")
	print0 := kr.Public().Fingerprint()
	old, _ := kr.PrimaryKeyID(KindSignMLDSA87)
	if _, err := kr.RotateAt(KindSignMLDSA87, tl); err != nil {
		t.Fatal(err)
	}
	if err := kr.Revoke(KindSignMLDSA87, old, tl.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	if got.Public().Digest() != kr.Public().Digest() {
		t.Fatal("the loaded keyring publishes another bundle")
	}
	pub, err := LoadPublic(PublicPath(dir, "tax-bureau"))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Digest() != kr.Public().Digest() || pub.Version() != 3 {
		t.Fatalf("saved bundle: version %d", pub.Version())
	}
	if pub.Fingerprint() != print0 || got.Public().Fingerprint() != print0 {
		t.Fatal("the fingerprint changed across rotation, revocation, save and load")
	}
	if !regexp.MustCompile(`^[0-9a-f]{4}( [0-9a-f]{4}){15}$`).MatchString(print0) {
		t.Fatalf("fingerprint %q is not 16 groups of 4 hex digits", print0)
	}
	if newTestKeyring(t, "tax-bureau").Public().Fingerprint() == print0 {
		t.Fatal("two keyrings share a fingerprint")
	}
	if err := VerifyUpdate(kr.Public(), pub); err != nil {
		t.Fatalf("a bundle against itself: %v", err)
	}
}

// TestVerifySignature: a detached signature verifies under the key it names
// and under no other, for every signing kind.
func TestVerifySignature(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	msg := []byte("share record")
	var sigs [][]byte
	var ids []uint32
	for _, k := range []Kind{KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87} {
		s, _ := kr.Signer(k)
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := kr.PrimaryKeyID(k)
		sigs, ids = append(sigs, sig), append(ids, id)
	}
	p := mustParsePublic(t, kr.Public())
	for i, sig := range sigs {
		if err := p.VerifySignature(ids[i], msg, sig); err != nil {
			t.Errorf("key %d: %v", ids[i], err)
		}
		if err := p.VerifySignature(ids[i], []byte("other"), sig); !errors.Is(err, ErrSignature) {
			t.Errorf("key %d, other message: %v", ids[i], err)
		}
		if err := p.VerifySignature(ids[(i+1)%3], msg, sig); !errors.Is(err, ErrSignature) {
			t.Errorf("signature of key %d claimed for key %d: %v", ids[i], ids[(i+1)%3], err)
		}
		bad := bytes.Clone(sig)
		bad[len(bad)-1] ^= 1
		if err := p.VerifySignature(ids[i], msg, bad); !errors.Is(err, ErrSignature) {
			t.Errorf("key %d, flipped signature: %v", ids[i], err)
		}
	}
	if err := p.VerifySignature(ids[0], msg, nil); !errors.Is(err, ErrSignature) {
		t.Errorf("empty signature: %v", err)
	}
	kem, _ := kr.PrimaryKeyID(KindKEMXWing)
	if err := p.VerifySignature(kem, msg, sigs[0]); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("a KEM key id: %v", err)
	}
	if err := p.SigningKeyValidAt(kem, tl); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("SigningKeyValidAt of a KEM key id: %v", err)
	}
	// An old key's signature still verifies after a rotation; validity is
	// the separate question.
	if _, err := kr.RotateAt(KindSignEd25519, tl); err != nil {
		t.Fatal(err)
	}
	if err := kr.Public().VerifySignature(ids[0], msg, sigs[0]); err != nil {
		t.Errorf("old key after rotation: %v", err)
	}
}

// TestSigningIDsUnique: a new signing key never takes an id another signing
// kind uses, so an id alone names a signing key.
func TestSigningIDsUnique(t *testing.T) {
	m := keyset.NewManager()
	var refused []uint32
	id, err := addPrimary(m, KindSignEd25519, func(id uint32) bool {
		if len(refused) < 3 {
			refused = append(refused, id)
			return true
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := m.Handle()
	if len(refused) != 3 || h.Len() != 1 || h.KeysetInfo().GetPrimaryKeyId() != id {
		t.Fatalf("refused %d ids, keyset of %d keys", len(refused), h.Len())
	}
	for _, r := range refused {
		if r == id {
			t.Fatal("a refused id was kept")
		}
	}
	kr := newTestKeyring(t, "tax-bureau")
	seen := map[uint32]bool{}
	for _, k := range []Kind{KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87} {
		for _, id := range mustIDs(t, kr, k) {
			if seen[id] {
				t.Fatalf("signing key id %d used twice", id)
			}
			seen[id] = true
		}
	}
}

// TestBundleTamper flips every bit of a signed bundle file: each flip either
// fails to parse or parses to a bundle that says exactly the same (JSON
// matches field names case-insensitively). Edits that keep the JSON valid
// but change what it says fail on the root signature.
func TestBundleTamper(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	old, _ := kr.PrimaryKeyID(KindSignEd25519)
	if _, err := kr.RotateAt(KindSignEd25519, tl); err != nil {
		t.Fatal(err)
	}
	if err := kr.Revoke(KindSignEd25519, old, tl); err != nil {
		t.Fatal(err)
	}
	b := mustMarshal(t, kr.Public())
	want := kr.Public().Digest()
	// Every byte outside the long base64 values, every bit; inside them, one
	// bit of every 31st byte (each such flip costs an ML-DSA verification).
	long := regexp.MustCompile(`"[A-Za-z0-9+/=]{200,}"`).FindAllIndex(b, -1)
	inLong := func(i int) bool {
		for _, r := range long {
			if i > r[0] && i < r[1]-1 {
				return true
			}
		}
		return false
	}
	for i := range b {
		bits := []int{0, 1, 2, 3, 4, 5, 6, 7}
		if inLong(i) {
			if i%31 != 0 {
				continue
			}
			bits = []int{i % 8}
		}
		for _, bit := range bits {
			c := bytes.Clone(b)
			c[i] ^= 1 << bit
			p, err := ParsePublic(c)
			if err == nil && p.Digest() != want {
				t.Fatalf("byte %d bit %d: a modified bundle parsed", i, bit)
			}
			if err != nil && !errors.Is(err, ErrMalformedPublic) {
				t.Fatalf("byte %d bit %d: %v", i, bit, err)
			}
		}
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		out, _ := json.Marshal(m)
		return out
	}
	revoked := func(m map[string]any) map[string]any {
		for _, e := range m["keys"].([]any) {
			if e := e.(map[string]any); e["state"] == "revoked" {
				return e
			}
		}
		t.Fatal("no revoked key")
		return nil
	}
	for name, in := range map[string][]byte{
		"unrevoked": edit(func(m map[string]any) {
			e := revoked(m)
			e["state"] = "active"
			delete(e, "revoked_at")
		}),
		"revocation moved later": edit(func(m map[string]any) { revoked(m)["revoked_at"] = "2030-01-01T00:00:00Z" }),
		"version raised":         edit(func(m map[string]any) { m["version"] = 99 }),
		"root replaced": edit(func(m map[string]any) {
			m["root"] = mustMarshalMap(t, newTestKeyring(t, "tax-bureau").Public())["root"]
		}),
		"signature dropped":    edit(func(m map[string]any) { delete(m, "signature") }),
		"keys dropped":         edit(func(m map[string]any) { delete(m, "keys") }),
		"entry dropped":        edit(func(m map[string]any) { m["keys"] = m["keys"].([]any)[1:] }),
		"non-canonical time":   edit(func(m map[string]any) { revoked(m)["revoked_at"] = "2026-03-01T16:00:00+08:00" }),
		"unknown state":        edit(func(m map[string]any) { revoked(m)["state"] = "suspended" }),
		"v1 tag on v2 content": edit(func(m map[string]any) { m["format"] = PublicFormatV1 }),
	} {
		if _, err := ParsePublic(in); !errors.Is(err, ErrMalformedPublic) {
			t.Errorf("%s: ParsePublic err = %v, want ErrMalformedPublic", name, err)
		}
	}
}

func mustMarshalMap(t *testing.T, p *PublicBundle) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(mustMarshal(t, p), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestVerifyUpdate: a kept bundle accepts a later one from the same root
// that keeps its history, and refuses a rollback, a fork, another root, an
// unsigned bundle, and a history rewritten from a backup.
func TestVerifyUpdate(t *testing.T) {
	dir := t.TempDir()
	master := testMaster(t)
	kr := newTestKeyring(t, "tax-bureau")
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	v1 := mustParsePublic(t, kr.Public())
	old, _ := kr.PrimaryKeyID(KindSignEd25519)
	if _, err := kr.RotateAt(KindSignEd25519, tl); err != nil {
		t.Fatal(err)
	}
	v2 := mustParsePublic(t, kr.Public())
	if err := kr.Revoke(KindSignEd25519, old, tl.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	v3 := mustParsePublic(t, kr.Public())

	for _, ok := range [][2]*PublicBundle{{v1, v2}, {v2, v3}, {v1, v3}, {v3, v3}} {
		if err := VerifyUpdate(ok[0], ok[1]); err != nil {
			t.Errorf("v%d → v%d: %v", ok[0].Version(), ok[1].Version(), err)
		}
	}
	if err := VerifyUpdate(v3, v2); !errors.Is(err, ErrBundleRollback) {
		t.Errorf("rollback: %v", err)
	}
	// The keyring restored from the backup taken at v1 and rotated twice: a
	// version 3 that is not the real one, and that forgets the revocation.
	backup, err := Load(dir, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.RotateAt(KindSignEd25519, tl); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.RotateAt(KindSignEd25519, tl.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := VerifyUpdate(v3, backup.Public()); !errors.Is(err, ErrBundleFork) {
		t.Errorf("same version, other content: %v", err)
	}
	if _, err := backup.RotateAt(KindSignEd25519, tl.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := VerifyUpdate(v3, backup.Public()); !errors.Is(err, ErrBundleFork) {
		t.Errorf("later version that drops the revocation: %v", err)
	}
	if err := VerifyUpdate(v1, newTestKeyring(t, "tax-bureau").Public()); !errors.Is(err, ErrUntrustedRoot) {
		t.Errorf("other root: %v", err)
	}
	if err := VerifyUpdate(v1, newTestKeyring(t, "health").Public()); !errors.Is(err, ErrUntrustedRoot) {
		t.Errorf("other department: %v", err)
	}
	legacy := readLegacyPublic(t)
	if err := VerifyUpdate(legacy, v1); !errors.Is(err, ErrUntrustedRoot) {
		t.Errorf("from an unsigned bundle: %v", err)
	}
	if err := VerifyUpdate(v1, legacy); !errors.Is(err, ErrUntrustedRoot) {
		t.Errorf("to an unsigned bundle: %v", err)
	}
}

// Version-1 files, checked in from the release before key lifecycles:
// testdata/v1 holds a keyring, its master key (a cleartext test keyset) and
// its public bundle.
func readLegacy(t *testing.T) (b []byte, master tink.AEAD) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "v1", "tax-bureau.keys"))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile(filepath.Join("testdata", "v1", "master.json"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(mb)))
	if err != nil {
		t.Fatal(err)
	}
	if master, err = aead.New(h); err != nil {
		t.Fatal(err)
	}
	return b, master
}

func readLegacyPublic(t *testing.T) *PublicBundle {
	t.Helper()
	p, err := LoadPublic(filepath.Join("testdata", "v1", "tax-bureau.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLegacyFiles: a version-1 keyring loads (every key active, bundle
// version 1, a new root made once and kept by Save), and a version-1 bundle
// parses as unsigned version 1 with every key active and unbounded, and is
// written back byte for byte.
func TestLegacyFiles(t *testing.T) {
	b, master := readLegacy(t)
	if b[4] != keyringV1 {
		t.Fatal("fixture is not a version-1 keyring")
	}
	kr, err := Parse(b, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	p := kr.Public()
	if !p.Signed() || p.Version() != 1 {
		t.Fatalf("upgraded keyring: signed %v, version %d", p.Signed(), p.Version())
	}
	for _, ki := range p.Keys() {
		if ki.State != KeyActive || !ki.NotBefore.IsZero() || !ki.NotAfter.IsZero() {
			t.Errorf("upgraded key %+v", ki)
		}
	}
	out, err := kr.Marshal(master)
	if err != nil {
		t.Fatal(err)
	}
	if out[4] != keyringVersion {
		t.Fatal("Marshal did not write the current version")
	}
	again, err := Parse(out, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	if again.Public().Fingerprint() != p.Fingerprint() || again.Public().Digest() != p.Digest() {
		t.Fatal("the root made for a version-1 keyring was not kept by Marshal")
	}

	raw, err := os.ReadFile(filepath.Join("testdata", "v1", "tax-bureau.pub"))
	if err != nil {
		t.Fatal(err)
	}
	legacy := readLegacyPublic(t)
	if legacy.Signed() || legacy.Version() != 1 || legacy.Dept() != "tax-bureau" {
		t.Fatalf("version-1 bundle: signed %v, version %d", legacy.Signed(), legacy.Version())
	}
	for _, ki := range legacy.Keys() {
		if ki.State != KeyActive {
			t.Errorf("legacy key %+v", ki)
		}
		if err := legacy.KeyValidAt(ki.Kind, ki.ID, time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Errorf("legacy key not valid: %v", err)
		}
	}
	if back := mustMarshal(t, legacy); !bytes.Equal(back, raw) {
		t.Fatal("a version-1 bundle does not round-trip byte for byte")
	}
	if !regexp.MustCompile(`^[0-9a-f]{4}( [0-9a-f]{4}){15}$`).MatchString(legacy.Fingerprint()) {
		t.Fatalf("legacy fingerprint %q", legacy.Fingerprint())
	}
	// The legacy bundle and the keyring's new one hold the same keys.
	for _, k := range Kinds() {
		if k.isPublic() {
			a, _ := legacy.Handle(k)
			c, _ := p.Handle(k)
			if a.KeysetInfo().GetPrimaryKeyId() != c.KeysetInfo().GetPrimaryKeyId() {
				t.Errorf("%v: legacy bundle and keyring differ", k)
			}
		}
	}
}
