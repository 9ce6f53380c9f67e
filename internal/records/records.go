// Package records reads tabular input — CSV with a header row (UTF-8, UTF-8
// with BOM, or GB18030) and JSON Lines — as rows of strings, with every
// error naming the file and line. Start with Open.
//
// JSON Lines keep their key order (the header is the keys in first-seen
// order) and numbers exactly as written. Nothing is dropped silently: a row
// that cannot be read is an error naming its place, never skipped.
package records

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Format is an input format.
type Format int

// Formats. The zero value is invalid.
const (
	FormatUnknown Format = iota
	FormatCSV
	FormatJSONL
)

// FormatOf picks the format from a file name: .jsonl and .ndjson are JSON
// Lines, anything else CSV.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".ndjson":
		return FormatJSONL
	}
	return FormatCSV
}

// Error is a problem at a place in the input. It never carries a value.
type Error struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Field string // column name when known
	Msg   string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("govshare: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Options configure a Reader.
type Options struct {
	// Encoding is "" or "utf-8" (the default) or "gb18030" (also accepts
	// "gbk", which GB18030 extends).
	Encoding string
	// Format overrides the format picked from the file name.
	Format Format
}

// Reader reads rows. Header returns the column names; Next returns one row
// at a time, aligned with the header.
type Reader struct {
	name   string
	format Format
	header []string
	csv    *csv.Reader
	jl     *bufio.Reader
	line   int // line of the last row returned
	index  map[string]int
	closer io.Closer
	first  []string // JSONL: first row, read to learn the header
	unread bool     // JSONL: first has not been returned yet (it may be empty: {})
	kinds  []Kind   // JSONL: kinds of the last row's values
	firstK []Kind
	text   text
	done   bool
}

// Kind is how a JSON Lines value was written, so a writer can keep numbers
// and booleans exactly as they were.
type Kind uint8

// Kinds. CSV values are all KindString.
const (
	KindString Kind = iota
	KindRaw         // a number or boolean, kept as written
	KindNull
)

// Kinds returns the kinds of the last row's values; nil for CSV (all strings).
func (r *Reader) Kinds() []Kind { return r.kinds }

// Open opens path ("-" is standard input) for reading.
func Open(path string, opt Options) (*Reader, error) {
	var f io.ReadCloser
	name := path
	if path == "-" {
		f, name = io.NopCloser(os.Stdin), "<stdin>"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, &Error{File: name, Msg: strings.TrimPrefix(err.Error(), "open "+path+": ")}
		}
		f = fh
	}
	format := opt.Format
	if format == FormatUnknown {
		format = FormatOf(path)
	}
	r, err := NewReader(f, name, format, opt.Encoding)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// text is what valid field text is: UTF-8, and, after GB18030 decoding, no
// U+FFFD, which the decoder writes in place of bytes that are not GB18030 (a
// value changed that way must fail, not pass on altered).
type text struct{ gb bool }

var replacement = []byte("\uFFFD")

// textOf is the one place that knows the GB18030 family's names ("gbk"
// and "gb2312" are subsets GB18030 decodes).
func textOf(encoding string) text {
	switch strings.ToLower(encoding) {
	case "gb18030", "gbk", "gb2312":
		return text{gb: true}
	}
	return text{}
}

func (t text) valid(b []byte) bool {
	return utf8.Valid(b) && !(t.gb && bytes.Contains(b, replacement))
}

func (t text) validString(s string) bool {
	return utf8.ValidString(s) && !(t.gb && strings.Contains(s, "\uFFFD"))
}

func (t text) msg() string {
	if t.gb {
		return "not valid GB18030 (or not valid UTF-8 after decoding)"
	}
	return msgUTF8
}

// Decode returns r decoded to UTF-8 from encoding: "" or "utf-8" (as is)
// or "gb18030" (also "gbk" and "gb2312", which GB18030 extends).
func Decode(r io.Reader, encoding string) (io.Reader, error) {
	if textOf(encoding).gb {
		return transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder()), nil
	}
	switch strings.ToLower(encoding) {
	case "", "utf-8", "utf8":
		return r, nil
	}
	return nil, fmt.Errorf("unknown encoding %q (use utf-8 or gb18030)", encoding)
}

