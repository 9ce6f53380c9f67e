package mask

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// Errors. Messages name the type or the rule, never the value.
var (
	// ErrMalformed means a value does not have the shape its type-aware rule
	// needs (or, for Display, that masking it would hide nothing because it
	// is already masked). The caller decides what to emit: usually Redact.
	ErrMalformed = errors.New("govshare/mask: value does not have the shape of its type")
	// ErrUnsupported means Display has no profile for the type.
	ErrUnsupported = errors.New("govshare/mask: no display profile for type")
	// ErrArgument means a parameter (not the value) is out of range.
	ErrArgument = errors.New("govshare/mask: invalid argument")
)

// maskError is an error about a rule or type (never the value) that
// matches one of the sentinels with errors.Is.
type maskError struct {
	msg  string
	kind error
}

func (e *maskError) Error() string        { return "govshare/mask: " + e.msg }
func (e *maskError) Is(target error) bool { return target == e.kind }

func malformed(what string) error {
	return &maskError{msg: what + ": malformed value", kind: ErrMalformed}
}

func badArg(format string, args ...any) error {
	return &maskError{msg: fmt.Sprintf(format, args...), kind: ErrArgument}
}

// Masker holds masking options. The zero value is ready to use and is what
// the package-level functions use: mask rune '*', one mask rune per hidden
// rune, resident IDs keep first 1 and last 2. A Masker is a plain value; its
// methods never modify it, so one may be shared by many goroutines.
type Masker struct {
	// Rune replaces hidden runes. Zero means '*'.
	Rune rune
	// FixedRun, when > 0, renders every hidden run as exactly FixedRun mask
	// runes whatever its length, so masked output does not reveal how long
	// the hidden part was. Zero keeps one mask rune per hidden rune
	// (common practice: 欧阳** shows a two-character given name).
	FixedRun int
	// ResidentID64 makes Display keep the first 6 (region) and last 4 runes
	// of a resident ID instead of the first 1 and last 2.
	ResidentID64 bool
}

// redactRuns is the length of Redact's fixed output.
const redactRuns = 3

func (m Masker) maskRune() rune {
	if m.Rune == 0 || !utf8.ValidRune(m.Rune) {
		return '*'
	}
	return m.Rune
}

// runLen is how many mask runes render a hidden run of n runes.
func (m Masker) runLen(n int) int {
	if m.FixedRun > 0 {
		return m.FixedRun
	}
	return n
}

// stars serves the default mask rune in one copy instead of a byte loop.
const stars = "********************************"

// writeMask appends k mask runes.
func (m Masker) writeMask(b *strings.Builder, k int) {
	r := m.maskRune()
	if r == '*' {
		for ; k > len(stars); k -= len(stars) {
			b.WriteString(stars)
		}
		b.WriteString(stars[:max(k, 0)])
		return
	}
	if r < utf8.RuneSelf {
		for i := 0; i < k; i++ {
			b.WriteByte(byte(r))
		}
		return
	}
	for i := 0; i < k; i++ {
		b.WriteRune(r)
	}
}

func (m Masker) maskWidth() int { return utf8.RuneLen(m.maskRune()) }

// Redact returns a fixed string of three mask runes ("***") for every input,
// including the empty string, so neither content nor length nor presence
// leaks. Use it for free text and as the fallback when Display fails.
func Redact(s string) string { return Masker{}.Redact(s) }

// Redact is the package-level Redact with m's mask rune.
func (m Masker) Redact(string) string {
	var b strings.Builder
	b.Grow(redactRuns * m.maskWidth())
	m.writeMask(&b, redactRuns)
	return b.String()
}

// Tag returns a placeholder naming the type, such as "<cn_mobile>". Types
// that classify does not know (including the zero value) give "<redacted>"
// so a typo never prints as if it were a type.
func Tag(t catalog.Type) string {
	if t == "" || !t.Known() {
		return "<redacted>"
	}
	return "<" + string(t) + ">"
}

// isASCII reports whether s is all ASCII (the fast path: bytes are runes).
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// validUTF8 replaces each invalid byte by U+FFFD so masking output is always
// valid UTF-8 while rune positions stay as the decoder counts them.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// full masks every rune of s (or renders FixedRun mask runes). Empty stays
// empty: there is nothing to leak.
func (m Masker) full(s string) string {
	if s == "" {
		return ""
	}
	n := len(s)
	if !isASCII(s) {
		n = utf8.RuneCountInString(s)
	}
	k := m.runLen(n)
	var b strings.Builder
	b.Grow(k * m.maskWidth())
	m.writeMask(&b, k)
	return b.String()
}

// keep renders s with runes [from, to) hidden, assuming 0 <= from < to <= n
// where n is the rune count of s and s is valid UTF-8.
func (m Masker) keep(s string, from, to, n int) string {
	if n == len(s) && m.fastASCII(s) {
		out, _ := m.keepShortASCII(s, from, to)
		return out
	}
	k := m.runLen(to - from)
	if n == len(s) { // ASCII: rune index == byte index
		var b strings.Builder
		b.Grow(len(s) - (to - from) + k*m.maskWidth())
		b.WriteString(s[:from])
		m.writeMask(&b, k)
		b.WriteString(s[to:])
		return b.String()
	}
	lo := runeOffset(s, from)
	hi := lo + runeOffset(s[lo:], to-from)
	var b strings.Builder
	b.Grow(lo + len(s) - hi + k*m.maskWidth())
	b.WriteString(s[:lo])
	m.writeMask(&b, k)
	b.WriteString(s[hi:])
	return b.String()
}

