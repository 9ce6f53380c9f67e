package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/risk"
)

// riskUsage is the synopsis of "govshare risk" (main.go's usages).
const riskUsage = "risk [--catalog C] [--qi COL[,COL…]] [--sensitive COL[,COL…]] [--k N] [--encoding E] [--json] FILE|-"

// columnList is a flag naming columns, comma-separated; the flag may be
// given more than once.
type columnList []string

func (l *columnList) String() string { return strings.Join(*l, ",") }

func (l *columnList) Set(s string) error {
	cols, err := parseColumns(s)
	if err != nil {
		return err
	}
	*l = append(*l, cols...)
	return nil
}

// parseColumns splits a comma-separated list of column names, trimming
// the spaces around each. An empty name is an error.
func parseColumns(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	cols := make([]string, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("column %d of the list is empty", i+1)
		}
		cols = append(cols, p)
	}
	return cols, nil
}

// riskReport is the JSON output of govshare risk: the figures, and with a
// catalog that sets thresholds, those and whether the file exceeds them.
type riskReport struct {
	File string `json:"file"`
	*risk.Result
	Thresholds *riskThresholds     `json:"thresholds,omitempty"`
	Refused    *risk.ExceededError `json:"refused,omitempty"`
}

type riskThresholds struct {
	MaxProsecutorRisk *float64       `json:"max_prosecutor_risk,omitempty"`
	MinK              *catalog.Count `json:"min_k,omitempty"`
}

