package keys

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/golden"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/core/registry"
	"github.com/tink-crypto/tink-go/v2/daead/aessiv"
	"github.com/tink-crypto/tink-go/v2/hybrid/hpke"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/key"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
	"github.com/tink-crypto/tink-go/v2/signature/compositemldsa"
	"github.com/tink-crypto/tink-go/v2/signature/ed25519"
	"github.com/tink-crypto/tink-go/v2/signature/mldsa"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// testMaster is a fresh in-memory AES256-GCM master AEAD.
func testMaster(t testing.TB) tink.AEAD {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	a, err := aead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newTestKeyring(t testing.TB, dept string) *Keyring {
	t.Helper()
	kr, err := New(dept)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestValidDept(t *testing.T) {
	for _, ok := range []string{"tax-bureau", "a", "Dept_1.x", strings.Repeat("a", 64)} {
		if err := ValidDept(ok); err != nil {
			t.Errorf("ValidDept(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".hidden", "-x", "a/b", `a\b`, "..", "税务局", "a b", "master", strings.Repeat("a", 65)} {
		if err := ValidDept(bad); err == nil {
			t.Errorf("ValidDept(%q) = nil, want error", bad)
		}
	}
}

func TestKindNames(t *testing.T) {
	for _, k := range Kinds() {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseKind("unknown"); err == nil {
		t.Error("ParseKind(unknown) succeeded")
	}
	if len(Kinds()) != 9 {
		t.Errorf("len(Kinds()) = %d, want 9", len(Kinds()))
	}
	for level, want := range map[catalog.Level][2]Kind{
		catalog.LevelGeneral:   {KindKEMXWing, KindSignEd25519},
		catalog.LevelImportant: {KindKEMXWing, KindSignMLDSA65Ed25519},
		catalog.LevelCore:      {KindKEMMLKEM1024, KindSignMLDSA87},
	} {
		kem, sig, err := SuiteKinds(level)
		if err != nil || kem != want[0] || sig != want[1] {
			t.Errorf("SuiteKinds(%q) = %v, %v, %v", level, kem, sig, err)
		}
	}
	if _, _, err := SuiteKinds("secret"); !errors.Is(err, ErrUnknownLevel) {
		t.Errorf("SuiteKinds(secret) err = %v", err)
	}
}

// TestSaveLoad proves a saved keyring loads with the same keys: what one
// encrypts, tokenizes or signs, the other reverses or verifies.
func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	master, err := LocalMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	kr := newTestKeyring(t, "tax-bureau")
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		a, _ := kr.KeyIDs(k)
		b, _ := got.KeyIDs(k)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%v key ids: saved %v, loaded %v", k, a, b)
		}
	}
	ct, err := kr.DeterministicAEAD().EncryptDeterministically([]byte("13800138000"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := got.DeterministicAEAD().DecryptDeterministically(ct, []byte("ad")); err != nil || string(pt) != "13800138000" {
		t.Errorf("loaded token key does not decrypt: %v", err)
	}
	k1, id1, _ := kr.fpeKeyFor("f", "r", 0, true)
	k2, id2, _ := got.fpeKeyFor("f", "r", 0, true)
	if !bytes.Equal(k1, k2) || id1 != id2 {
		t.Error("loaded FPE key differs")
	}
	p1, _ := kr.PseudonymPRF().ComputePrimaryPRF([]byte("x"), 16)
	p2, _ := got.PseudonymPRF().ComputePrimaryPRF([]byte("x"), 16)
	if !bytes.Equal(p1, p2) {
		t.Error("loaded pseudonym key differs")
	}
	a, _ := kr.OPRFKey().sk.MarshalBinary()
	b, _ := got.OPRFKey().sk.MarshalBinary()
	if !bytes.Equal(a, b) || kr.OPRFKey().ID() != got.OPRFKey().ID() {
		t.Error("loaded oprf key differs")
	}

	pub, err := LoadPublic(PublicPath(dir, "tax-bureau"))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Dept() != "tax-bureau" {
		t.Errorf("public dept = %q", pub.Dept())
	}
	msg := []byte("share record")
	for _, k := range []Kind{KindSignEd25519, KindSignMLDSA65Ed25519, KindSignMLDSA87} {
		s, err := got.Signer(k)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		v, err := pub.Verifier(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(sig, msg); err != nil {
			t.Errorf("%v: signature does not verify: %v", k, err)
		}
		if err := v.Verify(sig, []byte("other")); err == nil {
			t.Errorf("%v: signature verifies for another message", k)
		}
	}
	for _, k := range []Kind{KindKEMXWing, KindKEMMLKEM1024} {
		e, err := pub.HybridEncrypt(k)
		if err != nil {
			t.Fatal(err)
		}
		ct, err := e.Encrypt(msg, []byte("ctx"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := got.HybridDecrypt(k)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := d.Decrypt(ct, []byte("ctx")); err != nil || !bytes.Equal(pt, msg) {
			t.Errorf("%v: does not decrypt: %v", k, err)
		}
	}
	if _, err := got.Signer(KindToken); err == nil {
		t.Error("Signer(KindToken) succeeded")
	}
	if _, err := got.HybridDecrypt(KindSignEd25519); err == nil {
		t.Error("HybridDecrypt(sign) succeeded")
	}
	if _, err := pub.Handle(KindToken); err == nil {
		t.Error("public bundle exposes a token keyset")
	}
}

// TestPublicBundleHasNoSecrets proves the .pub file carries public keys only.
func TestPublicBundleHasNoSecrets(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	b, err := kr.Public().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Kinds() {
		if k == KindOPRF {
			sk, _ := kr.OPRFKey().sk.MarshalBinary()
			assertNoSecret(t, string(b), sk, "oprf")
			continue
		}
		h, _ := kr.Handle(k)
		for _, sec := range secrets(t, h) {
			assertNoSecret(t, string(b), sec, k.String())
		}
	}
	for _, sec := range secrets(t, kr.cur.Load().root) {
		assertNoSecret(t, string(b), sec, "root")
	}
	p, err := ParsePublic(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := p.Marshal()
	if err != nil || !bytes.Equal(b, b2) {
		t.Error("public bundle does not round-trip byte for byte")
	}
}

// secrets returns the secret bytes of every key in h, read through Tink's
// key objects so no guess about proto layout is involved.
func secrets(t *testing.T, h *keyset.Handle) [][]byte {
	t.Helper()
	tok := insecuresecretdataaccess.Token{}
	var out [][]byte
	var add func(k key.Key)
	add = func(k key.Key) {
		switch k := k.(type) {
		case *aessiv.Key:
			out = append(out, k.KeyBytes().Data(tok))
		case *hmacprf.Key:
			out = append(out, k.KeyBytes().Data(tok))
		case *aesgcm.Key:
			out = append(out, k.KeyBytes().Data(tok))
		case *hpke.PrivateKey:
			out = append(out, k.PrivateKeyBytes().Data(tok))
		case *ed25519.PrivateKey:
			out = append(out, k.PrivateKeyBytes().Data(tok))
		case *mldsa.PrivateKey:
			out = append(out, k.PrivateKeyBytes().Data(tok))
		case *compositemldsa.PrivateKey:
			add(k.MLDSAPrivateKey())
			add(k.ClassicalPrivateKey())
		default:
			t.Fatalf("no secret accessor for %T", k)
		}
	}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		add(e.Key())
	}
	return out
}

func TestParsePublicRejects(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	b, err := kr.Public().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	mutate := func(fn func(m map[string]any)) []byte {
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		fn(m)
		out, _ := json.Marshal(m)
		return out
	}
	cases := map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("not json"),
		"trailing": append(append([]byte{}, b...), []byte("{}")...),
		"format":   mutate(func(m map[string]any) { m["format"] = "govshare-public/v0" }),
		"dept":     mutate(func(m map[string]any) { m["dept"] = "../etc" }),
		"unknown":  mutate(func(m map[string]any) { m["extra"] = 1 }),
		"missing":  mutate(func(m map[string]any) { delete(m["keysets"].(map[string]any), "sign-mldsa87") }),
		"swapped": mutate(func(m map[string]any) {
			ks := m["keysets"].(map[string]any)
			ks["kem-xwing"], ks["kem-mlkem1024"] = ks["kem-mlkem1024"], ks["kem-xwing"]
		}),
		"extra keyset": mutate(func(m map[string]any) {
			ks := m["keysets"].(map[string]any)
			ks["token"] = ks["kem-xwing"]
		}),
		"oprf primary": mutate(func(m map[string]any) { m["oprf"].(map[string]any)["primary"] = 1 }),
		"oprf suite":   mutate(func(m map[string]any) { m["oprf"].(map[string]any)["suite"] = "P256-SHA256" }),
		"oprf point": mutate(func(m map[string]any) {
			m["oprf"].(map[string]any)["keys"].([]any)[0].(map[string]any)["key"] = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32))
		}),
	}
	for name, in := range cases {
		if _, err := ParsePublic(in); !errors.Is(err, ErrMalformedPublic) {
			t.Errorf("%s: ParsePublic err = %v, want ErrMalformedPublic", name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "x.pub")
	_ = os.WriteFile(path, []byte("{}"), 0o644)
	if _, err := LoadPublic(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadPublic error %v does not name the file", err)
	}
}

// TestFilePermissions proves Save writes 0600/0644 and that Load and
// LocalMaster refuse secret files others can read, naming the fix.
func TestFilePermissions(t *testing.T) {
	dir := t.TempDir()
	master, err := LocalMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	kr := newTestKeyring(t, "tax-bureau")
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		KeysPath(dir, "tax-bureau"):    0o600,
		PublicPath(dir, "tax-bureau"):  0o644,
		filepath.Join(dir, MasterFile): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", filepath.Base(path), fi.Mode().Perm(), want)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	keysPath := KeysPath(dir, "tax-bureau")
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660} {
		if err := os.Chmod(keysPath, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir, "tax-bureau", master)
		if !errors.Is(err, ErrInsecurePermissions) || !strings.Contains(err.Error(), "chmod 600 "+keysPath) {
			t.Errorf("Load with mode %04o: err = %v, want ErrInsecurePermissions naming the file", mode, err)
		}
	}
	_ = os.Chmod(keysPath, 0o600)
	if _, err := Load(dir, "tax-bureau", master); err != nil {
		t.Errorf("Load after chmod 600: %v", err)
	}

	masterPath := filepath.Join(dir, MasterFile)
	_ = os.Chmod(masterPath, 0o644)
	if _, err := LocalMaster(dir); !errors.Is(err, ErrInsecurePermissions) || !strings.Contains(err.Error(), "chmod 600 "+masterPath) {
		t.Errorf("LocalMaster with 0644: err = %v", err)
	}
	_ = os.Chmod(masterPath, 0o600)
	if _, err := LocalMaster(dir); err != nil {
		t.Errorf("LocalMaster after chmod 600: %v", err)
	}
}

// TestTamperedKeyring flips every byte of a keyring file (two ways) and
// proves each one fails to load.
func TestTamperedKeyring(t *testing.T) {
	master := testMaster(t)
	kr := newTestKeyring(t, "tax-bureau")
	b, err := kr.Marshal(master)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b, "tax-bureau", master); err != nil {
		t.Fatalf("untampered file: %v", err)
	}
	for i := range b {
		for _, mask := range []byte{0x01, 0x80} {
			c := bytes.Clone(b)
			c[i] ^= mask
			_, err := Parse(c, "tax-bureau", master)
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrMalformedKeyring) {
				t.Fatalf("byte %d ^ %#x: Parse err = %v, want ErrDecrypt or ErrMalformedKeyring", i, mask, err)
			}
		}
	}
	for _, cut := range []int{0, 1, len(b) / 2, len(b) - 1} {
		if _, err := Parse(b[:cut], "tax-bureau", master); err == nil {
			t.Errorf("truncated to %d bytes: Parse succeeded", cut)
		}
	}
	if _, err := Parse(append(bytes.Clone(b), 0), "tax-bureau", master); err == nil {
		t.Error("extended file: Parse succeeded")
	}

	// Through the file API the error names the file.
	dir := t.TempDir()
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	path := KeysPath(dir, "tax-bureau")
	c := bytes.Clone(b)
	c[len(c)-10] ^= 0x01
	if err := os.WriteFile(path, c, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir, "tax-bureau", master)
	if !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), path) {
		t.Errorf("tampered Load err = %v, want ErrDecrypt naming %s", err, path)
	}
}

// TestWrongMasterOrDept proves the file opens only under its master key and
// only as its own department.
func TestWrongMasterOrDept(t *testing.T) {
	dir := t.TempDir()
	master := testMaster(t)
	kr := newTestKeyring(t, "tax-bureau")
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	path := KeysPath(dir, "tax-bureau")
	_, err := Load(dir, "tax-bureau", testMaster(t))
	if !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "wrong master key") {
		t.Errorf("wrong master: err = %v", err)
	}
	b, _ := os.ReadFile(path)
	_ = os.WriteFile(KeysPath(dir, "health"), b, 0o600)
	if _, err := Load(dir, "health", master); err == nil || !strings.Contains(err.Error(), KeysPath(dir, "health")) {
		t.Errorf("renamed file: err = %v", err)
	}
	if _, err := Load(dir, "missing", master); err == nil || !strings.Contains(err.Error(), KeysPath(dir, "missing")) {
		t.Errorf("missing file: err = %v", err)
	}
	if _, err := Load(dir, "../x", master); err == nil {
		t.Error("Load accepted a path as department")
	}
	if err := kr.Save(dir, nil); err == nil {
		t.Error("Save with nil master succeeded")
	}
}

