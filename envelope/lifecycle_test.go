package envelope

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// TestSigningKeyLifecycle (issue 12, key lifecycle): Open checks the issue
// time against the signing key's state in the trusted bundle. A copy of the
// provider's keyring taken before a rotation (a backup, a thief's copy) can
// still sign, but what it signs dated after the rotation is refused by
// anyone holding the new bundle; a revoked key's signatures fail from the
// revocation time on; and Seal refuses to sign with a key not valid at its
// issue time.
func TestSigningKeyLifecycle(t *testing.T) {
	tk := fixedKeys(t)
	const n = 500
	pt := samplePlaintext(n)
	kind := keys.KindSignEd25519
	sealBy := func(k *keys.Keyring, at time.Time) []byte {
		t.Helper()
		o := sampleOptions(catalog.LevelGeneral, n)
		o.Now, o.NotBefore, o.NotAfter = at, at, at.Add(90*24*time.Hour)
		var out bytes.Buffer
		if _, err := Seal(&out, bytes.NewReader(pt), o, k, tk.recv.Public()); err != nil {
			t.Fatalf("Seal at %s: %v", at, err)
		}
		return out.Bytes()
	}
	openWith := func(env []byte, trust *keys.PublicBundle, now time.Time) ([]byte, error) {
		o := openOpts(tk)
		o.Trust, o.Now = trust, now
		got, _, err := open(env, o)
		return got, err
	}

	leaked := tk.reload(t, provDept)
	prov := tk.reload(t, provDept)
	old, _ := prov.PrimaryKeyID(kind)
	before := sealBy(prov, t0)
	rotation := t0.Add(24 * time.Hour)
	if _, err := prov.RotateAt(kind, rotation); err != nil {
		t.Fatal(err)
	}
	if ki, _ := prov.Public().KeyInfo(kind, old); ki.State != keys.KeyRetired || !ki.NotAfter.Equal(rotation) {
		t.Fatalf("rotation left the old key %v until %s", ki.State, ki.NotAfter)
	}

	if got, err := openWith(before, prov.Public(), t0.Add(48*time.Hour)); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("sealed before the rotation, opened with the new bundle: %v", err)
	}
	forged := sealBy(leaked, rotation.Add(time.Hour))
	got, err := openWith(forged, prov.Public(), rotation.Add(2*time.Hour))
	onlySentinel(t, err, ErrKeyNotValid)
	if len(got) != 0 {
		t.Fatalf("refused envelope wrote %d bytes", len(got))
	}
	if _, err := openWith(forged, leaked.Public(), rotation.Add(2*time.Hour)); err != nil {
		t.Fatalf("the same envelope against the bundle before the rotation: %v (the bundle is what must refuse it)", err)
	}
	if _, err := openWith(sealBy(prov, rotation), prov.Public(), rotation.Add(time.Hour)); err != nil {
		t.Fatalf("the new key signing at the rotation time: %v", err)
	}
	if _, err := Seal(io.Discard, bytes.NewReader(pt), sampleOptions(catalog.LevelGeneral, n), prov, tk.recv.Public()); !errors.Is(err, ErrKeyNotValid) {
		t.Fatalf("Seal dated before the signing key's not_before: %v, want ErrKeyNotValid", err)
	}

	// Revoked from before the first envelope's issue time: it fails too.
	if err := prov.Revoke(kind, old, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = openWith(before, prov.Public(), t0.Add(time.Hour))
	onlySentinel(t, err, ErrKeyNotValid)
	if len(got) != 0 {
		t.Fatalf("refused envelope wrote %d bytes", len(got))
	}
	// The limit, stated in keys' docs: the issue time is the signer's claim,
	// so the thief can date a signature before the revocation. Only a time
	// vouched for by someone else (the log's checkpoints) closes that.
	if _, err := openWith(sealBy(leaked, t0.Add(-2*time.Hour)), prov.Public(), t0); err != nil {
		t.Fatalf("backdated before the revocation: %v", err)
	}
}