// NewReader reads from r; name is used in errors.
func NewReader(r io.Reader, name string, format Format, encoding string) (*Reader, error) {
	r, err := Decode(r, encoding)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	rd := &Reader{name: name, format: format, text: textOf(encoding)}
	switch format {
	case FormatCSV:
		rd.csv = csv.NewReader(br)
		rd.csv.ReuseRecord = false
		h, err := rd.csv.Read()
		if err == io.EOF {
			return nil, &Error{File: name, Msg: "empty file: a CSV header row is required"}
		}
		if err != nil {
			return nil, rd.csvError(err)
		}
		rd.line, _ = rd.csv.FieldPos(0) // blank lines before the header are skipped
		if err := rd.setHeader(h); err != nil {
			return nil, err
		}
	case FormatJSONL:
		rd.jl = br
		row, keys, err := rd.readJSON(nil)
		rd.firstK = rd.kinds
		if err == io.EOF {
			return nil, &Error{File: name, Msg: "empty file: no JSON object to read"}
		}
		if err != nil {
			return nil, err
		}
		if err := rd.setHeader(keys); err != nil {
			return nil, err
		}
		rd.first, rd.unread = row, true
	default:
		return nil, &Error{File: name, Msg: "unknown format"}
	}
	return rd, nil
}

func (r *Reader) setHeader(h []string) error {
	r.index = keyIndex(h)
	if err := checkHeader(r.name, r.line, h); err != nil {
		return err
	}
	r.header = h
	return nil
}

// keyIndex maps each JSON Lines key, as written, to its column: the
// header's names are trimmed, the keys on later lines are not.
func keyIndex(keys []string) map[string]int {
	m := make(map[string]int, len(keys))
	for i, k := range keys {
		m[k] = i
	}
	return m
}

// checkHeader trims the column names in place; every name must be valid
// UTF-8, non-blank and unique.
func checkHeader(file string, line int, h []string) error {
	index := make(map[string]int, len(h))
	for i, c := range h {
		if !utf8.ValidString(c) {
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("column %d: header is not valid UTF-8 (is the file GB18030? use --encoding gb18030)", i+1)}
		}
		c = strings.TrimSpace(c)
		if c == "" {
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("column %d has an empty name", i+1)}
		}
		if j, dup := index[c]; dup {
			// By position: a "header" may be a data row (no header row).
			return &Error{File: file, Line: line, Msg: fmt.Sprintf("columns %d and %d: duplicate column name", j+1, i+1)}
		}
		index[c] = i
		h[i] = c
	}
	return nil
}

// Name returns the input's name as used in errors.
func (r *Reader) Name() string { return r.name }

// Format returns the input's format.
func (r *Reader) Format() Format { return r.format }

// Header returns the column names.
func (r *Reader) Header() []string { return r.header }

// Line returns the line on which the last row returned by Next started.
func (r *Reader) Line() int { return r.line }

// Next returns the next row, or io.EOF after the last. Errors are *Error.
// The returned slice is the caller's.
func (r *Reader) Next() ([]string, error) {
	if r.done {
		return nil, io.EOF
	}
	switch r.format {
	case FormatCSV:
		rec, err := r.csv.Read()
		if err == io.EOF {
			r.done = true
			return nil, io.EOF
		}
		if err != nil {
			return nil, r.csvError(err)
		}
		r.line, _ = r.csv.FieldPos(0)
		if len(rec) != len(r.header) {
			return nil, &Error{File: r.name, Line: r.line, Msg: fmt.Sprintf("row has %d fields, header has %d", len(rec), len(r.header))}
		}
		for i, v := range rec {
			if !r.text.validString(v) {
				return nil, &Error{File: r.name, Line: r.line, Field: r.header[i], Msg: r.text.msg()}
			}
		}
		return rec, nil
	default:
		if r.unread {
			row := r.first
			r.first, r.unread, r.kinds = nil, false, r.firstK
			return row, nil
		}
		row, _, err := r.readJSON(r.index)
		if err == io.EOF {
			r.done = true
		}
		return row, err
	}
}

func (r *Reader) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		r.line = pe.StartLine
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = "row has a different number of fields than the header"
		}
		return &Error{File: r.name, Line: pe.Line, Msg: msg}
	}
	return &Error{File: r.name, Line: r.line, Msg: err.Error()}
}

