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
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/parquetio"
	"github.com/govshare/govshare/policy"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// maskFlags are shared by mask and unmask.
type maskFlags struct {
	catalog, grants, purpose, recipient, keys, master, encoding, out, rejects string
	explain, force                                                            bool
	format, outFormat                                                         string
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
	fs.BoolVar(&f.force, "force", false, "replace the -o and --rejects files if they exist")
	fs.StringVar(&f.format, "format", "", "input format: "+formatUsage+" (default: by the file's extension, else csv)")
	fs.StringVar(&f.outFormat, "out-format", "", "output format: "+formatUsage+" (default: parquet for a .parquet -o, else the input's)")
	var bound string
	if name == "unmask" {
		fs.StringVar(&bound, "fpe-bound", "", "the birth-date bound (YYYY-MM-DD) that mask reported for resident-ID fpe columns")
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{name + " takes one input file (- for standard input)"}
	}
	if f.catalog == "" || f.recipient == "" {
		return usageError{name + " needs --catalog and --recipient"}
	}
	if name == "mask" && f.purpose == "" {
		return usageError{"mask needs --purpose"}
	}
	inFormat, outFormat, err := runFormats(f.format, f.outFormat, pos[0], f.out)
	if err != nil {
		return err
	}
	cat, err := catalog.Load(f.catalog)
	if err != nil {
		return err
	}
	opt := &govshare.Options{Now: time.Now()}
	if f.grants != "" {
		if opt.Grants, err = policy.LoadGrants(f.grants); err != nil {
			return err
		}
	}
	if bound != "" {
		if opt.FPEMaxBirthDate, err = time.Parse(time.DateOnly, bound); err != nil {
			return usageError{"--fpe-bound is a date, YYYY-MM-DD"}
		}
	}
	var kr *keys.Keyring
	if f.keys != "" {
		if kr, err = loadKeyring(f.keys, cat.Provider, f.master); err != nil {
			return err
		}
	}
	inUse := []string{pos[0], f.catalog, f.grants, f.keys}
	var dst io.Writer = e.stdout
	if f.out != "" && f.out != "-" {
		o, err := createOutput(f.out, f.force, "", inUse)
		if err != nil {
			return err
		}
		defer o.Abort() // a partial output is not an output: Apply commits a whole one
		dst = o
	}
	var rej *govshare.Output
	if f.rejects != "" {
		if rej, err = createOutput(f.rejects, f.force, "", append(inUse, f.out)); err != nil {
			return err
		}
		defer rej.Abort()
		opt.Rejects = rej
	}
	var input govshare.Input
	var pr *parquetio.Reader
	inName := pos[0]
	var bar *progressbar.ProgressBar
	if inFormat == "parquet" {
		if pr, err = parquetio.Open(pos[0]); err != nil {
			return err
		}
		defer pr.Close()
		// Parquet out: nulls kept apart from empty strings (parquetio.Reader.CSV).
		input = govshare.Input{Reader: pr.CSV(outFormat == "parquet"), Name: inName}
	} else {
		in, name, closeIn, err := openScanInput(e, pos[0])
		if err != nil {
			return err
		}
		defer closeIn()
		inName = name
		if file, ok := in.(*os.File); ok && isTerminal(e.stderr) {
			if st, err := file.Stat(); err == nil && st.Size() > 32<<20 {
				bar = progressbar.DefaultBytes(st.Size(), name)
				in = io.TeeReader(in, bar)
			}
		}
		input = govshare.Input{Reader: in, Name: inName, JSONL: inFormat == "jsonl", Encoding: f.encoding}
	}
	if outFormat == "parquet" {
		req := policy.Request{Catalog: cat, Purpose: catalog.Purpose(f.purpose), Recipient: f.recipient, Grants: opt.Grants, Now: opt.Now}
		outName := f.out
		if outName == "" || outName == "-" {
			outName = "<stdout>"
		}
		pw, err := parquetOutput(dst, outName, pr, req, name == "unmask")
		if err != nil {
			return err
		}
		defer pw.Abort() // Apply commits it (and the file under it) once the run is whole
		dst = pw
	}
	var rep *govshare.Report
	if name == "unmask" {
		// No purpose: the library's rule (data_verification, unless the
		// catalog encrypts for another purpose).
		rep, err = govshare.Reverse(context.Background(), dst, input, kr, f.recipient, catalog.Purpose(f.purpose), cat, opt)
		switch {
		case errors.Is(err, govshare.ErrPurposeRequired):
			err = fmt.Errorf("%w (--purpose)", err)
		case errors.Is(err, govshare.ErrFPEBound):
			err = fmt.Errorf("%w (--fpe-bound)", err)
		}
	} else {
		rep, err = govshare.Apply(context.Background(), dst, input, kr, f.recipient, catalog.Purpose(f.purpose), cat, opt)
	}
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(e.stderr)
	}
	if f.explain && rep != nil {
		explain(e.stderr, rep)
	}
	if err != nil {
		return err
	}
	if rej != nil {
		if err := rej.Commit(); err != nil {
			return err
		}
	}
	var dropped []string
	for _, d := range rep.Dropped {
		dropped = append(dropped, d.Field)
	}
	msg := fmt.Sprintf("%s: %d rows written", filepath.Base(inName), rep.Rows)
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

func explain(w io.Writer, rep *govshare.Report) {
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
