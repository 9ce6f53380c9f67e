package token

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/golden"
	"github.com/tink-crypto/tink-go/v2/daead"
	"github.com/tink-crypto/tink-go/v2/daead/aessiv"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// tag identifies a value in failure messages without printing it.
func tag(v string) string {
	h := sha256.Sum256([]byte(v))
	return hex.EncodeToString(h[:4])
}

// mobiles returns n distinct random 11-digit mobiles 1[3-9]xxxxxxxxx from a
// fixed seed.
func mobiles(n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		v := fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func newKeyring(t testing.TB) *keys.Keyring {
	t.Helper()
	kr, err := keys.New("public-security-bureau")
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func mustNew(t testing.TB, kr *keys.Keyring, field, recipient string) *Tokenizer {
	t.Helper()
	tk, err := New(kr, field, recipient)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestPerRecipient proves, on 100,000 random mobiles and two recipients:
// tokens are deterministic, distinct within a recipient, never shared
// across recipients, and reverse exactly.
func TestPerRecipient(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	kr := newKeyring(t)
	a := mustNew(t, kr, "手机号", "tax-bureau")
	b := mustNew(t, kr, "手机号", "health-commission")
	vals := mobiles(n)
	owner := make(map[string]string, 2*n) // token → "a"/"b" + value index
	for i, v := range vals {
		for name, tk := range map[string]*Tokenizer{"a": a, "b": b} {
			tok, err := tk.Token(v)
			if err != nil {
				t.Fatal(err)
			}
			if prev, dup := owner[tok]; dup {
				t.Fatalf("token collision: recipient %s value %d and %s", name, i, prev)
			}
			owner[tok] = fmt.Sprintf("%s/%d", name, i)
			got, err := tk.Reverse(tok)
			if err != nil || got != v {
				t.Fatalf("recipient %s value %d (%s): round trip failed: %v", name, i, tag(v), err)
			}
			if i%1000 == 0 {
				again, _ := tk.Token(v)
				if again != tok {
					t.Fatalf("recipient %s value %d: token not deterministic", name, i)
				}
			}
		}
	}
	if len(owner) != 2*n {
		t.Fatalf("%d distinct tokens, want %d", len(owner), 2*n)
	}
}

// TestBinding proves a token reverses only under its own recipient and field.
func TestBinding(t *testing.T) {
	kr := newKeyring(t)
	a := mustNew(t, kr, "手机号", "tax-bureau")
	tok, err := a.Token("13800138000")
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []*Tokenizer{
		mustNew(t, kr, "手机号", "health-commission"),
		mustNew(t, kr, "联系电话", "tax-bureau"),
		mustNew(t, newKeyring(t), "手机号", "tax-bureau"),
	} {
		if _, err := other.Reverse(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%v reversed a token of %v: err = %v", other, a, err)
		}
	}
	// Any single-character change is rejected.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range tok {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], '=', '+'} {
			mod := tok[:i] + string(c) + tok[i+1:]
			if _, err := a.Reverse(mod); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("modified token (position %d) reversed: err = %v", i, err)
			}
		}
	}
	for _, bad := range []string{"", "a", tok[:len(tok)-1], tok + "A", strings.Repeat("A", 200000)} {
		if _, err := a.Reverse(bad); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Reverse(len %d) err = %v", len(bad), err)
		}
	}
	if _, err := New(kr, "", "r"); err == nil {
		t.Error("New accepted an empty field")
	}
	if _, err := New(kr, "f", ""); err == nil {
		t.Error("New accepted an empty recipient")
	}
	if _, err := New(nil, "f", "r"); err == nil {
		t.Error("New accepted a nil keyring")
	}
}

