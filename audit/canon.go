package audit

import (
	"errors"
	"strings"
	"time"
	"unsafe"

	"github.com/govshare/govshare/catalog"
)

// This file reads records straight from their canonical bytes: one pass,
// no reflection, no re-encoding. It accepts exactly the bytes Marshal
// writes — the fixed key order, no whitespace, and JSON strings escaped as
// encoding/json escapes them (\" \\ \u003c \u003e \u0026; every other
// character of a valid field is written as is) — so "decodes" and
// "re-encodes to the same bytes" are one check. Verify runs it on every
// record; FuzzParse checks it against Marshal.

var errNotCanonical = errors.New("govshare/audit: record is not in canonical form")

// decoded is a record read by decodeRecord. Its strings may alias the input
// (view mode): they are valid only while the input is.
type decoded struct {
	kind    Kind
	share   ShareRecord
	open    OpenRecord
	refuse  RefuseRecord
	dispute DisputeRecord
	release ReleaseRecord
	app     ApplicationRecord
}

// actor is the department whose act the record is: the one that must sign it.
func (d *decoded) actor() string {
	switch d.kind {
	case KindShare:
		return d.share.Provider
	case KindOpen:
		return openerDept(d.open.Opener)
	case KindRefuse:
		return d.refuse.By
	case KindDispute:
		return d.dispute.By
	case KindRelease:
		return d.release.Provider
	case KindApplication:
		return d.app.By
	}
	return ""
}

func (d *decoded) time() time.Time {
	switch d.kind {
	case KindShare:
		return d.share.Time
	case KindOpen:
		return d.open.Time
	case KindRefuse:
		return d.refuse.Time
	case KindDispute:
		return d.dispute.Time
	case KindRelease:
		return d.release.Time
	case KindApplication:
		return d.app.Time
	}
	return time.Time{}
}

// record returns the record by value, with its strings copied out of the
// input.
func (d *decoded) record() Record {
	c := strings.Clone
	switch d.kind {
	case KindShare:
		r := d.share
		r.EnvelopeID, r.Provider, r.Recipient, r.Purpose = c(r.EnvelopeID), c(r.Provider), c(r.Recipient), catalog.Purpose(c(string(r.Purpose)))
		r.GrantID, r.Resource = c(r.GrantID), c(r.Resource)
		r.Risk = r.Risk.clone()
		return r
	case KindOpen:
		r := d.open
		r.EnvelopeID, r.Opener, r.Purpose, r.Outcome = c(r.EnvelopeID), c(r.Opener), catalog.Purpose(c(string(r.Purpose))), Outcome(c(string(r.Outcome)))
		return r
	case KindRefuse:
		r := d.refuse
		r.EnvelopeID, r.RequestID, r.By, r.Code = c(r.EnvelopeID), c(r.RequestID), c(r.By), Reason(c(string(r.Code)))
		r.Risk = r.Risk.clone()
		return r
	case KindDispute:
		r := d.dispute
		r.EnvelopeID, r.By, r.Reason = c(r.EnvelopeID), c(r.By), DisputeReason(c(string(r.Reason)))
		return r
	case KindRelease:
		r := d.release
		r.EnvelopeID, r.ReleaseID, r.Provider, r.Recipient = c(r.EnvelopeID), c(r.ReleaseID), c(r.Provider), c(r.Recipient)
		r.Resource, r.Mechanism = c(r.Resource), c(r.Mechanism)
		return r
	case KindApplication:
		return cloneApplication(d.app)
	}
	return nil
}

