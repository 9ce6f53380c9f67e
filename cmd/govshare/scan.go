package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/records"
)

func cmdScan(e *env, args []string) error {
	fs := newFlags(e, "scan")
	asJSON := fs.Bool("json", false, "print one JSON object")
	sample := fs.Int("sample", 1000, "rows to sample per column")
	catalogOut := fs.String("catalog-out", "", "write a draft catalog (YAML) for review")
	force := fs.Bool("force", false, "replace an existing --catalog-out file (a reviewed catalog is never replaced by accident)")
	encoding := fs.String("encoding", "", "input encoding: utf-8 (default) or gb18030")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"scan takes one input file"}
	}
	if *sample < 1 {
		return usageError{"--sample must be at least 1"}
	}
	in, name, closeIn, err := openScanInput(e, pos[0])
	if err != nil {
		return err
	}
	defer closeIn()
	// The batch reader is mask's: it holds a record to the same cap (64
	// MiB), so a line without end or an unclosed quote is an error, not
	// all of memory.
	r, err := records.NewBatchReader(in, name, records.FormatOf(pos[0]), *encoding, 0)
	if err != nil {
		return err
	}
	header := r.Header()
	if col, t, ok := classify.ValueInHeader(header); ok {
		// Profiling on would put the row's values into column names and the draft catalog.
		return fmt.Errorf("govshare: %s:%d: column %d holds a %s value, not a column name: the header row is missing", name, r.HeaderLine(), col+1, t)
	}
	cols := make([][]string, len(header))
	var rs records.Rows
	for n := 0; n < *sample; {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.Parse(c, &rs)
		for i := 0; i < rs.Len() && n < *sample; i++ {
			for j, v := range rs.Row(i) {
				cols[j] = append(cols[j], v)
			}
			n++
		}
		// An error after the rows sampled is not reached, as when reading
		// row by row.
		if rs.Err != nil && n < *sample {
			return rs.Err
		}
	}
	// The table rules (an amount in a table that identifies a person is
	// that person's) need every column: profile the table as a whole.
	var p classify.Profiler
	profiles := p.ProfileTable(header, cols)
	if *catalogOut != "" {
		base := strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0]))
		if err := writeDraft(*catalogOut, *force, pos[0], classify.DraftCatalog(base, profiles)); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Columns []classify.ColumnProfile `json:"columns"`
		}{profiles})
	}
	rows := [][]string{{"COLUMN", "TYPE", "CATEGORY", "LEVEL", "SENSITIVE", "TIER", "CONFIDENCE", "WHY"}}
	for _, p := range profiles {
		why := ""
		if len(p.Reasons) > 0 {
			why = p.Reasons[0]
		}
		rows = append(rows, []string{p.Name, string(p.Type), string(p.Category), string(p.Level),
			strconv.FormatBool(p.Sensitive), string(p.Tier), strconv.FormatFloat(p.Confidence, 'f', 2, 64), why})
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	if *catalogOut != "" {
		review := 0
		for _, p := range profiles {
			if p.Review != "" {
				review++
			}
		}
		if review > 0 {
			fmt.Fprintf(e.stdout, "draft catalog written to %s: review it before use (%d fields marked for review)\n", *catalogOut, review)
		} else {
			fmt.Fprintf(e.stdout, "draft catalog written to %s: review it before use\n", *catalogOut)
		}
	}
	return nil
}

// openScanInput opens a data input: path, or standard input for "-". Data
// inputs are streams (a pipe is fine) and are not size-capped; the record
// reader caps each record.
func openScanInput(e *env, path string) (in io.Reader, name string, closeIn func(), err error) {
	if path == "-" {
		return e.stdin, "<stdin>", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, path, nil, &records.Error{File: path, Msg: strings.TrimPrefix(err.Error(), "open "+path+": ")}
	}
	return f, path, func() { f.Close() }, nil
}

// writeDraft writes the draft catalog through an Output: never over the
// input, a device or an existing file (a reviewed catalog) unless forced.
func writeDraft(path string, force bool, input string, c *catalog.Catalog) error {
	data, err := c.MarshalCommented(classify.DraftComment...)
	if err != nil {
		return err
	}
	out, err := createOutput(path, force, "", []string{input})
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := out.Write(data); err != nil {
		return err
	}
	return out.Commit()
}
