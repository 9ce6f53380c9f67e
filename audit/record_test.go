package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/golden"
)

func TestRecordRoundTrip(t *testing.T) {
	for i := 0; i < 8; i++ {
		r := sampleRecord(i)
		b := mustMarshal(t, r)
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("record %d: round trip changed the record", i)
		}
		if got.Kind() != r.Kind() {
			t.Fatalf("record %d: kind %q, want %q", i, got.Kind(), r.Kind())
		}
		// Pointers encode like values.
		var p Record
		switch r := r.(type) {
		case ShareRecord:
			p = &r
		case OpenRecord:
			p = &r
		case RefuseRecord:
			p = &r
		case DisputeRecord:
			p = &r
		}
		if pb := mustMarshal(t, p); !bytes.Equal(pb, b) {
			t.Fatalf("record %d: pointer encodes differently", i)
		}
	}
}

func TestRecordTimeIsCanonical(t *testing.T) {
	// Another zone and sub-millisecond digits: same instant to the ms, same bytes.
	cst := time.FixedZone("CST", 8*3600)
	r1 := OpenRecord{EnvelopeID: "e1", Opener: "minzheng", Purpose: catalog.PurposeStatistics, Outcome: OutcomeOpened,
		Time: time.Date(2025, 3, 1, 16, 30, 0, 123456789, cst)}
	r2 := r1
	r2.Time = time.Date(2025, 3, 1, 8, 30, 0, 123000000, time.UTC)
	b1, b2 := mustMarshal(t, r1), mustMarshal(t, r2)
	if !bytes.Equal(b1, b2) {
		t.Fatalf("same instant encodes differently:\n%s\n%s", b1, b2)
	}
	if !bytes.Contains(b1, []byte(`"time":"2025-03-01T08:30:00.123Z"`)) {
		t.Fatalf("time not in UTC millisecond form: %s", b1)
	}
}

// TestRecordGolden pins the canonical encoding and leaf hash of each kind,
// so a change that would make old leaf hashes irreproducible fails here.
// The leaf hash is also recomputed with crypto/sha256 directly (RFC 6962:
// SHA-256(0x00 || record)), independently of tlog.
func TestRecordGolden(t *testing.T) {
	var out bytes.Buffer
	for i := 0; i < 8; i++ {
		r := sampleRecord(i)
		b := mustMarshal(t, r)
		lh, err := LeafHash(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(append([]byte{0}, b...)); lh != want {
			t.Fatalf("record %d: leaf hash is not SHA-256(0x00 || record)", i)
		}
		fmt.Fprintf(&out, "%s\nleaf %x\n", b, lh[:])
	}
	path := filepath.Join("testdata", "records.golden")
	if golden.Update() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, out.Bytes())
	}
	want := readFile(t, path)
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("canonical encoding changed; got:\n%s", out.Bytes())
	}
}

