package audit

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"golang.org/x/mod/sumdb/tlog"
)

// RecordVersion is the version tag in every encoded record.
const RecordVersion = 1

// MaxRecordSize bounds an encoded record. Records hold ids and digests, so
// anything larger is a bug or an attack.
const MaxRecordSize = 16 << 10

// maxReasonLen bounds a DisputeRecord's reason, in bytes.
const maxReasonLen = 1024

// timeLayout is the only time encoding: UTC, millisecond precision, so the
// same instant always gives the same bytes.
const timeLayout = "2006-01-02T15:04:05.000Z"

// Kind names a record type. The zero value is invalid.
type Kind string

// Record kinds.
const (
	KindShare   Kind = "share"
	KindOpen    Kind = "open"
	KindRefuse  Kind = "refuse"
	KindDispute Kind = "dispute"
)

// Suggested outcome and reason codes. Any code matching [a-z][a-z0-9_.-]{0,63}
// is accepted, so callers can be more specific; these are the common ones.
const (
	OutcomeOpened            = "opened"
	OutcomeWrongPurpose      = "wrong_purpose"
	OutcomeWrongRecipient    = "wrong_recipient"
	OutcomeExpired           = "expired"
	OutcomeUntrustedProvider = "untrusted_provider"
	OutcomeTampered          = "tampered"

	OutcomeNotYetValid  = "not_yet_valid"
	OutcomeUnknownSuite = "unknown_suite"
	OutcomeFailed       = "failed"

	ReasonNoGrant        = "no_grant"
	ReasonNotShared      = "not_shared"
	ReasonPurpose        = "purpose_not_allowed"
	ReasonExpired        = "grant_expired"
	ReasonUnknownField   = "unknown_field"
	ReasonInvalidCatalog = "invalid_catalog"
	ReasonNothingLeaves  = "nothing_leaves"
)

// Outcome is an open's result code (OpenRecord.Outcome). The Outcome*
// constants are its known values; they are untyped so that code holding
// them as strings keeps compiling.
type Outcome string

// Outcomes lists the known open outcomes, OutcomeOpened first.
var Outcomes = []Outcome{OutcomeOpened, OutcomeWrongPurpose, OutcomeWrongRecipient, OutcomeExpired,
	OutcomeNotYetValid, OutcomeUntrustedProvider, OutcomeUnknownSuite, OutcomeTampered, OutcomeFailed}

// Known reports whether o is one of Outcomes.
func (o Outcome) Known() bool { return slices.Contains(Outcomes, o) }

// Reason is a refusal's code (RefuseRecord.Code). The Reason* constants are
// its known values.
type Reason string

// Reasons lists the known refusal reasons.
var Reasons = []Reason{ReasonNoGrant, ReasonNotShared, ReasonPurpose, ReasonExpired,
	ReasonUnknownField, ReasonInvalidCatalog, ReasonNothingLeaves}

// Known reports whether r is one of Reasons.
func (r Reason) Known() bool { return slices.Contains(Reasons, r) }

// Record is one entry of the log: a *ShareRecord, *OpenRecord, *RefuseRecord or *DisputeRecord
// (or the same types by value).
type Record interface {
	Kind() Kind
	// wire returns the canonical wire struct, after validating the record
	// (admit: with the rules for admitting a new record, see decodeRecord).
	wire(admit bool) (any, error)
}

// Digest is a SHA-256 digest, encoded as 64 lowercase hex digits.
type Digest [32]byte

// String returns the lowercase hex encoding.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// ShareRecord records that a provider sealed an envelope to a recipient.
type ShareRecord struct {
	EnvelopeID string          // the envelope's id
	HeaderHash Digest          // H = SHA-256 of the envelope header
	Provider   string          // providing department
	Recipient  string          // receiving department
	Purpose    catalog.Purpose // declared purpose (docs/domain.md: purposes and data minimization)
	GrantID    string          // grant relied on; "" if the tier needs none
	Resource   string          // catalog resource name
	Time       time.Time
}