// decodeRecord reads a canonical record into d, validating every field as
// Marshal does except that a dispute's reason may be free text: records
// written before reason codes carried it, and a record once logged must
// stay readable; admitting one (Marshal, Append) is refused. Strings in d
// alias b.
func decodeRecord(b []byte, d *decoded) error {
	if len(b) > MaxRecordSize {
		return errors.New("govshare/audit: record too large")
	}
	s := scanner{b: b}
	switch {
	case s.peekLit(`{"v":1,"type":"share","envelope":`):
		s.lit(`{"v":1,"type":"share","envelope":`)
		d.kind = KindShare
		r := &d.share
		r.EnvelopeID = s.str()
		s.lit(`,"header_sha256":"`)
		hexOK := s.i+65 <= len(b) && b[s.i+64] == '"' && decodeLowerHex(r.HeaderHash[:], unsafe.String(&b[s.i], 64))
		if hexOK {
			s.i += 65
		} else {
			s.bad = true
		}
		s.lit(`,"provider":`)
		r.Provider = s.str()
		s.lit(`,"recipient":`)
		r.Recipient = s.str()
		s.lit(`,"purpose":`)
		r.Purpose = catalog.Purpose(s.str())
		s.lit(`,"grant":`)
		r.GrantID = s.str()
		s.lit(`,"resource":`)
		r.Resource = s.str()
		r.Risk = decodeRisk(&s)
		s.lit(`,"time":`)
		r.Time = s.time()
		if !s.end() {
			if !hexOK {
				return errors.New("govshare/audit: share record: header hash must be 64 lowercase hex digits")
			}
			return errNotCanonical
		}
		return r.validate()
	case s.peekLit(`{"v":1,"type":"open","envelope":`):
		s.lit(`{"v":1,"type":"open","envelope":`)
		d.kind = KindOpen
		r := &d.open
		r.EnvelopeID = s.str()
		s.lit(`,"opener":`)
		r.Opener = s.str()
		s.lit(`,"purpose":`)
		r.Purpose = catalog.Purpose(s.str())
		s.lit(`,"outcome":`)
		r.Outcome = Outcome(s.str())
		s.lit(`,"time":`)
		r.Time = s.time()
		if !s.end() {
			return errNotCanonical
		}
		return r.validate()
	case s.peekLit(`{"v":1,"type":"refuse","envelope":`):
		s.lit(`{"v":1,"type":"refuse","envelope":`)
		d.kind = KindRefuse
		r := &d.refuse
		r.EnvelopeID = s.str()
		s.lit(`,"request":`)
		r.RequestID = s.str()
		s.lit(`,"by":`)
		r.By = s.str()
		s.lit(`,"code":`)
		r.Code = Reason(s.str())
		r.Risk = decodeRisk(&s)
		s.lit(`,"time":`)
		r.Time = s.time()
		if !s.end() {
			return errNotCanonical
		}
		return r.validate()
	case s.peekLit(`{"v":1,"type":"dispute","envelope":`):
		s.lit(`{"v":1,"type":"dispute","envelope":`)
		d.kind = KindDispute
		r := &d.dispute
		r.EnvelopeID = s.str()
		s.lit(`,"by":`)
		r.By = s.str()
		s.lit(`,"reason":`)
		r.Reason = DisputeReason(s.str())
		r.TextDigest = Digest{}
		if s.peekLit(`,"text_sha256":"`) {
			s.lit(`,"text_sha256":"`)
			// A zero digest is written by omitting the key: spelled out it
			// would be a second encoding of the same record.
			if s.i+65 <= len(b) && b[s.i+64] == '"' && decodeLowerHex(r.TextDigest[:], unsafe.String(&b[s.i], 64)) && r.TextDigest != (Digest{}) {
				s.i += 65
			} else {
				s.bad = true
			}
		}
		s.lit(`,"time":`)
		r.Time = s.time()
		if !s.end() {
			return errNotCanonical
		}
		return r.validate(false)
	case s.peekLit(`{"v":1,"type":"release","envelope":`):
		s.lit(`{"v":1,"type":"release","envelope":`)
		d.kind = KindRelease
		return decodeRelease(&s, &d.release)
	case s.peekLit(`{"v":1,"type":"application","application":`):
		s.lit(`{"v":1,"type":"application","application":`)
		d.kind = KindApplication
		return decodeApplication(&s, &d.app)
	}
	return errNotCanonical
}

// decodeLowerHex decodes exactly len(dst)*2 lowercase hex digits.
func decodeLowerHex(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, lo := hexVal[s[2*i]], hexVal[s[2*i+1]]
		if hi|lo == 0xff {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c - 'a' + 10)
	}
	return t
}()

// scanner reads canonical JSON. After the first failure every method
// returns a zero value and end reports false.
type scanner struct {
	b   []byte
	i   int
	bad bool
}

