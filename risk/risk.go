package risk

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// DefaultK is the class size below which records count as at risk
// (records_in_classes_below_k) when Options.K is 0.
const DefaultK = 5

// QI is one quasi-identifier: a column of the rows given to Add, or the
// part of it that a transform leaves readable.
type QI struct {
	// Name is how results and errors name the quasi-identifier (the
	// column's name). Names are unique within an Analyzer.
	Name string `json:"name"`
	// Column is the index of the column in each row.
	Column int `json:"column"`
	// Prefix, when > 0, counts only the first Prefix characters of the
	// value (a resident ID whose FPE keeps the region: 6); a shorter value
	// counts whole. 0 counts the whole value.
	Prefix int `json:"prefix,omitempty"`
	// Part says in words what Prefix keeps ("region"); informational.
	Part string `json:"part,omitempty"`
}

// Sensitive is a sensitive column whose distinct l-diversity is measured.
type Sensitive struct {
	Name   string `json:"name"`
	Column int    `json:"column"`
}

// Options configure an Analyzer.
type Options struct {
	// K is the class size below which records are counted in
	// RecordsInClassesBelowK; 0 means DefaultK.
	K int
	// Fingerprints counts each class by a 128-bit keyed fingerprint of its
	// quasi-identifier values instead of the values: memory per class is
	// about 40 bytes, however long the values (a register whose rows are
	// all unique holds every row's values otherwise). Two different classes
	// are counted as one only if their fingerprints collide, which for n
	// classes happens with probability about n²/2¹²⁹ (10⁻²⁷ for a million
	// classes, 10⁻²¹ for a billion). Without the values, Result has no
	// contributions, and sensitive columns are refused.
	Fingerprints bool
}

// ErrShortRow is Add's error for a row without one of the Analyzer's
// columns.
var ErrShortRow = errors.New("govshare/risk: row is shorter than a quasi-identifier or sensitive column")

// Analyzer computes the re-identification figures of the rows added to it
// in one pass. It is not safe for concurrent use.
type Analyzer struct {
	qis  []QI
	sens []Sensitive
	k    int
	need int // the least row length Add accepts

	classes table
	fp      bool   // classes by fingerprint (Options.Fingerprints)
	key     []byte // scratch: the encoded key of the current row
	pend    pending

	lsets []lset
}

// lset tracks, for one sensitive column, the distinct values per class
// exactly: values are interned to ids, and (class, id) pairs are a set.
type lset struct {
	ids      map[string]uint32
	pairs    map[uint64]struct{}
	distinct []int32 // per class
}

// New returns an Analyzer over the quasi-identifiers qis and the sensitive
// columns sens (may be empty).
func New(qis []QI, sens []Sensitive, opt Options) (*Analyzer, error) {
	if len(qis) == 0 {
		return nil, errors.New("govshare/risk: no quasi-identifiers")
	}
	if opt.K < 0 {
		return nil, errors.New("govshare/risk: k must be at least 1 (0 for the default)")
	}
	if opt.Fingerprints && len(sens) > 0 {
		return nil, errors.New("govshare/risk: sensitive columns need the values of each class, which Fingerprints does not keep")
	}
	a := &Analyzer{qis: append([]QI(nil), qis...), sens: append([]Sensitive(nil), sens...), k: opt.K, fp: opt.Fingerprints}
	if a.k == 0 {
		a.k = DefaultK
	}
	names := map[string]bool{}
	for _, q := range qis {
		if q.Column < 0 || q.Prefix < 0 {
			return nil, fmt.Errorf("govshare/risk: quasi-identifier %q: negative column or prefix", q.Name)
		}
		if names[q.Name] {
			return nil, fmt.Errorf("govshare/risk: quasi-identifier %q named twice", q.Name)
		}
		names[q.Name] = true
		a.need = max(a.need, q.Column+1)
	}
	snames := map[string]bool{}
	for _, s := range sens {
		if s.Column < 0 {
			return nil, fmt.Errorf("govshare/risk: sensitive column %q: negative column", s.Name)
		}
		if snames[s.Name] {
			return nil, fmt.Errorf("govshare/risk: sensitive column %q named twice", s.Name)
		}
		snames[s.Name] = true
		a.need = max(a.need, s.Column+1)
		a.lsets = append(a.lsets, lset{ids: map[string]uint32{}, pairs: map[uint64]struct{}{}})
	}
	a.classes.init(1 << 10)
	return a, nil
}

// Add counts one row. The Analyzer keeps no reference to row or its
// strings. A row shorter than a column of the Analyzer is ErrShortRow.
func (a *Analyzer) Add(row []string) error {
	if len(row) < a.need {
		return ErrShortRow
	}
	if len(a.lsets) == 0 {
		// Only the class counts: the row waits with others (pending).
		p := &a.pend
		p.keys = a.appendKey(p.keys, row)
		p.ends = append(p.ends, len(p.keys))
		if len(p.ends) == pendRows {
			a.flush()
		}
		return nil
	}
	a.key = a.appendKey(a.key[:0], row)
	c := a.classes.add(a.key, hashKey(a.key), 1)
	for i := range a.lsets {
		a.lsets[i].add(c, row[a.sens[i].Column])
	}
	return nil
}

