package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// Mode sizes a run.
type Mode string

// Modes: Tiny is for the harness's own test (seconds, no subprocess);
// Quick stays under two minutes on the 2-core machine; Full is the size of
// the docs' figures.
const (
	Tiny  Mode = "tiny"
	Quick Mode = "quick"
	Full  Mode = "full"
)

// Options configure Run.
type Options struct {
	Mode Mode
	// Out is the directory the tables (results.md, results.json) and the
	// figures (*.svg) go to.
	Out string
	// Root is the repository root (its go.work, testdata/ and bench/);
	// empty: found from the working directory.
	Root string
	// Only, when set, runs only the comparisons and curves with these ids.
	Only []string
	// Log receives progress lines; nil: none.
	Log io.Writer
}

// step is one comparison or curve of the run.
type step struct {
	id  string
	run func(*runner) error
}

// steps are run in this order: the in-process ones first, then those that
// build and run another binary (go test -bench, go run ./redact).
var steps = []step{
	{"detect", (*runner).detect},
	{"ff1", (*runner).ff1},
	{"risk-pass", (*runner).riskPass},
	{"pipeline", (*runner).pipeline},
	{"risk-gate", (*runner).riskGate},
	{"dp-utility", (*runner).dpUtility},
	{"risk-levels", (*runner).riskLevels},
	{"gb18030", (*runner).gb18030},
	{"envelope", (*runner).envelope},
	{"redact", (*runner).redact},
}

// IDs lists the step ids, in run order.
func IDs() []string {
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.id
	}
	return ids
}

type runner struct {
	opt  Options
	root string
	rep  *Report
}

// size picks a figure by mode.
func (r *runner) size(tiny, quick, full int) int {
	switch r.opt.Mode {
	case Tiny:
		return tiny
	case Full:
		return full
	}
	return quick
}

func (r *runner) logf(format string, args ...any) {
	if r.opt.Log != nil {
		fmt.Fprintf(r.opt.Log, format+"\n", args...)
	}
}

// Run runs the comparisons and writes the report and figures to opt.Out.
func Run(opt Options) (*Report, error) {
	if opt.Mode == "" {
		opt.Mode = Quick
	}
	if opt.Mode != Tiny && opt.Mode != Quick && opt.Mode != Full {
		return nil, fmt.Errorf("harness: unknown mode %q", opt.Mode)
	}
	for _, id := range opt.Only {
		if !slices.Contains(IDs(), id) {
			return nil, fmt.Errorf("harness: no comparison %q (have %v)", id, IDs())
		}
	}
	root := opt.Root
	if root == "" {
		var err error
		if root, err = findRoot(); err != nil {
			return nil, err
		}
	}
	if opt.Out == "" {
		opt.Out = filepath.Join(root, "bench", "results")
	}
	r := &runner{opt: opt, root: root, rep: &Report{
		Started: time.Now(), Mode: string(opt.Mode), GoVersion: runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(),
	}}
	for _, s := range steps {
		if len(opt.Only) > 0 && !slices.Contains(opt.Only, s.id) {
			continue
		}
		start := time.Now()
		r.logf("%s …", s.id)
		if err := s.run(r); err != nil {
			return nil, fmt.Errorf("harness: %s: %w", s.id, err)
		}
		r.logf("%s done in %.1f s", s.id, time.Since(start).Seconds())
	}
	r.rep.Seconds = time.Since(r.rep.Started).Seconds()
	for i := range r.rep.Comparisons {
		r.rep.Comparisons[i].fill()
	}
	figs, err := drawFigures(r.rep, opt.Out)
	if err != nil {
		return nil, err
	}
	r.rep.Figures = figs
	if err := r.rep.write(opt.Out); err != nil {
		return nil, err
	}
	return r.rep, nil
}

// Replot redraws the figures of a results.json written by Run into dir
// and rewrites its results.md there, without measuring anything.
func Replot(results, dir string) (*Report, error) {
	b, err := os.ReadFile(results)
	if err != nil {
		return nil, err
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return nil, fmt.Errorf("harness: %s: %w", results, err)
	}
	if rep.Figures, err = drawFigures(&rep, dir); err != nil {
		return nil, err
	}
	return &rep, rep.write(dir)
}

// findRoot walks up from the working directory to the repository root:
// the directory holding go.work and bench/go.mod.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.work")) && isFile(filepath.Join(dir, "bench", "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("harness: run from inside the govshare repository (no go.work with bench/go.mod above the working directory); or give -root")
		}
		dir = parent
	}
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// best returns the shortest of n timed runs of f: a moment of load from
// another process does not decide the figure.
func best(n int, f func() error) (time.Duration, error) {
	var m time.Duration
	for i := range max(n, 1) {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		if d := time.Since(start); i == 0 || d < m {
			m = d
		}
	}
	return m, nil
}

// perOp times op until at least target has passed (doubling the count
// from 1) and returns the time per call of the last round.
func perOp(target time.Duration, op func() error) (time.Duration, error) {
	for n := 1; ; n *= 2 {
		start := time.Now()
		for range n {
			if err := op(); err != nil {
				return 0, err
			}
		}
		if d := time.Since(start); d >= target || n >= 1<<30 {
			return d / time.Duration(n), nil
		}
	}
}

// interleaved times each of fs in turn, rounds times, and returns each
// one's best: alternating lets the machine's load weigh on all alike.
func interleaved(rounds int, fs ...func() error) ([]time.Duration, error) {
	out := make([]time.Duration, len(fs))
	for i := range max(rounds, 1) {
		for j, f := range fs {
			start := time.Now()
			if err := f(); err != nil {
				return nil, err
			}
			if d := time.Since(start); i == 0 || d < out[j] {
				out[j] = d
			}
		}
	}
	return out, nil
}
