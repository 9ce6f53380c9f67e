package envelope

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope/internal/format"
	"github.com/govshare/govshare/envelope/internal/stream"
)

var levels = []catalog.Level{catalog.LevelGeneral, catalog.LevelImportant, catalog.LevelCore}

var sentinels = map[string]error{
	"ErrMalformed": ErrMalformed, "ErrUnknownSuite": ErrUnknownSuite, "ErrWrongPurpose": ErrWrongPurpose,
	"ErrWrongRecipient": ErrWrongRecipient, "ErrUntrustedProvider": ErrUntrustedProvider,
	"ErrExpired": ErrExpired, "ErrNotYetValid": ErrNotYetValid, "ErrAuth": ErrAuth, "ErrKeyNotValid": ErrKeyNotValid,
	"ErrOnwardTransferProhibited": ErrOnwardTransferProhibited,
}

// onlySentinel fails unless err wraps want and no other sentinel.
func onlySentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	for name, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("error also matches %s: %v", name, err)
		}
	}
}

// parts splits an envelope into its sections, computed from the spec
// independently of readLayout.
type parts struct{ header, stanza, payload, sig [2]int } // [start, end)

func split(t testing.TB, env []byte) parts {
	t.Helper()
	hlen := 13 + int(binary.BigEndian.Uint32(env[9:13]))
	h, err := ParseHeader(env[:hlen])
	if err != nil {
		t.Fatal(err)
	}
	slen := int(binary.BigEndian.Uint16(env[hlen:]))
	p0 := hlen + 2 + slen
	p1 := p0 + int(format.CiphertextLen(h.PayloadLength))
	return parts{header: [2]int{0, hlen}, stanza: [2]int{hlen, p0}, payload: [2]int{p0, p1}, sig: [2]int{p1, len(env)}}
}

func TestRoundTrip(t *testing.T) {
	tk := fixedKeys(t)
	C := format.ChunkSize
	sizes := []int{0, 1, C - 1, C, C + 1, 3*C + 17}
	for _, lv := range levels {
		for _, n := range sizes {
			if lv != catalog.LevelGeneral && n > 1 && n != 3*C+17 {
				continue
			}
			pt := samplePlaintext(n)
			var out bytes.Buffer
			sh, err := Seal(&out, bytes.NewReader(pt), sampleOptions(lv, n), tk.prov, tk.recv.Public())
			if err != nil {
				t.Fatalf("%s/%d: Seal: %v", lv, n, err)
			}
			env := out.Bytes()
			if want := split(t, env); want.sig[1] != len(env) {
				t.Fatal("layout")
			}
			got, oh, err := open(env, openOpts(tk))
			if err != nil {
				t.Fatalf("%s/%d: Open: %v", lv, n, err)
			}
			if !bytes.Equal(got, pt) {
				t.Fatalf("%s/%d: plaintext differs", lv, n)
			}
			suite, _ := SuiteFor(lv)
			if oh.Suite != suite || sh.Suite != suite {
				t.Fatalf("%s: suite %v", lv, oh.Suite)
			}
			sj, _ := json.Marshal(sh)
			oj, _ := json.Marshal(oh)
			if !bytes.Equal(sj, oj) {
				t.Fatalf("Seal and Open headers differ:\n%s\n%s", sj, oj)
			}
			if oh.Provider != provDept || oh.Recipient != recvDept || oh.PayloadLength != uint64(n) || !oh.OnwardTransferProhibited {
				t.Fatalf("header fields: %+v", oh)
			}
		}
	}
}

func TestSuiteKeyKinds(t *testing.T) {
	tk := fixedKeys(t)
	for _, lv := range levels {
		env := seal(t, tk, sampleOptions(lv, 10), samplePlaintext(10))
		h, err := Inspect(bytes.NewReader(env))
		if err != nil {
			t.Fatal(err)
		}
		kem, sig, _ := keys.SuiteKinds(lv)
		kemID, _ := tk.recv.PrimaryKeyID(kem)
		sigID, _ := tk.prov.PrimaryKeyID(sig)
		if h.KEMKeyID != kemID || h.SignerKeyID != sigID {
			t.Fatalf("%s: header names keys %d/%d, want %v %d / %v %d", lv, h.KEMKeyID, h.SignerKeyID, kem, kemID, sig, sigID)
		}
	}
}

