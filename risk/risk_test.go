package risk

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// TestNewErrors: New refuses no quasi-identifiers, negative columns,
// prefixes and k, and names given twice.
func TestNewErrors(t *testing.T) {
	cases := map[string]struct {
		qis  []QI
		sens []Sensitive
		opt  Options
	}{
		"no qis":          {nil, nil, Options{}},
		"negative column": {[]QI{{Name: "a", Column: -1}}, nil, Options{}},
		"negative prefix": {[]QI{{Name: "a", Prefix: -1}}, nil, Options{}},
		"negative k":      {[]QI{{Name: "a"}}, nil, Options{K: -1}},
		"qi twice":        {[]QI{{Name: "a"}, {Name: "a", Column: 1}}, nil, Options{}},
		"sens twice":      {[]QI{{Name: "a"}}, []Sensitive{{Name: "s", Column: 1}, {Name: "s", Column: 2}}, Options{}},
		"sens negative":   {[]QI{{Name: "a"}}, []Sensitive{{Name: "s", Column: -2}}, Options{}},
	}
	for name, c := range cases {
		if _, err := New(c.qis, c.sens, c.opt); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestAddShortRow: a row without a column of the Analyzer is ErrShortRow
// and is not counted.
func TestAddShortRow(t *testing.T) {
	a, err := New([]QI{{Name: "a", Column: 0}}, []Sensitive{{Name: "s", Column: 2}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add([]string{"x", "y"}); !errors.Is(err, ErrShortRow) {
		t.Fatalf("err = %v", err)
	}
	if r := a.Result(); r.Records != 0 || r.KMin != 0 || r.ProsecutorMax != 0 || r.LDiversity[0].L != 0 {
		t.Errorf("empty result %+v", r)
	}
}

// TestSmallByHand: figures worked out by hand on 10 records.
func TestSmallByHand(t *testing.T) {
	rows := [][]string{
		// zip, age, sex, diagnosis
		{"100", "30", "M", "flu"},
		{"100", "30", "M", "cold"},
		{"100", "30", "M", "flu"},
		{"100", "31", "F", "flu"},
		{"100", "31", "F", "flu"},
		{"200", "30", "M", "hiv"},
		{"200", "40", "F", "flu"},
		{"200", "40", "F", "cold"},
		{"200", "40", "F", "cancer"},
		{"200", "40", "F", "flu"},
	}
	a, err := New([]QI{{Name: "zip", Column: 0}, {Name: "age", Column: 1}, {Name: "sex", Column: 2}},
		[]Sensitive{{Name: "diagnosis", Column: 3}}, Options{K: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := a.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	r := a.Result()
	// classes: (100,30,M)×3, (100,31,F)×2, (200,30,M)×1, (200,40,F)×4
	want := Figures{Records: 10, Classes: 4, KMin: 1, Uniques: 1, UniqueShare: 0.1,
		RecordsInClassesBelowK: 3, ShareBelowK: 0.3, ProsecutorMax: 1, RecordsAtMax: 1, ProsecutorAvg: 0.4}
	if r.Figures != want {
		t.Errorf("figures\n got %+v\nwant %+v", r.Figures, want)
	}
	if !reflect.DeepEqual(r.QuasiIdentifiers, []string{"zip", "age", "sex"}) || r.K != 3 {
		t.Errorf("qis %v k %d", r.QuasiIdentifiers, r.K)
	}
	// diagnosis: {flu,cold}, {flu}, {hiv}, {flu,cold,cancer}
	if r.LDiversity[0] != (LDiversity{"diagnosis", 1, 2}) {
		t.Errorf("l-diversity %+v", r.LDiversity[0])
	}
	// without zip: (30,M)×4, (31,F)×2, (40,F)×4
	// without age: (100,M)×3, (100,F)×2, (200,M)×1, (200,F)×4
	// without sex: (100,30)×3, (100,31)×2, (200,30)×1, (200,40)×4
	wantC := map[string]Figures{
		"zip": {Records: 10, Classes: 3, KMin: 2, RecordsInClassesBelowK: 2, ShareBelowK: 0.2, ProsecutorMax: 0.5, RecordsAtMax: 2, ProsecutorAvg: 0.3},
		"age": r.Figures,
		"sex": r.Figures,
	}
	for _, c := range r.Contributions {
		if c.Figures != wantC[c.LeftOut] {
			t.Errorf("without %s\n got %+v\nwant %+v", c.LeftOut, c.Figures, wantC[c.LeftOut])
		}
	}
	if got := r.Ranked(); !reflect.DeepEqual(got, []string{"zip", "age", "sex"}) {
		t.Errorf("ranked %v", got)
	}
	// Result may be called again, and after more rows.
	if r2 := a.Result(); !reflect.DeepEqual(r, r2) {
		t.Error("second Result differs")
	}
	_ = a.Add([]string{"200", "30", "M", "flu"})
	if r3 := a.Result(); r3.KMin != 2 || r3.Uniques != 0 || r3.LDiversity[0].L != 1 {
		t.Errorf("after another row: %+v", r3.Figures)
	}
}

// TestSingleQIContribution: leaving the only quasi-identifier out puts
// every record in one class.
func TestSingleQIContribution(t *testing.T) {
	a, _ := New([]QI{{Name: "a"}}, nil, Options{})
	for _, v := range []string{"x", "y", "y"} {
		_ = a.Add([]string{v})
	}
	c := a.Result().Contributions
	if len(c) != 1 || c[0].Classes != 1 || c[0].KMin != 3 {
		t.Errorf("%+v", c)
	}
}

// TestKeyEncodingUnambiguous: tuples that join to the same string stay
// apart ("ab","c" vs "a","bc"; separators and long values inside values).
func TestKeyEncodingUnambiguous(t *testing.T) {
	long := strings.Repeat("x", 300)
	rows := [][]string{{"ab", "c"}, {"a", "bc"}, {"a\x00", "b"}, {"a", "\x00b"}, {long, ""}, {long[:299], "x"}, {"", ""}, {"", ""}}
	a, _ := New([]QI{{Name: "p", Column: 0}, {Name: "q", Column: 1}}, nil, Options{})
	for _, r := range rows {
		_ = a.Add(r)
	}
	if r := a.Result(); r.Classes != 7 || r.Uniques != 6 {
		t.Errorf("classes %d uniques %d, want 7 and 6", r.Classes, r.Uniques)
	}
}

// TestFieldRoundTrip: appendField and nextField invert each other for
// lengths across the varint byte boundaries.
func TestFieldRoundTrip(t *testing.T) {
	var vals []string
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70000} {
		vals = append(vals, strings.Repeat("v", n))
	}
	var k []byte
	for _, v := range vals {
		k = appendField(k, v)
	}
	for i, v := range vals {
		var f []byte
		f, k = nextField(k)
		if string(f) != v {
			t.Fatalf("field %d: length %d, want %d", i, len(f), len(v))
		}
	}
	if len(k) != 0 {
		t.Errorf("%d bytes left", len(k))
	}
}

// TestPrefix: prefix counts characters, not bytes, and leaves a shorter
// value whole.
func TestPrefix(t *testing.T) {
	cases := []struct {
		v    string
		n    int
		want string
	}{
		{"11010519491231002X", 6, "110105"},
		{"1101", 6, "1101"},
		{"110105", 6, "110105"},
		{"", 3, ""},
		{"北京市朝阳区", 3, "北京市"},
		{"ab北京", 3, "ab北"},
		{"ab北", 3, "ab北"},
		{"abc北", 3, "abc"},
		{"1990-05-17", 4, "1990"},
	}
	for _, c := range cases {
		if got := prefix(c.v, c.n); got != c.want {
			t.Errorf("prefix(case %d) = %d bytes, want %d", c.n, len(got), len(c.want))
		}
	}
}

// TestTableCollisions: with every key hashed alike, the table still
// groups exactly (a hash match is confirmed against the stored key), and
// growing keeps every class.
func TestTableCollisions(t *testing.T) {
	var tb table
	tb.init(1)
	want := map[string]int{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		k := strconv.Itoa(rng.IntN(700))
		want[k]++
		// every key hashes to one of two values: all collide
		tb.add([]byte(k), uint64(7+len(k)%2), 1)
	}
	if len(tb.counts) != len(want) {
		t.Fatalf("%d classes, want %d", len(tb.counts), len(want))
	}
	for c, n := range tb.counts {
		if want[string(tb.key(uint32(c)))] != n {
			t.Fatalf("class %d: count %d differs", c, n)
		}
	}
}

// TestLookup: Lookup and LookupSensitive map names to columns in the
// order given and name a missing column.
func TestLookup(t *testing.T) {
	h := []string{"a", "b", "c"}
	q, err := Lookup(h, []string{"c", "a"})
	if err != nil || !reflect.DeepEqual(q, []QI{{Name: "c", Column: 2}, {Name: "a", Column: 0}}) {
		t.Errorf("Lookup = %+v, %v", q, err)
	}
	s, err := LookupSensitive(h, []string{"b"})
	if err != nil || !reflect.DeepEqual(s, []Sensitive{{Name: "b", Column: 1}}) {
		t.Errorf("LookupSensitive = %+v, %v", s, err)
	}
	if _, err := Lookup(h, []string{"zz"}); err == nil || !strings.Contains(err.Error(), `"zz"`) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := LookupSensitive(h, []string{"zz"}); err == nil {
		t.Error("missing sensitive column: no error")
	}
}

// TestRandomEqualsNaive: random tables with skewed columns, prefixes and
// two sensitive columns equal the naive count.
func TestRandomEqualsNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 20; trial++ {
		ncol := 2 + rng.IntN(4)
		nrow := rng.IntN(3000)
		rows := make([][]string, nrow)
		for i := range rows {
			row := make([]string, ncol+2)
			for j := range row {
				card := 1 + j*j*3 + trial
				row[j] = "v" + strconv.Itoa(rng.IntN(card)) + strings.Repeat("é", rng.IntN(2))
			}
			rows[i] = row
		}
		var qis []QI
		var cols, prefixes []int
		for j := 0; j < ncol; j++ {
			p := 0
			if j == 1 {
				p = 2
			}
			qis = append(qis, QI{Name: "q" + strconv.Itoa(j), Column: j, Prefix: p})
			cols, prefixes = append(cols, j), append(prefixes, p)
		}
		sens := []Sensitive{{Name: "s0", Column: ncol}, {Name: "s1", Column: ncol + 1}}
		a, err := New(qis, sens, Options{K: 1 + trial%7})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := a.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		r := a.Result()
		n := naiveCount(rows, cols, prefixes, []int{ncol, ncol + 1})
		sameFigures(t, "random", r.Figures, n.figuresOf(r.K))
		for i := range sens {
			l, single := n.l(i)
			if r.LDiversity[i].L != l || r.LDiversity[i].ClassesWithOneValue != single {
				t.Errorf("trial %d: l-diversity %d: %+v, want %d, %d", trial, i, r.LDiversity[i], l, single)
			}
		}
		for j, c := range r.Contributions {
			rc := append(append([]int(nil), cols[:j]...), cols[j+1:]...)
			rp := append(append([]int(nil), prefixes[:j]...), prefixes[j+1:]...)
			sameFigures(t, "random contribution", c.Figures, naiveCount(rows, rc, rp, nil).figuresOf(r.K))
		}
	}
}

// TestTableLongKeys: keys longer than an arena chunk get a chunk of their
// own and still group exactly; init empties the table for reuse.
func TestTableLongKeys(t *testing.T) {
	var tb table
	tb.init(4)
	big := strings.Repeat("k", chunkSize+10)
	keys := []string{"a", big, big + "x", "b", big, "a"}
	for _, k := range keys {
		tb.add([]byte(k), hashKey([]byte(k)), 1)
	}
	if len(tb.counts) != 4 || tb.counts[0] != 2 || tb.counts[1] != 2 || string(tb.key(2)) != big+"x" {
		t.Errorf("%d classes, counts %v", len(tb.counts), tb.counts)
	}
	tb.init(1)
	if len(tb.counts) != 0 || len(tb.keys) != 0 {
		t.Error("init did not empty the table")
	}
	tb.add([]byte("a"), hashKey([]byte("a")), 3)
	if tb.counts[0] != 3 || string(tb.key(0)) != "a" {
		t.Error("reused table miscounts")
	}
}
