package risk

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Hierarchy is a generalization hierarchy in ARX's file form: one row per
// value, level 0 the value itself and each further column a coarser form
// of it (the last usually "*"). Every row has the same number of levels.
type Hierarchy struct {
	levels map[string][]string
	depth  int
}

// ParseHierarchy reads a hierarchy from r, whose fields are separated by
// comma (ARX's files use ';'). name names the source in errors, which name
// lines, never values.
func ParseHierarchy(r io.Reader, name string, comma rune) (*Hierarchy, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.ReuseRecord = true
	h := &Hierarchy{levels: map[string][]string{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("govshare/risk: hierarchy %s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("govshare/risk: hierarchy %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if _, dup := h.levels[rec[0]]; dup {
			return nil, fmt.Errorf("govshare/risk: hierarchy %s:%d: value listed twice", name, line)
		}
		levels := make([]string, len(rec))
		for i, f := range rec {
			levels[i] = strings.Clone(f)
		}
		h.levels[levels[0]] = levels
		h.depth = len(rec)
	}
	if len(h.levels) == 0 {
		return nil, fmt.Errorf("govshare/risk: hierarchy %s: no values", name)
	}
	return h, nil
}

// Levels returns the number of levels, the value itself (level 0) included.
func (h *Hierarchy) Levels() int { return h.depth }

// Generalize returns v at level (0 is v itself); false when v is not in
// the hierarchy or level is out of range.
func (h *Hierarchy) Generalize(v string, level int) (string, bool) {
	l, ok := h.levels[v]
	if !ok || level < 0 || level >= len(l) {
		return "", false
	}
	return l[level], true
}

// LevelPoint is the figures at one generalization level.
type LevelPoint struct {
	// Level is the uniform level asked for; Levels the level each
	// quasi-identifier was taken to (Level, or its hierarchy's top).
	Level  int   `json:"level"`
	Levels []int `json:"levels"`
	Figures
}

// AtLevels computes the figures of rows with each quasi-identifier qis[i]
// generalized to levels[i] of hs[i] (after its Prefix, if any). A value
// missing from its hierarchy is an error naming the quasi-identifier and
// the row (1-based), never the value.
func AtLevels(rows [][]string, qis []QI, hs []*Hierarchy, levels []int, opt Options) (*Result, error) {
	if len(hs) != len(qis) || len(levels) != len(qis) {
		return nil, errors.New("govshare/risk: AtLevels needs one hierarchy and one level per quasi-identifier")
	}
	plain := make([]QI, len(qis))
	for i, q := range qis {
		if hs[i] == nil {
			return nil, fmt.Errorf("govshare/risk: quasi-identifier %q has no hierarchy", q.Name)
		}
		if levels[i] < 0 || levels[i] >= hs[i].Levels() {
			return nil, fmt.Errorf("govshare/risk: quasi-identifier %q: level %d outside 0..%d", q.Name, levels[i], hs[i].Levels()-1)
		}
		plain[i] = QI{Name: q.Name, Column: i}
	}
	a, err := New(plain, nil, opt)
	if err != nil {
		return nil, err
	}
	g := make([]string, len(qis))
	for n, row := range rows {
		for i, q := range qis {
			if q.Column >= len(row) {
				return nil, fmt.Errorf("govshare/risk: row %d: %w", n+1, ErrShortRow)
			}
			v := row[q.Column]
			if q.Prefix > 0 {
				v = prefix(v, q.Prefix)
			}
			var ok bool
			if g[i], ok = hs[i].Generalize(v, levels[i]); !ok {
				return nil, fmt.Errorf("govshare/risk: row %d: the value of %q is not in its hierarchy", n+1, q.Name)
			}
		}
		if err := a.Add(g); err != nil {
			return nil, err
		}
	}
	return a.Result(), nil
}

// ByLevel computes the figures at each uniform generalization level L from
// 0 (the values) up to the deepest hierarchy's top: every
// quasi-identifier is taken to level L, or to its own top when its
// hierarchy is shallower. It is the risk-against-generalization curve.
func ByLevel(rows [][]string, qis []QI, hs []*Hierarchy, opt Options) ([]LevelPoint, error) {
	if len(hs) != len(qis) {
		return nil, errors.New("govshare/risk: ByLevel needs one hierarchy per quasi-identifier")
	}
	top := 0
	for i, h := range hs {
		if h == nil {
			return nil, fmt.Errorf("govshare/risk: quasi-identifier %q has no hierarchy", qis[i].Name)
		}
		top = max(top, h.Levels()-1)
	}
	var points []LevelPoint
	for l := 0; l <= top; l++ {
		levels := make([]int, len(qis))
		for i, h := range hs {
			levels[i] = min(l, h.Levels()-1)
		}
		r, err := AtLevels(rows, qis, hs, levels, opt)
		if err != nil {
			return nil, err
		}
		points = append(points, LevelPoint{Level: l, Levels: levels, Figures: r.Figures})
	}
	return points, nil
}
