package dp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// ErrBudgetExhausted: the spend would take a (resource, recipient) pair past
// its budget. Nothing was recorded and nothing may be released.
var ErrBudgetExhausted = errors.New("govshare/dp: privacy budget exhausted")

// ErrCorruptLedger wraps every error about a ledger file that does not parse.
// The ledger is never reset: fix or restore the file by hand.
var ErrCorruptLedger = errors.New("govshare/dp: corrupt ledger")

// LedgerFormat is the format tag on a ledger file's first line.
const LedgerFormat = "govshare-dp-ledger/v1"

// budgetSlack absorbs floating-point rounding when spends add up to exactly
// the budget (ten spends of 0.1 sum to 0.9999999999999999 or 1.0000000000000002).
const budgetSlack = 1e-9

// Ledger records privacy spends per (resource, recipient) in a JSON Lines
// file and refuses a spend that would exceed the budget.
//
// File: the first line is a header {"format", "budget_epsilon",
// "budget_delta", "created"}; each further line is one spend {"resource",
// "recipient", "epsilon", "delta", "time"}. Lines are only ever appended and
// each append is fsynced before Spend returns.
//
// Concurrency: a mutex serializes goroutines; an exclusive lock on the
// sibling file path+".lock" (flock on Unix, LockFileEx on Windows) is held
// across read, check and append, so several processes sharing the file never
// overspend together. Every Spend re-reads the file, since another process
// may have appended.
type Ledger struct {
	mu          sync.Mutex
	path        string
	lock        *flock.Flock
	budgetEps   float64
	budgetDelta float64
}

type ledgerHeader struct {
	Format        string   `json:"format"`
	BudgetEpsilon *float64 `json:"budget_epsilon"`
	BudgetDelta   *float64 `json:"budget_delta"`
	Created       string   `json:"created"`
}

type ledgerEntry struct {
	Resource  string   `json:"resource"`
	Recipient string   `json:"recipient"`
	Epsilon   *float64 `json:"epsilon"`
	Delta     *float64 `json:"delta"`
	Time      string   `json:"time"`
}

type pair struct{ resource, recipient string }

type totals struct{ eps, delta float64 }

// ledgerState is a parsed ledger file.
type ledgerState struct {
	budgetEps, budgetDelta float64
	spent                  map[pair]totals
}