// lit consumes l if the input continues with it.
func (s *scanner) lit(l string) bool {
	if s.bad || len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		s.bad = true
		return false
	}
	s.i += len(l)
	return true
}

// peekLit reports whether the input continues with l, consuming nothing.
func (s *scanner) peekLit(l string) bool {
	return !s.bad && len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l
}

// str reads a JSON string in canonical escaping. Without escapes the result
// aliases the input.
func (s *scanner) str() string {
	if s.bad || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.bad = true
		return ""
	}
	start := s.i + 1
	i := start
	for i < len(s.b) && !strSpecial[s.b[i]] {
		i++
	}
	switch {
	case i < len(s.b) && s.b[i] == '"':
		s.i = i + 1
		return unsafe.String(unsafe.SliceData(s.b[start:i]), i-start)
	case i < len(s.b) && s.b[i] == '\\':
		return s.strEscaped(start)
	}
	s.bad = true
	return ""
}

// strSpecial marks the bytes that end a run of plain string bytes: the
// quote, the backslash, and what canonical JSON never writes raw.
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = true
	}
	return t
}()

// strEscaped reads a string with escapes from start, into a new buffer.
func (s *scanner) strEscaped(start int) string {
	out := make([]byte, 0, 64)
	i := start
	for i < len(s.b) {
		c := s.b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return string(out)
		case c == '\\':
			rest := s.b[i+1:]
			switch {
			case len(rest) >= 1 && (rest[0] == '"' || rest[0] == '\\'):
				out = append(out, rest[0])
				i += 2
			case len(rest) >= 5 && string(rest[:5]) == "u003c":
				out = append(out, '<')
				i += 6
			case len(rest) >= 5 && string(rest[:5]) == "u003e":
				out = append(out, '>')
				i += 6
			case len(rest) >= 5 && string(rest[:5]) == "u0026":
				out = append(out, '&')
				i += 6
			default:
				s.bad = true
				return ""
			}
			continue
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			s.bad = true
			return ""
		}
		out = append(out, c)
		i++
	}
	s.bad = true
	return ""
}

// time reads a quoted time in timeLayout ("2006-01-02T15:04:05.000Z").
func (s *scanner) time() time.Time {
	const n = len(`"2006-01-02T15:04:05.000Z"`)
	if s.bad || len(s.b)-s.i < n {
		s.bad = true
		return time.Time{}
	}
	t, ok := parseTimeBytes(s.b[s.i+1 : s.i+n-1])
	if !ok || s.b[s.i] != '"' || s.b[s.i+n-1] != '"' {
		s.bad = true
		return time.Time{}
	}
	s.i += n
	return t
}

// uint32 reads a decimal without leading zeros, at most 10 digits, that
// fits in 32 bits.
func (s *scanner) uint32() uint32 { return uint32(s.decimal(10, 1<<32-1)) }

// decimal reads a decimal without leading zeros, of at most maxDigits
// digits and at most limit.
func (s *scanner) decimal(maxDigits int, limit uint64) uint64 {
	if s.bad {
		return 0
	}
	start := s.i
	var v uint64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' && s.i-start <= maxDigits {
		v = v*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	n := s.i - start
	if n == 0 || n > maxDigits || (n > 1 && s.b[start] == '0') || v > limit {
		s.bad = true
		return 0
	}
	return v
}

// digest reads a string of 64 lowercase hex digits, or "" for the zero
// Digest.
func (s *scanner) digest() Digest {
	var d Digest
	if h := s.str(); h != "" && !decodeLowerHex(d[:], h) {
		s.bad = true
	}
	return d
}

// end consumes the closing brace and reports whether the input ended there
// and nothing failed.
func (s *scanner) end() bool {
	return s.lit("}") && s.i == len(s.b)
}

// parseTimeBytes parses exactly "2006-01-02T15:04:05.000Z" in UTC, with
// every field in range, so the result formats back to the same bytes.
func parseTimeBytes(b []byte) (time.Time, bool) {
	if len(b) != 24 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[23] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) int {
		v := 0
		for j := i; j < i+n; j++ {
			c := b[j]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec, ms := num(11, 2), num(14, 2), num(17, 2), num(20, 3)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 || ms < 0 {
		return time.Time{}, false
	}
	if day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), time.UTC), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
