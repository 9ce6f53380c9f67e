package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/parquetio"
	"github.com/govshare/govshare/policy"
)

// formats are the record formats the commands read and write.
const formatUsage = "csv, jsonl or parquet"

// formatOf is the format a flag names, else Parquet for a .parquet file,
// else JSON Lines for what records.FormatOf takes for it (an input), else
// def.
func formatOf(flagValue, path, def string, input bool) (string, error) {
	switch strings.ToLower(flagValue) {
	case "csv", "jsonl", "parquet":
		return strings.ToLower(flagValue), nil
	case "":
	default:
		return "", usageError{fmt.Sprintf("unknown format %q: %s", flagValue, formatUsage)}
	}
	if strings.EqualFold(filepath.Ext(path), ".parquet") {
		return "parquet", nil
	}
	if input && records.FormatOf(path) == records.FormatJSONL {
		return "jsonl", nil
	}
	return def, nil
}

// runFormats resolves the input and output formats of mask and unmask:
// the output's defaults to the input's.
func runFormats(inFlag, outFlag, in, out string) (string, string, error) {
	inF, err := formatOf(inFlag, in, "csv", true)
	if err != nil {
		return "", "", err
	}
	outF, err := formatOf(outFlag, out, inF, false)
	if err != nil {
		return "", "", err
	}
	if inF == "parquet" && in == "-" {
		return "", "", usageError{"Parquet input is read from a file, not standard input"}
	}
	switch {
	case outF == "parquet" && inF == "jsonl":
		return "", "", usageError{"Parquet output is written from CSV or Parquet input"}
	case inF == "parquet" && outF == "jsonl":
		return "", "", usageError{"Parquet input is written as Parquet or CSV"}
	case inF != "parquet" && outF != "parquet" && inF != outF:
		return "", "", usageError{fmt.Sprintf("%s input is written as %s (or Parquet)", inF, inF)}
	}
	return inF, outF, nil
}

// parquetOutput wraps dst in a Parquet writer whose columns keep the
// input's Parquet types where the run leaves values unchanged (pr is nil
// for CSV input): decided here as the run will decide them, by the policy
// (mask) or by which columns Reverse undoes (unmask).
func parquetOutput(dst io.Writer, name string, pr *parquetio.Reader, req policy.Request, reverse bool) (*parquetio.Writer, error) {
	in := map[string]parquetio.Column{}
	if pr != nil {
		for _, c := range pr.Schema() {
			in[c.Name] = c
		}
	}
	how := map[string]catalog.Transform{}
	if req.Catalog != nil {
		if reverse && req.Purpose == "" {
			req.Purpose = catalog.PurposeDataVerification
		}
		var names []string
		for _, f := range req.Catalog.Fields {
			names = append(names, f.Name)
		}
		ds, err := policy.DecideAll(req, names)
		if err == nil {
			for _, d := range ds {
				how[d.Field] = d.Transform
			}
		}
		// On an error the run itself refuses the request, with its reason.
	}
	plan := func(col string) parquetio.Output {
		o := parquetio.Output{In: in[col]}
		t := how[col]
		if reverse {
			// Reverse changes token and fpe columns back; the rest pass.
			o.Keep = t != catalog.TransformToken && t != catalog.TransformFPE
			return o
		}
		o.Keep = t == catalog.TransformKeep
		if f, ok := req.Catalog.Field(col); ok && t == catalog.TransformGeneralize && f.Type == catalog.TypeDateOfBirth {
			o.Date = "year" // the pipeline generalizes a birth date to its year
		}
		return o
	}
	return parquetio.NewWriter(dst, name, plan, &parquetio.WriterOptions{Escaped: pr != nil}), nil
}
