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
	if !slices.Equal(a.qis, b.qis) || a.k != b.k {
		return errors.New("govshare/risk: Merge of analyzers over different quasi-identifiers or k")
	}
	for c, n := range b.classes.counts {
		k := b.classes.key(uint32(c))
		a.classes.add(k, hashKey(k), n)
	}
	return nil
}

// Classes returns the number of equivalence classes counted so far.
func (a *Analyzer) Classes() int { return len(a.classes.counts) }
