package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
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

func cmdStats(e *env, args []string) error {
	fs := newFlags(e, "stats")
	catalogFile := fs.String("catalog", "", "reviewed catalog YAML (required)")
	grants := fs.String("grants", "", "grants YAML")
	purpose := fs.String("purpose", "", "must be statistics")
	recipient := fs.String("recipient", "", "recipient department (the ledger account; required with --ledger)")
	epsilon := fs.Float64("epsilon", 0, "privacy loss ε of this release (required)")
	delta := fs.Float64("delta", 1e-5, "δ of this release")
	person := fs.String("person", "", "person-key column for contribution bounding, e.g. the resident ID (required)")
	groupBy := fs.String("group-by", "", "group column (groups with few people are not released)")
	count := fs.Bool("count", false, "count persons")
	sum := fs.String("sum", "", "column to sum")
	mean := fs.String("mean", "", "column to average")
	bounds := fs.String("bounds", "", "L,U clamp for --sum and --mean")
	ledger := fs.String("ledger", "", "privacy-budget ledger file; refuses releases beyond the budget")
	budget := fs.String("budget", "1,1e-5", "ε,δ budget per (resource, recipient) when the ledger is created")
	encoding := fs.String("encoding", "", "input encoding: utf-8 (default) or gb18030")
	from := fs.String("from", "", "seal the release: keyring directory holding the catalog provider's keys")
	to := fs.String("to", "", "seal the release to this recipient's public bundle, R.pub")
	out := fs.String("o", "", "seal the release into this envelope file (with --from and --to) instead of printing it")
	lf := logFlags(fs.FlagSet, "release")
	master := fs.String("master", "", "master key URI (default: the local master key in --from)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *catalogFile == "" || *person == "" || *epsilon <= 0 {
		return usageError{"stats needs --catalog, --epsilon, --person and one input file"}
	}
	if catalog.Purpose(*purpose) != catalog.PurposeStatistics {
		return usageError{"stats is for --purpose statistics only"}
	}
	seal := *from != "" || *to != "" || *out != ""
	if seal && (*from == "" || *to == "" || *out == "" || *out == "-") {
		return usageError{"sealing a release needs --from, --to and -o FILE together"}
	}
	if !seal && *lf.dir != "" {
		return usageError{"--log records a sealed release: give --from, --to and -o"}
	}
	spec := dp.Spec{Epsilon: *epsilon, Delta: *delta, Person: *person, GroupBy: *groupBy, Recipient: *recipient}
	kinds := 0
	if *count {
		spec.Kind, kinds = dp.KindCount, kinds+1
	}
	for kind, col := range map[dp.Kind]string{dp.KindSum: *sum, dp.KindMean: *mean} {
		if col != "" {
			spec.Kind, spec.Column, kinds = kind, col, kinds+1
		}
	}
	if kinds != 1 {
		return usageError{"give exactly one of --count, --sum COL, --mean COL"}
	}
	if spec.Column != "" {
		lo, hi, ok := strings.Cut(*bounds, ",")
		var err1, err2 error
		spec.Lower, err1 = strconv.ParseFloat(strings.TrimSpace(lo), 64)
		spec.Upper, err2 = strconv.ParseFloat(strings.TrimSpace(hi), 64)
		if !ok || err1 != nil || err2 != nil {
			return usageError{"--bounds takes L,U"}
		}
	}
	cat, err := catalog.Load(*catalogFile)
	if err != nil {
		return err
	}
	spec.Resource = cat.Resource
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeStatistics, Recipient: *recipient, Now: time.Now()}
	if req.Recipient == "" {
		req.Recipient = "public"
	}
	if *grants != "" {
		if req.Grants, err = policy.LoadGrants(*grants); err != nil {
			return err
		}
	}
	// The value and group columns must be releasable as statistics; the
	// person column only bounds contributions and never leaves.
	for _, col := range []string{spec.Column, spec.GroupBy} {
		if col == "" {
			continue
		}
		d, err := policy.Decide(req, col)
		if err != nil {
			return err
		}
		if d.Transform != catalog.TransformDP && d.Transform != catalog.TransformKeep {
			return fmt.Errorf("govshare: field %q may not be aggregated for this request: %s", col, d.Reason)
		}
	}
	// A sum or mean of identifiers (ID numbers, phones, cards) is no
	// statistic: it only hides digits of the values in a number.
	if f, ok := cat.Field(spec.Column); ok && f.Type != catalog.TypeNone && f.Type != "" {
		return fmt.Errorf("govshare: field %q holds %s values: only a count may be made of identifiers", spec.Column, f.Type)
	}
	pf, ok := cat.Field(*person)
	if !ok {
		return fmt.Errorf("govshare: person column %q is not in the catalog", *person)
	}
	spec.PersonType = pf.Type // one person written several ways is one person
	// Sealing: everything that can fail is checked before the release
	// spends any budget.
	var sopt govshare.ShareOptions
	var af *atomicFile
	if seal {
		if sopt.To, err = keys.LoadPublic(*to); err != nil {
			return err
		}
		if *recipient != "" && *recipient != sopt.To.Dept() {
			return usageError{fmt.Sprintf("--recipient %s but --to is %s's bundle", *recipient, sopt.To.Dept())}
		}
		*recipient = sopt.To.Dept()
		spec.Recipient = *recipient
		if sopt.Keys, err = loadKeyring(*from, cat.Provider, *master); err != nil {
			return err
		}
		sopt.Request = policy.Request{Catalog: cat, Purpose: catalog.PurposeStatistics, Recipient: *recipient, Now: time.Now()}
		if af, err = createAtomic(*out, true); err != nil {
			return err
		}
		defer af.Abort()
		sopt.Commit, sopt.Withdraw = af.Commit, af.Withdraw
		if sopt.Log, err = lf.open(e); err != nil {
			return err
		}
		if sopt.Log != nil {
			defer sopt.Log.Close()
		}
	}
	var led *dp.Ledger
	if *ledger != "" {
		if *recipient == "" {
			return usageError{"--ledger needs --recipient (the account charged)"}
		}
		be, bd, ok := strings.Cut(*budget, ",")
		e1, err1 := strconv.ParseFloat(be, 64)
		d1, err2 := strconv.ParseFloat(bd, 64)
		if !ok || err1 != nil || err2 != nil {
			return usageError{"--budget takes ε,δ"}
		}
		if led, err = dp.OpenLedger(*ledger, e1, d1); err != nil {
			return err
		}
	}
	if led == nil {
		fmt.Fprintln(e.stderr, "govshare: note: no --ledger: this release is charged to no privacy budget; repeated releases add up")
	}
	r, err := records.Open(pos[0], records.Options{Encoding: *encoding})
	if err != nil {
		return err
	}
	defer r.Close()
	rows := iter.Seq2[[]string, error](func(yield func([]string, error) bool) {
		for {
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			if !yield(row, err) || err != nil {
				return
			}
		}
	})
	rep, err := dp.Run(spec, rows, r.Header(), led)
	if err != nil {
		if !strings.Contains(err.Error(), pos[0]) { // dp names lines, not the file
			err = fmt.Errorf("govshare: %s: %w", pos[0], err)
		}
		return err
	}
	var report bytes.Buffer
	enc := json.NewEncoder(&report)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !seal {
		_, err := e.stdout.Write(report.Bytes())
		return err
	}
	fields := []string{*person}
	for _, c := range []string{spec.GroupBy, spec.Column} {
		if c != "" {
			fields = append(fields, c)
		}
	}
	res, err := govshare.ShareRelease(context.Background(), govshare.Release{
		Payload: report.Bytes(), ContentType: "application/json", Fields: fields, RecordCount: uint64(len(rep.Results)),
	}, af, sopt)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "sealed a %s release (%d groups released) to %s for statistics (suite %s, envelope %s)\n",
		rep.Kind, len(rep.Results), res.Header.Recipient, res.Header.Suite, res.Header.ID)
	return writeReceipt(e, res.Receipt, *out, *lf.dir)
}
