package redact

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

// Text returns s with every identifier classify.Detect finds in it
// replaced as the policy decides for a value of its type: display-masked,
// generalized, or redacted ("***") where the policy would withhold it.
// Identifiers the policy keeps (a public USCC or URL) stay; a resident ID
// or mobile inside a kept URL is still masked.
func (r *Redactor) Text(s string) string { return r.state().text(s) }

// clean reports whether s cannot hold an identifier Detect finds: ASCII
// without a digit, '@' or ':' (every identifier has a digit, except e-mail
// addresses, URLs and IPv6 addresses, which have '@' or ':', and names
// and addresses, which are Han).
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c >= '0' && c <= '9' || c == '@' || c == ':' {
			return false
		}
	}
	return true
}

func (st *state) text(s string) string {
	if st.broken != nil {
		if s == "" {
			return ""
		}
		return st.redacted()
	}
	if clean(s) {
		return s
	}
	var buf [8]classify.Finding
	fs := st.det.AppendDetect(buf[:0], s)
	if len(fs) == 0 {
		return s
	}
	if !slices.IsSortedFunc(fs, func(a, b classify.Finding) int { return a.Start - b.Start }) {
		slices.SortStableFunc(fs, func(a, b classify.Finding) int { return a.Start - b.Start })
	}
	var b strings.Builder
	last := 0
	for _, f := range fs {
		a, known := st.found[f.Type]
		if !known {
			a = action{v: vRedact, t: f.Type} // a type this Redactor did not decide: fail closed
		}
		if a.v == vKeep {
			continue // kept; values nested in it are findings of their own
		}
		if f.End <= last {
			continue // inside a span already replaced
		}
		if f.Type == catalog.TypePersonName && st.maskedAfter(s, f.End) {
			continue // a surname before mask runes: a name masked already
		}
		var rep string
		if f.Start < last {
			// Overlaps a span already replaced: redact the rest of it.
			f.Start, rep = last, st.redacted()
		} else {
			rep = st.replacement(a, f.Type, f.Value)
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 8)
		}
		b.WriteString(s[last:f.Start])
		b.WriteString(rep)
		last = f.End
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskedAfter reports whether s continues at i with the mask rune.
func (st *state) maskedAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	m := st.cfg.masker.Rune
	if m == 0 || !utf8.ValidRune(m) {
		m = '*'
	}
	return r == m
}

// replacement is what replaces an identifier found in text.
func (st *state) replacement(a action, t catalog.Type, v string) string {
	switch a.v {
	case vMask:
		return st.maskValue(t, v)
	case vGeneralize:
		return st.generalize(t, v)
	}
	return st.redacted() // redact, and withhold: a span cannot be left out of a sentence
}