// maxJSONLine bounds one JSON Lines record, so a file without newlines
// cannot exhaust memory.
const maxJSONLine = 64 << 20

// readJSON reads the next non-blank line as a flat JSON object. With index
// nil it returns the keys in order (the first row defines the header);
// otherwise every key must be a known column, and missing ones are blank.
func (r *Reader) readJSON(index map[string]int) ([]string, []string, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, nil, err
		}
		r.line++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !r.text.valid(line) {
			return nil, nil, &Error{File: r.name, Line: r.line, Msg: r.text.msg()}
		}
		row, keys, kinds, err := parseObject(r.name, r.line, line, index)
		r.kinds = kinds
		return row, keys, err
	}
}

func (r *Reader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := r.jl.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > maxJSONLine {
			return nil, &Error{File: r.name, Line: r.line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxJSONLine)}
		}
		switch {
		case err == nil:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(buf) > 0:
			return buf, nil
		default:
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, &Error{File: r.name, Line: r.line + 1, Msg: err.Error()}
		}
	}
}

// parseObject parses one JSON Lines record (lineNo is its line, for
// errors). With index nil it returns the keys in order and the values in
// that order; otherwise values land at their column and missing keys are
// blank with KindNull. It keeps no state, so batches parse in parallel.
func parseObject(file string, lineNo int, line []byte, index map[string]int) (row, keys []string, kinds []Kind, err error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	bad := func(msg string) error { return &Error{File: file, Line: lineNo, Msg: msg} }
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, nil, bad("not a JSON object")
	}
	if index != nil {
		row = make([]string, len(index))
		kinds = make([]Kind, len(index))
		for i := range kinds {
			kinds[i] = KindNull // a key missing from this line
		}
	}
	seen := map[string]bool{}
	// name is how an error names a key: by name only when it is a known
	// column, else by position, since an unexpected key may be a value.
	name := func(key string, n int) (field, where string) {
		if _, ok := index[key]; ok {
			return key, ""
		}
		return "", fmt.Sprintf("key %d of the record: ", n)
	}
	for n := 1; dec.More(); n++ {
		kt, err := dec.Token()
		if err != nil {
			return nil, nil, nil, bad("malformed JSON")
		}
		key := kt.(string)
		field, where := name(key, n)
		if seen[key] {
			return nil, nil, nil, &Error{File: file, Line: lineNo, Field: field, Msg: where + "duplicate key"}
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, nil, &Error{File: file, Line: lineNo, Field: field, Msg: where + "malformed JSON value"}
		}
		v, kind, err := scalar(raw)
		if err != nil {
			return nil, nil, nil, &Error{File: file, Line: lineNo, Field: field, Msg: where + err.Error()}
		}
		if index == nil {
			keys = append(keys, key)
			row = append(row, v)
			kinds = append(kinds, kind)
			continue
		}
		i, ok := index[key]
		if !ok {
			return nil, nil, nil, &Error{File: file, Line: lineNo, Msg: where + "not among the first record's keys"}
		}
		row[i], kinds[i] = v, kind
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, nil, bad("malformed JSON")
	}
	if dec.More() {
		return nil, nil, nil, bad("trailing data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, nil, bad("trailing data after the JSON object")
	}
	return row, keys, kinds, nil
}

// scalar renders a JSON value as text: strings unquoted, numbers exactly as
// written, booleans as true/false, null as blank (KindNull). Nested values
// are errors: fields must be flat to be classified and transformed.
func scalar(raw json.RawMessage) (string, Kind, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "", KindNull, errors.New("empty value")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", KindNull, errors.New("malformed string")
		}
		// encoding/json turns a lone surrogate escape into U+FFFD: a value
		// changed, which must fail rather than pass on altered.
		if strings.Contains(s, "\uFFFD") && !bytes.Contains(raw, replacement) && !bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) {
			return "", KindNull, errors.New("invalid \\u escape (a lone surrogate)")
		}
		return s, KindString, nil
	case raw[0] == '{' || raw[0] == '[':
		return "", KindNull, errors.New("nested objects and arrays are not supported; flatten the record")
	case string(raw) == "null":
		return "", KindNull, nil
	}
	return string(raw), KindRaw, nil
}

// Close closes the underlying file.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}
