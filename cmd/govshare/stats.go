package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
)

// statsFlags are the flags of one stats run, parsed.
type statsFlags struct {
	catalog, grants, purpose, recipient string
	epsilon, delta                      float64
	person, groupBy                     string
	count                               bool
	sum, mean, bounds                   string
	ledger, budget                      string
	unbudgeted                          bool
	encoding                            string
	from, to, out, master               string
	lf                                  logFlag
	input                               string
}

// sealed reports whether the release is sealed to a recipient.
func (f *statsFlags) sealed() bool { return f.to != "" }

// cmdStats is govshare stats: parse, build the query, load the policy,
// prepare the sealing and the budget, then let the library gate, compute,
// charge, seal and log the release.
func cmdStats(e *env, args []string) error {
	f, err := parseStatsFlags(e, args)
	if err != nil {
		return err
	}
	q, err := f.query()
	if err != nil {
		return err
	}
	cat, opt, err := f.policy()
	if err != nil {
		return err
	}
	var s *statsSeal
	if f.sealed() {
		if s, err = f.prepareSeal(e, cat, opt); err != nil {
			return err
		}
		defer s.close()
	}
	recipient := f.recipient
	if s != nil {
		recipient = s.to.Dept()
	} else if recipient == "" {
		recipient = "public"
	}
	if err := f.openBudget(opt); err != nil {
		return err
	}
	in, name, closeIn, err := openScanInput(e, f.input)
	if err != nil {
		return err
	}
	defer closeIn()
	src := govshare.Input{Reader: in, Name: name, JSONL: records.FormatOf(f.input) == records.FormatJSONL, Encoding: f.encoding}

	if s == nil {
		res, err := govshare.Release(context.Background(), src, recipient, cat, q, opt)
		if err != nil {
			return err
		}
		noteExcluded(e, res, q)
		return printReport(e, res.Report)
	}
	res, err := govshare.ShareRelease(context.Background(), s.env, src, s.from, s.to, cat, q, opt)
	if err != nil {
		return err
	}
	noteExcluded(e, res, q)
	fmt.Fprintf(e.stderr, "sealed a %s release (%d groups released) to %s for statistics (suite %s, envelope %s)\n",
		res.Report.Kind, len(res.Report.Results), res.Header.Recipient, res.Header.Suite, res.Header.ID)
	return writeReceipt(e, res.Receipt, s.receipt, *f.lf.dir)
}

// parseStatsFlags parses and checks the flags that go together.
func parseStatsFlags(e *env, args []string) (*statsFlags, error) {
	f := &statsFlags{}
	fs := newFlags(e, "stats")
	fs.StringVar(&f.catalog, "catalog", "", "reviewed catalog YAML (required)")
	fs.StringVar(&f.grants, "grants", "", "grants YAML: a trade_secret or conditional field feeds statistics only under a grant naming it")
	fs.StringVar(&f.purpose, "purpose", "", "must be statistics")
	fs.StringVar(&f.recipient, "recipient", "", "recipient department, the ledger account (required with --ledger unless --to names it; default public)")
	fs.Float64Var(&f.epsilon, "epsilon", 0, fmt.Sprintf("privacy loss ε of this release (required, at most %d)", dp.MaxEpsilon))
	fs.Float64Var(&f.delta, "delta", dp.MaxDelta, fmt.Sprintf("δ of this release (at most %g, and at most 1/number of persons)", dp.MaxDelta))
	fs.StringVar(&f.person, "person", "", "person-key column for contribution bounding, e.g. the resident ID (required)")
	fs.StringVar(&f.groupBy, "group-by", "", "group column, a category: never an identifier, sensitive or free-text column (groups with few people are not released)")
	fs.BoolVar(&f.count, "count", false, "count persons")
	fs.StringVar(&f.sum, "sum", "", "column to sum")
	fs.StringVar(&f.mean, "mean", "", "column to average")
	fs.StringVar(&f.bounds, "bounds", "", "L,U clamp for --sum and --mean")
	fs.StringVar(&f.ledger, "ledger", "", "privacy-budget ledger file: the release is charged to it and refused beyond the budget")
	fs.StringVar(&f.budget, "budget", "1,1e-5", "ε,δ budget per (resource, recipient) when the ledger is created")
	fs.BoolVar(&f.unbudgeted, "unbudgeted", false, "release with no budget of record: repeated releases add up without limit (required without --ledger)")
	fs.StringVar(&f.encoding, "encoding", "", "input encoding: utf-8 (default) or gb18030")
	fs.StringVar(&f.from, "from", "", "seal the release: keyring directory holding the catalog provider's keys")
	fs.StringVar(&f.to, "to", "", "seal the release to this recipient's public bundle, R.pub")
	fs.StringVar(&f.out, "o", "", "seal the release into this envelope file (with --from and --to) instead of printing it")
	f.lf = logFlags(fs.FlagSet, "release")
	fs.StringVar(&f.master, "master", "", "master key URI (default: the local master key in --from)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 || f.catalog == "" || f.person == "" || f.epsilon <= 0 {
		return nil, usageError{"stats needs --catalog, --epsilon, --person and one input file"}
	}
	f.input = pos[0]
	if catalog.Purpose(f.purpose) != catalog.PurposeStatistics {
		return nil, usageError{"stats is for --purpose statistics only"}
	}
	seal := f.from != "" || f.to != "" || f.out != ""
	if seal && (f.from == "" || f.to == "" || f.out == "" || f.out == "-") {
		return nil, usageError{"sealing a release needs --from, --to and -o FILE together"}
	}
	if !seal && *f.lf.dir != "" {
		return nil, usageError{"--log records a sealed release: give --from, --to and -o"}
	}
	switch {
	case f.ledger != "" && f.unbudgeted:
		return nil, usageError{"--ledger charges the release to a budget: it cannot be --unbudgeted too"}
	case f.ledger == "" && !f.unbudgeted:
		return nil, usageError{"a release needs a budget of record: give --ledger F, or state --unbudgeted"}
	case f.ledger != "" && !seal && f.recipient == "":
		return nil, usageError{"--ledger needs --recipient (the account charged)"}
	}
	return f, nil
}

