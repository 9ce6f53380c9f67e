package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/golden"
)

// Departments of the checked-in test keyrings.
const (
	provDept  = "public-security-bureau"
	recvDept  = "tax-bureau"
	otherDept = "civil-affairs"
)

// t0 is the fixed issue time of every test envelope.
var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

type testKeys struct {
	prov, recv, other *keys.Keyring
	master            tink.AEAD
}

// reload returns a fresh copy of a department's checked-in keyring, for a
// test that rotates, retires or revokes without touching the shared one.
func (tk *testKeys) reload(t testing.TB, dept string) *keys.Keyring {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "keys", dept+".keys"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.Parse(b, dept, tk.master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	keysOnce sync.Once
	keysVal  *testKeys
	keysErr  error
)

// fixedKeys loads the checked-in, test-only keyrings (encrypted under a
// cleartext test master keyset). With -update it creates them if missing.
func fixedKeys(t testing.TB) *testKeys {
	t.Helper()
	keysOnce.Do(func() { keysVal, keysErr = loadKeys() })
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keysVal
}

func loadKeys() (*testKeys, error) {
	dir := filepath.Join("testdata", "keys")
	masterPath := filepath.Join(dir, "master.json")
	if _, err := os.Stat(masterPath); errors.Is(err, os.ErrNotExist) && golden.Update() {
		if err := makeKeys(dir, masterPath); err != nil {
			return nil, err
		}
	}
	master, err := readMaster(masterPath)
	if err != nil {
		return nil, err
	}
	load := func(dept string) (*keys.Keyring, error) {
		b, err := os.ReadFile(filepath.Join(dir, dept+".keys"))
		if err != nil {
			return nil, err
		}
		return keys.Parse(b, dept, master)
	}
	tk := testKeys{master: master}
	for _, p := range []struct {
		dept string
		dst  **keys.Keyring
	}{{provDept, &tk.prov}, {recvDept, &tk.recv}, {otherDept, &tk.other}} {
		if *p.dst, err = load(p.dept); err != nil {
			return nil, fmt.Errorf("test keyring %s: %w", p.dept, err)
		}
	}
	return &tk, nil
}

func readMaster(path string) (tink.AEAD, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(bytes.NewReader(b)))
	if err != nil {
		return nil, err
	}
	return aead.New(h)
}

func makeKeys(dir, masterPath string) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&buf)); err != nil {
		return err
	}
	if err := os.WriteFile(masterPath, buf.Bytes(), 0o644); err != nil {
		return err
	}
	master, err := aead.New(h)
	if err != nil {
		return err
	}
	for _, d := range []string{provDept, recvDept, otherDept} {
		k, err := keys.New(d)
		if err != nil {
			return err
		}
		b, err := k.Marshal(master)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, d+".keys"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// sampleFields is a manifest whose highest level is top.
func sampleFields(top catalog.Level) []Field {
	f := []Field{
		{Name: "姓名", Type: catalog.TypePersonName, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral, Transform: catalog.TransformMask},
		{Name: "身份证号", Type: catalog.TypeResidentID, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral, Transform: catalog.TransformToken, KeyID: 0x01020304},
		{Name: "区县", Type: catalog.TypeNone, Category: catalog.CategoryPublic, Level: catalog.LevelGeneral, Transform: catalog.TransformKeep},
	}
	f[1].Level = top
	return f
}

func sampleOptions(top catalog.Level, n int) SealOptions {
	return SealOptions{
		Purpose:       catalog.PurposeAdministrativeBasis,
		Grant:         "g-2026-0042",
		Resource:      "population-register",
		NotBefore:     t0,
		NotAfter:      t0.Add(90 * 24 * time.Hour),
		Fields:        sampleFields(top),
		ContentType:   "text/csv",
		RecordCount:   uint64(n / 40),
		PayloadLength: uint64(n),
		Now:           t0,
	}
}

// samplePlaintext is n deterministic bytes (CSV-like so failures are legible).
func samplePlaintext(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "row-%07d,区县-%03d,value-%d\n", i, i%300, i*7919%100003)
	}
	return b.Bytes()[:n]
}

func seal(t testing.TB, tk *testKeys, opts SealOptions, pt []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := Seal(&out, bytes.NewReader(pt), opts, tk.prov, tk.recv.Public()); err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return out.Bytes()
}

func openOpts(tk *testKeys) OpenOptions {
	return OpenOptions{Keys: tk.recv, Purpose: catalog.PurposeAdministrativeBasis, Trust: tk.prov.Public(), Now: t0.Add(time.Hour)}
}

// recordingWriter records how many bytes were written, so tests can check
// that a failing Open wrote nothing.
type recordingWriter struct{ bytes.Buffer }

func open(env []byte, opts OpenOptions) ([]byte, *Header, error) {
	var w recordingWriter
	h, err := Open(&w, bytes.NewReader(env), int64(len(env)), opts)
	return w.Bytes(), h, err
}
