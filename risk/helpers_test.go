package risk

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// adultQIs are the 8 quasi-identifiers ARX's Adult benchmarks use.
var adultQIs = []string{"age", "sex", "race", "marital-status", "education", "native-country", "workclass", "occupation"}

// loadAdult reads testdata/adult/adult.csv (';'-separated, with a header).
func loadAdult(tb testing.TB) (header []string, rows [][]string) {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "adult", "adult.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	all, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return all[0], all[1:]
}

func loadHierarchy(tb testing.TB, attr string) *Hierarchy {
	tb.Helper()
	name := filepath.Join("..", "testdata", "adult", "adult_hierarchy_"+attr+".csv")
	f, err := os.Open(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h, err := ParseHierarchy(f, name, ';')
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// naive is the independent, straightforward count the Analyzer must
// equal: a plain map over the joined (quoted, so unambiguous) values.
type naive struct {
	classes map[string]int
	sens    []map[string]map[string]bool
}

func naiveKey(row []string, cols []int, prefixes []int) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		v := row[c]
		if prefixes != nil && prefixes[i] > 0 {
			// the first n characters, an invalid byte counting as one
			end := 0
			for n := 0; n < prefixes[i] && end < len(v); n++ {
				_, size := utf8.DecodeRuneInString(v[end:])
				end += size
			}
			v = v[:end]
		}
		parts[i] = strconv.Quote(v)
	}
	return strings.Join(parts, ",")
}

// naiveCount counts rows over cols (with optional per-column rune
// prefixes) and, per sensitive column, the distinct values per class.
func naiveCount(rows [][]string, cols, prefixes, sens []int) *naive {
	n := &naive{classes: map[string]int{}}
	for range sens {
		n.sens = append(n.sens, map[string]map[string]bool{})
	}
	for _, row := range rows {
		k := naiveKey(row, cols, prefixes)
		n.classes[k]++
		for i, s := range sens {
			if n.sens[i][k] == nil {
				n.sens[i][k] = map[string]bool{}
			}
			n.sens[i][k][row[s]] = true
		}
	}
	return n
}

// figuresOf computes the figures from the naive classes, independently of
// figures().
func (n *naive) figuresOf(k int) Figures {
	var f Figures
	sizes := make([]int, 0, len(n.classes))
	for _, c := range n.classes {
		sizes = append(sizes, c)
		f.Records += c
	}
	sort.Ints(sizes)
	f.Classes = len(sizes)
	if len(sizes) > 0 {
		f.KMin = sizes[0]
	}
	for _, c := range sizes {
		if c == 1 {
			f.Uniques++
		}
		if c < k {
			f.RecordsInClassesBelowK += c
		}
		if c == f.KMin {
			f.RecordsAtMax += c
		}
	}
	if f.Records > 0 {
		f.UniqueShare = float64(f.Uniques) / float64(f.Records)
		f.ShareBelowK = float64(f.RecordsInClassesBelowK) / float64(f.Records)
		f.ProsecutorMax = 1 / float64(f.KMin)
		// the average of 1/|class| over the records, summed record by record
		sum := 0.0
		for _, c := range sizes {
			sum += float64(c) * (1 / float64(c))
		}
		f.ProsecutorAvg = sum / float64(f.Records)
	}
	return f
}

// l returns the naive distinct l-diversity of sensitive column i.
func (n *naive) l(i int) (l, single int) {
	first := true
	for _, vals := range n.sens[i] {
		if first || len(vals) < l {
			l, first = len(vals), false
		}
		if len(vals) == 1 {
			single++
		}
	}
	return l, single
}

// sameFigures compares figures; the averages within rounding (the naive
// one is summed record by record).
func sameFigures(t *testing.T, what string, got, want Figures) {
	t.Helper()
	g, w := got, want
	const eps = 1e-12
	if d := g.ProsecutorAvg - w.ProsecutorAvg; d > eps || d < -eps {
		t.Errorf("%s: prosecutor_avg %v, want %v", what, g.ProsecutorAvg, w.ProsecutorAvg)
	}
	g.ProsecutorAvg, w.ProsecutorAvg = 0, 0
	if g != w {
		t.Errorf("%s: figures\n got %+v\nwant %+v", what, g, w)
	}
}

func colsOf(tb testing.TB, header, names []string) []int {
	tb.Helper()
	var cols []int
	for _, n := range names {
		found := false
		for i, h := range header {
			if h == n {
				cols, found = append(cols, i), true
				break
			}
		}
		if !found {
			tb.Fatalf("no column %q", n)
		}
	}
	return cols
}
