package envelope

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope/internal/format"
	"github.com/govshare/govshare/envelope/internal/stream"
	"github.com/govshare/govshare/internal/golden"
)

// Vectors live in testdata/vectors: one .gse file per vector and a manifest
// of blank-line-separated blocks:
//
//	file: general-ok.gse
//	keys: tax-bureau              (the opener's keyring)
//	trust: public-security-bureau (the provider bundle trusted; see trustFor)
//	purpose: administrative_basis
//	now: 2026-03-01T09:00:00Z
//	expect: ok                    (or: expect: err ErrName)
//	plaintext-sha256: …           (ok vectors only)
//
// They are made by TestVectorsUpToDate -update from the checked-in test keys
// and fixed randomness (testing/cryptotest); every normal run both checks
// each vector and regenerates them in memory, so the format cannot drift
// without a visible testdata change.
const vectorDir = "testdata/vectors"

type vector struct {
	file, keys, trust, purpose, now, expect, ptHash string
	env                                             []byte
}

func (v *vector) manifest() string {
	s := fmt.Sprintf("file: %s\nkeys: %s\ntrust: %s\npurpose: %s\nnow: %s\nexpect: %s\n", v.file, v.keys, v.trust, v.purpose, v.now, v.expect)
	if v.ptHash != "" {
		s += "plaintext-sha256: " + v.ptHash + "\n"
	}
	return s
}

// makeVectors builds every vector deterministically.
func makeVectors(t *testing.T) []*vector {
	tk := fixedKeys(t)
	now := t0.Add(time.Hour).Format(time.RFC3339)
	base := func(name string, lv catalog.Level, n int, seed uint64) (*vector, []byte) {
		pt := samplePlaintext(n)
		cryptotest.SetGlobalRandom(t, seed)
		env := seal(t, tk, sampleOptions(lv, n), pt)
		sum := sha256.Sum256(pt)
		return &vector{file: name + ".gse", keys: recvDept, trust: provDept, purpose: string(catalog.PurposeAdministrativeBasis),
			now: now, expect: "ok", ptHash: hex.EncodeToString(sum[:]), env: env}, pt
	}
	derive := func(from *vector, name, expect string, env []byte) *vector {
		v := *from
		v.file, v.expect, v.ptHash, v.env = name+".gse", "err "+expect, "", env
		return &v
	}
	general, gpt := base("general-ok", catalog.LevelGeneral, 1000, 1)
	important, _ := base("important-ok", catalog.LevelImportant, format.ChunkSize+4000, 2)
	core, cpt := base("core-ok", catalog.LevelCore, 200, 3)
	empty, _ := base("empty-ok", catalog.LevelGeneral, 0, 4)
	exact, _ := base("exact-chunk-ok", catalog.LevelGeneral, format.ChunkSize, 5)
	vs := []*vector{general, important, core, empty, exact}
	flip := func(env []byte, at int) []byte { b := bytes.Clone(env); b[at] ^= 0x20; return b }
	// Envelopes sealed before BLAKE3 chunk hashes (digest sha256-chunks)
	// still open: general-ok as Seal wrote it then, byte for byte, and the
	// same with a payload byte changed.
	sealDigest = format.DigestSHA256Chunks
	sha, _ := base("sha256-chunks-ok", catalog.LevelGeneral, 1000, 1)
	sealDigest = format.DigestBLAKE3Chunks
	vs = append(vs, sha, derive(sha, "sha256-chunks-payload-flipped", "ErrAuth", flip(sha.env, split(t, sha.env).payload[0]+10)))

	p := split(t, important.env)
	g := split(t, general.env)
	wp := derive(general, "wrong-purpose", "ErrWrongPurpose", general.env)
	wp.purpose = string(catalog.PurposeStatistics)
	wr := derive(general, "wrong-recipient", "ErrWrongRecipient", general.env)
	wr.keys = otherDept
	up := derive(general, "untrusted-provider", "ErrUntrustedProvider", general.env)
	up.trust = otherDept
	ex := derive(general, "expired", "ErrExpired", general.env)
	ex.now = t0.Add(91 * 24 * time.Hour).Format(time.RFC3339)
	ny := derive(general, "not-yet-valid", "ErrNotYetValid", general.env)
	ny.now = t0.Add(-time.Minute).Format(time.RFC3339)
	revoked := derive(general, "signer-revoked-before-issue", "ErrKeyNotValid", general.env)
	revoked.trust = trustRevoked
	retired := derive(general, "signer-retired-before-issue", "ErrKeyNotValid", general.env)
	retired.trust = trustRetired
	later := derive(general, "signer-revoked-after-issue-ok", "", general.env)
	later.expect, later.ptHash, later.trust = "ok", general.ptHash, trustRevokedLater
	vs = append(vs, wp, wr, up, ex, ny, revoked, retired, later,
		derive(general, "payload-flipped", "ErrAuth", flip(general.env, g.payload[0]+10)),
		derive(important, "second-chunk-flipped", "ErrAuth", flip(important.env, p.payload[0]+format.ChunkSize+format.TagSize+10)),
		derive(general, "stanza-flipped", "ErrAuth", flip(general.env, g.stanza[0]+40)),
		derive(core, "signature-flipped", "ErrAuth", flip(core.env, split(t, core.env).sig[0]+100)),
		derive(general, "header-id-flipped", "ErrAuth", flip(general.env, 14)),
		derive(important, "truncated-at-chunk", "ErrMalformed", important.env[:p.payload[0]+format.ChunkSize+format.TagSize]),
		derive(general, "appended", "ErrMalformed", append(bytes.Clone(general.env), '\n')),
		derive(general, "unknown-version", "ErrMalformed", func() []byte { b := bytes.Clone(general.env); b[8] = 3; return b }()),
		derive(general, "envelope-v1", "ErrMalformed", func() []byte { b := bytes.Clone(general.env); b[8] = 1; return b }()),
		derive(general, "uncommitted-data-key", "ErrAuth", uncommittedDataKey(t, tk, general.env, gpt)),
		derive(general, "unknown-suite", "ErrUnknownSuite", func() []byte { b := bytes.Clone(general.env); b[13] = 9; return b }()),
		derive(core, "downgraded-suite", "ErrUnknownSuite", func() []byte { b := bytes.Clone(core.env); b[13] = format.SuiteImportant; return b }()),
		derive(core, "spliced-by-recipient", "ErrAuth", spliceForgery(t, tk, core.env, cpt)),
		derive(important, "chunks-swapped", "ErrAuth", func() []byte {
			b := bytes.Clone(important.env)
			stride := format.ChunkSize + format.TagSize
			// Swap the first 4016 bytes of chunk 0 with chunk 1 (both its length).
			n := p.payload[1] - p.payload[0] - stride
			c0, c1 := b[p.payload[0]:p.payload[0]+n], b[p.payload[0]+stride:p.payload[1]]
			tmp := bytes.Clone(c0)
			copy(c0, c1)
			copy(c1, tmp)
			return b
		}()),
	)
	return vs
}