// TestPadding proves values are padded to 16-byte buckets and that any
// byte content, including padding-like bytes, round-trips.
func TestPadding(t *testing.T) {
	tk := mustNew(t, newKeyring(t), "f", "r")
	lenOf := func(v string) int {
		tok, err := tk.Token(v)
		if err != nil {
			t.Fatal(err)
		}
		return len(tok)
	}
	if lenOf("") != lenOf(strings.Repeat("x", 15)) || lenOf("x") == lenOf(strings.Repeat("x", 16)) {
		t.Error("token length does not follow 16-byte buckets")
	}
	if lenOf("13800138000") != lenOf("11010519491231") || lenOf("13800138000") == lenOf("11010519491231002X") {
		t.Error("bucket boundaries wrong for mobile/ID lengths")
	}
	for _, v := range []string{"", "\x80", "a\x00", "a\x80\x00", strings.Repeat("\x00", 16), "张三", strings.Repeat("z", MaxValueLen)} {
		tok, err := tk.Token(v)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tk.Reverse(tok); err != nil || got != v {
			t.Errorf("value %s (len %d): round trip failed: %v", tag(v), len(v), err)
		}
	}
	if _, err := tk.Token(strings.Repeat("z", MaxValueLen+1)); !errors.Is(err, ErrValueTooLong) {
		t.Errorf("over-long value: err = %v", err)
	}
}

