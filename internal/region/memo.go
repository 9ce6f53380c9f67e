package region

import (
	"math/bits"
	"strings"
	"sync/atomic"
)

// Matcher is Match with a memory of its recent answers, for one run over
// many addresses: the addresses of a register repeat their divisions, and
// the search costs ten times a lookup. An answer is remembered under the
// part of its input the search read (reads) — the divisions and the few
// bytes after them — and reused for any input that starts with that part,
// so the answers are Match's exactly. Keep a Matcher no longer than the run
// it serves: it holds the beginnings of addresses. It is safe for
// concurrent use; a zero Matcher is not (use NewMatcher).
type Matcher struct {
	x *index
	// seen has bit r set when some remembered answer has a key of r bytes:
	// a lookup probes only those lengths.
	seen  [memoMaxKey / 64]atomic.Uint64
	slots []atomic.Pointer[memoEntry]
}

type memoEntry struct {
	key string // the input's first len(key) bytes: all the search read
	p   Place
	ok  bool
}

const (
	memoSlots  = 1 << 13
	memoMaxKey = 128
	fnvOffset  = 14695981039346656037
	fnvPrime   = 1099511628211
)

// NewMatcher returns an empty Matcher.
func NewMatcher() *Matcher {
	return &Matcher{x: load(), slots: make([]atomic.Pointer[memoEntry], memoSlots)}
}

// Match is Match(s).
func (m *Matcher) Match(s string) (Place, bool) {
	var seen [memoMaxKey / 64]uint64
	top := 0
	for i := range seen {
		if seen[i] = m.seen[i].Load(); seen[i] != 0 {
			top = i*64 + 63 - bits.LeadingZeros64(seen[i])
		}
	}
	h := uint64(fnvOffset)
	for r := 1; r <= min(len(s), top); r++ {
		h = (h ^ uint64(s[r-1])) * fnvPrime
		if seen[r/64]&(1<<(r%64)) == 0 {
			continue
		}
		if e := m.slots[h&(memoSlots-1)].Load(); e != nil && len(e.key) == r && e.key == s[:r] {
			return e.p, e.ok
		}
	}
	p, ok, read := m.x.match(s)
	// An answer that depended on where s ends (read > len(s)) holds for s
	// alone; those are not remembered, so that no whole value is kept.
	if read <= len(s) && read > 0 && read < memoMaxKey {
		key := strings.Clone(s[:read]) // not a view into the caller's buffer
		h := uint64(fnvOffset)
		for i := 0; i < len(key); i++ {
			h = (h ^ uint64(key[i])) * fnvPrime
		}
		m.slots[h&(memoSlots-1)].Store(&memoEntry{key: key, p: p, ok: ok})
		if w := &m.seen[read/64]; w.Load()&(1<<(read%64)) == 0 {
			w.Or(1 << (read % 64))
		}
	}
	return p, ok
}