// Trust names beyond the three departments: the provider's bundle after a
// lifecycle change, made from its checked-in keyring by trustFor.
const (
	// Ed25519 rotated at t0−2h and the old key (which sealed the vectors)
	// revoked from t0−1h.
	trustRevoked = provDept + "+ed25519-revoked-at-t0-1h"
	// Ed25519 rotated at t0−1h: the old key is retired from then.
	trustRetired = provDept + "+ed25519-rotated-at-t0-1h"
	// Ed25519 rotated at t0+1h and the old key revoked from t0+2h: what it
	// signed at t0 stays valid.
	trustRevokedLater = provDept + "+ed25519-revoked-at-t0+2h"
)

// trustFor returns the public bundle a manifest's trust line names.
func trustFor(t *testing.T, tk *testKeys, name string) *keys.PublicBundle {
	t.Helper()
	change := func(rotate, revoke time.Duration) *keys.PublicBundle {
		k := tk.reload(t, provDept)
		old, _ := k.PrimaryKeyID(keys.KindSignEd25519)
		if _, err := k.RotateAt(keys.KindSignEd25519, t0.Add(rotate)); err != nil {
			t.Fatal(err)
		}
		if revoke != 0 {
			if err := k.Revoke(keys.KindSignEd25519, old, t0.Add(revoke)); err != nil {
				t.Fatal(err)
			}
		}
		return k.Public()
	}
	switch name {
	case provDept:
		return tk.prov.Public()
	case recvDept:
		return tk.recv.Public()
	case otherDept:
		return tk.other.Public()
	case trustRevoked:
		return change(-2*time.Hour, -time.Hour)
	case trustRetired:
		return change(-time.Hour, 0)
	case trustRevokedLater:
		return change(time.Hour, 2*time.Hour)
	}
	t.Fatalf("unknown trust %q", name)
	return nil
}

// uncommittedDataKey is the provider's own forgery: the real header, which
// commits to the sealed data key, with a stanza wrapping another data key
// and the payload encrypted under that one, all signed by the provider. It
// authenticates everywhere but at the key commitment.
func uncommittedDataKey(t *testing.T, tk *testKeys, env, pt []byte) []byte {
	p := split(t, env)
	hb := env[:p.header[1]]
	other := bytes.Repeat([]byte{0x42}, format.DataKeySize)
	return forge(t, tk, hb, wrapDataKey(t, tk, hb, other), encryptPayload(t, hb, other, pt))
}