// OpenRecord records an attempt to open an envelope and its outcome.
type OpenRecord struct {
	EnvelopeID string
	Opener     string // opening department
	Purpose    catalog.Purpose
	Outcome    string // a code such as OutcomeOpened
	Time       time.Time
}

// RefuseRecord records a refusal to share or to open. Exactly one of EnvelopeID
// and RequestID is set.
type RefuseRecord struct {
	EnvelopeID string
	RequestID  string
	By         string // refusing department
	Code       string // why, as a code such as ReasonNoGrant
	Time       time.Time
}

// DisputeRecord records that a department disputes an envelope's content or
// handling (一数一源: the consumer's way back to the source).
//
// Reason is the only free text in the log. It is for the nature of the
// dispute ("record count differs from catalog", "宗地面积与登记不符"), never
// for data: the log is kept for years and shown to supervisors. A reason
// containing an identifier that classify.Detect finds (ID number, phone,
// credit code, bank card, name after a context word, …) is refused. That
// check cannot catch every value, so callers should refer to rows by
// position or by a digest, not by content.
type DisputeRecord struct {
	EnvelopeID string
	By         string // disputing department
	Reason     string // at most 1024 bytes of printable UTF-8, no data
	Time       time.Time
}

// Kind implements Record.
func (ShareRecord) Kind() Kind { return KindShare }

// Kind implements Record.
func (OpenRecord) Kind() Kind { return KindOpen }

// Kind implements Record.
func (RefuseRecord) Kind() Kind { return KindRefuse }

// Kind implements Record.
func (DisputeRecord) Kind() Kind { return KindDispute }

// Wire structs: field order is the canonical key order.
type shareWire struct {
	V          int    `json:"v"`
	Type       Kind   `json:"type"`
	EnvelopeID string `json:"envelope"`
	HeaderHash string `json:"header_sha256"`
	Provider   string `json:"provider"`
	Recipient  string `json:"recipient"`
	Purpose    string `json:"purpose"`
	GrantID    string `json:"grant"`
	Resource   string `json:"resource"`
	Time       string `json:"time"`
}

type openWire struct {
	V          int    `json:"v"`
	Type       Kind   `json:"type"`
	EnvelopeID string `json:"envelope"`
	Opener     string `json:"opener"`
	Purpose    string `json:"purpose"`
	Outcome    string `json:"outcome"`
	Time       string `json:"time"`
}

type refuseWire struct {
	V          int    `json:"v"`
	Type       Kind   `json:"type"`
	EnvelopeID string `json:"envelope"`
	RequestID  string `json:"request"`
	By         string `json:"by"`
	Code       string `json:"code"`
	Time       string `json:"time"`
}

type disputeWire struct {
	V          int    `json:"v"`
	Type       Kind   `json:"type"`
	EnvelopeID string `json:"envelope"`
	By         string `json:"by"`
	Reason     string `json:"reason"`
	Time       string `json:"time"`
}

// validate checks every field (what Marshal and Parse check).
func (r ShareRecord) validate() error {
	if err := firstErr(
		checkID("envelope", r.EnvelopeID, false),
		checkDept("provider", r.Provider),
		checkDept("recipient", r.Recipient),
		checkPurpose(r.Purpose),
		checkName("grant", r.GrantID, true),
		checkName("resource", r.Resource, false),
		checkTime(r.Time),
	); err != nil {
		return err
	}
	if r.HeaderHash == (Digest{}) {
		return errors.New("govshare/audit: share record: header hash is zero")
	}
	return nil
}

func (r OpenRecord) validate() error {
	return firstErr(
		checkID("envelope", r.EnvelopeID, false),
		checkDept("opener", r.Opener),
		checkPurpose(r.Purpose),
		checkCode("outcome", r.Outcome),
		checkTime(r.Time),
	)
}

