package envelope

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/govshare/govshare/envelope/internal/format"
	"github.com/govshare/govshare/envelope/internal/stream"
)

// Helpers that build envelopes byte by byte, as a dishonest provider or
// recipient would. They use the format's own pieces (stanzaInfo,
// signedMessage, stream) so that only what a test changes differs.

// dataKeyOf unwraps env's data key with the recipient's keyring.
func dataKeyOf(t testing.TB, tk *testKeys, env []byte) []byte {
	t.Helper()
	p := split(t, env)
	hb := env[:p.header[1]]
	hh := sha256.Sum256(hb)
	h, err := ParseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	kem, _, _ := h.Suite.Kinds()
	dec, err := tk.recv.HybridDecrypt(kem)
	if err != nil {
		t.Fatal(err)
	}
	dk, err := dec.Decrypt(env[p.stanza[0]+2:p.stanza[1]], stanzaInfo(hh[:]))
	if err != nil {
		t.Fatal(err)
	}
	return dk
}

// wrapDataKey makes a key stanza for header hb carrying dk to the recipient.
func wrapDataKey(t testing.TB, tk *testKeys, hb, dk []byte) []byte {
	t.Helper()
	h, err := ParseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	hh := sha256.Sum256(hb)
	kem, _, _ := h.Suite.Kinds()
	enc, err := tk.recv.Public().HybridEncrypt(kem)
	if err != nil {
		t.Fatal(err)
	}
	stanza, err := enc.Encrypt(dk, stanzaInfo(hh[:]))
	if err != nil {
		t.Fatal(err)
	}
	return stanza
}

// encryptPayload encrypts pt as header hb's payload under data key dk.
func encryptPayload(t testing.TB, hb, dk, pt []byte) []byte {
	t.Helper()
	h, err := ParseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(pt)) != h.PayloadLength {
		t.Fatal("encryptPayload: plaintext length differs from the header's")
	}
	hh := sha256.Sum256(hb)
	key, _ := stream.PayloadKey(dk, hh[:], string(h.Purpose))
	a, _ := stream.AEAD(key)
	var out []byte
	nc := format.NumChunks(uint64(len(pt)))
	for i := uint64(0); i < nc; i++ {
		out = stream.SealChunk(a, out, pt[int(i)*format.ChunkSize:min(int(i+1)*format.ChunkSize, len(pt))], hh[:], i, i == nc-1)
	}
	return out
}

// forge assembles header, stanza and payload and signs them with the
// provider's real signing key: an envelope the provider really signed.
func forge(t testing.TB, tk *testKeys, hb, stanza, payload []byte) []byte {
	t.Helper()
	h, err := ParseHeader(hb)
	if err != nil {
		t.Fatal(err)
	}
	_, sigKind, _ := h.Suite.Kinds()
	s, err := tk.prov.Signer(sigKind)
	if err != nil {
		t.Fatal(err)
	}
	stride := format.ChunkSize + format.TagSize
	d := stream.NewDigest(format.NumChunks(h.PayloadLength))
	for c := 0; c < len(payload); c += stride {
		d.Add(stream.ChunkHash(format.Code(format.Digests, h.Digest), payload[c:min(c+stride, len(payload))]))
	}
	hh := sha256.Sum256(hb)
	sig, err := s.Sign(signedMessage(hh[:], stanza, d.Sum()))
	if err != nil {
		t.Fatal(err)
	}
	out, err := format.AppendBlock(bytes.Clone(hb), stanza)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, payload...)
	if out, err = format.AppendBlock(out, sig); err != nil {
		t.Fatal(err)
	}
	return out
}
