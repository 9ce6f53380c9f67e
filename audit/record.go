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
	"golang.org/x/mod/sumdb/tlog"
)

// RecordVersion is the version tag in every encoded record.
const RecordVersion = 1

// MaxRecordSize bounds an encoded record. Records hold ids and digests, so
// anything larger is a bug or an attack.
const MaxRecordSize = 16 << 10

// maxReasonLen bounds the free-text reason of a DisputeRecord written
// before reason codes, in bytes.
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

// Outcome is an open's result code (OpenRecord.Outcome). The Outcome*
// constants, listed in Outcomes, are the ones govshare writes; a record
// from another writer may hold any code matching [a-z][a-z0-9_.-]{0,63}.
type Outcome string

// Open outcomes.
const (
	OutcomeOpened            Outcome = "opened"             // the envelope opened and its plaintext was delivered
	OutcomeWrongPurpose      Outcome = "wrong_purpose"      // the declared purpose is not the sealed one
	OutcomeWrongRecipient    Outcome = "wrong_recipient"    // the opener's keys are not the envelope's recipient's
	OutcomeExpired           Outcome = "expired"            // after the envelope's window
	OutcomeNotYetValid       Outcome = "not_yet_valid"      // before the envelope's window
	OutcomeUntrustedProvider Outcome = "untrusted_provider" // not sealed by the trusted provider's key
	OutcomeUnknownSuite      Outcome = "unknown_suite"      // a suite this version does not know
	OutcomeKeyNotValid       Outcome = "key_not_valid"      // signed with a key retired or revoked at its issue time
	OutcomeTampered          Outcome = "tampered"           // the bytes do not authenticate or are no envelope
	OutcomeFailed            Outcome = "failed"             // any other failure
	// OutcomeWithdrawn follows an "opened" record whose plaintext could
	// not be delivered: the open is on record, its output never existed.
	OutcomeWithdrawn Outcome = "withdrawn"
)

// Outcomes lists the open outcomes govshare writes, OutcomeOpened first.
var Outcomes = []Outcome{OutcomeOpened, OutcomeWrongPurpose, OutcomeWrongRecipient, OutcomeExpired,
	OutcomeNotYetValid, OutcomeUntrustedProvider, OutcomeUnknownSuite, OutcomeKeyNotValid, OutcomeTampered,
	OutcomeFailed, OutcomeWithdrawn}

// Known reports whether o is one of Outcomes.
func (o Outcome) Known() bool { return slices.Contains(Outcomes, o) }

// Reason is a refusal's code (RefuseRecord.Code). The Reason* constants,
// listed in Reasons, are the ones govshare writes.
type Reason string

// Refusal reasons.
const (
	ReasonNoGrant        Reason = "no_grant"            // a conditional field without a grant
	ReasonNotShared      Reason = "not_shared"          // the resource is not shared with the recipient (no legal basis)
	ReasonPurpose        Reason = "purpose_not_allowed" // an unknown or disallowed purpose
	ReasonExpired        Reason = "grant_expired"       // the grant relied on has ended
	ReasonUnknownField   Reason = "unknown_field"       // the input has a column the catalog does not know
	ReasonInvalidCatalog Reason = "invalid_catalog"     // the catalog does not pass the policy's checks
	ReasonNothingLeaves  Reason = "nothing_leaves"      // no field may leave for the request
	// ReasonWithdrawn follows a share or release record whose envelope
	// could not be delivered: the act is on record (a release stays
	// charged), its output never existed.
	ReasonWithdrawn Reason = "withdrawn"
)

// Reasons lists the refusal reasons govshare writes.
var Reasons = []Reason{ReasonNoGrant, ReasonNotShared, ReasonPurpose, ReasonExpired,
	ReasonUnknownField, ReasonInvalidCatalog, ReasonNothingLeaves, ReasonWithdrawn, ReasonRiskExceeded}

// Known reports whether r is one of Reasons.
func (r Reason) Known() bool { return slices.Contains(Reasons, r) }

// Record is one entry of the log: a *ShareRecord, *OpenRecord, *RefuseRecord, *DisputeRecord or
// *ReleaseRecord (or the same types by value).
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
	// Risk holds the re-identification figures of the released records
	// (audit/risk.go); nil when the share was not measured (records
	// written before them, or a catalog with no quasi-identifier).
	Risk *RiskFigures
}