// appendKey appends row's encoded key: its quasi-identifier values, each
// length-prefixed.
func (a *Analyzer) appendKey(b []byte, row []string) []byte {
	for i := range a.qis {
		q := &a.qis[i]
		v := row[q.Column]
		if q.Prefix > 0 {
			v = prefix(v, q.Prefix)
		}
		b = appendField(b, v)
	}
	return b
}

// pendRows is how many rows wait before their classes are looked up
// together.
const pendRows = 64

// pending is rows added but not yet counted. With many classes the table
// outgrows the caches and each lookup waits on memory; looking up a group
// of keys lets those waits overlap (table.addGroup).
type pending struct {
	keys   []byte // encoded keys back to back
	ends   []int  // where each key ends in keys
	hashes []uint64
	fps    []fingerprint
}

// flush counts the pending rows. Every figure reads the table after it.
func (a *Analyzer) flush() {
	p := &a.pend
	if len(p.ends) == 0 {
		return
	}
	if a.fp {
		p.fps = p.fps[:0]
		start := 0
		for _, e := range p.ends {
			k := p.keys[start:e]
			p.fps = append(p.fps, fingerprintOf(k, hashKey(k)))
			start = e
		}
		a.classes.addGroupFP(p.fps, nil)
	} else {
		a.classes.addGroup(p.keys, p.ends, &p.hashes, nil)
	}
	p.keys, p.ends = p.keys[:0], p.ends[:0]
}

func (l *lset) add(class uint32, v string) {
	id, ok := l.ids[v]
	if !ok {
		id = uint32(len(l.ids))
		l.ids[strings.Clone(v)] = id
	}
	for int(class) >= len(l.distinct) {
		l.distinct = append(l.distinct, 0)
	}
	p := uint64(class)<<32 | uint64(id)
	if _, ok := l.pairs[p]; !ok {
		l.pairs[p] = struct{}{}
		l.distinct[class]++
	}
}

// appendField appends v length-prefixed (uvarint), so that a key decodes
// to exactly one tuple.
func appendField[T string | []byte](b []byte, v T) []byte {
	n := uint64(len(v))
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	b = append(b, byte(n))
	return append(b, v...)
}

// nextField splits the first field off an encoded key.
func nextField(k []byte) (field, rest []byte) {
	var n uint64
	var s uint
	i := 0
	for ; k[i] >= 0x80; i++ {
		n |= uint64(k[i]&0x7f) << s
		s += 7
	}
	n |= uint64(k[i]) << s
	i++
	return k[i : i+int(n)], k[i+int(n):]
}

// prefix returns the first n characters (runes) of v, or v when shorter.
func prefix(v string, n int) string {
	if n >= len(v) {
		return v
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			j := 0
			for k := range v {
				if j == n {
					return v[:k]
				}
				j++
			}
			return v
		}
		if i == n-1 {
			return v[:n]
		}
	}
	return v
}

// Figures are the re-identification figures of one grouping of the
// records.
type Figures struct {
	Records int `json:"records"`
	Classes int `json:"classes"`
	// KMin is the size of the smallest class; 0 when there are no records.
	KMin int `json:"k_min"`
	// Uniques are the records alone in their class (sample uniques).
	Uniques     int     `json:"uniques"`
	UniqueShare float64 `json:"unique_share"`
	// RecordsInClassesBelowK are the records in classes smaller than K.
	RecordsInClassesBelowK int     `json:"records_in_classes_below_k"`
	ShareBelowK            float64 `json:"share_in_classes_below_k"`
	// ProsecutorMax is the highest prosecutor risk, 1/KMin (ARX's
	// "highest prosecutor risk"); 0 when there are no records.
	ProsecutorMax float64 `json:"prosecutor_max"`
	// RecordsAtMax are the records whose risk is ProsecutorMax (those in
	// classes of size KMin; ARX's "records affected by highest risk").
	RecordsAtMax int `json:"records_at_prosecutor_max"`
	// ProsecutorAvg is the average prosecutor risk over the records,
	// Classes/Records (ARX's "average prosecutor risk").
	ProsecutorAvg float64 `json:"prosecutor_avg"`
}

// LDiversity is the distinct l-diversity of one sensitive column.
type LDiversity struct {
	Column string `json:"column"`
	// L is the fewest distinct values of the column in a class; 0 when
	// there are no records.
	L int `json:"l"`
	// ClassesWithOneValue are the classes where the column has a single
	// value: whoever is placed in such a class has it disclosed.
	ClassesWithOneValue int `json:"classes_with_one_value"`
}

