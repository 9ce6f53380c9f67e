package risk

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

func resultOf(t *testing.T, qis []QI, rows [][]string) *Result {
	t.Helper()
	a, err := New(qis, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := a.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return a.Result()
}

// TestCheck: a result over the catalog's thresholds is an *ExceededError
// naming each threshold and the quasi-identifiers to coarsen, and its
// message holds no value; within them, without them, or with no records,
// Check passes.
func TestCheck(t *testing.T) {
	cat := parseCatalog(t, registerCatalog) // max_prosecutor_risk 0.2, min_k 5
	qis := []QI{{Name: "邮编", Column: 0}, {Name: "性别", Column: 1}}
	var rows [][]string
	for i := 0; i < 10; i++ {
		rows = append(rows, []string{"100081", "男"}, []string{"100081", "女"})
	}
	rows = append(rows, []string{"843300", "女"}, []string{"843300", "女"}) // a class of 2
	r := resultOf(t, qis, rows)
	err := Check(cat, r)
	var ee *ExceededError
	if !errors.As(err, &ee) || !errors.Is(err, ErrExceeded) {
		t.Fatalf("err = %v", err)
	}
	want := []Exceeded{{ThresholdMaxProsecutorRisk, 0.2, 0.5}, {ThresholdMinK, 5, 2}}
	if ee.Resource != "population-register" || !reflect.DeepEqual(ee.Exceeded, want) {
		t.Errorf("exceeded %+v", ee)
	}
	// without 性别, the 843300 class has 2 records still; without 邮编, every class is ≥ 10
	if !reflect.DeepEqual(ee.Coarsen, []string{"邮编", "性别"}) || !reflect.DeepEqual(ee.Enough, []string{"邮编"}) {
		t.Errorf("coarsen %v enough %v", ee.Coarsen, ee.Enough)
	}
	msg := err.Error()
	for _, v := range []string{"100081", "843300", "男", "女"} {
		if strings.Contains(msg, v) {
			t.Fatalf("the error message holds a value (%d bytes)", len(v))
		}
	}
	for _, s := range []string{"max_prosecutor_risk 0.2", "min_k 5", "coarsen first: 邮编, 性别", "population-register"} {
		if !strings.Contains(msg, s) {
			t.Errorf("message lacks %q: %s", s, msg)
		}
	}

	// Within the thresholds.
	if err := Check(cat, resultOf(t, qis, rows[:20])); err != nil {
		t.Errorf("10-anonymous: %v", err)
	}
	// Only one threshold set.
	k := catalog.Count(2)
	onlyK := *cat
	onlyK.MaxProsecutorRisk, onlyK.MinK = nil, &k
	if err := Check(&onlyK, r); err != nil {
		t.Errorf("min_k 2 with k_min 2: %v", err)
	}
	// No thresholds; no records.
	none := *cat
	none.MaxProsecutorRisk, none.MinK = nil, nil
	if err := Check(&none, r); err != nil {
		t.Errorf("no thresholds: %v", err)
	}
	if err := Check(cat, resultOf(t, qis, nil)); err != nil {
		t.Errorf("no records: %v", err)
	}
	if err := Check(nil, r); err == nil || errors.Is(err, ErrExceeded) {
		t.Errorf("nil catalog: %v", err)
	}
}

// TestExceededErrorMessage: the message for each threshold alone.
func TestExceededErrorMessage(t *testing.T) {
	e := &ExceededError{Exceeded: []Exceeded{{ThresholdMinK, 5, 1}}, Coarsen: []string{"age"}}
	if got := e.Error(); got != "govshare/risk: smallest class k_min 1 is below min_k 5; coarsen first: age" {
		t.Errorf("got %s", got)
	}
	e = &ExceededError{Resource: "r", Exceeded: []Exceeded{{ThresholdMaxProsecutorRisk, 0.1, 1}}, Enough: []string{"a", "b"}}
	if got := e.Error(); got != `govshare/risk: resource "r": prosecutor risk 1 exceeds max_prosecutor_risk 0.1 (leaving out any one of a, b alone meets the thresholds)` {
		t.Errorf("got %s", got)
	}
}