// query builds the release's options from the flags and validates them:
// everything that can be refused without the data is refused here, before
// any file is created.
func (f *statsFlags) query() (dp.Options, error) {
	q := dp.Options{Epsilon: f.epsilon, Delta: f.delta, Person: f.person, GroupBy: f.groupBy}
	kinds := 0
	if f.count {
		q.Kind, kinds = dp.KindCount, kinds+1
	}
	if f.sum != "" {
		q.Kind, q.Column, kinds = dp.KindSum, f.sum, kinds+1
	}
	if f.mean != "" {
		q.Kind, q.Column, kinds = dp.KindMean, f.mean, kinds+1
	}
	if kinds != 1 {
		return q, usageError{"give exactly one of --count, --sum COL, --mean COL"}
	}
	if q.Column != "" {
		lo, hi, ok := strings.Cut(f.bounds, ",")
		var err1, err2 error
		q.Lower, err1 = strconv.ParseFloat(strings.TrimSpace(lo), 64)
		q.Upper, err2 = strconv.ParseFloat(strings.TrimSpace(hi), 64)
		if !ok || err1 != nil || err2 != nil {
			return q, usageError{"--bounds takes L,U"}
		}
	} else if f.bounds != "" {
		return q, usageError{"--bounds applies to --sum and --mean"}
	}
	return q, q.Validate()
}

// policy loads the catalog and the grants and makes the release's options.
func (f *statsFlags) policy() (*catalog.Catalog, *govshare.ReleaseOptions, error) {
	cat, err := catalog.Load(f.catalog)
	if err != nil {
		return nil, nil, err
	}
	opt := &govshare.ReleaseOptions{Unbudgeted: f.unbudgeted, Now: time.Now()}
	if f.grants != "" {
		if opt.Grants, err = policy.LoadGrants(f.grants); err != nil {
			return nil, nil, err
		}
	}
	return cat, opt, nil
}

// statsSeal is what sealing a release needs: the parties, the envelope
// and receipt outputs, and the log (in opt).
type statsSeal struct {
	from         *keys.Keyring
	to           *keys.PublicBundle
	env, receipt *govshare.Output
	closers      []func()
}

func (s *statsSeal) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// prepareSeal loads the keys, checks the recipient, opens the log and
// creates the outputs, before anything is read or charged.
func (f *statsFlags) prepareSeal(e *env, cat *catalog.Catalog, opt *govshare.ReleaseOptions) (*statsSeal, error) {
	s := &statsSeal{}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	var err error
	if s.to, err = loadPublic(f.to); err != nil {
		return nil, err
	}
	if f.recipient != "" && f.recipient != s.to.Dept() {
		return nil, usageError{fmt.Sprintf("--recipient %s but --to is %s's bundle", f.recipient, s.to.Dept())}
	}
	if s.from, err = loadKeyring(f.from, cat.Provider, f.master); err != nil {
		return nil, err
	}
	if opt.Log, err = f.lf.open(e); err != nil {
		return nil, err
	}
	if opt.Log != nil {
		s.closers = append(s.closers, func() { opt.Log.Close() })
	}
	inUse := []string{f.input, f.catalog, f.grants, f.from, f.to, *f.lf.dir, *f.lf.key, f.ledger}
	if s.env, err = createOutput(f.out, false, "an envelope is never replaced", inUse); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { s.env.Abort() })
	if opt.Log != nil {
		if s.receipt, err = createOutput(f.out+".receipt.json", false, "", inUse); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { s.receipt.Abort() })
	}
	ok = true
	return s, nil
}

// openBudget opens the ledger, creating it with --budget.
func (f *statsFlags) openBudget(opt *govshare.ReleaseOptions) error {
	if f.ledger == "" {
		return nil
	}
	be, bd, ok := strings.Cut(f.budget, ",")
	e1, err1 := strconv.ParseFloat(be, 64)
	d1, err2 := strconv.ParseFloat(bd, 64)
	if !ok || err1 != nil || err2 != nil {
		return usageError{"--budget takes ε,δ"}
	}
	var err error
	opt.Ledger, err = dp.OpenLedger(f.ledger, e1, d1)
	return err
}

// noteExcluded tells the provider — never the recipient — how many rows
// were left out of the aggregate and why, and that an unbudgeted release
// was charged to nothing.
func noteExcluded(e *env, res *govshare.ReleaseResult, q dp.Options) {
	if res.Report.Unbudgeted {
		fmt.Fprintln(e.stderr, "govshare: note: --unbudgeted: this release is charged to no privacy budget; repeated releases add up")
	}
	if res.Excluded.BlankPerson > 0 {
		fmt.Fprintf(e.stderr, "govshare: note: %s (column %q); the release does not say how many\n", res.Excluded, q.Person)
	}
}

// printReport writes the report as stats prints it: indented JSON.
func printReport(e *env, rep dp.Report) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	_, err := e.stdout.Write(b.Bytes())
	return err
}