// TestUnpaddedPlaintextRejected proves Reverse refuses a ciphertext that is
// authentic but was not padded by Token.
func TestUnpaddedPlaintextRejected(t *testing.T) {
	kr := newKeyring(t)
	tk := mustNew(t, kr, "f", "r")
	for _, pt := range []string{"", "abc", strings.Repeat("a", 16), "abc\x80" + strings.Repeat("\x00", 11) + "x"} {
		ct, err := kr.DeterministicAEAD().EncryptDeterministically([]byte(pt), tk.ad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tk.Reverse(base64.RawURLEncoding.EncodeToString(ct)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("unpadded plaintext of len %d accepted: %v", len(pt), err)
		}
	}
}

// TestRotation proves tokens made before a rotation still reverse after it,
// and record the key that made them.
func TestRotation(t *testing.T) {
	kr := newKeyring(t)
	before := mustNew(t, kr, "手机号", "tax-bureau")
	vals := mobiles(100)
	old := make([]string, len(vals))
	for i, v := range vals {
		old[i], _ = before.Token(v)
	}
	oldID, _ := kr.PrimaryKeyID(keys.KindToken)
	newID, err := kr.Rotate(keys.KindToken)
	if err != nil {
		t.Fatal(err)
	}
	after := mustNew(t, kr, "手机号", "tax-bureau")
	for i, v := range vals {
		if got, err := after.Reverse(old[i]); err != nil || got != v {
			t.Fatalf("value %d: pre-rotation token does not reverse: %v", i, err)
		}
		if id, err := KeyID(old[i]); err != nil || id != oldID {
			t.Fatalf("value %d: KeyID = %d, %v; want %d", i, id, err, oldID)
		}
		tok, _ := after.Token(v)
		if id, _ := KeyID(tok); id != newID || tok == old[i] {
			t.Fatalf("value %d: new token not made with the new primary", i)
		}
	}
	if _, err := KeyID("!!!!!!!!"); err == nil {
		t.Error("KeyID accepted garbage")
	}
}

func fixedAEAD(t testing.TB) (tink.DeterministicAEAD, []byte) {
	t.Helper()
	f, err := os.Open("testdata/token_keyset.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		t.Fatal(err)
	}
	d, err := daead.New(h)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := h.Primary()
	return d, e.Key().(*aessiv.Key).KeyBytes().Data(insecuresecretdataaccess.Token{})
}

type vector struct {
	Field     string `json:"field"`
	Recipient string `json:"recipient"`
	Value     string `json:"value"`
	Token     string `json:"token"`
}

// TestKnownAnswer pins the token encoding (label, AD layout, padding,
// base64url) on a fixed keyset; regenerate with -update only on a
// deliberate format change.
func TestKnownAnswer(t *testing.T) {
	d, _ := fixedAEAD(t)
	inputs := []vector{
		{"手机号", "tax-bureau", "13800138000", ""},
		{"手机号", "health-commission", "13800138000", ""},
		{"身份证号", "tax-bureau", "11010519491231002X", ""},
		{"姓名", "tax-bureau", "张三", ""},
		{"f", "r", "", ""},
		{"f", "r", "0123456789abcdef", ""},
	}
	for i := range inputs {
		tk, err := NewWithAEAD(d, inputs[i].Field, inputs[i].Recipient)
		if err != nil {
			t.Fatal(err)
		}
		if inputs[i].Token, err = tk.Token(inputs[i].Value); err != nil {
			t.Fatal(err)
		}
	}
	path := "testdata/vectors.json"
	if golden.Update() {
		b, _ := json.MarshalIndent(inputs, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(inputs) {
		t.Fatalf("%d vectors, want %d", len(want), len(inputs))
	}
	for i, w := range want {
		tk, _ := NewWithAEAD(d, w.Field, w.Recipient)
		if inputs[i].Token != w.Token {
			t.Errorf("vector %d: token differs from testdata", i)
		}
		if got, err := tk.Reverse(w.Token); err != nil || got != w.Value {
			t.Errorf("vector %d: testdata token does not reverse: %v", i, err)
		}
	}
}

// TestConcurrent uses one Tokenizer from many goroutines; run with -race.
func TestConcurrent(t *testing.T) {
	tk := mustNew(t, newKeyring(t), "手机号", "tax-bureau")
	vals := mobiles(2000)
	want := make([]string, len(vals))
	for i, v := range vals {
		want[i], _ = tk.Token(v)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < len(vals); i += 3 {
				tok, err := tk.Token(vals[i])
				if err != nil || tok != want[i] {
					t.Errorf("goroutine %d value %d: token differs", g, i)
					return
				}
				if v, err := tk.Reverse(tok); err != nil || v != vals[i] {
					t.Errorf("goroutine %d value %d: reverse failed", g, i)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestFormatHidesKey formats a Tokenizer with every verb and proves the key
// bytes do not appear.
func TestFormatHidesKey(t *testing.T) {
	d, key := fixedAEAD(t)
	tk, _ := NewWithAEAD(d, "手机号", "tax-bureau")
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		fmt.Fprintf(&out, verb+"\n", tk)
		fmt.Fprintf(&out, verb+"\n", []any{tk})
	}
	s := out.String()
	if !strings.Contains(s, "tax-bureau") {
		t.Fatal("formatted tokenizer does not name its recipient")
	}
	for i := 0; i+8 <= len(key); i += 8 {
		w := key[i : i+8]
		if strings.Contains(s, string(w)) || strings.Contains(s, hex.EncodeToString(w)) || strings.Contains(s, strings.Trim(fmt.Sprint(w), "[]")) {
			t.Errorf("key bytes %d..%d appear in formatted output", i, i+8)
		}
	}
}

// FuzzReverse feeds arbitrary strings to Reverse: no panic, and nothing but
// a genuine token reverses.
func FuzzReverse(f *testing.F) {
	d, _ := fixedAEAD(f)
	tk, _ := NewWithAEAD(d, "手机号", "tax-bureau")
	good, _ := tk.Token("13800138000")
	f.Add(good)
	f.Add("")
	f.Add("AQAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := tk.Reverse(s)
		if err == nil {
			again, err := tk.Token(v)
			if err != nil || again != s {
				t.Fatalf("Reverse accepted a non-canonical token (len %d)", len(s))
			}
		}
		_, _ = KeyID(s)
	})
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

func BenchmarkToken(b *testing.B) {
	tk := mustNew(b, newKeyring(b), "手机号", "tax-bureau")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Token("13800138000"); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

func BenchmarkReverse(b *testing.B) {
	tk := mustNew(b, newKeyring(b), "手机号", "tax-bureau")
	tok, _ := tk.Token("13800138000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.Reverse(tok); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkRawEncryptDeterministically is the baseline: Tink AES-SIV on the
// same value, no associated data, padding or encoding.
func BenchmarkRawEncryptDeterministically(b *testing.B) {
	d := newKeyring(b).DeterministicAEAD()
	v := []byte("13800138000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.EncryptDeterministically(v, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}

// BenchmarkRawDecryptDeterministically is Reverse's baseline.
func BenchmarkRawDecryptDeterministically(b *testing.B) {
	d := newKeyring(b).DeterministicAEAD()
	ct, _ := d.EncryptDeterministically([]byte("13800138000"), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.DecryptDeterministically(ct, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b)
}