// OpenRecord records an attempt to open an envelope and its outcome.
type OpenRecord struct {
	EnvelopeID string
	Opener     string // opening department
	Purpose    catalog.Purpose
	Outcome    Outcome // one of Outcomes
	Time       time.Time
}

// RefuseRecord records a refusal to share or to open. Exactly one of EnvelopeID
// and RequestID is set.
type RefuseRecord struct {
	EnvelopeID string
	RequestID  string
	By         string // refusing department
	Code       Reason // why: one of Reasons
	Time       time.Time
	// Risk holds, with ReasonRiskExceeded and only with it, the figures
	// of the refused share and the quasi-identifiers to coarsen.
	Risk *RiskFigures
}

// DisputeRecord records that a department disputes an envelope's content or
// handling (一数一源: the consumer's way back to the source).
//
// The log is append-only, kept for years and shown to supervisors, so a
// dispute carries no free text: Reason is a code from DisputeReasons and
// TextDigest the digest of the free text that explains it, which goes to
// the other party sealed in an envelope, never to the log (govshare.Dispute
// makes both). A filter on free text cannot catch every name, spaced phone
// number or ethnicity, so there is none to filter.
//
// Records written before reason codes carried free text in Reason. Parse
// still reads them (with TextDigest zero and Reason not Known), so an old
// log verifies; Marshal, Sign and Log.Append refuse any reason that is not
// a code, so no new record carries text.
type DisputeRecord struct {
	EnvelopeID string
	By         string        // disputing department
	Reason     DisputeReason // one of DisputeReasons
	TextDigest Digest        // digest of the free text sent to the other party; zero if none
	Time       time.Time
}

// DisputeReason is a dispute's reason code (DisputeRecord.Reason).
type DisputeReason string

// Dispute reason codes: the fixed list of DisputeReasons.
const (
	DisputeRecordCount    DisputeReason = "record_count"    // more or fewer records than there should be
	DisputeFieldValue     DisputeReason = "field_value"     // a field's value is wrong
	DisputeStaleData      DisputeReason = "stale_data"      // the data is out of date
	DisputeWrongRecipient DisputeReason = "wrong_recipient" // the envelope should not have come to (or gone to) this department
	DisputeOther          DisputeReason = "other"           // anything else: the text says what
)

// DisputeReasons lists the dispute reason codes.
var DisputeReasons = []DisputeReason{DisputeRecordCount, DisputeFieldValue, DisputeStaleData, DisputeWrongRecipient, DisputeOther}

// Known reports whether r is one of DisputeReasons.
func (r DisputeReason) Known() bool { return slices.Contains(DisputeReasons, r) }

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
	V          int       `json:"v"`
	Type       Kind      `json:"type"`
	EnvelopeID string    `json:"envelope"`
	HeaderHash string    `json:"header_sha256"`
	Provider   string    `json:"provider"`
	Recipient  string    `json:"recipient"`
	Purpose    string    `json:"purpose"`
	GrantID    string    `json:"grant"`
	Resource   string    `json:"resource"`
	Risk       *riskWire `json:"risk,omitempty"` // absent in records without figures
	Time       string    `json:"time"`
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
	V          int       `json:"v"`
	Type       Kind      `json:"type"`
	EnvelopeID string    `json:"envelope"`
	RequestID  string    `json:"request"`
	By         string    `json:"by"`
	Code       string    `json:"code"`
	Risk       *riskWire `json:"risk,omitempty"` // risk_exceeded only
	Time       string    `json:"time"`
}

type disputeWire struct {
	V          int    `json:"v"`
	Type       Kind   `json:"type"`
	EnvelopeID string `json:"envelope"`
	By         string `json:"by"`
	Reason     string `json:"reason"`
	TextDigest string `json:"text_sha256,omitempty"` // absent when zero, and in records before reason codes
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
		checkRisk(r.Risk, false),
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
		checkOpener(r.Opener),
		checkPurpose(r.Purpose),
		checkCode("outcome", string(r.Outcome)),
		checkTime(r.Time),
	)
}

