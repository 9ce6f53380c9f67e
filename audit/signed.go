package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A record is the act of one department: a share is the provider's, an
// open the opener's, a refusal or a dispute that of the department named
// in By. A SignedRecord carries that department's signature over the
// record, so a log that holds it proves the department made it: neither
// the log's operator nor another department can write it.
//
// The signature covers signedContext, the log's origin, the signing
// department and the record's canonical bytes (Marshal), one per line:
//
//	govshare/audit signed record v1
//	<origin>
//	<department>
//	<record>
//
// so a signed record belongs to one log and cannot be replayed into
// another. The signed form (SignedRecord.Marshal, and the body of an HTTP
// append) is canonical JSON:
//
//	{"signer":"gongan","key":12345,"sig":"<base64>","record":{...}}
//
// and the log stores it with the operator's time in front, which the tree
// then commits to (see Entry.Logged):
//
//	{"logged":"2025-03-01T08:30:00.123Z","signer":...,"record":{...}}
type SignedRecord struct {
	Record    Record
	Signer    string // the department that signed: the record's maker (Actor)
	KeyID     uint32 // the id of its signing key (the Tink key id for keyrings)
	Signature []byte

	raw []byte // canonical record bytes, when known
}

// signedContext is the first line of every signed message.
const signedContext = "govshare/audit signed record v1\n"

// maxSignatureSize bounds a record signature: an ML-DSA-87 signature with
// its Tink prefix is 4,632 bytes.
const maxSignatureSize = 5 << 10

// RecordSigner signs records for one department: its Sign returns the
// signature of msg and the id of the key that made it. KeyringSigner
// adapts a keys.Keyring.
type RecordSigner interface {
	Dept() string
	Sign(msg []byte) (sig []byte, keyID uint32, err error)
}

// RecordVerifier checks one department key's signatures. A tink.Verifier
// is one.
type RecordVerifier interface {
	Verify(sig, msg []byte) error
}

// Registry holds the departments' registered public signing keys: the
// operator checks every record against it before appending, and auditors
// check every record of a log against theirs. RecordVerifier returns the
// verifier for dept's key keyID, as that key stood at time at (a registry
// that knows key lifecycles refuses a key revoked or not yet valid then),
// or an error wrapping ErrUnknownSigner. BundleRegistry is one built from
// public bundles (<dept>.pub).
type Registry interface {
	RecordVerifier(dept string, keyID uint32, at time.Time) (RecordVerifier, error)
}

// Actor returns the department whose act r records, the one that must sign
// it: a share's provider, an open's opener, a refusal's or a dispute's By.
func Actor(r Record) string {
	switch r := r.(type) {
	case ShareRecord:
		return r.Provider
	case *ShareRecord:
		return r.Provider
	case OpenRecord:
		return openerDept(r.Opener)
	case *OpenRecord:
		return openerDept(r.Opener)
	case RefuseRecord:
		return r.By
	case *RefuseRecord:
		return r.By
	case DisputeRecord:
		return r.By
	case *DisputeRecord:
		return r.By
	case ReleaseRecord:
		return r.Provider
	case *ReleaseRecord:
		return r.Provider
	case ApplicationRecord:
		return r.By
	case *ApplicationRecord:
		return r.By
	}
	return ""
}

// recordTime returns r's time.
func recordTime(r Record) time.Time {
	switch r := r.(type) {
	case ShareRecord:
		return r.Time
	case *ShareRecord:
		return r.Time
	case OpenRecord:
		return r.Time
	case *OpenRecord:
		return r.Time
	case RefuseRecord:
		return r.Time
	case *RefuseRecord:
		return r.Time
	case DisputeRecord:
		return r.Time
	case *DisputeRecord:
		return r.Time
	case ReleaseRecord:
		return r.Time
	case *ReleaseRecord:
		return r.Time
	case ApplicationRecord:
		return r.Time
	case *ApplicationRecord:
		return r.Time
	}
	return time.Time{}
}

// signedMessage is what a department signs for rec (canonical bytes) in
// the log named origin.
func signedMessage(origin, dept string, rec []byte) []byte {
	m := make([]byte, 0, len(signedContext)+len(origin)+len(dept)+2+len(rec))
	m = append(m, signedContext...)
	m = append(m, origin...)
	m = append(m, '\n')
	m = append(m, dept...)
	m = append(m, '\n')
	return append(m, rec...)
}