// Contribution is what leaving one quasi-identifier out does: the figures
// over the others.
type Contribution struct {
	LeftOut string `json:"left_out"`
	Figures
}

// Result is the outcome of an Analyzer's pass.
type Result struct {
	QuasiIdentifiers []string `json:"quasi_identifiers"`
	// K is the class size records_in_classes_below_k counts below.
	K int `json:"k"`
	Figures
	LDiversity []LDiversity `json:"l_diversity,omitempty"`
	// Contributions has one entry per quasi-identifier, in order: the
	// figures with it left out. With a single quasi-identifier, leaving it
	// out puts every record in one class. An Analyzer with
	// Options.Fingerprints has none.
	Contributions []Contribution `json:"contributions,omitempty"`
}

// Result computes the figures of the rows added so far, with each
// quasi-identifier's contribution (none with Options.Fingerprints). It may
// be called more than once.
func (a *Analyzer) Result() *Result {
	a.flush()
	r := &Result{K: a.k}
	for _, q := range a.qis {
		r.QuasiIdentifiers = append(r.QuasiIdentifiers, q.Name)
	}
	r.Figures = figures(a.classes.counts, a.k)
	for i, s := range a.sens {
		l := LDiversity{Column: s.Name}
		d := a.lsets[i].distinct
		for c := range a.classes.counts {
			n := 0
			if c < len(d) {
				n = int(d[c])
			}
			if c == 0 || n < l.L {
				l.L = n
			}
			if n == 1 {
				l.ClassesWithOneValue++
			}
		}
		r.LDiversity = append(r.LDiversity, l)
	}
	if a.fp {
		return r // no values to regroup (Options.Fingerprints)
	}
	// Leaving quasi-identifier j out merges the classes whose keys agree
	// on the others: regroup the classes, not the rows.
	var t table
	var buf []byte
	for j, q := range a.qis {
		t.init(len(a.classes.counts))
		for c, n := range a.classes.counts {
			buf = buf[:0]
			k := a.classes.key(uint32(c))
			for i := range a.qis {
				var f []byte
				f, k = nextField(k)
				if i != j {
					buf = appendField(buf, f)
				}
			}
			t.add(buf, hashKey(buf), n)
		}
		r.Contributions = append(r.Contributions, Contribution{LeftOut: q.Name, Figures: figures(t.counts, a.k)})
	}
	return r
}

// figures computes the figures from class sizes.
func figures(counts []int, k int) Figures {
	var f Figures
	f.Classes = len(counts)
	for _, c := range counts {
		n := c
		f.Records += n
		switch {
		case f.KMin == 0 || n < f.KMin:
			f.KMin, f.RecordsAtMax = n, n
		case n == f.KMin:
			f.RecordsAtMax += n
		}
		if n == 1 {
			f.Uniques++
		}
		if n < k {
			f.RecordsInClassesBelowK += n
		}
	}
	if f.Records > 0 {
		r := float64(f.Records)
		f.UniqueShare = float64(f.Uniques) / r
		f.ShareBelowK = float64(f.RecordsInClassesBelowK) / r
		f.ProsecutorMax = 1 / float64(f.KMin)
		f.ProsecutorAvg = float64(f.Classes) / r
	}
	return f
}

// Ranked returns the quasi-identifiers, those whose leaving out lowers the
// risk most first: by prosecutor_max, then records in classes below k,
// then uniques, then prosecutor_avg with it left out (ties keep their
// order). These are the ones to coarsen first.
func (r *Result) Ranked() []string {
	cs := append([]Contribution(nil), r.Contributions...)
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i].Figures, &cs[j].Figures
		if a.ProsecutorMax != b.ProsecutorMax {
			return a.ProsecutorMax < b.ProsecutorMax
		}
		if a.RecordsInClassesBelowK != b.RecordsInClassesBelowK {
			return a.RecordsInClassesBelowK < b.RecordsInClassesBelowK
		}
		if a.Uniques != b.Uniques {
			return a.Uniques < b.Uniques
		}
		return a.ProsecutorAvg < b.ProsecutorAvg
	})
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.LeftOut
	}
	return names
}

// Lookup returns the quasi-identifiers named names, in that order, as
// whole-value columns of header. A name header lacks is an error naming it.
func Lookup(header, names []string) ([]QI, error) {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	qis := make([]QI, 0, len(names))
	for _, n := range names {
		i, ok := idx[n]
		if !ok {
			return nil, fmt.Errorf("govshare/risk: no column %q in the header", n)
		}
		qis = append(qis, QI{Name: n, Column: i})
	}
	return qis, nil
}

// LookupSensitive is Lookup for sensitive columns.
func LookupSensitive(header, names []string) ([]Sensitive, error) {
	qis, err := Lookup(header, names)
	if err != nil {
		return nil, err
	}
	s := make([]Sensitive, len(qis))
	for i, q := range qis {
		s[i] = Sensitive{Name: q.Name, Column: q.Column}
	}
	return s, nil
}