// TestFlipEveryBit flips each bit of the header, key stanza and signature,
// and a sample of payload bits, and requires Open to fail and write nothing.
//
// Every bit is flipped for the general suite and for every header. The
// post-quantum stanza and signature blocks of the important and core suites
// are 1.2–4.6 KiB and each flip costs an ML-DSA verification (1–2 ms, ten
// times that under -race), so there one bit of every byte is flipped (the
// bit position rotates); GOVSHARE_EXHAUSTIVE=1 flips every bit there too.
func TestFlipEveryBit(t *testing.T) {
	tk := fixedKeys(t)
	exhaustive := os.Getenv("GOVSHARE_EXHAUSTIVE") == "1"
	for _, lv := range levels {
		t.Run(string(lv), func(t *testing.T) {
			opts := openOpts(tk)
			try := func(env []byte, what string, bit int) {
				b := bytes.Clone(env)
				b[bit/8] ^= 1 << (bit % 8)
				got, _, err := open(b, opts)
				if err == nil {
					t.Fatalf("%s: flipping bit %d opened", what, bit)
				}
				if len(got) != 0 {
					t.Fatalf("%s: flipping bit %d wrote %d plaintext bytes", what, bit, len(got))
				}
			}
			small := seal(t, tk, sampleOptions(lv, 300), samplePlaintext(300))
			p := split(t, small)
			sections := []struct {
				name string
				span [2]int
			}{{"header", p.header}, {"stanza", p.stanza}, {"signature", p.sig}}
			for _, s := range sections {
				every := exhaustive || s.name == "header" || lv == catalog.LevelGeneral
				for at := s.span[0]; at < s.span[1]; at++ {
					if every {
						for k := range 8 {
							try(small, s.name, at*8+k)
						}
					} else {
						try(small, s.name, at*8+at%8)
					}
				}
			}
			// Payload: both ends of every chunk, the tags, and random bits.
			n := 2*format.ChunkSize + 100
			env := seal(t, tk, sampleOptions(lv, n), samplePlaintext(n))
			p = split(t, env)
			stride := format.ChunkSize + format.TagSize
			var bytesAt []int
			for c := p.payload[0]; c < p.payload[1]; c += stride {
				end := min(c+stride, p.payload[1])
				bytesAt = append(bytesAt, c, c+1, end-format.TagSize-1, end-format.TagSize, end-1)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 100 {
				bytesAt = append(bytesAt, p.payload[0]+rng.IntN(p.payload[1]-p.payload[0]))
			}
			for _, at := range bytesAt {
				try(env, "payload", at*8+rng.IntN(8))
			}
		})
	}
}

func TestTruncateAndAppend(t *testing.T) {
	tk := fixedKeys(t)
	n := 3*format.ChunkSize + 1000
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), samplePlaintext(n))
	p := split(t, env)
	stride := format.ChunkSize + format.TagSize
	cuts := []int{0, 1, 12, 13, p.header[1] - 1, p.header[1], p.header[1] + 1, p.stanza[1] - 1, p.stanza[1], p.payload[1], p.payload[1] + 1, len(env) - 1}
	for c := p.payload[0]; c < p.payload[1]; c += stride {
		cuts = append(cuts, c, c+1, c+stride/2, c+stride-1)
	}
	for _, cut := range cuts {
		if cut >= len(env) {
			continue
		}
		got, _, err := open(env[:cut], openOpts(tk))
		if !errors.Is(err, ErrMalformed) || len(got) != 0 {
			t.Fatalf("truncated to %d: err %v, wrote %d", cut, err, len(got))
		}
	}
	for _, extra := range [][]byte{{0}, bytes.Repeat([]byte{1}, stride), env[p.sig[0]:]} {
		got, _, err := open(append(bytes.Clone(env), extra...), openOpts(tk))
		if !errors.Is(err, ErrMalformed) || len(got) != 0 {
			t.Fatalf("appended %d bytes: err %v, wrote %d", len(extra), err, len(got))
		}
	}
}

// resign re-signs an envelope with the provider's real key over whatever it
// now holds, to test the layers below the signature on their own.
func resign(t *testing.T, tk *testKeys, env []byte) []byte {
	t.Helper()
	p := split(t, env)
	h, _ := ParseHeader(env[:p.header[1]])
	_, sigKind, _ := h.Suite.Kinds()
	s, err := tk.prov.Signer(sigKind)
	if err != nil {
		t.Fatal(err)
	}
	d := stream.NewDigest(format.NumChunks(h.PayloadLength))
	stride := format.ChunkSize + format.TagSize
	for c := p.payload[0]; c < p.payload[1]; c += stride {
		d.Add(stream.ChunkHash(format.Code(format.Digests, h.Digest), env[c:min(c+stride, p.payload[1])]))
	}
	hh := sha256.Sum256(env[:p.header[1]])
	sig, err := s.Sign(signedMessage(hh[:], env[p.stanza[0]+2:p.stanza[1]], d.Sum()))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := format.AppendBlock(bytes.Clone(env[:p.payload[1]]), sig)
	return out
}