func (r RefuseRecord) validate() error {
	if (r.EnvelopeID == "") == (r.RequestID == "") {
		return errors.New("govshare/audit: refuse record: set exactly one of envelope id and request id")
	}
	if (r.Code == ReasonRiskExceeded) != (r.Risk != nil) {
		return errors.New("govshare/audit: refuse record: risk figures go with code risk_exceeded, and only with it")
	}
	return firstErr(
		checkID("envelope", r.EnvelopeID, true),
		checkID("request", r.RequestID, true),
		checkDept("by", r.By),
		checkCode("code", string(r.Code)),
		checkTime(r.Time),
		checkRisk(r.Risk, true),
	)
}

// validate checks the fields; admit also refuses a free-text reason
// (Marshal does, Parse does not: see decodeRecord).
func (r DisputeRecord) validate(admit bool) error {
	return firstErr(
		checkID("envelope", r.EnvelopeID, false),
		checkDept("by", r.By),
		checkDisputeReason(r.Reason, r.TextDigest, admit),
		checkTime(r.Time),
	)
}

func (r ShareRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &shareWire{RecordVersion, KindShare, r.EnvelopeID, r.HeaderHash.String(), r.Provider,
		r.Recipient, string(r.Purpose), r.GrantID, r.Resource, r.Risk.wire(), formatTime(r.Time)}, nil
}

func (r OpenRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &openWire{RecordVersion, KindOpen, r.EnvelopeID, r.Opener, string(r.Purpose), string(r.Outcome),
		formatTime(r.Time)}, nil
}

func (r RefuseRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &refuseWire{RecordVersion, KindRefuse, r.EnvelopeID, r.RequestID, r.By, string(r.Code),
		r.Risk.wire(), formatTime(r.Time)}, nil
}

func (r DisputeRecord) wire(admit bool) (any, error) {
	if err := r.validate(admit); err != nil {
		return nil, err
	}
	var digest string
	if r.TextDigest != (Digest{}) {
		digest = r.TextDigest.String()
	}
	return &disputeWire{RecordVersion, KindDispute, r.EnvelopeID, r.By, string(r.Reason), digest, formatTime(r.Time)}, nil
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
	case *ReleaseRecord:
		return p == nil
	case *ApplicationRecord:
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
// new records: a dispute with a free-text reason (written before reason
// codes) still parses, so a log written by an older version stays readable.
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
	case KindRelease:
		var w releaseWire
		if err = strictJSON(b, &w); err == nil {
			rec, err = w.record()
		}
	case KindApplication:
		var w applicationWire
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
	for _, k := range []Kind{KindShare, KindOpen, KindRefuse, KindDispute, KindRelease, KindApplication} {
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
	case KindShare, KindOpen, KindRefuse, KindDispute, KindRelease, KindApplication:
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
	return ShareRecord{w.EnvelopeID, h, w.Provider, w.Recipient, catalog.Purpose(w.Purpose), w.GrantID, w.Resource, t, w.Risk.figures()}, nil
}

func (w *openWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	return OpenRecord{w.EnvelopeID, w.Opener, catalog.Purpose(w.Purpose), Outcome(w.Outcome), t}, nil
}

func (w *refuseWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	return RefuseRecord{w.EnvelopeID, w.RequestID, w.By, Reason(w.Code), t, w.Risk.figures()}, nil
}

func (w *disputeWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	var d Digest
	if w.TextDigest != "" && !decodeLowerHex(d[:], w.TextDigest) {
		return nil, errors.New("govshare/audit: dispute record: text digest must be 64 lowercase hex digits")
	}
	return DisputeRecord{w.EnvelopeID, w.By, DisputeReason(w.Reason), d, t}, nil
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

// checkDisputeReason accepts a reason code. A free-text reason (a record
// written before reason codes) is only read, never admitted, and never has a
// text digest. The error never quotes the reason: it may hold data.
func checkDisputeReason(r DisputeReason, digest Digest, admit bool) error {
	if r.Known() {
		return nil
	}
	if admit || digest != (Digest{}) {
		return errors.New("govshare/audit: dispute reason must be a code: record_count, field_value, stale_data, wrong_recipient or other (free text goes to the other party sealed, never to the log)")
	}
	if r == "" || len(r) > maxReasonLen {
		return fmt.Errorf("govshare/audit: dispute reason must be 1–%d bytes", maxReasonLen)
	}
	return checkPrintable("dispute reason", string(r))
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
