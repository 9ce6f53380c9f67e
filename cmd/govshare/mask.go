package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// maskFlags are shared by mask and unmask.
type maskFlags struct {
	catalog, grants, purpose, recipient, keys, master, encoding, out, rejects string
	explain                                                                   bool
}

func cmdMask(e *env, args []string) error   { return runMask(e, "mask", args) }
func cmdUnmask(e *env, args []string) error { return runMask(e, "unmask", args) }

func runMask(e *env, name string, args []string) error {
	fs := newFlags(e, name)
	var f maskFlags
	fs.StringVar(&f.catalog, "catalog", "", "reviewed catalog YAML (required)")
	fs.StringVar(&f.grants, "grants", "", "grants YAML for conditional fields")
	fs.StringVar(&f.purpose, "purpose", "", "declared purpose: administrative_basis, data_verification, work_reference or statistics")
	fs.StringVar(&f.recipient, "recipient", "", "recipient department id (required)")
	fs.StringVar(&f.keys, "keys", "", "keyring directory holding the catalog provider's keys")
	fs.StringVar(&f.master, "master", "", "master key URI (default: the local master key in --keys)")
	fs.StringVar(&f.encoding, "encoding", "", "input encoding: utf-8 (default) or gb18030")
	fs.StringVar(&f.out, "o", "", "output file (default: standard output)")
	fs.StringVar(&f.rejects, "rejects", "", "write rows that cannot be processed here (file, line, field, reason) and go on; default: fail on the first")
	fs.BoolVar(&f.explain, "explain", false, "print the decision for every field to standard error")
	var bound string
	if name == "unmask" {
		fs.StringVar(&bound, "fpe-bound", "", "the birth-date bound (YYYY-MM-DD) that mask reported for resident-ID fpe columns")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{name + " takes one input file"}
	}
	if f.catalog == "" || f.recipient == "" {
		return usageError{name + " needs --catalog and --recipient"}
	}
	if name == "mask" && f.purpose == "" {
		return usageError{"mask needs --purpose"}
	}
	cat, err := catalog.Load(f.catalog)
	if err != nil {
		return err
	}
	req := policy.Request{Catalog: cat, Purpose: catalog.Purpose(f.purpose), Recipient: f.recipient, Now: time.Now()}
	if name == "unmask" && f.purpose == "" {
		p, err := unmaskPurpose(cat)
		if err != nil {
			return err
		}
		req.Purpose = p
	}
	if f.grants != "" {
		if req.Grants, err = policy.LoadGrants(f.grants); err != nil {
			return err
		}
	}
	opt := govshare.Options{Request: req}
	if bound != "" {
		if opt.FPEMaxBirthDate, err = time.Parse(time.DateOnly, bound); err != nil {
			return usageError{"--fpe-bound is a date, YYYY-MM-DD"}
		}
	}
	if f.keys != "" {
		if opt.Keys, err = loadKeyring(f.keys, cat.Provider, f.master); err != nil {
			return err
		}
	}
	in, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	var src io.Reader = in
	var bar *progressbar.ProgressBar
	if st, err := in.Stat(); err == nil && st.Size() > 32<<20 && isTerminal(e.stderr) {
		bar = progressbar.DefaultBytes(st.Size(), name)
		src = io.TeeReader(in, bar)
	}
	if f.rejects != "" {
		rf, err := os.Create(f.rejects)
		if err != nil {
			return err
		}
		defer rf.Close()
		opt.Rejects = rf
	}
	input := govshare.Input{Reader: src, Name: pos[0], JSONL: records.FormatOf(pos[0]) == records.FormatJSONL, Encoding: f.encoding}
	run := govshare.Mask
	if name == "unmask" {
		run = govshare.Unmask
	}
	var rep govshare.Report
	write := func(out io.Writer) error {
		var err error
		rep, err = run(context.Background(), input, out, opt)
		return err
	}
	if f.out == "" || f.out == "-" {
		err = write(e.stdout)
	} else {
		var af *atomicFile
		if af, err = createAtomic(f.out, false); err != nil {
			return err
		}
		defer af.Abort()
		if err = write(af); err == nil {
			err = af.Commit() // a partial output is not an output
		}
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	if f.explain {
		explain(e.stderr, rep)
	}
	if err != nil {
		return err
	}
	var dropped []string
	for _, d := range rep.Dropped {
		dropped = append(dropped, d.Field)
	}
	msg := fmt.Sprintf("%s: %d rows written", filepath.Base(pos[0]), rep.Rows)
	if len(dropped) > 0 {
		msg += "; not shared: " + strings.Join(dropped, ", ")
	}
	if rep.Rejected > 0 {
		msg += fmt.Sprintf("; %d rows rejected to %s", rep.Rejected, f.rejects)
	}
	for _, c := range rep.Columns {
		if c.FPEMaxBirthDate != "" && name == "mask" {
			// unmask needs it: keep it with the output
			msg += fmt.Sprintf("; %s encrypted with birth-date bound %s (unmask --fpe-bound %s)", c.Name, c.FPEMaxBirthDate, c.FPEMaxBirthDate)
		}
	}
	for _, field := range slices.Sorted(maps.Keys(rep.NotCoarsened)) {
		msg += fmt.Sprintf("; %s: %d values redacted (no known region to coarsen to)", field, rep.NotCoarsened[field])
	}
	fmt.Fprintln(e.stderr, msg)
	return nil
}

// unmaskPurpose picks the purpose whose decisions unmask must reproduce
// when none is given: data_verification, the purpose tokens are for. A
// catalog that uses fpe elsewhere needs --purpose, or fpe fields of another
// purpose would be "decrypted" into garbage.
func unmaskPurpose(cat *catalog.Catalog) (catalog.Purpose, error) {
	for _, f := range cat.Fields {
		for p, t := range f.Transform {
			if t == catalog.TransformFPE && p != catalog.PurposeDataVerification {
				return "", errors.New("govshare: this catalog uses fpe for " + string(p) + ": give --purpose so unmask knows which fields were encrypted")
			}
		}
	}
	return catalog.PurposeDataVerification, nil
}

func explain(w io.Writer, rep govshare.Report) {
	rows := [][]string{{"FIELD", "TRANSFORM", "REASON"}}
	for _, c := range rep.Columns {
		rows = append(rows, []string{c.Name, string(c.Transform), c.Reason})
	}
	for _, d := range rep.Dropped {
		rows = append(rows, []string{d.Field, string(d.Transform), d.Reason})
	}
	_ = writeTable(w, rows)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
