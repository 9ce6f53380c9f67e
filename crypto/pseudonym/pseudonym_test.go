package pseudonym

import (
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
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/insecuresecretdataaccess"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	"github.com/tink-crypto/tink-go/v2/prf/hmacprf"
)

func ids(n int) []string {
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	var out []string
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

func mustNew(t testing.TB, kr *keys.Keyring, field, recipient string) *Pseudonymizer {
	t.Helper()
	p, err := New(kr, field, recipient)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPerRecipient proves determinism, zero collisions within and across
// two recipients over 100,000 values, and that the key id is recorded.
func TestPerRecipient(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	kr := newKeyring(t)
	a := mustNew(t, kr, "手机号", "tax-bureau")
	b := mustNew(t, kr, "手机号", "health-commission")
	primary, _ := kr.PrimaryKeyID(keys.KindPseudonym)
	seen := make(map[string]int, 2*n)
	for i, v := range ids(n) {
		for j, p := range []*Pseudonymizer{a, b} {
			ps, err := p.Pseudonym(v)
			if err != nil {
				t.Fatal(err)
			}
			if prev, dup := seen[ps]; dup {
				t.Fatalf("collision: value %d recipient %d with entry %d", i, j, prev)
			}
			seen[ps] = 2*i + j
			if i%1000 == 0 {
				again, _ := p.Pseudonym(v)
				id, err := KeyID(ps)
				if again != ps || err != nil || id != primary || len(ps) != 28 {
					t.Fatalf("value %d: not deterministic or key id not recorded", i)
				}
			}
		}
	}
	if a.KeyID() != primary {
		t.Error("Pseudonymizer.KeyID is not the primary")
	}
}

// TestBindingAndRotation proves field separation and that rotation changes
// the key id and the pseudonym.
func TestBindingAndRotation(t *testing.T) {
	kr := newKeyring(t)
	a := mustNew(t, kr, "手机号", "tax-bureau")
	other := mustNew(t, kr, "联系电话", "tax-bureau")
	x, _ := a.Pseudonym("13800138000")
	y, _ := other.Pseudonym("13800138000")
	if x == y {
		t.Error("two fields share a pseudonym")
	}
	// Length-prefixing keeps ("ab","c") and ("a","bc") apart.
	p1 := mustNew(t, kr, "ab", "c")
	p2 := mustNew(t, kr, "a", "bc")
	if s1, _ := p1.Pseudonym("v"); func() bool { s2, _ := p2.Pseudonym("v"); return s1 == s2 }() {
		t.Error("encoding is ambiguous")
	}
	if _, err := kr.Rotate(keys.KindPseudonym); err != nil {
		t.Fatal(err)
	}
	after := mustNew(t, kr, "手机号", "tax-bureau")
	z, _ := after.Pseudonym("13800138000")
	idOld, _ := KeyID(x)
	idNew, _ := KeyID(z)
	if z == x || idOld == idNew || after.KeyID() != idNew {
		t.Error("rotation did not change key id and pseudonym")
	}
	if _, err := a.Pseudonym(strings.Repeat("x", MaxValueLen+1)); !errors.Is(err, ErrValueTooLong) {
		t.Errorf("over-long value: %v", err)
	}
	for _, bad := range []string{"", "AQ", x[:27], x + "A", strings.Repeat("A", 28), "+" + x[1:]} {
		if _, err := KeyID(bad); err == nil {
			t.Errorf("KeyID accepted %q", bad)
		}
	}
	if _, err := New(kr, "", "r"); err == nil {
		t.Error("empty field accepted")
	}
	if _, err := NewWithPRF(nil, "f", "r"); err == nil {
		t.Error("nil PRF set accepted")
	}
}

func fixedSet(t testing.TB) (*prf.Set, []byte) {
	t.Helper()
	f, err := os.Open("testdata/pseudonym_keyset.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := insecurecleartextkeyset.Read(keyset.NewJSONReader(f))
	if err != nil {
		t.Fatal(err)
	}
	s, err := prf.NewPRFSet(h)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := h.Primary()
	return s, e.Key().(*hmacprf.Key).KeyBytes().Data(insecuresecretdataaccess.Token{})
}

type vector struct {
	Field     string `json:"field"`
	Recipient string `json:"recipient"`
	Value     string `json:"value"`
	Pseudonym string `json:"pseudonym"`
}

// TestKnownAnswer pins the encoding on a fixed keyset; regenerate with
// -update only on a deliberate format change.
func TestKnownAnswer(t *testing.T) {
	set, _ := fixedSet(t)
	got := []vector{
		{"手机号", "tax-bureau", "13800138000", ""},
		{"手机号", "health-commission", "13800138000", ""},
		{"身份证号", "tax-bureau", "11010519491231002X", ""},
		{"f", "r", "", ""},
	}
	for i := range got {
		p, err := NewWithPRF(set, got[i].Field, got[i].Recipient)
		if err != nil {
			t.Fatal(err)
		}
		got[i].Pseudonym, _ = p.Pseudonym(got[i].Value)
	}
	path := "testdata/vectors.json"
	if golden.Update() {
		b, _ := json.MarshalIndent(got, "", "  ")
		_ = os.WriteFile(path, append(b, '\n'), 0o644)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%d vectors, want %d", len(want), len(got))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("vector %d differs from testdata", i)
		}
	}
}

func TestConcurrentAndFormat(t *testing.T) {
	set, key := fixedSet(t)
	p, _ := NewWithPRF(set, "手机号", "tax-bureau")
	want, _ := p.Pseudonym("13800138000")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if got, err := p.Pseudonym("13800138000"); err != nil || got != want {
					t.Error("concurrent pseudonym differs")
					return
				}
			}
		}()
	}
	wg.Wait()
	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		fmt.Fprintf(&out, verb+"\n", p)
		fmt.Fprintf(&out, verb+"\n", []any{p})
	}
	s := out.String()
	for i := 0; i+8 <= len(key); i += 8 {
		w := key[i : i+8]
		if strings.Contains(s, string(w)) || strings.Contains(s, hex.EncodeToString(w)) || strings.Contains(s, strings.Trim(fmt.Sprint(w), "[]")) {
			t.Errorf("key bytes %d..%d appear in formatted output", i, i+8)
		}
	}
}

func FuzzKeyID(f *testing.F) {
	set, _ := fixedSet(f)
	p, _ := NewWithPRF(set, "f", "r")
	good, _ := p.Pseudonym("v")
	f.Add(good)
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := KeyID(s); err == nil && len(s) != 28 {
			t.Fatal("accepted a string of the wrong length")
		}
	})
}

func BenchmarkPseudonym(b *testing.B) {
	p := mustNew(b, newKeyring(b), "手机号", "tax-bureau")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Pseudonym("13800138000"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// BenchmarkRawPRF is the baseline: Tink HMAC-SHA256 PRF on the bare value.
func BenchmarkRawPRF(b *testing.B) {
	set := newKeyring(b).PseudonymPRF()
	v := []byte("13800138000")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.ComputePrimaryPRF(v, Size); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
}
