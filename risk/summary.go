package risk

import (
	"errors"
	"slices"
)

// Summary returns the figures of the rows added so far, without the
// per-quasi-identifier contributions and the l-diversity, which Result
// computes by regrouping every class once per quasi-identifier: what a
// share that meets its thresholds records. Check on a Summary decides as
// on a Result; only the quasi-identifiers to coarsen need Result. It may
// be called more than once.
func (a *Analyzer) Summary() *Result {
	a.flush()
	r := &Result{K: a.k, QuasiIdentifiers: make([]string, len(a.qis))}
	for i, q := range a.qis {
		r.QuasiIdentifiers[i] = q.Name
	}
	r.Figures = figures(a.classes.counts, a.k)
	return r
}

// Merge adds the records counted by b to a, so that analyzers filled on
// several goroutines, one each, give the figures of all their rows. Both
// must be over the same quasi-identifiers and k, without sensitive columns
// (the distinct values of a class are not kept in a form that merges).
// b is not changed.
func (a *Analyzer) Merge(b *Analyzer) error {
	if len(a.lsets) > 0 || len(b.lsets) > 0 {
		return errors.New("govshare/risk: Merge of analyzers with sensitive columns")
	}
	if !slices.Equal(a.qis, b.qis) || a.k != b.k || a.fp != b.fp {
		return errors.New("govshare/risk: Merge of analyzers over different quasi-identifiers, k or Fingerprints")
	}
	a.flush()
	b.flush()
	if a.fp {
		for c0 := 0; c0 < len(b.classes.fps); c0 += pendRows {
			c1 := min(c0+pendRows, len(b.classes.fps))
			a.classes.addGroupFP(b.classes.fps[c0:c1], b.classes.counts[c0:c1])
		}
		return nil
	}
	// b's classes in groups, as pending rows are (table.addGroup), each
	// with its count.
	var keys []byte
	var ends []int
	var hashes []uint64
	for c0 := 0; c0 < len(b.classes.counts); c0 += pendRows {
		cs := b.classes.counts[c0:min(c0+pendRows, len(b.classes.counts))]
		keys, ends = keys[:0], ends[:0]
		for c := range cs {
			keys = append(keys, b.classes.key(uint32(c0+c))...)
			ends = append(ends, len(keys))
		}
		a.classes.addGroup(keys, ends, &hashes, cs)
	}
	return nil
}

// Classes returns the number of equivalence classes counted so far.
func (a *Analyzer) Classes() int {
	a.flush()
	return len(a.classes.counts)
}
