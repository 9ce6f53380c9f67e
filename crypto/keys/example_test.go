package keys_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// A department creates its keys once, stores them encrypted under a local
// master key, and publishes the public bundle.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "govshare-keys")
	defer os.RemoveAll(dir)

	kr, err := keys.New("tax-bureau")
	if err != nil {
		log.Fatal(err)
	}
	master, err := keys.LocalMaster(dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := kr.Save(dir, master); err != nil {
		log.Fatal(err)
	}
	for _, name := range []string{"master.key", "tax-bureau.keys", "tax-bureau.pub"} {
		fi, _ := os.Stat(filepath.Join(dir, name))
		fmt.Println(name, fi.Mode().Perm())
	}
	// Output:
	// master.key -rw-------
	// tax-bureau.keys -rw-------
	// tax-bureau.pub -rw-r--r--
}

func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "govshare-keys")
	defer os.RemoveAll(dir)
	master, _ := keys.LocalMaster(dir)
	kr, _ := keys.New("tax-bureau")
	_ = kr.Save(dir, master)

	loaded, err := keys.Load(dir, "tax-bureau", master)
	if err != nil {
		log.Fatal(err)
	}
	a, _ := kr.PrimaryKeyID(keys.KindToken)
	b, _ := loaded.PrimaryKeyID(keys.KindToken)
	fmt.Println(loaded.Dept(), a == b)

	other, _ := keys.LocalMaster(filepath.Join(dir, "elsewhere"))
	_, err = keys.Load(dir, "tax-bureau", other)
	fmt.Println(err != nil)
	// Output:
	// tax-bureau true
	// true
}

// Another department reads the published bundle to seal data to tax-bureau.
func ExampleLoadPublic() {
	dir, _ := os.MkdirTemp("", "govshare-keys")
	defer os.RemoveAll(dir)
	master, _ := keys.LocalMaster(dir)
	kr, _ := keys.New("tax-bureau")
	_ = kr.Save(dir, master)

	pub, err := keys.LoadPublic(keys.PublicPath(dir, "tax-bureau"))
	if err != nil {
		log.Fatal(err)
	}
	kem, sig, _ := keys.SuiteKinds(catalog.LevelCore)
	enc, _ := pub.HybridEncrypt(kem)
	ct, _ := enc.Encrypt([]byte("payload"), []byte("context"))
	dec, _ := kr.HybridDecrypt(kem)
	pt, _ := dec.Decrypt(ct, []byte("context"))
	fmt.Println(pub.Dept(), kem, sig, string(pt))
	// Output: tax-bureau kem-mlkem1024 sign-mldsa87 payload
}

func ExampleLocalMaster() {
	dir, _ := os.MkdirTemp("", "govshare-keys")
	defer os.RemoveAll(dir)
	if _, err := keys.LocalMaster(dir); err != nil {
		log.Fatal(err)
	}
	_ = os.Chmod(filepath.Join(dir, keys.MasterFile), 0o644)
	_, err := keys.LocalMaster(dir)
	fmt.Println(err != nil)
	// Output: true
}

// Master takes "local:DIR" or a KMS URI served by a registered KMS client.
func ExampleMaster() {
	dir, _ := os.MkdirTemp("", "govshare-keys")
	defer os.RemoveAll(dir)
	m, err := keys.Master("local:" + dir)
	fmt.Println(m != nil, err)
	_, err = keys.Master("gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k")
	fmt.Println(err != nil)
	// Output:
	// true <nil>
	// true
}

func ExampleKeyring_Rotate() {
	kr, _ := keys.New("tax-bureau")
	oldID, _ := kr.PrimaryKeyID(keys.KindFPE)
	newID, _ := kr.Rotate(keys.KindFPE)
	ids, _ := kr.KeyIDs(keys.KindFPE)
	primary, _ := kr.PrimaryKeyID(keys.KindFPE)
	// the old key stays, to reverse what it encrypted
	fmt.Println(len(ids), primary == newID, primary != oldID)
	// Output: 2 true true
}

// Printing a keyring shows its department and key ids, never key material.
func ExampleKeyring_String() {
	kr, _ := keys.New("tax-bureau")
	s := fmt.Sprintf("%+v", kr)
	fmt.Println(s[:34])
	// Output: keys.Keyring{dept:"tax-bureau" tok
}

// A department rotates its signing key and later revokes the old one from
// the time it may have leaked. Signatures the old key made before then stay
// valid; anything it signs dated later is refused by whoever holds the new
// bundle.
func ExampleKeyring_Revoke() {
	kr, _ := keys.New("tax-bureau")
	kind := keys.KindSignEd25519
	old, _ := kr.PrimaryKeyID(kind)
	rotated := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	_, _ = kr.RotateAt(kind, rotated)
	_ = kr.Revoke(kind, old, rotated.Add(-24*time.Hour))

	pub := kr.Public()
	ki, _ := pub.KeyInfo(kind, old)
	fmt.Println(pub.Version(), ki.State)
	fmt.Println(pub.SigningKeyValidAt(old, rotated.Add(-48*time.Hour)) == nil)
	fmt.Println(errors.Is(pub.SigningKeyValidAt(old, rotated.Add(-time.Hour)), keys.ErrKeyNotValid))
	// Output:
	// 3 revoked
	// true
	// true
}

// A recipient keeps the bundle whose fingerprint it compared with the
// department by telephone, and accepts a later bundle only if VerifyUpdate
// passes.
func ExampleVerifyUpdate() {
	kr, _ := keys.New("tax-bureau")
	trusted := kr.Public()
	fmt.Println(len(trusted.Fingerprint())) // 16 groups of 4 hex digits
	_, _ = kr.Rotate(keys.KindSignMLDSA87)
	next := kr.Public()
	fmt.Println(keys.VerifyUpdate(trusted, next), next.Fingerprint() == trusted.Fingerprint())
	fmt.Println(errors.Is(keys.VerifyUpdate(next, trusted), keys.ErrBundleRollback))
	// Output:
	// 79
	// <nil> true
	// true
}
