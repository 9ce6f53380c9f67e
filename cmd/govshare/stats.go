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
	lf                                  logOpts
	input                               string
}

// sealed reports whether the release is sealed to a recipient.
func (f *statsFlags) sealed() bool { return f.to != "" }

// logged reports whether the release is recorded on a log, its budget of
// record.
func (f *statsFlags) logged() bool { return *f.lf.dir != "" }

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
	if err := f.openBudget(opt); err != nil {
		return err
	}
	var s *statsSeal
	if f.sealed() || f.logged() {
		if s, err = f.prepare(e, cat, opt); err != nil {
			return err
		}
		defer s.close()
	}
	recipient := f.recipient
	if s != nil && s.to != nil {
		recipient = s.to.Dept()
	} else if recipient == "" {
		recipient = "public"
	}
	in, name, closeIn, err := openScanInput(e, f.input)
	if err != nil {
		return err
	}
	defer closeIn()
	src := govshare.Input{Reader: in, Name: name, JSONL: records.FormatOf(f.input) == records.FormatJSONL, Encoding: f.encoding}

	if !f.sealed() {
		res, err := govshare.Release(context.Background(), src, recipient, cat, q, opt)
		if res == nil {
			return err
		}
		noteExcluded(e, res, q)
		if res.Receipt != nil {
			fmt.Fprintf(e.stderr, "release record #%d in %s (the release is charged there)\n", res.Receipt.Index, *f.lf.dir)
		}
		if perr := printReport(e, res.Report); perr != nil {
			return perr
		}
		return err // a ledger cache not rebuilt
	}
	res, err := govshare.ShareRelease(context.Background(), s.env, src, s.from, s.to, cat, q, opt)
	if res == nil {
		return err
	}
	if err != nil { // released and on record; a ledger cache not rebuilt
		fmt.Fprintf(e.stderr, "warning: %v\n", err)
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
	fs.StringVar(&f.recipient, "recipient", "", "recipient department, the budget account (required with --ledger unless --to names it; default public)")
	fs.Float64Var(&f.epsilon, "epsilon", 0, fmt.Sprintf("privacy loss ε of this release (required, at most %d)", dp.MaxEpsilon))
	fs.Float64Var(&f.delta, "delta", dp.MaxDelta, fmt.Sprintf("δ of this release (at most %g, and at most 1/number of persons)", dp.MaxDelta))
	fs.StringVar(&f.person, "person", "", "person-key column for contribution bounding, e.g. the resident ID (required)")
	fs.StringVar(&f.groupBy, "group-by", "", "group column, a category: never an identifier, sensitive or free-text column (groups with few people are not released)")
	fs.BoolVar(&f.count, "count", false, "count persons")
	fs.StringVar(&f.sum, "sum", "", "column to sum")
	fs.StringVar(&f.mean, "mean", "", "column to average")
	fs.StringVar(&f.bounds, "bounds", "", "L,U clamp for --sum and --mean")
	fs.StringVar(&f.ledger, "ledger", "", "privacy-budget ledger file: without --log, the release is charged to it (one department's own budget, which deleting the file resets); with --log, a cache of the log's budgets")
	fs.StringVar(&f.budget, "budget", "1,1e-5", "ε,δ budget per (resource, recipient): stated on the log with the release (the account keeps the smallest ever stated), or the ledger's when it is created")
	fs.BoolVar(&f.unbudgeted, "unbudgeted", false, "release with no budget of record: repeated releases add up without limit (required without --ledger or --log)")
	fs.StringVar(&f.encoding, "encoding", "", "input encoding: utf-8 (default) or gb18030")
	fs.StringVar(&f.from, "from", "", "keyring directory holding the catalog provider's keys: to seal the release, and to sign its record on --log")
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
	seal := f.to != "" || f.out != ""
	logged := *f.lf.dir != ""
	if seal && (f.from == "" || f.to == "" || f.out == "" || f.out == "-") {
		return nil, usageError{"sealing a release needs --from, --to and -o FILE together"}
	}
	if !seal && f.from != "" && !logged {
		return nil, usageError{"--from seals a release (with --to and -o) or signs its record on --log"}
	}
	if logged && f.from == "" {
		return nil, usageError{"--log records the release signed by its provider: give --from (and --to, -o to seal it)"}
	}
	switch {
	case f.ledger != "" && f.unbudgeted:
		return nil, usageError{"--ledger charges the release to a budget: it cannot be --unbudgeted too"}
	case f.ledger == "" && !f.unbudgeted && !logged:
		return nil, usageError{"a release needs a budget of record: give --log (the share-record log) or --ledger F, or state --unbudgeted"}
	case (f.ledger != "" || logged) && !seal && f.recipient == "":
		return nil, usageError{"a budgeted release not sealed needs --recipient (the account charged; public if it is published)"}
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
	if *f.lf.dir != "" && !f.unbudgeted {
		b, err := f.parseBudget()
		if err != nil {
			return nil, nil, err
		}
		opt.Budget = &b
	}
	if f.grants != "" {
		if opt.Grants, err = policy.LoadGrants(f.grants); err != nil {
			return nil, nil, err
		}
	}
	return cat, opt, nil
}

// statsSeal is what sealing or logging a release needs: the provider's
// keys, the recipient, the envelope and receipt outputs, and the log (in
// opt).
type statsSeal struct {
	from         *keys.Keyring
	to           *keys.PublicBundle // nil for a release not sealed
	env, receipt *govshare.Output
	closers      []func()
}

func (s *statsSeal) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// prepare loads the keys, checks the recipient, opens the log and creates
// the outputs, before anything is read or charged.
func (f *statsFlags) prepare(e *env, cat *catalog.Catalog, opt *govshare.ReleaseOptions) (*statsSeal, error) {
	s := &statsSeal{}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	var err error
	bundles := []*keys.PublicBundle{}
	if f.sealed() {
		if s.to, err = loadPublic(f.to); err != nil {
			return nil, err
		}
		if f.recipient != "" && f.recipient != s.to.Dept() {
			return nil, usageError{fmt.Sprintf("--recipient %s but --to is %s's bundle", f.recipient, s.to.Dept())}
		}
		bundles = append(bundles, s.to)
	}
	if s.from, err = loadKeyring(f.from, cat.Provider, f.master); err != nil {
		return nil, err
	}
	opt.Provider = s.from
	if opt.Log, err = f.lf.open(e, append(bundles, s.from.Public())...); err != nil {
		return nil, err
	}
	if opt.Log != nil {
		s.closers = append(s.closers, func() { opt.Log.Close() })
	}
	if !f.sealed() {
		ok = true
		return s, nil
	}
	inUse := append([]string{f.input, f.catalog, f.grants, f.from, f.to, f.ledger}, f.lf.files()...)
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

// parseBudget reads --budget ε,δ.
func (f *statsFlags) parseBudget() (govshare.Budget, error) {
	be, bd, ok := strings.Cut(f.budget, ",")
	e1, err1 := strconv.ParseFloat(strings.TrimSpace(be), 64)
	d1, err2 := strconv.ParseFloat(strings.TrimSpace(bd), 64)
	if !ok || err1 != nil || err2 != nil {
		return govshare.Budget{}, usageError{"--budget takes ε,δ"}
	}
	return govshare.Budget{Epsilon: e1, Delta: d1}, nil
}

// openBudget opens the ledger, creating it with --budget: the budget of
// record without a log, a cache of the log's with one.
func (f *statsFlags) openBudget(opt *govshare.ReleaseOptions) error {
	if f.ledger == "" {
		return nil
	}
	b, err := f.parseBudget()
	if err != nil {
		return err
	}
	if f.logged() {
		// Never read: whatever the file holds, the log's budgets replace it.
		opt.Ledger, err = dp.LedgerCache(f.ledger, b.Epsilon, b.Delta)
		return err
	}
	opt.Ledger, err = dp.OpenLedger(f.ledger, b.Epsilon, b.Delta)
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
