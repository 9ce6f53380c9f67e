package dp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func newLedger(t *testing.T, eps, delta float64) (*Ledger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "budget.jsonl")
	l, err := OpenLedger(path, eps, delta)
	if err != nil {
		t.Fatal(err)
	}
	return l, path
}

func TestLedgerRefusesBeyondBudget(t *testing.T) {
	l, _ := newLedger(t, 1, 1e-5)
	const res, rcp = "population-register", "statistics-bureau"
	steps := []struct {
		eps, delta float64
		ok         bool
	}{
		{0.4, 0, true},
		{0.4, 5e-6, true},
		{0.4, 0, false},    // 1.2 > 1
		{0.2, 0, true},     // exactly 1.0
		{1e-6, 0, false},   // nothing left
		{0.0001, 0, false}, // still nothing
	}
	for i, s := range steps {
		err := l.Spend(res, rcp, s.eps, s.delta)
		if s.ok && err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !s.ok && !errors.Is(err, ErrBudgetExhausted) {
			t.Fatalf("step %d: err = %v, want ErrBudgetExhausted", i, err)
		}
	}
	e, d, err := l.Spent(res, rcp)
	if err != nil || e != 1.0 || d != 5e-6 {
		t.Fatalf("Spent = %g, %g, %v; want 1, 5e-6", e, d, err)
	}
	// δ is a budget too.
	if err := l.Spend(res, "other", 0.1, 2e-5); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("δ over budget: %v", err)
	}
	// Other pairs are separate accounts.
	if err := l.Spend("other-resource", rcp, 1, 1e-5); err != nil {
		t.Fatalf("other resource: %v", err)
	}
	// Ten spends of 0.1 add up to the budget despite rounding; the 11th fails.
	for i := 0; i < 10; i++ {
		if err := l.Spend(res, "tenths", 0.1, 0); err != nil {
			t.Fatalf("tenth %d: %v", i, err)
		}
	}
	if err := l.Spend(res, "tenths", 0.1, 0); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("11th tenth: %v", err)
	}
	for _, bad := range [][2]float64{{0, 0}, {-1, 0}, {1, -1}, {1, 1}} {
		if err := l.Spend(res, rcp, bad[0], bad[1]); err == nil || errors.Is(err, ErrBudgetExhausted) {
			t.Errorf("Spend(%v) = %v, want a validation error", bad, err)
		}
	}
	if err := l.Spend("", rcp, 0.1, 0); err == nil {
		t.Error("empty resource accepted")
	}
}

func TestLedgerPersists(t *testing.T) {
	l, path := newLedger(t, 2, 1e-6)
	if err := l.Spend("r", "c", 0.75, 1e-7); err != nil {
		t.Fatal(err)
	}
	l2, err := OpenLedger(path, 2, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if e, d, _ := l2.Spent("r", "c"); e != 0.75 || d != 1e-7 {
		t.Fatalf("after reopen: %g, %g", e, d)
	}
	if err := l2.Spend("r", "c", 1.25, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.Spend("r", "c", 0.01, 0); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("first handle must see the second's spend: %v", err)
	}
	// A larger budget would re-grant spent privacy: refused.
	if _, err := OpenLedger(path, 3, 1e-6); err == nil {
		t.Fatal("reopen with a larger budget accepted")
	}
	// A smaller one is enforced.
	l3, err := OpenLedger(path, 1, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	if err := l3.Spend("r", "d", 1.5, 0); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("smaller budget not enforced: %v", err)
	}
	// A ledger deleted behind our back is an error, never a fresh budget.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := l.Spend("r", "e", 0.1, 0); !errors.Is(err, ErrCorruptLedger) {
		t.Fatalf("spend on deleted ledger: %v", err)
	}
}

// Known answer: a hand-written ledger file and its totals.
func TestLedgerKnownFile(t *testing.T) {
	const file = `{"format":"govshare-dp-ledger/v1","budget_epsilon":3,"budget_delta":0.0001,"created":"2026-01-02T03:04:05Z"}
{"resource":"population-register","recipient":"tax-bureau","epsilon":0.5,"delta":1e-06,"time":"2026-01-02T03:04:06Z"}
{"resource":"population-register","recipient":"tax-bureau","epsilon":0.25,"delta":0,"time":"2026-01-02T03:04:07.5Z"}
{"resource":"population-register","recipient":"health-commission","epsilon":2,"delta":5e-05,"time":"2026-01-02T03:04:08Z"}
`
	path := filepath.Join(t.TempDir(), "l.jsonl")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLedger(path, 3, 1e-4)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rcp  string
		e, d float64
	}{{"tax-bureau", 0.75, 1e-6}, {"health-commission", 2, 5e-5}, {"nobody", 0, 0}} {
		e, d, err := l.Spent("population-register", c.rcp)
		if err != nil || e != c.e || d != c.d {
			t.Errorf("%s: %g, %g, %v; want %g, %g", c.rcp, e, d, err, c.e, c.d)
		}
	}
	if err := l.Spend("population-register", "health-commission", 1, 0); err != nil {
		t.Fatalf("2 + 1 = 3 fits the budget: %v", err)
	}
	if err := l.Spend("population-register", "health-commission", 0.01, 0); !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("3.01 > 3 accepted: %v", err)
	}
}

