package dp

import (
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAccount is a budget of record kept elsewhere: it records what Run
// asked of it.
type fakeAccount struct {
	affordErr, chargeErr error
	afforded             bool
	charged              bool
	results              int // results the report held when it was recorded
	spent                float64
}

func (a *fakeAccount) Afford(eps, delta float64) error {
	a.afforded = true
	return a.affordErr
}

func (a *fakeAccount) Charge(rep *Report, release func() error) error {
	if err := release(); err != nil {
		return err
	}
	if a.chargeErr != nil { // the record could not be written
		return a.chargeErr
	}
	a.charged, a.results, a.spent = true, len(rep.Results), a.spent+rep.Epsilon
	rep.Budget = &BudgetStatus{Ledger: "elsewhere", SpentEpsilon: a.spent, BudgetEpsilon: 5}
	return nil
}

// TestRunChargesAccount: Run charges an Account as it does a Ledger: Afford
// before any row is read (a refusal reads nothing), then Charge in one step
// with the noise, whose record sees the complete results; a failed record
// drops the release.
func TestRunChargesAccount(t *testing.T) {
	rows, _ := population(map[string]int{"东城区": 300, "西城区": 300}, 1)
	opts := Options{Epsilon: 1, Delta: 1e-6, Person: "身份证号", GroupBy: "区县", Kind: KindCount}
	read := false
	watched := func() iter.Seq2[[]string, error] {
		return func(yield func([]string, error) bool) {
			read = true
			for r, err := range rowsOf(rows) {
				if !yield(r, err) {
					return
				}
			}
		}
	}
	exhausted := &fakeAccount{affordErr: ErrBudgetExhausted}
	if _, _, err := Run(opts, watched(), testHeader, Budget{Account: exhausted, Resource: "r", Recipient: "x"}); !errors.Is(err, ErrBudgetExhausted) || read || exhausted.charged {
		t.Fatalf("an account that cannot afford it: %v (rows read: %v)", err, read)
	}
	acct := &fakeAccount{}
	rep, _, err := Run(opts, watched(), testHeader, Budget{Account: acct, Resource: "r", Recipient: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if !acct.afforded || !acct.charged || acct.results != len(rep.Results) || len(rep.Results) != 2 || rep.Budget == nil || rep.Budget.Ledger != "elsewhere" {
		t.Errorf("charged %v with %d results; report %d results, budget %+v", acct.charged, acct.results, len(rep.Results), rep.Budget)
	}
	failing := &fakeAccount{chargeErr: errors.New("log unreachable")}
	if rep, _, err := Run(opts, watched(), testHeader, Budget{Account: failing, Resource: "r", Recipient: "x"}); err == nil || rep.Results != nil {
		t.Errorf("a record that failed: %v, %d results released", err, len(rep.Results))
	}
	led, _ := newLedger(t, 1, 1e-5)
	if _, _, err := Run(opts, watched(), testHeader, Budget{Account: acct, Ledger: led, Resource: "r", Recipient: "x"}); err == nil {
		t.Error("a ledger and an account at once")
	}
	if _, _, err := Run(opts, watched(), testHeader, Budget{Account: acct}); err == nil {
		t.Error("an account without resource and recipient")
	}
}

// TestLedgerRebuild: a ledger kept as a cache is rewritten from its
// keeper's totals whatever was done to the file — emptied, deleted, lines
// deleted, a spend moved to another recipient — and LedgerCache never
// reads the file.
func TestLedgerRebuild(t *testing.T) {
	path := filepath.Join(t.TempDir(), "L.json")
	spends := []Spend{{Resource: "population-register", Recipient: "statistics-bureau", Epsilon: 0.6, Delta: 1e-6},
		{Resource: "population-register", Recipient: "public", Epsilon: 0.2, Delta: 0}}
	for _, damage := range []func(){
		func() {},
		func() { os.WriteFile(path, nil, 0o600) },
		func() { os.Remove(path) },
		func() {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.SplitN(string(b), "\n", 2)[0]+"\n"), 0o600)
		},
		func() {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "statistics-bureau", "tax-bureau")), 0o600)
		},
		func() { os.WriteFile(path, []byte("not a ledger\n"), 0o600) },
	} {
		damage()
		l, err := LedgerCache(path, 1, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Rebuild(spends); err != nil {
			t.Fatal(err)
		}
		back, err := OpenLedger(path, 1, 1e-5)
		if err != nil {
			t.Fatal(err)
		}
		if e, d, err := back.Spent("population-register", "statistics-bureau"); err != nil || e != 0.6 || d != 1e-6 {
			t.Errorf("rebuilt: %g, %g, %v", e, d, err)
		}
		if e, _, _ := back.Spent("population-register", "tax-bureau"); e != 0 {
			t.Errorf("a moved spend survived the rebuild: %g", e)
		}
	}
	// A δ total of 1 or more (unbudgeted releases add up) still fits.
	l, _ := LedgerCache(path, 1, 1e-5)
	if err := l.Rebuild([]Spend{{Resource: "r", Recipient: "x", Epsilon: 30, Delta: 1.5}}); err != nil {
		t.Fatal(err)
	}
	back, err := OpenLedger(path, 1, 1e-5)
	if err != nil {
		t.Fatal(err)
	}
	if e, d, _ := back.Spent("r", "x"); e < 30-1e-9 || e > 30+1e-9 || d < 1.5-1e-9 || d > 1.5+1e-9 {
		t.Errorf("large totals: %g, %g", e, d)
	}
}