// OpenLedger opens the ledger at path, creating it with the given budget if
// it does not exist (or is empty). The budget applies to each (resource,
// recipient) pair: budgetEpsilon > 0, budgetDelta in [0, 1). An existing
// ledger keeps the budget it was created with; opening it with a smaller
// budget enforces the smaller one, a larger budget is refused (it would
// silently re-grant spent privacy).
func OpenLedger(path string, budgetEpsilon, budgetDelta float64) (*Ledger, error) {
	if !finite(budgetEpsilon) || budgetEpsilon <= 0 {
		return nil, errors.New("govshare/dp: ledger budget epsilon must be finite and > 0")
	}
	if !finite(budgetDelta) || budgetDelta < 0 || budgetDelta >= 1 {
		return nil, errors.New("govshare/dp: ledger budget delta must be in [0, 1)")
	}
	l := &Ledger{
		path: path, lock: flock.New(path + ".lock"),
		budgetEps: budgetEpsilon, budgetDelta: budgetDelta,
	}
	err := l.locked(true, func(f *os.File, st *ledgerState) error {
		if st == nil {
			return l.writeHeader(f)
		}
		if budgetEpsilon > st.budgetEps || budgetDelta > st.budgetDelta {
			return fmt.Errorf("govshare/dp: ledger budget is ε=%g, δ=%g; a larger budget needs a new ledger",
				st.budgetEps, st.budgetDelta)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// LedgerCache returns a ledger at path that is a cache of a budget of
// record kept elsewhere (govshare's share-record log): it is not read or
// checked here — it may be missing, empty or edited — and Rebuild rewrites
// it, with the given budget in its header. Charge such a ledger only
// through its keeper.
func LedgerCache(path string, budgetEpsilon, budgetDelta float64) (*Ledger, error) {
	if !finite(budgetEpsilon) || budgetEpsilon <= 0 {
		return nil, errors.New("govshare/dp: ledger budget epsilon must be finite and > 0")
	}
	if !finite(budgetDelta) || budgetDelta < 0 || budgetDelta >= 1 {
		return nil, errors.New("govshare/dp: ledger budget delta must be in [0, 1)")
	}
	return &Ledger{path: path, lock: flock.New(path + ".lock"), budgetEps: budgetEpsilon, budgetDelta: budgetDelta}, nil
}

// Budget is the per-(resource, recipient) budget this ledger enforces.
func (l *Ledger) Budget() (epsilon, delta float64) { return l.budgetEps, l.budgetDelta }

// Path is the ledger file.
func (l *Ledger) Path() string { return l.path }

// Spend atomically checks that (resource, recipient) can afford (epsilon,
// delta) and records it. It returns an error wrapping [ErrBudgetExhausted]
// when the totals would exceed the budget, and records nothing then. [Run]
// charges its releases itself, in one step with the release; Spend is for
// a spend made some other way.
func (l *Ledger) Spend(resource, recipient string, epsilon, delta float64) error {
	_, err := l.charge(resource, recipient, epsilon, delta, nil)
	return err
}

func checkSpend(resource, recipient string, epsilon, delta float64) error {
	if resource == "" || recipient == "" {
		return errors.New("govshare/dp: spend needs a resource and a recipient")
	}
	if !finite(epsilon) || epsilon <= 0 {
		return errors.New("govshare/dp: spend epsilon must be finite and > 0")
	}
	if !finite(delta) || delta < 0 || delta >= 1 {
		return errors.New("govshare/dp: spend delta must be in [0, 1)")
	}
	return nil
}

// exhausted is the refusal of a spend the account cannot afford.
func (l *Ledger) exhausted(resource, recipient string, t totals, epsilon, delta float64) error {
	be, bd := l.budgetEps, l.budgetDelta
	if t.eps+epsilon > be*(1+budgetSlack) || t.delta+delta > bd*(1+budgetSlack) {
		return fmt.Errorf("%w: (%s, %s) has spent ε=%g of %g and δ=%g of %g; this release needs ε=%g, δ=%g",
			ErrBudgetExhausted, resource, recipient, t.eps, be, t.delta, bd, epsilon, delta)
	}
	return nil
}

// afford is a read-only check that (resource, recipient) could afford the
// spend now: [Run] makes it before reading any data, so an exhausted account
// is refused at once. The binding check is charge's.
func (l *Ledger) afford(resource, recipient string, epsilon, delta float64) error {
	if err := checkSpend(resource, recipient, epsilon, delta); err != nil {
		return err
	}
	return l.locked(false, func(_ *os.File, st *ledgerState) error {
		if st == nil {
			return fmt.Errorf("%w: ledger file is missing or empty", ErrCorruptLedger)
		}
		return l.exhausted(resource, recipient, st.spent[pair{resource, recipient}], epsilon, delta)
	})
}

// charge is the budget check and the spend in one step with the release:
// under the lock it checks that (resource, recipient) can afford (epsilon,
// delta), runs release (when not nil), and only if release succeeded
// appends and fsyncs the spend. A refused or failed release records
// nothing; when the record cannot be written charge fails and the caller
// must drop release's results. It returns the account after the spend.
func (l *Ledger) charge(resource, recipient string, epsilon, delta float64, release func() error) (BudgetStatus, error) {
	st := BudgetStatus{Ledger: l.path, BudgetEpsilon: l.budgetEps, BudgetDelta: l.budgetDelta}
	if err := checkSpend(resource, recipient, epsilon, delta); err != nil {
		return st, err
	}
	err := l.locked(false, func(f *os.File, ls *ledgerState) error {
		if ls == nil {
			// Deleted or truncated since OpenLedger: never reset silently.
			return fmt.Errorf("%w: ledger file is missing or empty", ErrCorruptLedger)
		}
		t := ls.spent[pair{resource, recipient}]
		if err := l.exhausted(resource, recipient, t, epsilon, delta); err != nil {
			return err
		}
		if release != nil {
			if err := release(); err != nil {
				return err
			}
		}
		e, d := epsilon, delta
		line, err := json.Marshal(ledgerEntry{
			Resource: resource, Recipient: recipient, Epsilon: &e, Delta: &d,
			Time: time.Now().UTC().Format(time.RFC3339Nano),
		})
		if err != nil {
			return fmt.Errorf("govshare/dp: encoding ledger entry: %w", err)
		}
		if err := appendSync(f, line); err != nil {
			return err
		}
		st.SpentEpsilon, st.SpentDelta = t.eps+epsilon, t.delta+delta
		return nil
	})
	return st, err
}

// Spend is one line of a ledger: a spend of (Epsilon, Delta) by the
// releases of Resource to Recipient.
type Spend struct {
	Resource, Recipient string
	Epsilon, Delta      float64
}

// Rebuild replaces the ledger's spends with spends, keeping its budget: a
// ledger kept as a cache of a budget of record held elsewhere (govshare's
// share-record log) is rebuilt from it after each release, whatever was
// done to the file meanwhile — emptied, deleted or edited. The file is
// replaced atomically under the lock. A spend of ε = 0 is left out.
func (l *Ledger) Rebuild(spends []Spend) error {
	var b bytes.Buffer
	be, bd := l.budgetEps, l.budgetDelta
	now := time.Now().UTC()
	line, err := json.Marshal(ledgerHeader{Format: LedgerFormat, BudgetEpsilon: &be, BudgetDelta: &bd, Created: now.Format(time.RFC3339)})
	if err != nil {
		return fmt.Errorf("govshare/dp: encoding ledger header: %w", err)
	}
	b.Write(append(line, '\n'))
	for _, sp := range spends {
		if sp.Epsilon == 0 {
			continue
		}
		// A line's δ is below 1: a total of 1 or more (unbudgeted
		// releases add up) takes several lines.
		parts := 1
		if finite(sp.Delta) && sp.Delta >= 0.5 {
			parts = int(math.Ceil(sp.Delta/0.5)) + 1
		}
		for range parts {
			e, d := sp.Epsilon/float64(parts), sp.Delta/float64(parts)
			if err := checkSpend(sp.Resource, sp.Recipient, e, d); err != nil {
				return err
			}
			line, err := json.Marshal(ledgerEntry{Resource: sp.Resource, Recipient: sp.Recipient, Epsilon: &e, Delta: &d, Time: now.Format(time.RFC3339Nano)})
			if err != nil {
				return fmt.Errorf("govshare/dp: encoding ledger entry: %w", err)
			}
			b.Write(append(line, '\n'))
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.lock.Lock(); err != nil {
		return fmt.Errorf("govshare/dp: locking ledger: %w", err)
	}
	defer l.lock.Unlock()
	dir := filepath.Dir(l.path)
	f, err := os.CreateTemp(dir, ".ledger-*")
	if err != nil {
		return fmt.Errorf("govshare/dp: rebuilding ledger: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("govshare/dp: rebuilding ledger: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("govshare/dp: rebuilding ledger: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("govshare/dp: rebuilding ledger: %w", err)
	}
	if err := os.Rename(f.Name(), l.path); err != nil {
		return fmt.Errorf("govshare/dp: rebuilding ledger: %w", err)
	}
	return syncDir(dir)
}

// Spent returns the totals recorded for (resource, recipient), read from the
// file under the lock so that other processes' spends are included.
func (l *Ledger) Spent(resource, recipient string) (epsilon, delta float64, err error) {
	err = l.locked(false, func(_ *os.File, st *ledgerState) error {
		if st == nil {
			return fmt.Errorf("%w: ledger file is missing or empty", ErrCorruptLedger)
		}
		t := st.spent[pair{resource, recipient}]
		epsilon, delta = t.eps, t.delta
		return nil
	})
	return epsilon, delta, err
}

// locked runs fn with the mutex and the file lock held and the ledger
// parsed; st is nil for an empty file. Only OpenLedger creates the file:
// a ledger that disappears later is an error, not a fresh budget.
func (l *Ledger) locked(create bool, fn func(f *os.File, st *ledgerState) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.lock.Lock(); err != nil {
		return fmt.Errorf("govshare/dp: locking ledger: %w", err)
	}
	defer l.lock.Unlock()
	flag := os.O_RDWR | os.O_APPEND
	if create {
		flag |= os.O_CREATE
	}
	f, err := os.OpenFile(l.path, flag, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: ledger file is missing", ErrCorruptLedger)
	}
	if err != nil {
		return fmt.Errorf("govshare/dp: opening ledger: %w", err)
	}
	defer f.Close()
	st, err := parseLedger(f)
	if err != nil {
		return err
	}
	return fn(f, st)
}

func (l *Ledger) writeHeader(f *os.File) error {
	be, bd := l.budgetEps, l.budgetDelta
	line, err := json.Marshal(ledgerHeader{
		Format: LedgerFormat, BudgetEpsilon: &be, BudgetDelta: &bd,
		Created: time.Now().UTC().Format(time.RFC3339),
	})
	if err != nil {
		return fmt.Errorf("govshare/dp: encoding ledger header: %w", err)
	}
	if err := appendSync(f, line); err != nil {
		return err
	}
	return syncDir(filepath.Dir(l.path))
}

func appendSync(f *os.File, line []byte) error {
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("govshare/dp: writing ledger: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("govshare/dp: syncing ledger: %w", err)
	}
	return nil
}

// syncDir makes a new file's directory entry durable. Windows cannot fsync
// a directory; NTFS journals the entry itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("govshare/dp: syncing ledger directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("govshare/dp: syncing ledger directory: %w", err)
	}
	return nil
}

func corrupt(line int, format string, args ...any) error {
	return fmt.Errorf("%w: line %d: "+format, append([]any{ErrCorruptLedger, line}, args...)...)
}

// maxLedgerLine bounds one line; real lines are about 150 bytes.
const maxLedgerLine = 64 << 10

// parseLedger reads a whole ledger strictly: unknown fields, missing fields,
// out-of-range numbers, a torn last line or trailing garbage are errors.
// It returns nil for an empty input.
func parseLedger(r io.Reader) (*ledgerState, error) {
	br := bufio.NewReaderSize(r, maxLedgerLine)
	var st *ledgerState
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, corrupt(n, "line too long")
		}
		if err == io.EOF {
			if len(line) == 0 {
				return st, nil
			}
			return nil, corrupt(n, "incomplete line (torn write?)")
		}
		if err != nil {
			return nil, fmt.Errorf("govshare/dp: reading ledger: %w", err)
		}
		line = line[:len(line)-1]
		if n == 1 {
			if st, err = parseHeader(line); err != nil {
				return nil, corrupt(n, "%v", err)
			}
			continue
		}
		e, err := parseEntry(line)
		if err != nil {
			return nil, corrupt(n, "%v", err)
		}
		p := pair{e.Resource, e.Recipient}
		t := st.spent[p]
		t.eps += *e.Epsilon
		t.delta += *e.Delta
		st.spent[p] = t
	}
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return errors.New("not a valid JSON object of the expected shape")
	}
	if d.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func parseHeader(b []byte) (*ledgerState, error) {
	var h ledgerHeader
	if err := strictUnmarshal(b, &h); err != nil {
		return nil, err
	}
	if h.Format != LedgerFormat {
		return nil, fmt.Errorf("format is not %s", LedgerFormat)
	}
	if h.BudgetEpsilon == nil || !finite(*h.BudgetEpsilon) || *h.BudgetEpsilon <= 0 {
		return nil, errors.New("budget_epsilon missing or not > 0")
	}
	if h.BudgetDelta == nil || !finite(*h.BudgetDelta) || *h.BudgetDelta < 0 || *h.BudgetDelta >= 1 {
		return nil, errors.New("budget_delta missing or not in [0, 1)")
	}
	return &ledgerState{budgetEps: *h.BudgetEpsilon, budgetDelta: *h.BudgetDelta, spent: map[pair]totals{}}, nil
}

func parseEntry(b []byte) (*ledgerEntry, error) {
	var e ledgerEntry
	if err := strictUnmarshal(b, &e); err != nil {
		return nil, err
	}
	if e.Resource == "" || e.Recipient == "" {
		return nil, errors.New("resource or recipient missing")
	}
	if e.Epsilon == nil || !finite(*e.Epsilon) || *e.Epsilon <= 0 {
		return nil, errors.New("epsilon missing or not > 0")
	}
	if e.Delta == nil || !finite(*e.Delta) || *e.Delta < 0 || *e.Delta >= 1 {
		return nil, errors.New("delta missing or not in [0, 1)")
	}
	if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
		return nil, errors.New("time missing or not RFC 3339")
	}
	return &e, nil
}