func TestLedgerCorrupt(t *testing.T) {
	const hdr = `{"format":"govshare-dp-ledger/v1","budget_epsilon":1,"budget_delta":0,"created":"2026-01-02T03:04:05Z"}` + "\n"
	const ent = `{"resource":"r","recipient":"c","epsilon":0.5,"delta":0,"time":"2026-01-02T03:04:06Z"}` + "\n"
	cases := map[string]string{
		"not json":         "hello\n",
		"wrong format":     strings.Replace(hdr, "v1", "v9", 1),
		"header no budget": `{"format":"govshare-dp-ledger/v1","created":"x"}` + "\n",
		"header zero eps":  strings.Replace(hdr, `"budget_epsilon":1`, `"budget_epsilon":0`, 1),
		"unknown field":    hdr + strings.Replace(ent, `"delta"`, `"extra":1,"delta"`, 1),
		"negative epsilon": hdr + strings.Replace(ent, "0.5", "-0.5", 1),
		"missing epsilon":  hdr + strings.Replace(ent, `"epsilon":0.5,`, "", 1),
		"delta one":        hdr + strings.Replace(ent, `"delta":0`, `"delta":1`, 1),
		"empty recipient":  hdr + strings.Replace(ent, `"c"`, `""`, 1),
		"bad time":         hdr + strings.Replace(ent, "2026-01-02T03:04:06Z", "yesterday", 1),
		"torn last line":   hdr + ent[:len(ent)-10],
		"two objects":      hdr + strings.TrimSuffix(ent, "\n") + ent,
		"blank line":       hdr + "\n" + ent,
		"huge line":        hdr + strings.Repeat("x", maxLedgerLine+10) + "\n",
		"string number":    hdr + strings.Replace(ent, "0.5", `"0.5"`, 1),
	}
	for name, content := range cases {
		path := filepath.Join(t.TempDir(), "l.jsonl")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := OpenLedger(path, 1, 0)
		if !errors.Is(err, ErrCorruptLedger) || !strings.Contains(err.Error(), "line ") {
			t.Errorf("%s: err = %v, want ErrCorruptLedger naming a line", name, err)
		}
		after, _ := os.ReadFile(path)
		if !bytes.Equal(after, []byte(content)) {
			t.Errorf("%s: corrupt ledger was modified", name)
		}
	}
}

// Goroutines sharing one Ledger, plus a second Ledger on the same file
// (separate lock descriptor), never overspend: exactly 100 spends of 0.01 fit
// a budget of 1. Run with -race.
func TestLedgerConcurrentGoroutines(t *testing.T) {
	l1, path := newLedger(t, 1, 0)
	l2, err := OpenLedger(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		l := l1
		if g%2 == 1 {
			l = l2
		}
		wg.Go(func() {
			for i := 0; i < 30; i++ {
				err := l.Spend("r", "c", 0.01, 0)
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, ErrBudgetExhausted) {
					t.Error(err)
					return
				}
				if _, _, err := l.Spent("r", "c"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 100 {
		t.Fatalf("%d spends of 0.01 succeeded against a budget of 1, want 100", ok.Load())
	}
	if e, _, _ := l1.Spent("r", "c"); e > 1+1e-9 {
		t.Fatalf("total spent %g exceeds budget", e)
	}
}

const childEnv = "GOVSHARE_DP_LEDGER_CHILD"

// TestLedgerChildProcess is the body of the cross-process test; it does
// nothing unless started by TestLedgerCrossProcess.
func TestLedgerChildProcess(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("helper for TestLedgerCrossProcess")
	}
	l, err := OpenLedger(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		err := l.Spend("r", "c", 0.01, 0)
		if errors.Is(err, ErrBudgetExhausted) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	fmt.Printf("SPENT=%d\n", n)
}

// Three processes (this test binary re-executed) spend 0.01 at a time from
// one ledger with budget 1 until refused: together exactly 100 succeed.
func TestLedgerCrossProcess(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("already a child")
	}
	_, path := newLedger(t, 1, 0)
	const procs = 3
	outs := make([]*bytes.Buffer, procs)
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLedgerChildProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		outs[i] = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	total := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
		found := false
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "SPENT="); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatal(err)
				}
				total += n
				found = true
				t.Logf("child %d spent %d times", i, n)
			}
		}
		if !found {
			t.Fatalf("child %d printed no result:\n%s", i, outs[i])
		}
	}
	if total != 100 {
		t.Fatalf("children spent %d × 0.01 against a budget of 1, want exactly 100", total)
	}
	l, err := OpenLedger(path, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if e, _, _ := l.Spent("r", "c"); e > 1+1e-9 {
		t.Fatalf("ledger total %g exceeds the budget", e)
	}
}

// FuzzParseLedger: the parser never panics; a file it accepts yields
// finite, non-negative totals and an intact budget.
func FuzzParseLedger(f *testing.F) {
	f.Add([]byte(`{"format":"govshare-dp-ledger/v1","budget_epsilon":1,"budget_delta":0,"created":"x"}` + "\n" +
		`{"resource":"r","recipient":"c","epsilon":0.5,"delta":0,"time":"2026-01-02T03:04:06Z"}` + "\n"))
	f.Add([]byte(""))
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"format":"govshare-dp-ledger/v1","budget_epsilon":1e308,"budget_delta":0.5,"created":""}` + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseLedger(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrCorruptLedger) {
				t.Fatalf("parse error not ErrCorruptLedger: %v", err)
			}
			return
		}
		if st == nil {
			if len(b) != 0 {
				t.Fatal("non-empty input parsed as empty")
			}
			return
		}
		if !finite(st.budgetEps) || st.budgetEps <= 0 || st.budgetDelta < 0 || st.budgetDelta >= 1 {
			t.Fatalf("accepted budget %g, %g", st.budgetEps, st.budgetDelta)
		}
		for _, v := range st.spent {
			if v.eps < 0 || v.delta < 0 || v.eps != v.eps {
				t.Fatalf("bad totals %+v", v)
			}
		}
	})
}
