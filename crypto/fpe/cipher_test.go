package fpe_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/fpe"
	"github.com/govshare/govshare/crypto/keys"
)

// TestCipher: New derives a per-field, per-recipient key; outputs are valid
// identifiers; Decrypt reverses; another field or recipient gives another
// output; a rotated keyring decrypts old outputs by key id.
func TestCipher(t *testing.T) {
	kr, err := keys.New("public-security-bureau")
	if err != nil {
		t.Fatal(err)
	}
	bound := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	vals := map[catalog.Type]string{
		catalog.TypeResidentID: "11010519491231002X",
		catalog.TypeMobile:     "13812345678",
		catalog.TypeUSCC:       "91350100M000100Y43",
		catalog.TypeBankCard:   "6222021234567890128",
	}
	for typ, v := range vals {
		c, err := fpe.New(kr, typ, "f", "tax-bureau", &fpe.Options{MaxBirthDate: bound})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		out, err := c.Encrypt(v)
		if err != nil || out == v || !classify.Validate(typ, out) {
			t.Fatalf("%s: encrypt gave an invalid or unchanged value (%v)", typ, err)
		}
		back, err := c.Decrypt(out)
		if err != nil || back != v {
			t.Fatalf("%s: decrypt does not reverse (%v)", typ, err)
		}
		other, _ := fpe.New(kr, typ, "f", "civil-affairs", &fpe.Options{MaxBirthDate: bound})
		if o, _ := other.Encrypt(v); o == out {
			t.Errorf("%s: two recipients get one output", typ)
		}
		if s := fmt.Sprint(c) + fmt.Sprintf("%#v %+v", c, c); strings.Contains(s, v) || !strings.Contains(s, "redacted") {
			t.Errorf("%s: Cipher prints more than its type and key id", typ)
		}
		// after a rotation the old key id still decrypts
		id := c.KeyID()
		if _, err := kr.Rotate(keys.KindFPE); err != nil {
			t.Fatal(err)
		}
		old, err := fpe.New(kr, typ, "f", "tax-bureau", &fpe.Options{MaxBirthDate: bound, KeyID: id})
		if err != nil {
			t.Fatal(err)
		}
		if back, err := old.Decrypt(out); err != nil || back != v {
			t.Errorf("%s: old key id does not decrypt after rotation", typ)
		}
	}
	if _, err := fpe.New(kr, catalog.TypeEmail, "f", "r", nil); !errors.Is(err, fpe.ErrUnsupportedType) {
		t.Errorf("email: %v, want ErrUnsupportedType", err)
	}
}

func ExampleNew() {
	kr, _ := keys.New("public-security-bureau")
	c, _ := fpe.New(kr, catalog.TypeMobile, "手机号码", "tax-bureau", nil)
	out, _ := c.Encrypt("138-1234-5678")
	back, _ := c.Decrypt(out)
	fmt.Println(len(out), out[:3], back)
	// Output: 11 138 13812345678
}