func TestParseStrict(t *testing.T) {
	good := string(mustMarshal(t, sampleRecord(0)))
	open := string(mustMarshal(t, sampleRecord(1)))
	refuse := string(mustMarshal(t, sampleRecord(2)))
	hh := sampleRecord(0).(ShareRecord).HeaderHash.String()
	cases := map[string]string{
		"empty":           "",
		"not json":        "share",
		"array":           "[1]",
		"version 2":       strings.Replace(good, `"v":1`, `"v":2`, 1),
		"version 0":       strings.Replace(good, `"v":1,`, ``, 1),
		"unknown type":    strings.Replace(good, `"share"`, `"shared"`, 1),
		"unknown key":     strings.Replace(good, `"resource"`, `"data":"x","resource"`, 1),
		"missing key":     strings.Replace(good, `"grant":"grant-2025-007",`, ``, 1),
		"reordered keys":  `{"type":"share","v":1` + good[len(`{"v":1,"type":"share"`):],
		"space":           strings.Replace(good, `,"provider"`, `, "provider"`, 1),
		"newline":         good + "\n",
		"trailing data":   good + "{}",
		"duplicate key":   strings.Replace(good, `"provider":"gongan"`, `"provider":"x","provider":"gongan"`, 1),
		"escaped char":    strings.Replace(good, `"gongan"`, `"gong\u0061n"`, 1),
		"upper hex":       strings.Replace(good, hh, strings.ToUpper(hh), 1),
		"short hex":       strings.Replace(good, hh, hh[2:], 1),
		"zero hash":       strings.Replace(good, hh, strings.Repeat("0", 64), 1),
		"time offset":     strings.Replace(good, `.000Z"`, `.000+08:00"`, 1),
		"time no ms":      strings.Replace(good, `.000Z"`, `Z"`, 1),
		"time nanos":      strings.Replace(good, `.000Z"`, `.000000Z"`, 1),
		"bad purpose":     strings.Replace(good, `"data_verification"`, `"marketing"`, 1),
		"bad dept":        strings.Replace(good, `"gongan"`, `"../etc"`, 1),
		"number as str":   strings.Replace(good, `"v":1`, `"v":"1"`, 1),
		"open bad code":   strings.Replace(open, `"opened"`, `"Opened"`, 1),
		"refuse both ids": strings.Replace(refuse, `"envelope":""`, `"envelope":"e1"`, 1),
		"refuse no id":    strings.Replace(refuse, `"request":"env-000002"`, `"request":""`, 1),
		"invalid utf8":    strings.Replace(good, "人口", "\xff\xfe", 1),
	}
	for name, in := range cases {
		if in == good || in == open || in == refuse {
			t.Fatalf("%s: mutation did not apply", name)
		}
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse accepted it", name)
		} else if !strings.HasPrefix(err.Error(), "govshare/audit: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	base := sampleRecord(0).(ShareRecord)
	mod := func(f func(*ShareRecord)) Record { r := base; f(&r); return r }
	disp := sampleRecord(3).(DisputeRecord)
	withReason := func(s string) Record { r := disp; r.Reason = DisputeReason(s); return r }
	cases := map[string]Record{
		"nil":              nil,
		"nil pointer":      (*ShareRecord)(nil),
		"no envelope":      mod(func(r *ShareRecord) { r.EnvelopeID = "" }),
		"envelope space":   mod(func(r *ShareRecord) { r.EnvelopeID = "a b" }),
		"long envelope":    mod(func(r *ShareRecord) { r.EnvelopeID = strings.Repeat("a", 129) }),
		"zero header hash": mod(func(r *ShareRecord) { r.HeaderHash = Digest{} }),
		"no provider":      mod(func(r *ShareRecord) { r.Provider = "" }),
		"dept dot":         mod(func(r *ShareRecord) { r.Recipient = ".hidden" }),
		"no purpose":       mod(func(r *ShareRecord) { r.Purpose = "" }),
		"no resource":      mod(func(r *ShareRecord) { r.Resource = "" }),
		"resource control": mod(func(r *ShareRecord) { r.Resource = "a\nb" }),
		"resource spaces":  mod(func(r *ShareRecord) { r.Resource = " a" }),
		"zero time":        mod(func(r *ShareRecord) { r.Time = time.Time{} }),
		"year 1970":        mod(func(r *ShareRecord) { r.Time = time.Unix(0, 0) }),
		"empty reason":     withReason(""),
		"long reason":      withReason(strings.Repeat("x", 1025)),
		"reason control":   withReason("bad\x00reason"),
		"free-text reason": withReason("记录数与目录不符 (row count differs)"),
		"unknown code":     withReason("row_count"),
	}
	for name, r := range cases {
		if _, err := Marshal(r); err == nil {
			t.Errorf("%s: Marshal accepted it", name)
		}
	}
}

// A dispute's reason is a code: free text is refused whatever it holds (a
// name, a spaced phone number, an ethnicity slip past any filter), and the
// error never quotes it (issue 11 §6).
func TestDisputeReasonIsACode(t *testing.T) {
	for _, text := range []string{"崔俊鹤的记录有误", "第3行 1918 639 8679 不符", "民族字段应为回族", "第 12 行出生日期字段与源数据不一致"} {
		r := DisputeRecord{EnvelopeID: "e1", By: "minzheng", Reason: DisputeReason(text), Time: baseTime}
		_, err := Marshal(r)
		if err == nil {
			t.Fatalf("free-text reason (sha256 %x) was accepted", sha256.Sum256([]byte(text)))
		}
		for _, part := range strings.Fields(text) {
			if strings.Contains(err.Error(), part) {
				t.Fatalf("error quotes the reason (sha256 %x)", sha256.Sum256([]byte(text)))
			}
		}
	}
	for _, code := range DisputeReasons {
		for _, digest := range []Digest{{}, sha256.Sum256([]byte("text"))} {
			r := DisputeRecord{EnvelopeID: "e1", By: "minzheng", Reason: code, TextDigest: digest, Time: baseTime}
			b, err := Marshal(r)
			if err != nil {
				t.Fatalf("%s: %v", code, err)
			}
			if has := bytes.Contains(b, []byte(`"text_sha256":"`+digest.String()+`"`)); has == (digest == Digest{}) {
				t.Fatalf("%s: text digest: %s", code, b)
			}
			got, err := Parse(b)
			if err != nil || got != Record(r) {
				t.Fatalf("%s: round trip: %v %+v", code, err, got)
			}
		}
	}
}

// A dispute written before reason codes carries free text: it still parses
// and re-encodes to the same bytes (an old log verifies), but is never
// admitted again, and no record has both free text and a text digest.
func TestDisputeLegacyFreeText(t *testing.T) {
	old := `{"v":1,"type":"dispute","envelope":"env-000003","by":"minzheng","reason":"记录数与目录不符 (row count differs)","time":"2025-03-01T08:30:03.000Z"}`
	rec, err := Parse([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	d := rec.(DisputeRecord)
	if d.Reason.Known() || d.TextDigest != (Digest{}) {
		t.Fatalf("legacy record read as %+v", d)
	}
	if again, err := marshal(rec, false); err != nil || string(again) != old {
		t.Fatalf("legacy record does not re-encode: %v", err)
	}
	// Its leaf hash is the one the golden file of the old format pinned.
	if lh := sha256.Sum256(append([]byte{0}, old...)); fmt.Sprintf("%x", lh[:]) != "0a6ef049672652f5551088d53be2a99d5c4bb6b689bec9bbb90538e1ec7544e9" {
		t.Fatalf("legacy leaf hash %x", lh[:])
	}
	if _, err := Marshal(rec); err == nil {
		t.Fatal("a free-text dispute was admitted")
	}
	withDigest := strings.Replace(old, `,"time"`, `,"text_sha256":"`+strings.Repeat("ab", 32)+`","time"`, 1)
	if _, err := Parse([]byte(withDigest)); err == nil {
		t.Fatal("free text with a text digest parsed")
	}
	for name, b := range map[string]string{
		"empty digest": strings.Replace(old, `,"time"`, `,"text_sha256":"","time"`, 1),
		"upper hex":    strings.Replace(old, `"reason":"记录数与目录不符 (row count differs)"`, `"reason":"other","text_sha256":"`+strings.Repeat("AB", 32)+`"`, 1),
		"short digest": strings.Replace(old, `"reason":"记录数与目录不符 (row count differs)"`, `"reason":"other","text_sha256":"abcd"`, 1),
		"digest last":  strings.Replace(old, `"reason":"记录数与目录不符 (row count differs)","time":"2025-03-01T08:30:03.000Z"`, `"reason":"other","time":"2025-03-01T08:30:03.000Z","text_sha256":"`+strings.Repeat("ab", 32)+`"`, 1),
	} {
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestDisputeLegacyLogVerifies: a log holding a free-text dispute written
// before reason codes still verifies, and a signed one still checks against
// its maker's key; appending one anew, bare or signed, is refused.
func TestDisputeLegacyLogVerifies(t *testing.T) {
	dir, l, v := buildLog(t, 3)
	legacy := []byte(`{"v":1,"type":"dispute","envelope":"env-000003","by":"minzheng","reason":"记录数与目录不符 (row count differs)","time":"2025-03-01T08:30:03.000Z"}`)
	if _, err := l.appendEncoded(context.Background(), &pending{recs: [][]byte{legacy}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, v); err != nil {
		t.Fatalf("a log with a legacy dispute does not verify: %v", err)
	}
	rec, _ := Parse(legacy)
	if _, err := l.Append(context.Background(), rec); err == nil {
		t.Fatal("a free-text dispute was appended")
	}
	s := deptSigner(t, "minzheng")
	if _, err := Sign(rec, testOrigin, s); err == nil {
		t.Fatal("a free-text dispute was signed")
	}
	// Signed before reason codes existed: the signature covered these bytes.
	sig, keyID, err := s.Sign(signedMessage(testOrigin, "minzheng", legacy))
	if err != nil {
		t.Fatal(err)
	}
	form, err := SignedRecord{Record: rec, Signer: "minzheng", KeyID: keyID, Signature: sig, raw: legacy}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sr, err := ParseSigned(form)
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.Verify(testOrigin, testRegistry(t)); err != nil {
		t.Fatalf("a signed legacy dispute does not verify: %v", err)
	}
}

func TestSignerKeyIsRedacted(t *testing.T) {
	sk, vk, err := GenerateKey(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	secret := string(sk)
	// "PRIVATE+KEY+<name>+<8 hex>+<base64 key>"; the base64 may hold '+'.
	keyData := secret[len("PRIVATE+KEY+"+testOrigin+"+")+9:]
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "k", sk)
	outs := []string{
		fmt.Sprint(sk), fmt.Sprintf("%v %s %q %x %X %#v %+v %d", sk, sk, sk, sk, sk, sk, sk, sk),
		fmt.Sprintf("%v", []SignerKey{sk}), fmt.Sprintf("%+v", struct{ K SignerKey }{sk}), logged.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, keyData) || strings.Contains(o, "PRIVATE") || strings.Contains(o, hex.EncodeToString([]byte(secret))[:16]) {
			t.Fatalf("formatted signer key reveals key material")
		}
		if !strings.Contains(o, "[redacted]") {
			t.Fatalf("formatted signer key does not say [redacted]")
		}
	}
	s, err := NewSigner(sk)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != testOrigin || v.Name() != testOrigin || s.KeyHash() != v.KeyHash() {
		t.Fatal("signer and verifier do not match")
	}
	if _, err := NewSigner(sk[:len(sk)-4]); err == nil || strings.Contains(err.Error(), keyData[:8]) {
		t.Fatal("malformed signer key accepted or echoed")
	}
	for _, bad := range []string{"", "has space", "a+b"} {
		if _, _, err := GenerateKey(bad); err == nil {
			t.Errorf("GenerateKey(%q) accepted a bad name", bad)
		}
	}
}
