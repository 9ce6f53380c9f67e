package envelope

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope/internal/format"
	"github.com/govshare/govshare/envelope/internal/stream"
)

// GF(2^128) as GCM uses it (NIST SP 800-38D: bit 0 is the most significant
// bit of byte 0, reduction by x^128 + x^7 + x^2 + x + 1).
type gf [16]byte

func gfMul(x, y gf) gf {
	var z gf
	v := y
	for i := range 128 {
		if x[i/8]>>(7-i%8)&1 == 1 {
			for k := range z {
				z[k] ^= v[k]
			}
		}
		lsb := v[15] & 1
		for k := 15; k > 0; k-- {
			v[k] = v[k]>>1 | v[k-1]<<7
		}
		v[0] >>= 1
		if lsb == 1 {
			v[0] ^= 0xe1
		}
	}
	return z
}

// gfInv is x^(2^128−2) = Π_{i=1}^{127} x^(2^i).
func gfInv(x gf) gf {
	one := gf{0x80}
	r, s := one, x
	for range 127 {
		s = gfMul(s, s)
		r = gfMul(r, s)
	}
	return r
}

func gfXor(a, b gf) gf {
	for i := range a {
		a[i] ^= b[i]
	}
	return a
}

// ghash is GCM's GHASH_H over the associated data and ciphertext (each
// zero-padded to whole blocks) and the length block.
func ghash(h gf, ad, ct []byte) gf {
	var x gf
	absorb := func(b []byte) {
		for len(b) > 0 {
			var blk gf
			n := copy(blk[:], b)
			b = b[n:]
			x = gfMul(gfXor(x, blk), h)
		}
	}
	absorb(ad)
	absorb(ct)
	var l gf
	binary.BigEndian.PutUint64(l[:8], uint64(len(ad))*8)
	binary.BigEndian.PutUint64(l[8:], uint64(len(ct))*8)
	return gfMul(gfXor(x, l), h)
}

// twoKeyCiphertext returns n bytes of ciphertext (n a positive multiple of
// 16) and a tag that authenticate under AES-256-GCM with both k1 and k2, for
// the same nonce and associated data: AES-GCM is not key-committing
// (Grubbs, Lu, Ristenpart, "Message Franking via Committing AEAD", 2017;
// Albertini et al., "How to Abuse and Fix Authenticated Encryption Without
// Key Commitment", 2022). The last block is solved for; the others are zero.
func twoKeyCiphertext(t *testing.T, k1, k2, nonce, ad []byte, n int) []byte {
	t.Helper()
	hashKey := func(k []byte) (h, ej0 gf) {
		b, err := aes.NewCipher(k)
		if err != nil {
			t.Fatal(err)
		}
		b.Encrypt(h[:], make([]byte, 16))
		var j0 gf
		copy(j0[:], nonce)
		j0[15] = 1
		b.Encrypt(ej0[:], j0[:])
		return h, ej0
	}
	h1, e1 := hashKey(k1)
	h2, e2 := hashKey(k2)
	ct := make([]byte, n)
	// With the last block zero, the tags differ by base; the last block c
	// adds c·(h1² ⊕ h2²) to the difference.
	base := gfXor(gfXor(ghash(h1, ad, ct), ghash(h2, ad, ct)), gfXor(e1, e2))
	c := gfMul(base, gfInv(gfXor(gfMul(h1, h1), gfMul(h2, h2))))
	copy(ct[n-16:], c[:])
	tag := gfXor(ghash(h1, ad, ct), e1)
	return append(ct, tag[:]...)
}

// TestKeyCommitment (issue 12): a provider that crafts a payload opening
// under two data keys must not be able to have both openings accepted for
// one header. It seals an envelope, then signs two envelopes with the same
// header (so the same H, which the share-record log keeps) and the same
// payload, one whose stanza carries the sealed data key and one whose stanza
// carries another. Both are signed by the provider and both payloads pass
// AES-GCM; without a key commitment the two open to different plaintexts,
// and the provider can show an arbiter whichever suits it. With the
// commitment in the signed header, only the committed key opens.
func TestKeyCommitment(t *testing.T) {
	tk := fixedKeys(t)
	const n = 48
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), samplePlaintext(n))
	p := split(t, env)
	hb := env[:p.header[1]]
	hh := sha256.Sum256(hb)
	h, err := ParseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	dk1 := dataKeyOf(t, tk, env)
	dk2 := bytes.Repeat([]byte{0x5a}, format.DataKeySize)
	k1, _ := stream.PayloadKey(dk1, hh[:], string(h.Purpose))
	k2, _ := stream.PayloadKey(dk2, hh[:], string(h.Purpose))
	var nonce [stream.NonceSize]byte
	stream.Nonce(&nonce, 0, true)
	payload := twoKeyCiphertext(t, k1, k2, nonce[:], hh[:], n)
	var pts [2][]byte
	for i, k := range [][]byte{k1, k2} {
		a, _ := stream.AEAD(k)
		if pts[i], err = stream.OpenChunk(a, nil, payload, hh[:], 0, true); err != nil {
			t.Fatalf("the crafted payload does not open under data key %d: %v", i+1, err)
		}
	}
	if bytes.Equal(pts[0], pts[1]) {
		t.Fatal("the two openings agree: the test shows nothing")
	}

	committed := forge(t, tk, hb, env[p.stanza[0]+2:p.stanza[1]], payload)
	other := forge(t, tk, hb, wrapDataKey(t, tk, hb, dk2), payload)
	got1, _, err1 := open(committed, openOpts(tk))
	got2, _, err2 := open(other, openOpts(tk))
	if err1 == nil && err2 == nil {
		t.Fatalf("one signed header opened to two plaintexts (%q, %q): the signature does not commit to the data key", got1[:8], got2[:8])
	}
	if err1 != nil || !bytes.Equal(got1, pts[0]) {
		t.Fatalf("the envelope with the committed data key: err %v", err1)
	}
	if !errors.Is(err2, ErrAuth) || len(got2) != 0 {
		t.Fatalf("the envelope with another data key: err %v, wrote %d", err2, len(got2))
	}
}

// TestGFArithmetic checks the field helpers against Go's AES-GCM: a tag
// computed with ghash equals the one cipher.AEAD produces.
func TestGFArithmetic(t *testing.T) {
	x := gf{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	if gfMul(x, gfInv(x)) != (gf{0x80}) {
		t.Fatal("x · x⁻¹ ≠ 1")
	}
	key := bytes.Repeat([]byte{7}, 32)
	nonce := bytes.Repeat([]byte{9}, 12)
	ad := []byte("associated data, 33 bytes long..")
	b, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(b)
	sealed := g.Seal(nil, nonce, []byte("forty-eight bytes of plaintext for the check..."), ad)
	ct := sealed[:len(sealed)-16]
	var hk, j0, ej0 gf
	b.Encrypt(hk[:], make([]byte, 16))
	copy(j0[:], nonce)
	j0[15] = 1
	b.Encrypt(ej0[:], j0[:])
	if tag := gfXor(ghash(hk, ad, ct), ej0); !bytes.Equal(tag[:], sealed[len(sealed)-16:]) {
		t.Fatal("ghash differs from AES-GCM's")
	}
}