// Sign signs rec for the log named origin (Appender.Origin) with the
// department's key. The signer must be rec's maker (Actor): a department
// signs its own acts only.
func Sign(rec Record, origin string, s RecordSigner) (SignedRecord, error) {
	if s == nil {
		return SignedRecord{}, errors.New("govshare/audit: nil record signer")
	}
	if !validOrigin(origin) {
		return SignedRecord{}, errors.New("govshare/audit: log origin is empty or has spaces or '+'")
	}
	raw, err := Marshal(rec)
	if err != nil {
		return SignedRecord{}, err
	}
	dept := s.Dept()
	if dept != Actor(rec) {
		return SignedRecord{}, notVerified(ErrWrongSigner, "%s cannot sign a %s record made by %s", dept, rec.Kind(), Actor(rec))
	}
	sig, keyID, err := s.Sign(signedMessage(origin, dept, raw))
	if err != nil {
		return SignedRecord{}, fmt.Errorf("govshare/audit: signing record: %w", err)
	}
	if len(sig) == 0 || len(sig) > maxSignatureSize {
		return SignedRecord{}, errors.New("govshare/audit: record signature is empty or too large")
	}
	if err := checkOpenerKey(rec, keyID); err != nil {
		return SignedRecord{}, err
	}
	return SignedRecord{Record: valueOf(rec), Signer: dept, KeyID: keyID, Signature: sig, raw: raw}, nil
}

// valueOf returns a record by value.
func valueOf(r Record) Record {
	switch p := r.(type) {
	case *ShareRecord:
		return *p
	case *OpenRecord:
		return *p
	case *RefuseRecord:
		return *p
	case *DisputeRecord:
		return *p
	case *ReleaseRecord:
		return *p
	case *ApplicationRecord:
		return *p
	}
	return r
}

// recordBytes returns the canonical record: the bytes that were signed.
func (sr *SignedRecord) recordBytes() ([]byte, error) {
	if sr.raw != nil {
		return sr.raw, nil
	}
	return Marshal(sr.Record)
}

// Marshal returns the canonical signed form (see SignedRecord).
func (sr SignedRecord) Marshal() ([]byte, error) {
	raw, err := sr.recordBytes()
	if err != nil {
		return nil, err
	}
	if err := checkDept("signer", sr.Signer); err != nil {
		return nil, err
	}
	if len(sr.Signature) == 0 || len(sr.Signature) > maxSignatureSize {
		return nil, errors.New("govshare/audit: record signature is empty or too large")
	}
	b := make([]byte, 0, len(raw)+len(sr.Signer)+base64.StdEncoding.EncodedLen(len(sr.Signature))+48)
	b = append(b, `{"signer":"`...)
	b = append(b, sr.Signer...)
	b = append(b, `","key":`...)
	b = strconv.AppendUint(b, uint64(sr.KeyID), 10)
	b = append(b, `,"sig":"`...)
	b = base64.StdEncoding.AppendEncode(b, sr.Signature)
	b = append(b, `","record":`...)
	b = append(b, raw...)
	b = append(b, '}')
	if len(b)+len(`"logged":"2025-03-01T08:30:00.000Z",`) > MaxRecordSize {
		return nil, fmt.Errorf("govshare/audit: signed record is more than %d bytes", MaxRecordSize)
	}
	return b, nil
}

// ParseSigned decodes a signed record in canonical form (SignedRecord.Marshal).
// It checks the form and that the signer is the record's maker, not the
// signature: use SignedRecord.Verify.
func ParseSigned(b []byte) (SignedRecord, error) {
	var l leaf
	if err := parseSignedForm(b, &l, false); err != nil {
		return SignedRecord{}, err
	}
	return l.signedRecord(), nil
}

// Verify checks the signature with the maker's key in reg, for the log
// named origin. Errors wrap ErrNotVerified and ErrBadSignature,
// ErrWrongSigner or ErrUnknownSigner.
func (sr SignedRecord) Verify(origin string, reg Registry) error {
	if reg == nil {
		return errors.New("govshare/audit: nil registry")
	}
	raw, err := sr.recordBytes()
	if err != nil {
		return err
	}
	if sr.Signer != Actor(sr.Record) {
		return notVerified(ErrWrongSigner, "a %s record made by %s is signed by %s", sr.Record.Kind(), Actor(sr.Record), sr.Signer)
	}
	if err := checkOpenerKey(sr.Record, sr.KeyID); err != nil {
		return err
	}
	return verifySig(reg, origin, sr.Signer, sr.KeyID, recordTime(sr.Record), sr.Signature, raw)
}

func verifySig(reg Registry, origin, dept string, keyID uint32, at time.Time, sig, raw []byte) error {
	v, err := reg.RecordVerifier(dept, keyID, at)
	if err != nil {
		switch {
		case errors.Is(err, ErrNotVerified):
			return err
		case errors.Is(err, ErrUnknownSigner):
			return &verifyError{kind: ErrUnknownSigner, msg: err.Error()}
		}
		return err
	}
	if err := v.Verify(sig, signedMessage(origin, dept, raw)); err != nil {
		// Not the verifier's message: it may say more than we want logged.
		return notVerified(ErrBadSignature, "record signature does not verify with %s's key %d", dept, keyID)
	}
	return nil
}