// spliceForgery is the recipient's forgery: same header and stanza, payload
// re-encrypted under the real data key with one byte changed.
func spliceForgery(t *testing.T, tk *testKeys, env, pt []byte) []byte {
	p := split(t, env)
	hb := env[:p.header[1]]
	hh := sha256.Sum256(hb)
	h, _ := ParseHeader(hb)
	kem, _, _ := h.Suite.Kinds()
	dec, _ := tk.recv.HybridDecrypt(kem)
	dk, err := dec.Decrypt(env[p.stanza[0]+2:p.stanza[1]], stanzaInfo(hh[:]))
	if err != nil {
		t.Fatal(err)
	}
	key, _ := stream.PayloadKey(dk, hh[:], string(h.Purpose))
	a, _ := stream.AEAD(key)
	forged := bytes.Clone(pt)
	forged[0] ^= 1
	out := bytes.Clone(env[:p.payload[0]])
	nc := format.NumChunks(uint64(len(pt)))
	for i := uint64(0); i < nc; i++ {
		out = stream.SealChunk(a, out, forged[int(i)*format.ChunkSize:min(int(i+1)*format.ChunkSize, len(pt))], hh[:], i, i == nc-1)
	}
	return append(out, env[p.sig[0]:]...)
}

func TestVectorsUpToDate(t *testing.T) {
	vs := makeVectors(t)
	var manifest strings.Builder
	manifest.WriteString("# envelope/v1 test vectors: generated by `go test ./envelope -run TestVectorsUpToDate -args -update`; do not edit.\n\n")
	for i, v := range vs {
		if i > 0 {
			manifest.WriteString("\n")
		}
		manifest.WriteString(v.manifest())
	}
	mpath := filepath.Join(vectorDir, "manifest.txt")
	if golden.Update() {
		if err := os.MkdirAll(vectorDir, 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob(filepath.Join(vectorDir, "*.gse"))
		for _, f := range old {
			os.Remove(f)
		}
		for _, v := range vs {
			if err := os.WriteFile(filepath.Join(vectorDir, v.file), v.env, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(mpath, []byte(manifest.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatalf("%v (run with -args -update)", err)
	}
	if string(got) != manifest.String() {
		t.Fatal("manifest.txt differs from the generator: the format or the vectors changed (review, then -update)")
	}
	for _, v := range vs {
		b, err := os.ReadFile(filepath.Join(vectorDir, v.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, v.env) {
			t.Errorf("%s: regenerated bytes differ from testdata: the wire format drifted", v.file)
		}
	}
}

func parseManifest(t *testing.T) []*vector {
	f, err := os.Open(filepath.Join(vectorDir, "manifest.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []*vector
	var cur *vector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			cur = nil
			continue
		}
		k, val, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("manifest line %q", line)
		}
		if cur == nil {
			cur = &vector{}
			vs = append(vs, cur)
		}
		switch k {
		case "file":
			cur.file = val
		case "keys":
			cur.keys = val
		case "trust":
			cur.trust = val
		case "purpose":
			cur.purpose = val
		case "now":
			cur.now = val
		case "expect":
			cur.expect = val
		case "plaintext-sha256":
			cur.ptHash = val
		default:
			t.Fatalf("manifest key %q", k)
		}
	}
	return vs
}

// TestVectors opens every checked-in vector as its manifest says.
func TestVectors(t *testing.T) {
	tk := fixedKeys(t)
	ring := map[string]*keys.Keyring{provDept: tk.prov, recvDept: tk.recv, otherDept: tk.other}
	vs := parseManifest(t)
	if len(vs) < 20 {
		t.Fatalf("only %d vectors", len(vs))
	}
	seen := map[string]bool{}
	for _, v := range vs {
		t.Run(v.file, func(t *testing.T) {
			env, err := os.ReadFile(filepath.Join(vectorDir, v.file))
			if err != nil {
				t.Fatal(err)
			}
			now, err := time.Parse(time.RFC3339, v.now)
			if err != nil {
				t.Fatal(err)
			}
			opts := OpenOptions{Keys: ring[v.keys], Trust: trustFor(t, tk, v.trust), Purpose: catalog.Purpose(v.purpose), Now: now}
			got, _, err := open(env, opts)
			if v.expect == "ok" {
				if err != nil {
					t.Fatalf("expect ok, got %v", err)
				}
				if sum := sha256.Sum256(got); hex.EncodeToString(sum[:]) != v.ptHash {
					t.Fatal("plaintext hash differs")
				}
				return
			}
			name, ok := strings.CutPrefix(v.expect, "err ")
			want := sentinels[name]
			if !ok || want == nil {
				t.Fatalf("bad expect line %q", v.expect)
			}
			seen[name] = true
			if !errors.Is(err, want) {
				t.Fatalf("expect %s, got %v", name, err)
			}
			if len(got) != 0 {
				t.Fatalf("failing vector wrote %d bytes", len(got))
			}
		})
	}
	for name := range sentinels {
		if !seen[name] && name != "ErrOnwardTransferProhibited" {
			t.Errorf("no vector expects %s", name)
		}
	}
}
