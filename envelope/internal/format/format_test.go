package format

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func validHeader() *Header {
	return &Header{
		Suite:       SuiteImportant,
		ID:          [IDSize]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		IssuedAt:    1772352000,
		Provider:    "public-security-bureau",
		SignerKeyID: 0xdeadbeef,
		Recipient:   "tax-bureau",
		KEMKeyID:    42,
		Purpose:     1,
		Grant:       "g-2026-0042",
		Resource:    "population-register",
		NotBefore:   1772352000,
		NotAfter:    1780128000,
		Flags:       FlagOnwardProhibited,
		Fields: []Field{
			{Name: "姓名", Type: "person_name", Category: 2, Level: 1, Transform: 2},
			{Name: "身份证号", Type: "cn_resident_id", Category: 2, Level: 2, Transform: 5, KeyID: 7},
		},
		ContentType:   "text/csv; charset=utf-8",
		RecordCount:   10,
		PayloadLength: 1000,
		Digest:        DigestSHA256Chunks,
		KeyCommitment: [CommitSize]byte{0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0xff},
	}
}

// TestHeaderKnownAnswer pins the byte layout of docs/envelope.md §2 for one
// header, written out field by field, so the encoder cannot drift.
func TestHeaderKnownAnswer(t *testing.T) {
	var want []byte
	u8 := func(v byte) { want = append(want, v) }
	u16 := func(v uint16) { want = append(want, byte(v>>8), byte(v)) }
	u32 := func(v uint32) { want = append(want, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }
	u64 := func(v uint64) { u32(uint32(v >> 32)); u32(uint32(v)) }
	str := func(s string) { u8(byte(len(s))); want = append(want, s...) }
	h := validHeader()
	u8(SuiteImportant)
	want = append(want, h.ID[:]...)
	u64(1772352000)
	str("public-security-bureau")
	u32(0xdeadbeef)
	str("tax-bureau")
	u32(42)
	u8(1)
	str("g-2026-0042")
	str("population-register")
	u64(1772352000)
	u64(1780128000)
	u8(1)
	u16(2)
	str("姓名")
	str("person_name")
	u8(2)
	u8(1)
	u8(2)
	u32(0)
	str("身份证号")
	str("cn_resident_id")
	u8(2)
	u8(2)
	u8(5)
	u32(7)
	str("text/csv; charset=utf-8")
	u64(10)
	u64(1000)
	u8(1)
	want = append(want, h.KeyCommitment[:]...)
	body := want
	want = append([]byte("GOVSHENV\x02"), byte(len(body)>>24), byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	want = append(want, body...)

	got, err := h.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from the spec layout:\n got %x\nwant %x", got, want)
	}
	p, err := ParseHeader(got)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Marshal()
	if !bytes.Equal(again, got) {
		t.Fatal("Marshal(Parse(b)) != b")
	}
}

func TestHeaderRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(h *Header)
		want   error
	}{
		{"suite 0", func(h *Header) { h.Suite = 0 }, ErrUnknownSuite},
		{"suite 4", func(h *Header) { h.Suite = 4 }, ErrUnknownSuite},
		{"suite weaker than data", func(h *Header) { h.Suite = SuiteGeneral }, ErrUnknownSuite},
		{"suite stronger than data", func(h *Header) { h.Suite = SuiteCore }, ErrUnknownSuite},
		{"bad provider", func(h *Header) { h.Provider = "../etc" }, ErrMalformed},
		{"empty recipient", func(h *Header) { h.Recipient = "" }, ErrMalformed},
		{"purpose 0", func(h *Header) { h.Purpose = 0 }, ErrMalformed},
		{"purpose 5", func(h *Header) { h.Purpose = 5 }, ErrMalformed},
		{"grant not utf8", func(h *Header) { h.Grant = "g\xff" }, ErrMalformed},
		{"resource control char", func(h *Header) { h.Resource = "pop\nreg" }, ErrMalformed},
		{"resource empty", func(h *Header) { h.Resource = "" }, ErrMalformed},
		{"window inverted", func(h *Header) { h.NotAfter = h.NotBefore - 1 }, ErrMalformed},
		{"time past 9999", func(h *Header) { h.NotAfter = MaxTime + 1 }, ErrMalformed},
		{"flags 0 (transfer allowed)", func(h *Header) { h.Flags = 0 }, ErrMalformed},
		{"flags unknown bit", func(h *Header) { h.Flags = 3 }, ErrMalformed},
		{"no fields", func(h *Header) { h.Fields = nil }, ErrMalformed},
		{"duplicate field", func(h *Header) { h.Fields[1].Name = h.Fields[0].Name }, ErrMalformed},
		{"unknown type", func(h *Header) { h.Fields[0].Type = "cn_secret" }, ErrMalformed},
		{"category 5", func(h *Header) { h.Fields[0].Category = 5 }, ErrMalformed},
		{"level 0", func(h *Header) { h.Fields[0].Level = 0 }, ErrMalformed},
		{"transform 10", func(h *Header) { h.Fields[0].Transform = 10 }, ErrMalformed},
		{"content type", func(h *Header) { h.ContentType = "csv" }, ErrMalformed},
		{"payload too long", func(h *Header) { h.PayloadLength = MaxPayload + 1 }, ErrMalformed},
		{"digest 3", func(h *Header) { h.Digest = 3 }, ErrMalformed},
		{"digest 0", func(h *Header) { h.Digest = 0 }, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := validHeader()
			c.mutate(h)
			if _, err := h.Marshal(); !errors.Is(err, c.want) {
				t.Errorf("Marshal: got %v, want %v", err, c.want)
			}
			b, err := h.encode()
			if err != nil {
				return // not even encodable (e.g. a 256-byte string)
			}
			if _, err := ParseHeader(b); !errors.Is(err, c.want) {
				t.Errorf("ParseHeader: got %v, want %v", err, c.want)
			}
		})
	}
}