func (r RefuseRecord) validate() error {
	if (r.EnvelopeID == "") == (r.RequestID == "") {
		return errors.New("govshare/audit: refuse record: set exactly one of envelope id and request id")
	}
	return firstErr(
		checkID("envelope", r.EnvelopeID, true),
		checkID("request", r.RequestID, true),
		checkDept("by", r.By),
		checkCode("code", r.Code),
		checkTime(r.Time),
	)
}

// validate checks the fields; admit also refuses a reason holding an
// identifier (Marshal does, Parse does not: see decodeRecord).
func (r DisputeRecord) validate(admit bool) error {
	return firstErr(
		checkID("envelope", r.EnvelopeID, false),
		checkDept("by", r.By),
		checkReason(r.Reason, admit),
		checkTime(r.Time),
	)
}

func (r ShareRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &shareWire{RecordVersion, KindShare, r.EnvelopeID, r.HeaderHash.String(), r.Provider,
		r.Recipient, string(r.Purpose), r.GrantID, r.Resource, formatTime(r.Time)}, nil
}

func (r OpenRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &openWire{RecordVersion, KindOpen, r.EnvelopeID, r.Opener, string(r.Purpose), r.Outcome,
		formatTime(r.Time)}, nil
}

func (r RefuseRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &refuseWire{RecordVersion, KindRefuse, r.EnvelopeID, r.RequestID, r.By, r.Code,
		formatTime(r.Time)}, nil
}

func (r DisputeRecord) wire(admit bool) (any, error) {
	if err := r.validate(admit); err != nil {
		return nil, err
	}
	return &disputeWire{RecordVersion, KindDispute, r.EnvelopeID, r.By, r.Reason, formatTime(r.Time)}, nil
}

// Marshal returns the canonical encoding of r: one line of JSON with a fixed
// key order, starting with the version and type, times in UTC to the
// millisecond. The same record always gives the same bytes, so leaf hashes
// are reproducible by anyone. Invalid records are refused.
func Marshal(r Record) ([]byte, error) { return marshal(r, true) }

// marshal encodes r; admit applies the admission rules (see decodeRecord).
func marshal(r Record, admit bool) ([]byte, error) {
	if r == nil || isNilPointer(r) {
		return nil, errors.New("govshare/audit: nil record")
	}
	w, err := r.wire(admit)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: encoding record: %w", err)
	}
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("govshare/audit: record is %d bytes, more than %d", len(b), MaxRecordSize)
	}
	return b, nil
}

func isNilPointer(r Record) bool {
	switch p := r.(type) {
	case *ShareRecord:
		return p == nil
	case *OpenRecord:
		return p == nil
	case *RefuseRecord:
		return p == nil
	case *DisputeRecord:
		return p == nil
	}
	return false
}

// LeafHash returns the RFC 6962 leaf hash of r's canonical encoding: the
// value a proof for r proves.
func LeafHash(r Record) (Hash, error) {
	b, err := Marshal(r)
	if err != nil {
		return Hash{}, err
	}
	return tlog.RecordHash(b), nil
}

// Parse decodes one canonical record. It is strict: unknown or missing keys,
// another key order, other whitespace or escaping, a wrong version, or any
// invalid field is an error. It returns a value (ShareRecord, OpenRecord, RefuseRecord or
// DisputeRecord), never a pointer.
//
// Parse checks a record's form, not the admission rules Marshal applies to
// new records: a dispute reason that today's identifier detector would
// refuse still parses, so a log written by an older version stays readable.
func Parse(b []byte) (Record, error) {
	var d decoded
	err := decodeRecord(b, &d)
	if err == nil {
		return d.record(), nil
	}
	if err != errNotCanonical {
		return nil, err
	}
	// Say precisely what is wrong: the slow, lenient path.
	return nil, parseSlow(b)
}