// TestRotate proves rotation adds a primary and keeps old keys usable.
func TestRotate(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	ad := []byte("ad")
	oldCT, _ := kr.DeterministicAEAD().EncryptDeterministically([]byte("v"), ad)
	oldFPE, oldFPEID, _ := kr.fpeKeyFor("f", "r", 0, true)
	s, _ := kr.Signer(KindSignMLDSA87)
	oldSig, _ := s.Sign([]byte("m"))
	for _, k := range Kinds() {
		before, _ := kr.PrimaryKeyID(k)
		id, err := kr.Rotate(k)
		if err != nil {
			t.Fatalf("Rotate(%v): %v", k, err)
		}
		after, _ := kr.PrimaryKeyID(k)
		ids, _ := kr.KeyIDs(k)
		if after != id || after == before || len(ids) != 2 {
			t.Errorf("Rotate(%v): primary %d→%d (returned %d), %d keys", k, before, after, id, len(ids))
		}
	}
	if _, err := kr.Rotate(KindUnknown); err == nil {
		t.Error("Rotate(KindUnknown) succeeded")
	}
	// Save and load so the rotated state is what is checked.
	master := testMaster(t)
	dir := t.TempDir()
	if err := kr.Save(dir, master); err != nil {
		t.Fatal(err)
	}
	kr, err := Load(dir, "tax-bureau", master)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := kr.DeterministicAEAD().DecryptDeterministically(oldCT, ad); err != nil || string(pt) != "v" {
		t.Errorf("old token ciphertext does not decrypt after rotation: %v", err)
	}
	newCT, _ := kr.DeterministicAEAD().EncryptDeterministically([]byte("v"), ad)
	if bytes.Equal(newCT, oldCT) {
		t.Error("new primary produces the old ciphertext")
	}
	if k, _, err := kr.fpeKeyFor("f", "r", oldFPEID, false); err != nil || !bytes.Equal(k, oldFPE) {
		t.Errorf("old FPE key not derivable after rotation: %v", err)
	}
	if k, id, _ := kr.fpeKeyFor("f", "r", 0, true); id == oldFPEID || bytes.Equal(k, oldFPE) {
		t.Error("FPEKey still uses the old key after rotation")
	}
	v, _ := kr.Public().Verifier(KindSignMLDSA87)
	if err := v.Verify(oldSig, []byte("m")); err != nil {
		t.Errorf("old signature does not verify after rotation: %v", err)
	}
	pub, err := ParsePublic(mustMarshal(t, kr.Public()))
	if err != nil {
		t.Fatal(err)
	}
	if _, id, _ := pub.OPRFPublicKey(); id != kr.OPRFKey().ID() {
		t.Error("public bundle's oprf primary is not the keyring's")
	}
	for _, id := range mustIDs(t, kr, KindOPRF) {
		if _, err := pub.OPRFPublicKeyByID(id); err != nil {
			t.Errorf("public bundle lacks oprf key %d", id)
		}
	}
}