func TestHeaderFramingRejects(t *testing.T) {
	good, err := validHeader().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	set := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"empty":           nil,
		"bad magic":       set(func(b []byte) []byte { b[0] ^= 1; return b }),
		"version 0":       set(func(b []byte) []byte { b[8] = 0; return b }),
		"version 1":       set(func(b []byte) []byte { b[8] = 1; return b }),
		"version 3":       set(func(b []byte) []byte { b[8] = 3; return b }),
		"no commitment":   set(func(b []byte) []byte { b[12] -= CommitSize; return b[:len(b)-CommitSize] }),
		"trailing byte":   append(bytes.Clone(good), 0),
		"body too long":   set(func(b []byte) []byte { b[12]++; return append(b, 0) }),
		"body too short":  set(func(b []byte) []byte { b[12]--; return b[:len(b)-1] }),
		"huge body len":   set(func(b []byte) []byte { b[9] = 0xff; return b }),
		"truncated":       good[:len(good)-1],
		"prefix only":     good[:13],
		"string overruns": set(func(b []byte) []byte { b[13+1+16+8] = 0xff; return b }),
	}
	for name, b := range cases {
		if _, err := ParseHeader(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
	// An envelope/v1 says why it is refused.
	if _, err := ParseHeader(set(func(b []byte) []byte { b[8] = 1; return b })); err == nil || !strings.Contains(err.Error(), "key") {
		t.Errorf("version 1: %v does not say it lacks a key commitment", err)
	}
	if _, _, err := ReadHeader(bytes.NewReader(good[:20])); !errors.Is(err, ErrMalformed) {
		t.Errorf("ReadHeader truncated: %v", err)
	}
	long := validHeader()
	long.Resource = strings.Repeat("a", 256)
	if _, err := long.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Errorf("256-byte resource: %v", err)
	}
}

func TestNumChunks(t *testing.T) {
	for _, c := range []struct{ n, want uint64 }{{0, 1}, {1, 1}, {ChunkSize, 1}, {ChunkSize + 1, 2}, {3 * ChunkSize, 3}} {
		if got := NumChunks(c.n); got != c.want {
			t.Errorf("NumChunks(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	if CiphertextLen(0) != TagSize || CiphertextLen(ChunkSize+1) != ChunkSize+1+2*TagSize {
		t.Error("CiphertextLen")
	}
}

func FuzzParseHeader(f *testing.F) {
	good, _ := validHeader().Marshal()
	f.Add(good)
	g := validHeader()
	g.Fields = g.Fields[:1]
	g.Suite = SuiteGeneral
	g.Grant = ""
	b, _ := g.Marshal()
	f.Add(b)
	f.Add([]byte("GOVSHENV\x02\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		out, err := h.Marshal()
		if err != nil {
			t.Fatalf("parsed header does not marshal: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatal("Marshal(Parse(b)) != b")
		}
	})
}

// TestTransformCodes: the wire codes of transforms never change; a new
// transform in the catalog may only be appended.
func TestTransformCodes(t *testing.T) {
	want := []string{"", "keep", "mask", "redact", "generalize", "token", "pseudonym", "fpe", "withhold", "dp"}
	if len(Transforms) < len(want) {
		t.Fatalf("transform table shrank to %d", len(Transforms))
	}
	for i, w := range want {
		if Transforms[i] != w {
			t.Errorf("transform code %d is %q, was %q: the format is append only", i, Transforms[i], w)
		}
	}
}