// parseSlow explains why b is not a canonical record. It never returns nil.
func parseSlow(b []byte) error {
	if len(b) > MaxRecordSize {
		return fmt.Errorf("govshare/audit: record is %d bytes, more than %d", len(b), MaxRecordSize)
	}
	if !utf8.Valid(b) {
		return errors.New("govshare/audit: record is not UTF-8")
	}
	kind, err := recordKind(b)
	if err != nil {
		return err
	}
	var rec Record
	switch kind {
	case KindShare:
		var w shareWire
		if err = strictJSON(b, &w); err == nil {
			rec, err = w.record()
		}
	case KindOpen:
		var w openWire
		if err = strictJSON(b, &w); err == nil {
			rec, err = w.record()
		}
	case KindRefuse:
		var w refuseWire
		if err = strictJSON(b, &w); err == nil {
			rec, err = w.record()
		}
	case KindDispute:
		var w disputeWire
		if err = strictJSON(b, &w); err == nil {
			rec, err = w.record()
		}
	default:
		return errors.New("govshare/audit: unknown record type")
	}
	if err != nil {
		return err
	}
	if _, err := marshal(rec, false); err != nil {
		return err
	}
	// Anything that re-encodes differently (duplicate keys, reordering,
	// spacing, escapes) would give another leaf hash for the same record.
	return errNotCanonical
}

