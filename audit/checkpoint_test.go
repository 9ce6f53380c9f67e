package audit

import (
	"fmt"
	"strings"
	"testing"
)

// TestVerifierKey: the verifier key derived from a signer key is the one
// GenerateKey made with it, and verifies what the signer signs; malformed
// keys (a bad prefix, name hash, length or algorithm) are refused.
func TestVerifierKey(t *testing.T) {
	for _, name := range []string{"govshare.local/log", "exchange.example/a-b_c"} {
		sk, vk, err := GenerateKey(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifierKey(sk)
		if err != nil || got != vk {
			t.Fatalf("%s: derived %q, %v; want %q", name, got, err, vk)
		}
	}
	sk, _, _ := GenerateKey("govshare.local/x")
	parts := strings.Split(string(sk), "+")
	for _, bad := range []string{
		"", "PRIVATE+KEY", strings.Replace(string(sk), "PRIVATE", "PUBLIC", 1),
		strings.Join(append(append([]string{}, parts[:3]...), "00000000", parts[4]), "+"), // wrong name hash
		string(sk)[:len(sk)-4], // short key
	} {
		if _, err := VerifierKey(SignerKey(bad)); err == nil {
			t.Errorf("malformed key %d accepted", len(bad))
		}
	}
}

// A verifier key lost with its file is derived again from the signer key.
func ExampleVerifierKey() {
	sk, vk, _ := GenerateKey("govshare.local/sharelog")
	derived, _ := VerifierKey(sk)
	fmt.Println(derived == vk, strings.HasPrefix(derived, "govshare.local/sharelog+"))
	// Output: true true
}