func TestChunkReorderAndDuplicate(t *testing.T) {
	tk := fixedKeys(t)
	n := 3 * format.ChunkSize
	pt := samplePlaintext(n)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), pt)
	if _, _, err := open(resign(t, tk, env), openOpts(tk)); err != nil {
		t.Fatalf("re-signing an untouched envelope must keep it valid: %v", err)
	}
	p := split(t, env)
	stride := format.ChunkSize + format.TagSize
	chunk := func(b []byte, i int) []byte { return b[p.payload[0]+i*stride : p.payload[0]+(i+1)*stride] }
	swapped := bytes.Clone(env)
	copy(chunk(swapped, 0), chunk(env, 1))
	copy(chunk(swapped, 1), chunk(env, 0))
	dup := bytes.Clone(env)
	copy(chunk(dup, 1), chunk(env, 0))
	lastFirst := bytes.Clone(env)
	copy(chunk(lastFirst, 0), chunk(env, 2))
	copy(chunk(lastFirst, 2), chunk(env, 0))
	for name, b := range map[string][]byte{"swapped": swapped, "duplicated": dup, "last moved first": lastFirst} {
		got, _, err := open(b, openOpts(tk))
		if !errors.Is(err, ErrAuth) || len(got) != 0 {
			t.Fatalf("%s: err %v, wrote %d", name, err, len(got))
		}
		// Even if the provider itself signed the reordered payload, the
		// STREAM nonces refuse the first misplaced chunk: what was released
		// before it is the correct prefix, nothing else.
		got, _, err = open(resign(t, tk, b), openOpts(tk))
		if !errors.Is(err, ErrAuth) {
			t.Fatalf("%s re-signed: err %v", name, err)
		}
		if !bytes.HasPrefix(pt, got) || len(got)%format.ChunkSize != 0 {
			t.Fatalf("%s re-signed: released %d bytes that are not the sealed prefix", name, len(got))
		}
	}
}

// TestProviderAccountability: the recipient recovers the real data key with
// its own keys, encrypts a changed payload under it and the real header, and
// splices it in. The chunks are valid ciphertexts under the data key, but the
// provider's signature does not cover them, so Open refuses.
func TestProviderAccountability(t *testing.T) {
	tk := fixedKeys(t)
	for _, lv := range levels {
		n := 2*format.ChunkSize + 500
		pt := samplePlaintext(n)
		env := seal(t, tk, sampleOptions(lv, n), pt)
		p := split(t, env)
		hb := env[:p.header[1]]
		hh := sha256.Sum256(hb)
		h, _ := ParseHeader(hb)
		kem, _, _ := h.Suite.Kinds()
		dec, err := tk.recv.HybridDecrypt(kem)
		if err != nil {
			t.Fatal(err)
		}
		dataKey, err := dec.Decrypt(env[p.stanza[0]+2:p.stanza[1]], stanzaInfo(hh[:]))
		if err != nil {
			t.Fatalf("recipient cannot recover its data key: %v", err)
		}
		key, _ := stream.PayloadKey(dataKey, hh[:], string(h.Purpose))
		aead, _ := stream.AEAD(key)
		forged := bytes.Clone(pt)
		copy(forged[100:], "FORGED-BY-RECIPIENT")
		var payload []byte
		nc := format.NumChunks(uint64(n))
		for i := uint64(0); i < nc; i++ {
			end := min(int(i+1)*format.ChunkSize, n)
			payload = stream.SealChunk(aead, payload, forged[int(i)*format.ChunkSize:end], hh[:], i, i == nc-1)
		}
		// The forgery is a valid payload under the real key…
		if _, err := stream.OpenChunk(aead, nil, payload[:format.ChunkSize+format.TagSize], hh[:], 0, false); err != nil {
			t.Fatal("forged chunk should decrypt under the data key")
		}
		spliced := append(append(bytes.Clone(env[:p.payload[0]]), payload...), env[p.sig[0]:]...)
		if len(spliced) != len(env) {
			t.Fatal("splice changed the length")
		}
		// …but not the provider's.
		got, _, err := open(spliced, openOpts(tk))
		if !errors.Is(err, ErrAuth) || len(got) != 0 {
			t.Fatalf("%s: spliced payload: err %v, wrote %d", lv, err, len(got))
		}
	}
}