// recordKind reads the version and type. A canonical record starts with
// them, which spares a JSON pass on the common path (Verify parses every
// record); anything else gets a lenient decode for a precise error.
func recordKind(b []byte) (Kind, error) {
	for _, k := range []Kind{KindShare, KindOpen, KindRefuse, KindDispute} {
		if bytes.HasPrefix(b, []byte(`{"v":1,"type":"`+string(k)+`",`)) {
			return k, nil
		}
	}
	var head struct {
		V    int    `json:"v"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return "", errors.New("govshare/audit: record is not a JSON object")
	}
	if head.V != RecordVersion {
		return "", fmt.Errorf("govshare/audit: record version %d, want %d", head.V, RecordVersion)
	}
	switch k := Kind(head.Type); k {
	case KindShare, KindOpen, KindRefuse, KindDispute:
		return k, nil
	}
	return "", errors.New("govshare/audit: unknown record type")
}

func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		// The decoder's message may quote a key; keys are ours, but keep the
		// error generic so no content from the input can leak.
		return errors.New("govshare/audit: record has unknown or mistyped keys")
	}
	if dec.More() {
		return errors.New("govshare/audit: trailing data after record")
	}
	return nil
}

func (w *shareWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	var h Digest
	if len(w.HeaderHash) != 64 || strings.ToLower(w.HeaderHash) != w.HeaderHash {
		return nil, errors.New("govshare/audit: share record: header hash must be 64 lowercase hex digits")
	}
	if _, err := hex.Decode(h[:], []byte(w.HeaderHash)); err != nil {
		return nil, errors.New("govshare/audit: share record: header hash must be 64 lowercase hex digits")
	}
	return ShareRecord{w.EnvelopeID, h, w.Provider, w.Recipient, catalog.Purpose(w.Purpose), w.GrantID, w.Resource, t}, nil
}

func (w *openWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	return OpenRecord{w.EnvelopeID, w.Opener, catalog.Purpose(w.Purpose), w.Outcome, t}, nil
}

func (w *refuseWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	return RefuseRecord{w.EnvelopeID, w.RequestID, w.By, w.Code, t}, nil
}

func (w *disputeWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	return DisputeRecord{w.EnvelopeID, w.By, w.Reason, t}, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil || t.Format(timeLayout) != s {
		return time.Time{}, errors.New("govshare/audit: time must be UTC RFC 3339 with milliseconds")
	}
	return t, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkTime(t time.Time) error {
	if t.IsZero() {
		return errors.New("govshare/audit: record time is not set")
	}
	if y := t.UTC().Year(); y < 2000 || y > 9999 {
		return errors.New("govshare/audit: record time is outside years 2000–9999")
	}
	return nil
}

// checkID accepts envelope and request ids: 1–128 bytes of
// [A-Za-z0-9._:+/=-], which covers hex, base64 and UUIDs.
func checkID(field, s string, optional bool) error {
	if s == "" && optional {
		return nil
	}
	if s == "" || len(s) > 128 {
		return fmt.Errorf("govshare/audit: %s id must be 1–128 bytes", field)
	}
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&classID == 0 {
			return fmt.Errorf("govshare/audit: %s id has a character outside [A-Za-z0-9._:+/=-] at byte %d", field, i)
		}
	}
	return nil
}

// checkDept mirrors keys.ValidDept: department ids are file names there.
func checkDept(field, s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("govshare/audit: %s department must be 1–64 bytes", field)
	}
	if s[0] == '.' || s[0] == '-' {
		return fmt.Errorf("govshare/audit: %s department must not start with '.' or '-'", field)
	}
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&classDept == 0 {
			return fmt.Errorf("govshare/audit: %s department has a character outside [A-Za-z0-9._-] at byte %d", field, i)
		}
	}
	return nil
}

func checkPurpose(p catalog.Purpose) error {
	if !p.Valid() {
		return errors.New("govshare/audit: unknown purpose")
	}
	return nil
}

// checkCode accepts machine codes: [a-z][a-z0-9_.-]{0,63}.
func checkCode(field, s string) error {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return fmt.Errorf("govshare/audit: %s code must be 1–64 bytes starting with a-z", field)
	}
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&classCode == 0 {
			return fmt.Errorf("govshare/audit: %s code has a character outside [a-z0-9_.-] at byte %d", field, i)
		}
	}
	return nil
}

// checkName accepts catalog names (resource, grant id): printable UTF-8,
// up to 256 bytes, no surrounding space. They may be Chinese.
func checkName(field, s string, optional bool) error {
	if s == "" {
		if optional {
			return nil
		}
		return fmt.Errorf("govshare/audit: %s is empty", field)
	}
	if len(s) > 256 {
		return fmt.Errorf("govshare/audit: %s is longer than 256 bytes", field)
	}
	if err := checkPrintable(field, s); err != nil {
		return err
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("govshare/audit: %s has surrounding space", field)
	}
	return nil
}

func checkReason(s string, admit bool) error {
	if s == "" || len(s) > maxReasonLen {
		return fmt.Errorf("govshare/audit: dispute reason must be 1–%d bytes", maxReasonLen)
	}
	if err := checkPrintable("dispute reason", s); err != nil {
		return err
	}
	if !admit {
		return nil
	}
	if f := classify.Detect(s); len(f) > 0 {
		// Name the type and position only: the value is what must not leak.
		return fmt.Errorf("govshare/audit: dispute reason contains an identifier (%s); refer to rows by position or digest", f[0])
	}
	return nil
}

func checkPrintable(field, s string) error {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Errorf("govshare/audit: %s is not UTF-8", field)
		}
		// CJK Unified Ideographs are all printable (TestPrintableCJK);
		// other runes ask the Unicode tables, which is slower.
		if !(r >= 0x4e00 && r <= 0x9fff) && !unicode.IsPrint(r) {
			return fmt.Errorf("govshare/audit: %s has a non-printable character at byte %d", field, i)
		}
		i += n
	}
	return nil
}

// Character classes of the restricted fields.
const (
	classID   = 1 << iota // [A-Za-z0-9._:+/=-]
	classDept             // [A-Za-z0-9._-]
	classCode             // [a-z0-9_.-]
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || strings.IndexByte("._:+/=-", byte(c)) >= 0 {
			t[c] |= classID
		}
		if alnum || c == '.' || c == '_' || c == '-' {
			t[c] |= classDept
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' {
			t[c] |= classCode
		}
	}
	return t
}()