func mustMarshal(t *testing.T, p *PublicBundle) []byte {
	t.Helper()
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustIDs(t *testing.T, kr *Keyring, k Kind) []uint32 {
	t.Helper()
	ids, err := kr.KeyIDs(k)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestConcurrentUse runs readers against rotations; run with -race.
func TestConcurrentUse(t *testing.T) {
	kr := newTestKeyring(t, "tax-bureau")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if _, _, err := kr.fpeKeyFor("f", fmt.Sprint(i), 0, true); err != nil {
					t.Error(err)
					return
				}
				if _, err := kr.DeterministicAEAD().EncryptDeterministically([]byte("v"), nil); err != nil {
					t.Error(err)
					return
				}
				_ = kr.String()
				_ = kr.Public().String()
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if _, err := kr.Rotate(KindFPE); err != nil {
			t.Fatal(err)
		}
		if _, err := kr.Rotate(KindToken); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if n := len(mustIDs(t, kr, KindFPE)); n != 6 {
		t.Errorf("FPE keys = %d, want 6", n)
	}
}

// fixedFPEKeyring is a keyring whose FPE keyset is the fixed testdata one.
func fixedFPEKeyring(t testing.TB) *Keyring {
	t.Helper()
	f, err := os.Open("testdata/fpe_keyset.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		t.Fatal(err)
	}
	kr := newTestKeyring(t, "tax-bureau")
	st := kr.cur.Load()
	handles := st.handles
	handles[KindFPE] = h
	out, err := newKeyring("tax-bureau", handles, st.oprf, st.root, st.life)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type fpeVector struct {
	Field     string `json:"field"`
	Recipient string `json:"recipient"`
	KeyID     uint32 `json:"key_id"`
	Key       string `json:"key"`
}

// TestFPEKeyKnownAnswer pins FPEKey's derivation (label, encoding, PRF) on a
// fixed keyset; regenerate with -update only on a deliberate format change.
func TestFPEKeyKnownAnswer(t *testing.T) {
	kr := fixedFPEKeyring(t)
	inputs := [][2]string{{"身份证号", "tax-bureau"}, {"身份证号", "health-commission"}, {"手机号", "tax-bureau"}, {"", "r"}, {"ab", "c"}, {"a", "bc"}}
	var got []fpeVector
	seen := map[string]bool{}
	for _, in := range inputs {
		k, id, err := kr.fpeKeyFor(in[0], in[1], 0, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(k) != FPEKeySize {
			t.Fatalf("key length %d", len(k))
		}
		if seen[string(k)] {
			t.Errorf("FPEKey(%q, %q) repeats another input's key", in[0], in[1])
		}
		seen[string(k)] = true
		got = append(got, fpeVector{in[0], in[1], id, hex.EncodeToString(k)})
	}
	compareVectors(t, "testdata/fpe_vectors.json", got)
}

func compareVectors[T any](t *testing.T, path string, got []T) {
	t.Helper()
	if golden.Update() {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []T
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%s: %d vectors, computed %d", path, len(want), len(got))
	}
	for i := range want {
		if fmt.Sprint(want[i]) != fmt.Sprint(got[i]) {
			t.Errorf("%s vector %d differs from the computed value", path, i)
		}
	}
}

// TestLocalMaster proves the master file is created once and reused.
func TestLocalMaster(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sub")
	m1, err := LocalMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := LocalMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := m1.Encrypt([]byte("x"), []byte("ad"))
	if pt, err := m2.Decrypt(ct, []byte("ad")); err != nil || string(pt) != "x" {
		t.Error("second LocalMaster is not the same key")
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("master dir mode %04o, want 0700", fi.Mode().Perm())
	}
	_ = os.WriteFile(filepath.Join(dir, MasterFile), []byte("junk"), 0o600)
	if _, err := LocalMaster(dir); err == nil {
		t.Error("LocalMaster accepted a junk file")
	}
	// A valid Tink keyset of the wrong algorithm is refused.
	h, _ := keyset.NewHandle(aead.AES128GCMKeyTemplate())
	var buf bytes.Buffer
	_ = insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf))
	_ = os.WriteFile(filepath.Join(dir, MasterFile), buf.Bytes(), 0o600)
	if _, err := LocalMaster(dir); err == nil || !strings.Contains(err.Error(), "AES256-GCM") {
		t.Errorf("LocalMaster with AES128 key: %v", err)
	}
}

type fakeKMS struct{ a tink.AEAD }

func (f fakeKMS) Supported(uri string) bool         { return strings.HasPrefix(uri, "fake-kms://") }
func (f fakeKMS) GetAEAD(string) (tink.AEAD, error) { return f.a, nil }

// TestMaster proves the URI forms: local:DIR, a registered KMS, and the
// error for an unregistered one.
func TestMaster(t *testing.T) {
	dir := t.TempDir()
	m, err := Master("local:" + dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, MasterFile)); err != nil {
		t.Error("local: did not create master.key")
	}
	if _, err := Master("local:"); err == nil {
		t.Error("Master(local:) succeeded")
	}
	if _, err := Master("fake-kms://key"); err == nil || !strings.Contains(err.Error(), "RegisterKMSClient") {
		t.Errorf("unregistered KMS: err = %v", err)
	}
	registry.RegisterKMSClient(fakeKMS{a: testMaster(t)})
	t.Cleanup(registry.ClearKMSClients)
	km, err := Master("fake-kms://key")
	if err != nil {
		t.Fatal(err)
	}
	kr := newTestKeyring(t, "tax-bureau")
	if err := kr.Save(dir, km); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, "tax-bureau", km); err != nil {
		t.Errorf("Load under KMS master: %v", err)
	}
	if _, err := Load(dir, "tax-bureau", m); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Load under the other master: err = %v", err)
	}
}

func BenchmarkFPEKey(b *testing.B) {
	kr := newTestKeyring(b, "tax-bureau")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := kr.fpeKeyFor("身份证号", "tax-bureau", 0, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
}
