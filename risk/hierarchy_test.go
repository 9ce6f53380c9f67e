package risk

import (
	"reflect"
	"strings"
	"testing"
)

// TestParseHierarchy: levels, Generalize in and out of range, and an
// unknown value.
func TestParseHierarchy(t *testing.T) {
	h, err := ParseHierarchy(strings.NewReader("Male;*\nFemale;*\n"), "sex", ';')
	if err != nil {
		t.Fatal(err)
	}
	if h.Levels() != 2 {
		t.Errorf("levels %d", h.Levels())
	}
	if v, ok := h.Generalize("Male", 0); !ok || v != "Male" {
		t.Error("level 0 is not the value")
	}
	if v, ok := h.Generalize("Female", 1); !ok || v != "*" {
		t.Error("level 1 is not *")
	}
	for _, c := range []struct {
		v string
		l int
	}{{"Male", 2}, {"Male", -1}, {"Other", 0}} {
		if _, ok := h.Generalize(c.v, c.l); ok {
			t.Errorf("Generalize(level %d) ok", c.l)
		}
	}
	// Adult's age hierarchy: 5 levels, 39 → 35-39 → 30-39 → 20-39 → *.
	age := loadHierarchy(t, "age")
	var got []string
	for l := 0; l < age.Levels(); l++ {
		v, _ := age.Generalize("39", l)
		got = append(got, v)
	}
	if !reflect.DeepEqual(got, []string{"39", "35-39", "30-39", "20-39", "*"}) {
		t.Errorf("age 39 generalizes to %v", got)
	}
}

// TestParseHierarchyErrors: errors name the source and line, never the
// value.
func TestParseHierarchyErrors(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"empty":        {"", "h.csv: no values"},
		"ragged":       {"Secretval;*\nOther;x;*\n", "h.csv:2"},
		"twice":        {"Secretval;*\nSecretval;*\n", "h.csv:2: value listed twice"},
		"bare quote":   {"Sec\"retval;*\n", "h.csv:1"},
		"unterminated": {"\"Secretval;*\n", "h.csv:"},
	}
	for name, c := range cases {
		_, err := ParseHierarchy(strings.NewReader(c.src), "h.csv", ';')
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), "Secretval") {
			t.Errorf("%s: the error holds a value", name)
		}
	}
}

// TestAtLevels: generalization by level, and its errors: a missing value
// names the quasi-identifier and row only, a level out of range, a missing
// hierarchy, mismatched lengths.
func TestAtLevels(t *testing.T) {
	sex, _ := ParseHierarchy(strings.NewReader("M;*\nF;*\n"), "sex", ';')
	zip, _ := ParseHierarchy(strings.NewReader("100081;1000**;*\n100082;1000**;*\n200001;2000**;*\n"), "zip", ';')
	qis := []QI{{Name: "zip", Column: 1}, {Name: "sex", Column: 0}}
	hs := []*Hierarchy{zip, sex}
	rows := [][]string{{"M", "100081"}, {"F", "100082"}, {"F", "200001"}, {"M", "200001"}}
	r, err := AtLevels(rows, qis, hs, []int{1, 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Classes != 2 || r.KMin != 2 {
		t.Errorf("zip level 1, sex level 1: %+v", r.Figures)
	}
	pts, err := ByLevel(rows, qis, hs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 3 || !reflect.DeepEqual(pts[2].Levels, []int{2, 1}) || pts[0].Classes != 4 || pts[2].Classes != 1 {
		t.Errorf("points %+v", pts)
	}
	// a prefix applies before the hierarchy
	pq := []QI{{Name: "zip", Column: 1, Prefix: 6}, {Name: "sex", Column: 0}}
	if _, err := AtLevels([][]string{{"M", "100081xx"}}, pq, hs, []int{0, 0}, Options{}); err != nil {
		t.Errorf("prefix: %v", err)
	}

	bad := [][]string{{"M", "100081"}, {"X-secret", "100081"}}
	_, err = AtLevels(bad, qis, hs, []int{0, 0}, Options{})
	if err == nil || !strings.Contains(err.Error(), `row 2: the value of "sex"`) || strings.Contains(err.Error(), "X-secret") {
		t.Errorf("missing value: %v", err)
	}
	errs := map[string]error{}
	_, errs["level"] = AtLevels(rows, qis, hs, []int{3, 0}, Options{})
	_, errs["lengths"] = AtLevels(rows, qis, hs[:1], []int{0, 0}, Options{})
	_, errs["nil hierarchy"] = AtLevels(rows, qis, []*Hierarchy{zip, nil}, []int{0, 0}, Options{})
	_, errs["short row"] = AtLevels([][]string{{"M"}}, qis, hs, []int{0, 0}, Options{})
	_, errs["bylevel lengths"] = ByLevel(rows, qis, hs[:1], Options{})
	_, errs["bylevel nil"] = ByLevel(rows, qis, []*Hierarchy{nil, sex}, Options{})
	_, errs["bylevel missing"] = ByLevel(bad, qis, hs, Options{})
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