// leaf is a log entry as stored: a bare record (logs written before
// signatures, and Log.Append) or a signed record with the operator's time.
// Its strings and slices alias the input.
type leaf struct {
	signed bool
	logged time.Time // signed only
	signer string
	keyID  uint32
	sigB64 []byte // the signature in canonical base64, within the input
	sig    []byte // decoded by signature(); own buffer
	sigOK  bool   // sig holds sigB64 decoded
	rec    []byte // the record's canonical bytes, within the input
	d      decoded
}

const (
	loggedPrefix = `{"logged":`
	signerPrefix = `{"signer":`
)

// parseLeaf reads a stored entry.
func parseLeaf(b []byte, l *leaf) error {
	if bytes.HasPrefix(b, []byte(loggedPrefix)) {
		return parseSignedForm(b, l, true)
	}
	l.signed = false
	l.rec = b
	return decodeRecord(b, &l.d)
}

// parseSignedForm reads a signed record, with the logged time in front when
// logged is set.
func parseSignedForm(b []byte, l *leaf, logged bool) error {
	if len(b) > MaxRecordSize {
		return fmt.Errorf("govshare/audit: entry is more than %d bytes", MaxRecordSize)
	}
	s := scanner{b: b}
	l.signed = true
	if logged {
		s.lit(`{"logged":`)
		l.logged = s.time()
		s.lit(`,"signer":`)
	} else {
		s.lit(`{"signer":`)
	}
	l.signer = s.str()
	s.lit(`,"key":`)
	l.keyID = s.uint32()
	s.lit(`,"sig":"`)
	var sig []byte
	if !s.bad {
		// Base64 has no character a JSON string escapes: up to the quote.
		if j := bytes.IndexByte(b[s.i:], '"'); j >= 0 {
			sig = b[s.i : s.i+j]
			s.i += j + 1
		} else {
			s.bad = true
		}
	}
	s.lit(`,"record":`)
	if s.bad || len(b) == 0 || b[len(b)-1] != '}' {
		return errors.New("govshare/audit: signed record is not in canonical form")
	}
	l.rec = b[s.i : len(b)-1]
	if err := decodeRecord(l.rec, &l.d); err != nil {
		return err
	}
	if err := checkDept("signer", l.signer); err != nil {
		return err
	}
	if m := canonicalBase64Len(sig); m == 0 || m > maxSignatureSize {
		return errors.New("govshare/audit: record signature is empty, too large or not canonical base64")
	}
	l.sigB64, l.sigOK = sig, false
	if l.signer != l.d.actor() {
		return notVerified(ErrWrongSigner, "a %s record made by %s is signed by %s", l.d.kind, l.d.actor(), l.signer)
	}
	if l.d.kind == KindOpen {
		return checkOpenerKey(l.d.open, l.keyID)
	}
	return nil
}

// signature returns the decoded signature (valid until the next parse).
func (l *leaf) signature() []byte {
	if !l.sigOK {
		n := base64.StdEncoding.DecodedLen(len(l.sigB64))
		if cap(l.sig) < n {
			l.sig = make([]byte, n)
		}
		m, _ := base64.StdEncoding.Decode(l.sig[:n], l.sigB64) // checked canonical by the parse
		l.sig, l.sigOK = l.sig[:m], true
	}
	return l.sig
}

// signedRecord returns the signed record of a signed leaf, copied out of
// the input.
func (l *leaf) signedRecord() SignedRecord {
	return SignedRecord{
		Record: l.d.record(), Signer: strings.Clone(l.signer), KeyID: l.keyID,
		Signature: bytes.Clone(l.signature()), raw: bytes.Clone(l.rec),
	}
}

// canonicalBase64Len returns the decoded length of s if it is canonical
// padded standard base64 (what base64.StdEncoding writes), else 0.
func canonicalBase64Len(s []byte) int {
	if len(s) == 0 || len(s)%4 != 0 {
		return 0
	}
	pad := 0
	if s[len(s)-1] == '=' {
		pad++
		if s[len(s)-2] == '=' {
			pad++
		}
	}
	data := s[:len(s)-pad]
	for _, c := range data {
		if b64Val[c] < 0 {
			return 0
		}
	}
	// The unused low bits of the last character must be zero.
	if pad > 0 {
		last := b64Val[data[len(data)-1]]
		if pad == 1 && last&3 != 0 || pad == 2 && last&15 != 0 {
			return 0
		}
	}
	return len(s)/4*3 - pad
}

var b64Val = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// appendLogged returns the entry the log stores for a signed form: the
// operator's time, then the signed form's fields.
func appendLogged(dst []byte, t time.Time, signedForm []byte) []byte {
	dst = append(dst, `{"logged":"`...)
	dst = t.UTC().AppendFormat(dst, timeLayout)
	dst = append(dst, `",`...)
	return append(dst, signedForm[1:]...)
}