func TestRefusals(t *testing.T) {
	tk := fixedKeys(t)
	env := seal(t, tk, sampleOptions(catalog.LevelImportant, 1000), samplePlaintext(1000))
	h, _ := Inspect(bytes.NewReader(env))
	strangerRecv, err := keys.New(recvDept) // same name, other keys
	if err != nil {
		t.Fatal(err)
	}
	strangerProv, err := keys.New(provDept)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(o *OpenOptions)
		want   error
	}{
		{"wrong purpose", func(o *OpenOptions) { o.Purpose = catalog.PurposeStatistics }, ErrWrongPurpose},
		{"empty purpose", func(o *OpenOptions) { o.Purpose = "" }, ErrWrongPurpose},
		{"other department's keys", func(o *OpenOptions) { o.Keys = tk.other }, ErrWrongRecipient},
		{"provider opens its own envelope", func(o *OpenOptions) { o.Keys = tk.prov }, ErrWrongRecipient},
		{"same name, other keys", func(o *OpenOptions) { o.Keys = strangerRecv }, ErrWrongRecipient},
		{"other department's bundle", func(o *OpenOptions) { o.Trust = tk.other.Public() }, ErrUntrustedProvider},
		{"same name, other bundle", func(o *OpenOptions) { o.Trust = strangerProv.Public() }, ErrUntrustedProvider},
		{"expired", func(o *OpenOptions) { o.Now = h.NotAfter.Add(time.Second) }, ErrExpired},
		{"long expired", func(o *OpenOptions) { o.Now = h.NotAfter.AddDate(5, 0, 0) }, ErrExpired},
		{"not yet valid", func(o *OpenOptions) { o.Now = h.NotBefore.Add(-time.Second) }, ErrNotYetValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openOpts(tk)
			c.mutate(&o)
			got, _, err := open(env, o)
			onlySentinel(t, err, c.want)
			if len(got) != 0 {
				t.Fatalf("wrote %d bytes", len(got))
			}
		})
	}
	for _, at := range []time.Time{h.NotBefore, h.NotAfter} {
		o := openOpts(tk)
		o.Now = at
		if _, _, err := open(env, o); err != nil {
			t.Fatalf("window edge %s: %v", at, err)
		}
	}
}

func TestRecipientKeyRotation(t *testing.T) {
	tk := fixedKeys(t)
	recv, err := keys.New("tax-bureau-2")
	if err != nil {
		t.Fatal(err)
	}
	opts := sampleOptions(catalog.LevelGeneral, 100)
	var out bytes.Buffer
	if _, err := Seal(&out, bytes.NewReader(samplePlaintext(100)), opts, tk.prov, recv.Public()); err != nil {
		t.Fatal(err)
	}
	if _, err := recv.Rotate(keys.KindKEMXWing); err != nil {
		t.Fatal(err)
	}
	o := openOpts(tk)
	o.Keys = recv
	if _, _, err := open(out.Bytes(), o); err != nil {
		t.Fatalf("an envelope sealed before a KEM rotation must still open: %v", err)
	}
}

