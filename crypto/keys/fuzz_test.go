package keys

import (
	"sync"
	"testing"

	"github.com/tink-crypto/tink-go/v2/tink"
)

var (
	fuzzOnce   sync.Once
	fuzzMaster tink.AEAD
	fuzzFile   []byte
	fuzzPublic []byte
	fuzzOPRF   []byte
)

func fuzzSeeds(t testing.TB) {
	fuzzOnce.Do(func() {
		fuzzMaster = testMaster(t)
		kr := newTestKeyring(t, "tax-bureau")
		var err error
		if fuzzFile, err = kr.Marshal(fuzzMaster); err != nil {
			t.Fatal(err)
		}
		if fuzzPublic, err = kr.Public().Marshal(); err != nil {
			t.Fatal(err)
		}
		if fuzzOPRF, err = kr.cur.Load().oprf.marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParse feeds arbitrary bytes to the keyring-file parser: it must never
// panic, and anything but the genuine file must fail.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	// The whole 9 KB file as a seed stalls Go's mutator (a known weakness
	// with large structured inputs); its first entries exercise every
	// structural check, and TestTamperedKeyring covers the whole file.
	f.Add(fuzzFile[:400])
	f.Add([]byte("GSKR\x01\x00\x0atax-bureau\x09"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		kr, err := Parse(b, "tax-bureau", fuzzMaster)
		if err == nil && string(b) != string(fuzzFile) {
			t.Fatalf("Parse accepted a modified file (%d bytes)", len(b))
		}
		if err == nil && kr == nil {
			t.Fatal("nil keyring without error")
		}
	})
}

// FuzzParsePublic feeds arbitrary bytes to the public-bundle parser.
func FuzzParsePublic(f *testing.F) {
	fuzzSeeds(f)
	f.Add(fuzzPublic[:200]) // see FuzzParse on large seeds
	f.Add([]byte(`{"format":"govshare-public/v1","dept":"x","keysets":{},"oprf":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublic(b)
		if err != nil {
			return
		}
		// Whatever parses must be usable and re-encode.
		if _, err := p.Marshal(); err != nil {
			t.Fatalf("parsed bundle does not marshal: %v", err)
		}
		if _, err := p.HybridEncrypt(KindKEMXWing); err != nil {
			t.Fatalf("parsed bundle has no usable KEM: %v", err)
		}
	})
}

// FuzzParseOPRFSet feeds arbitrary bytes to the OPRF key blob parser.
func FuzzParseOPRFSet(f *testing.F) {
	fuzzSeeds(f)
	f.Add(fuzzOPRF)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseOPRFSet(b)
		if err == nil {
			if err := s.check(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