// fastASCII reports whether keepShortASCII may handle s: short, default
// run length and a one-byte mask rune.
func (m Masker) fastASCII(s string) bool {
	return len(s) <= shortASCII && m.FixedRun == 0 && m.Rune < utf8.RuneSelf
}

// keepShortASCII is the hot path for phones, IDs and cards: it checks that s
// is ASCII while copying it to a stack buffer, masks bytes [from, to) and
// converts once, the same work as a hand-written loop. ok is false (and
// nothing is returned) when s is not ASCII. Callers ensure fastASCII(s) and
// 0 <= from < to <= len(s).
func (m Masker) keepShortASCII(s string, from, to int) (string, bool) {
	return keepASCII(s, from, to, byte(m.maskRune()))
}

// keepASCII is keepShortASCII with the mask byte given.
func keepASCII(s string, from, to int, mr byte) (string, bool) {
	var buf [shortASCII]byte
	b := buf[:copy(buf[:], s)]
	var or byte // branch-free ASCII check: any high bit survives the OR
	for _, c := range b {
		or |= c
	}
	if or >= utf8.RuneSelf {
		return "", false
	}
	for i := from; i < to; i++ {
		b[i] = mr
	}
	return string(b), true
}

// shortASCII bounds the stack buffer of keep's hot path.
const shortASCII = 64

// runeOffset returns the byte offset of rune index i in s (len(s) if past).
func runeOffset(s string, i int) int {
	for off := range s {
		if i == 0 {
			return off
		}
		i--
	}
	return len(s)
}

func runeCount(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// KeepEnds keeps the first n and last k runes of s and masks the rest. When
// n+k would keep the whole value (rune count <= n+k) every rune is masked:
// a rule that would reveal everything hides everything instead. Negative n or
// k count as 0.
func KeepEnds(s string, n, k int) string {
	// The default options on a short ASCII value (a mobile, an ID, a card):
	// the hot path without the options' checks.
	if n >= 0 && k >= 0 && n+k < len(s) && len(s) <= shortASCII {
		if out, ok := keepASCII(s, n, len(s)-k, '*'); ok {
			return out
		}
	}
	return Masker{}.KeepEnds(s, n, k)
}

// KeepEnds is the package-level KeepEnds with m's options.
func (m Masker) KeepEnds(s string, n, k int) string {
	n, k = max(n, 0), max(k, 0)
	if len(s) > n+k && m.fastASCII(s) {
		if out, ok := m.keepShortASCII(s, n, len(s)-k); ok {
			return out
		}
	}
	if isASCII(s) { // hot path: ASCII is valid UTF-8 and bytes are runes
		if len(s) <= n+k {
			return m.full(s)
		}
		return m.keep(s, n, len(s)-k, len(s))
	}
	s = validUTF8(s)
	total := utf8.RuneCountInString(s)
	if total <= n+k {
		return m.full(s)
	}
	return m.keep(s, n, total-k, total)
}

// Range masks rune positions [from, to) of s, clipped to the value. A range
// that hides nothing after clipping (from >= to, or wholly outside s) masks
// the whole value, because a masking call that hides nothing is a bug that
// would otherwise pass the value through.
func Range(s string, from, to int) string { return Masker{}.Range(s, from, to) }

// Range is the package-level Range with m's options.
func (m Masker) Range(s string, from, to int) string {
	s = validUTF8(s)
	total := runeCount(s)
	from, to = max(from, 0), min(to, total)
	if from >= to {
		return m.full(s)
	}
	return m.keep(s, from, to, total)
}

// Before masks every rune before the first occurrence of sep and keeps sep
// and what follows ("alice@example.com", '@' → "*****@example.com"). When sep
// is absent or first, nothing would be hidden, so the whole value is masked.
func Before(s string, sep rune) string { return Masker{}.Before(s, sep) }

// Before is the package-level Before with m's options.
func (m Masker) Before(s string, sep rune) string {
	s = validUTF8(s)
	i := strings.IndexRune(s, sep)
	if i <= 0 {
		return m.full(s)
	}
	return m.keep(s, 0, runeCount(s[:i]), runeCount(s))
}

// After keeps everything up to and including the first occurrence of sep and
// masks what follows ("alice@example.com", '@' → "alice@***********"). When
// sep is absent or last, the whole value is masked.
func After(s string, sep rune) string { return Masker{}.After(s, sep) }

// After is the package-level After with m's options.
func (m Masker) After(s string, sep rune) string {
	s = validUTF8(s)
	i := strings.IndexRune(s, sep)
	if i < 0 || i+utf8.RuneLen(sep) >= len(s) {
		return m.full(s)
	}
	from := runeCount(s[:i]) + 1
	return m.keep(s, from, runeCount(s), runeCount(s))
}
