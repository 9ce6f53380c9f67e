package envelope

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope/internal/format"
)

// twoFaced serves first on the first read of every offset and second on
// every later read of it: the genuine envelope to Open's first pass (the
// one the signature is checked against) and other bytes to its second.
// It models a file that changes between the passes, or a server that
// answers range requests differently the second time.
type twoFaced struct {
	first, second []byte
	mu            sync.Mutex
	seen          map[int64]bool
}

func (r *twoFaced) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	src := r.first
	if r.seen[off] {
		src = r.second
	}
	r.seen[off] = true
	r.mu.Unlock()
	return bytes.NewReader(src).ReadAt(p, off)
}

// reencrypt returns env with its payload replaced by pt encrypted under the
// envelope's real data key, header and chunk order: what the holder of the
// data key (the recipient, or the provider) can make. Every chunk
// authenticates under AES-GCM; only the signed digest tells it apart.
func reencrypt(t testing.TB, tk *testKeys, env, pt []byte) []byte {
	t.Helper()
	p := split(t, env)
	hb := env[:p.header[1]]
	payload := encryptPayload(t, hb, dataKeyOf(t, tk, env), pt)
	return append(append(bytes.Clone(env[:p.payload[0]]), payload...), env[p.sig[0]:]...)
}

// TestOpenSecondPassMustMatchSignedDigest (issue 11 §7): the first pass sees
// the signed envelope, the second other ciphertext under the same data key.
// Every substituted chunk passes its AES-GCM tag, so only a comparison with
// the chunk hashes the signature covered can refuse it. Open must fail with
// ErrAuth, and whatever it wrote must be a prefix of what the provider
// signed, never a byte of the substitute.
func TestOpenSecondPassMustMatchSignedDigest(t *testing.T) {
	tk := fixedKeys(t)
	C := format.ChunkSize
	for _, tc := range []struct {
		name   string
		n      int
		change func(pt []byte) // what the second face decrypts to
	}{
		{"one chunk", 1000, func(pt []byte) { copy(pt[10:], "NOT-SIGNED") }},
		{"first of three", 3*C - 5, func(pt []byte) { copy(pt[10:], "NOT-SIGNED") }},
		{"last of three", 3*C - 5, func(pt []byte) { copy(pt[2*C+10:], "NOT-SIGNED") }},
		{"every chunk", 3 * C, func(pt []byte) {
			for i := 0; i < len(pt); i += C {
				pt[i] ^= 1
			}
		}},
	} {
		for _, workers := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/%d workers", tc.name, workers), func(t *testing.T) {
				pt := samplePlaintext(tc.n)
				env := seal(t, tk, sampleOptions(catalog.LevelGeneral, tc.n), pt)
				other := bytes.Clone(pt)
				tc.change(other)
				forged := reencrypt(t, tk, env, other)
				if len(forged) != len(env) {
					t.Fatal("re-encryption changed the length")
				}
				r := &twoFaced{first: env, second: forged, seen: map[int64]bool{}}
				var w bytes.Buffer
				_, err := openWorkers(&w, r, int64(len(env)), openOpts(tk), workers)
				if !errors.Is(err, ErrAuth) {
					t.Fatalf("Open of a two-faced input: err = %v, want ErrAuth", err)
				}
				if !bytes.HasPrefix(pt, w.Bytes()) {
					t.Fatalf("Open released %d bytes that the provider did not sign", w.Len())
				}
				if w.Len()%C != 0 {
					t.Fatalf("Open released %d bytes: not whole chunks", w.Len())
				}
			})
		}
	}
	// The same reader serving the genuine bytes both times opens.
	pt := samplePlaintext(2*C + 7)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, len(pt)), pt)
	var w bytes.Buffer
	if _, err := Open(&w, &twoFaced{first: env, second: env, seen: map[int64]bool{}}, int64(len(env)), openOpts(tk)); err != nil || !bytes.Equal(w.Bytes(), pt) {
		t.Fatalf("honest reader: err %v", err)
	}
}