// cmdRisk measures the re-identification risk of a file over its
// quasi-identifiers: the catalog's (quasi_identifier: true) and those
// named with --qi. With a catalog that sets max_prosecutor_risk or min_k,
// a file over them is reported and exits 1, as a share would be refused.
func cmdRisk(e *env, args []string) error {
	fs := newFlags(e, "risk")
	catalogPath := fs.String("catalog", "", "catalog YAML: its quasi_identifier fields count, and its max_prosecutor_risk and min_k are checked")
	var qiFlag, sensFlag columnList
	fs.Var(&qiFlag, "qi", "quasi-identifier columns, comma-separated (repeatable)")
	fs.Var(&sensFlag, "sensitive", "sensitive columns for distinct l-diversity, comma-separated (repeatable)")
	k := fs.Int("k", 0, "class size below which records count as at risk (default 5, or the catalog's min_k)")
	encoding := fs.String("encoding", "", "input encoding: utf-8 (default) or gb18030")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"risk takes one input file"}
	}
	kSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "k" {
			kSet = true
		}
	})
	if kSet && *k < 1 {
		return usageError{"--k must be at least 1"}
	}
	var cat *catalog.Catalog
	if *catalogPath != "" {
		if cat, err = catalog.Load(*catalogPath); err != nil {
			return err
		}
		if !kSet && cat.MinK != nil {
			*k = int(*cat.MinK)
		}
	}
	if len(qiFlag) == 0 && cat == nil {
		return usageError{"name the quasi-identifiers with --qi, or give a catalog that marks them (quasi_identifier: true)"}
	}

	in, name, closeIn, err := openScanInput(e, pos[0])
	if err != nil {
		return err
	}
	defer closeIn()
	r, err := records.NewBatchReader(in, name, records.FormatOf(pos[0]), *encoding, 0)
	if err != nil {
		return err
	}
	header := r.Header()
	column := func(n, flag string) error {
		return &records.Error{File: name, Line: r.HeaderLine(), Field: n, Msg: "no such column in the header (" + flag + ")"}
	}
	var qis []risk.QI
	if cat != nil {
		qis = risk.Marked(cat, header)
	}
	named := map[string]bool{}
	for _, q := range qis {
		named[q.Name] = true
	}
	for _, n := range qiFlag {
		if named[n] {
			continue
		}
		q, err := risk.Lookup(header, []string{n})
		if err != nil {
			return column(n, "--qi")
		}
		qis = append(qis, q[0])
		named[n] = true
	}
	if len(qis) == 0 {
		return fmt.Errorf("govshare: %s: none of the catalog's quasi-identifiers is a column of the file, and --qi names none", name)
	}
	var sens []risk.Sensitive
	for _, n := range sensFlag {
		if named[n] {
			return usageError{fmt.Sprintf("column %q is both a quasi-identifier and sensitive", n)}
		}
		s, err := risk.LookupSensitive(header, []string{n})
		if err != nil {
			return column(n, "--sensitive")
		}
		sens = append(sens, s[0])
		named[n] = true
	}
	a, err := risk.New(qis, sens, risk.Options{K: *k})
	if err != nil {
		return err
	}
	var rs records.Rows
	for {
		c, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.Parse(c, &rs)
		for i := 0; i < rs.Len(); i++ {
			if err := a.Add(rs.Row(i)); err != nil {
				return &records.Error{File: name, Line: rs.Lines[i], Msg: err.Error()}
			}
		}
		if rs.Err != nil {
			return rs.Err
		}
	}
	res := a.Result()
	rep := riskReport{File: name, Result: res}
	var refused error
	if cat != nil && (cat.MaxProsecutorRisk != nil || cat.MinK != nil) {
		rep.Thresholds = &riskThresholds{cat.MaxProsecutorRisk, cat.MinK}
		refused = risk.Check(cat, res)
		var ee *risk.ExceededError
		if errors.As(refused, &ee) {
			rep.Refused = ee
		} else if refused != nil {
			return refused
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeRiskTable(e.stdout, &rep); err != nil {
		return err
	}
	return refused
}

// writeRiskTable prints the report as text: the figures over all the
// quasi-identifiers, then with each left out, then l-diversity.
func writeRiskTable(w io.Writer, rep *riskReport) error {
	r := rep.Result
	pct := func(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }
	p := func(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }
	fmt.Fprintf(w, "%s: %d records over %d quasi-identifiers (%s), k = %d\n",
		rep.File, r.Records, len(r.QuasiIdentifiers), strings.Join(r.QuasiIdentifiers, ", "), r.K)
	row := func(label string, f *risk.Figures) []string {
		return []string{label, strconv.Itoa(f.Classes), strconv.Itoa(f.KMin),
			strconv.Itoa(f.Uniques) + " (" + pct(f.UniqueShare) + ")",
			strconv.Itoa(f.RecordsInClassesBelowK) + " (" + pct(f.ShareBelowK) + ")",
			p(f.ProsecutorMax), p(f.ProsecutorAvg)}
	}
	rows := [][]string{
		{"QUASI-IDENTIFIERS", "CLASSES", "K_MIN", "UNIQUES", "BELOW_K", "PROSECUTOR_MAX", "PROSECUTOR_AVG"},
		row("all", &r.Figures),
	}
	for i := range r.Contributions {
		c := &r.Contributions[i]
		rows = append(rows, row("without "+c.LeftOut, &c.Figures))
	}
	if err := writeTable(w, rows); err != nil {
		return err
	}
	if len(r.LDiversity) > 0 {
		fmt.Fprintln(w)
		rows = [][]string{{"SENSITIVE", "L", "CLASSES_WITH_ONE_VALUE"}}
		for _, l := range r.LDiversity {
			rows = append(rows, []string{l.Column, strconv.Itoa(l.L), strconv.Itoa(l.ClassesWithOneValue)})
		}
		if err := writeTable(w, rows); err != nil {
			return err
		}
	}
	if rep.Thresholds != nil {
		if rep.Refused != nil {
			_, err := fmt.Fprintf(w, "exceeds the catalog's thresholds: a share would be refused; coarsen first: %s\n", strings.Join(rep.Refused.Coarsen, ", "))
			return err
		}
		_, err := fmt.Fprintln(w, "within the catalog's thresholds")
		return err
	}
	return nil
}
