package keys

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// assertNoSecret fails if out contains secret (or any 16-byte window of it)
// raw, in hex, in base64 (any alignment) or as fmt prints a byte slice.
func assertNoSecret(t *testing.T, out string, secret []byte, what string) {
	t.Helper()
	if len(secret) < 16 {
		t.Fatalf("%s: secret too short to check", what)
	}
	lower := strings.ToLower(out)
	for i := 0; i+16 <= len(secret); i += 8 {
		w := secret[i : i+16]
		dec := strings.Trim(fmt.Sprint(w), "[]")
		if strings.Contains(out, string(w)) || strings.Contains(lower, hex.EncodeToString(w)) || strings.Contains(out, dec) {
			t.Errorf("%s: output contains secret bytes %d..%d", what, i, i+16)
		}
	}
	for shift := 0; shift < 3; shift++ {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
			s := enc.EncodeToString(secret[shift:])
			for i := 0; i+20 <= len(s)-4; i += 4 {
				if strings.Contains(out, s[i:i+20]) {
					t.Errorf("%s: output contains base64 of the secret", what)
				}
			}
		}
	}
}

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"}

func formatAll(x any) string {
	var b strings.Builder
	for _, v := range verbs {
		fmt.Fprintf(&b, v+"\n", x)
	}
	fmt.Fprintln(&b, x)
	fmt.Fprint(&b, x)
	return b.String()
}

// TestFormatHidesKeyMaterial formats every key-holding type with every
// verb and proves no secret byte sequence appears.
func TestFormatHidesKeyMaterial(t *testing.T) {
	dir := t.TempDir()
	master, err := LocalMaster(dir)
	if err != nil {
		t.Fatal(err)
	}
	kr := newTestKeyring(t, "tax-bureau")
	out := formatAll(kr) + formatAll(kr.OPRFKey()) + formatAll(master) + formatAll(kr.Public()) +
		formatAll([]any{kr, kr.OPRFKey(), master}) + formatAll(struct{ K *Keyring }{kr})
	if !strings.Contains(out, "tax-bureau") {
		t.Fatal("formatted keyring does not name its department")
	}

	for _, k := range Kinds() {
		if k == KindOPRF {
			sk, _ := kr.OPRFKey().sk.MarshalBinary()
			assertNoSecret(t, out, sk, "oprf key")
			continue
		}
		h, _ := kr.Handle(k)
		for _, sec := range secrets(t, h) {
			assertNoSecret(t, out, sec, k.String())
		}
	}
	for _, sec := range secrets(t, kr.cur.Load().root) {
		assertNoSecret(t, out, sec, "root")
	}
	mb, err := os.ReadFile(filepath.Join(dir, MasterFile))
	if err != nil {
		t.Fatal(err)
	}
	mh, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(strings.NewReader(string(mb))))
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secrets(t, mh) {
		assertNoSecret(t, out, sec, "master")
	}

	// The checker itself must catch a leak, or the test proves nothing.
	sk, _ := kr.OPRFKey().sk.MarshalBinary()
	for _, leak := range []string{fmt.Sprintf("%x", sk), fmt.Sprint(sk), base64.StdEncoding.EncodeToString(sk)} {
		ft := &testing.T{}
		assertNoSecret(ft, leak, sk, "probe")
		if !ft.Failed() {
			t.Errorf("assertNoSecret missed a leak of the form %.10s…", leak)
		}
	}
}