func TestSealRejects(t *testing.T) {
	tk := fixedKeys(t)
	pt := samplePlaintext(1000)
	cases := []struct {
		name   string
		mutate func(o *SealOptions)
		pt     []byte
	}{
		{"plaintext shorter", func(o *SealOptions) { o.PayloadLength = 1001 }, pt},
		{"plaintext longer", func(o *SealOptions) { o.PayloadLength = 999 }, pt},
		{"no fields", func(o *SealOptions) { o.Fields = nil }, pt},
		{"no NotAfter", func(o *SealOptions) { o.NotAfter = time.Time{} }, pt},
		{"window inverted", func(o *SealOptions) { o.NotAfter = o.NotBefore.Add(-time.Hour) }, pt},
		{"unknown purpose", func(o *SealOptions) { o.Purpose = "marketing" }, pt},
		{"unknown level", func(o *SealOptions) { o.Fields[0].Level = "secret" }, pt},
		{"no resource", func(o *SealOptions) { o.Resource = "" }, pt},
		{"bad content type", func(o *SealOptions) { o.ContentType = "csv" }, pt},
	}
	for _, c := range cases {
		o := sampleOptions(catalog.LevelGeneral, len(pt))
		c.mutate(&o)
		if _, err := Seal(io.Discard, bytes.NewReader(c.pt), o, tk.prov, tk.recv.Public()); err == nil {
			t.Errorf("%s: Seal succeeded", c.name)
		}
	}
	if _, err := Seal(io.Discard, bytes.NewReader(pt), sampleOptions(catalog.LevelGeneral, len(pt)), nil, tk.recv.Public()); err == nil {
		t.Error("Seal without provider keys succeeded")
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestSealWriteError(t *testing.T) {
	tk := fixedKeys(t)
	n := 5 * format.ChunkSize
	for _, after := range []int{0, 2000, 3 * format.ChunkSize} {
		if _, err := Seal(&failWriter{after: after}, bytes.NewReader(samplePlaintext(n)), sampleOptions(catalog.LevelGeneral, n), tk.prov, tk.recv.Public()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("after %d: %v", after, err)
		}
	}
}

// countingReader counts bytes read, to show Inspect stops at the header.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestInspectAndJSON(t *testing.T) {
	tk := fixedKeys(t)
	var out bytes.Buffer
	sh, err := Seal(&out, bytes.NewReader(samplePlaintext(500)), sampleOptions(catalog.LevelCore, 500), tk.prov, tk.recv.Public())
	if err != nil {
		t.Fatal(err)
	}
	env := out.Bytes()
	cr := &countingReader{r: bytes.NewReader(env)}
	h, err := Inspect(cr)
	if err != nil {
		t.Fatal(err)
	}
	if cr.n != split(t, env).header[1] {
		t.Fatalf("Inspect read %d bytes, the header is %d", cr.n, split(t, env).header[1])
	}
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"suite":"core"`, `"purpose":"administrative_basis"`, `"onward_transfer_prohibited":true`, `"name":"身份证号"`, `"digest_alg":"blake3-chunks"`, `"grant":"g-2026-0042"`, `"id":"` + sh.ID.String() + `"`} {
		if !strings.Contains(string(j), want) {
			t.Errorf("JSON lacks %s: %s", want, j)
		}
	}
	var back Header
	if err := json.Unmarshal(j, &back); err != nil {
		t.Fatal(err)
	}
	b1, _ := back.MarshalBinary()
	if !bytes.Equal(b1, env[:len(b1)]) {
		t.Fatal("JSON round trip changed the header")
	}
	hh, _ := h.Hash()
	if hh != sha256.Sum256(env[:len(b1)]) {
		t.Fatal("Hash is not SHA-256 of the header bytes")
	}
	if _, err := Inspect(bytes.NewReader(env[:40])); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Inspect of a truncated header: %v", err)
	}
}

func TestReshareRefuses(t *testing.T) {
	tk := fixedKeys(t)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, 100), samplePlaintext(100))
	err := Reshare(bytes.NewReader(env), tk.other.Public())
	onlySentinel(t, err, ErrOnwardTransferProhibited)
	if err := Reshare(bytes.NewReader(env[:10]), tk.other.Public()); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Reshare of garbage: %v", err)
	}
}

func TestHeaderMarshalRejects(t *testing.T) {
	tk := fixedKeys(t)
	env := seal(t, tk, sampleOptions(catalog.LevelGeneral, 1), samplePlaintext(1))
	h, _ := Inspect(bytes.NewReader(env))
	for name, f := range map[string]func(h *Header){
		"transfer allowed": func(h *Header) { h.OnwardTransferProhibited = false },
		"version 1":        func(h *Header) { h.Version = 1 },
		"version 3":        func(h *Header) { h.Version = 3 },
		"before 1970":      func(h *Header) { h.NotBefore = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) },
		"suite mismatch":   func(h *Header) { h.Suite = SuiteCore },
	} {
		c := *h
		c.Fields = append([]Field(nil), h.Fields...)
		f(&c)
		if _, err := c.MarshalBinary(); err == nil {
			t.Errorf("%s: marshalled", name)
		}
	}
}

// errorReaderAt fails every read, to check I/O errors are not reported as
// tampering.
type errorReaderAt struct{}

func (errorReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("i/o error") }

func TestOpenIOError(t *testing.T) {
	tk := fixedKeys(t)
	_, err := Open(io.Discard, errorReaderAt{}, 1000, openOpts(tk))
	if err == nil || errors.Is(err, ErrAuth) || errors.Is(err, ErrMalformed) {
		t.Fatalf("I/O error reported as %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	tk := fixedKeys(f)
	for _, lv := range levels {
		f.Add(seal(f, tk, sampleOptions(lv, 300), samplePlaintext(300)))
	}
	f.Add([]byte("GOVSHENV\x02\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w recordingWriter
		_, err := Open(&w, bytes.NewReader(b), int64(len(b)), openOpts(tk))
		if err != nil && w.Len() != 0 {
			t.Fatalf("failed Open wrote %d bytes", w.Len())
		}
		_, _ = Inspect(bytes.NewReader(b))
	})
}
