package govshare

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/internal/records"
)

// Records is a source of records read one at a time: a database query's
// result (*sql.Rows satisfies it, so an ETL job shares a table without
// writing it to a file first), a CSV file (CSVRecords), a Parquet file
// (parquetio.Reader). FromRecords turns one into an Input.
type Records interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Rows is Records under its first name, kept for existing callers.
type Rows = Records

// TextRecords is a Records that gives its current record as text directly:
// FromRecords uses Text instead of Scan, which saves the conversion of
// every value through an interface. Text follows FromRecords' rules for
// rendering values (NULL as an empty field).
type TextRecords interface {
	Records
	// Text sets dst[i] to the text of column i of the current record; dst
	// has one element per column.
	Text(dst []string) error
}

// FromRows is FromRecords, under its first name.
func FromRows(rows Rows, name string) Input { return FromRecords(rows, name) }

// FromRecords returns an Input that streams rows as records, one per row,
// with the query's column names as field names (so the catalog names
// columns as the query does). name labels errors (a table or query name).
// Rows are read as the pipeline asks for them, with no goroutine and no
// copy of the table in memory; the caller closes rows afterwards.
//
// Values are written as text: strings and []byte as they are (invalid
// UTF-8 fails the run at its row), integers and floats in Go's shortest
// form, booleans as true/false, times in RFC 3339 (a time at midnight UTC
// as its date), NULL as an empty field.
func FromRecords(rows Records, name string) Input {
	r := &rowsReader{rows: rows, name: name}
	r.text, _ = rows.(TextRecords)
	return Input{Reader: r, Name: name}
}

// rowsReader encodes rows as CSV on demand.
type rowsReader struct {
	rows   Records
	text   TextRecords // rows, when it gives text itself
	name   string
	enc    *records.Encoder
	out    []byte // encoded, from off on not yet read
	off    int
	vals   []any
	ptrs   []any
	fields []string
	row    int
	done   bool
	err    error
}

// rowsChunk is how much CSV a Read prepares at least, so that a read
// hands over many rows.
const rowsChunk = 64 << 10

func (r *rowsReader) Read(p []byte) (int, error) {
	if r.off == len(r.out) {
		r.out, r.off = r.out[:0], 0
		for len(r.out) < max(len(p), rowsChunk) && !r.done && r.err == nil {
			r.err = r.next()
		}
	}
	if r.off < len(r.out) {
		n := copy(p, r.out[r.off:])
		r.off += n
		return n, nil
	}
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// next encodes the header (first call) or the next row.
func (r *rowsReader) next() error {
	if r.enc == nil {
		cols, err := r.rows.Columns()
		if err != nil {
			return fmt.Errorf("govshare: %s: columns: %w", r.name, err)
		}
		if len(cols) == 0 {
			return fmt.Errorf("govshare: %s: the query has no columns", r.name)
		}
		if r.enc, err = records.NewEncoder(records.FormatCSV, cols); err != nil {
			return fmt.Errorf("govshare: %s: %w", r.name, err)
		}
		r.vals = make([]any, len(cols))
		r.ptrs = make([]any, len(cols))
		for i := range r.vals {
			r.ptrs[i] = &r.vals[i]
		}
		r.fields = make([]string, len(cols))
		r.out = r.enc.AppendHeader(r.out)
		return nil
	}
	if !r.rows.Next() {
		r.done = true
		if err := r.rows.Err(); err != nil {
			return fmt.Errorf("govshare: %s: after row %d: %w", r.name, r.row, err)
		}
		return nil
	}
	r.row++
	if r.text != nil {
		if err := r.text.Text(r.fields); err != nil {
			return fmt.Errorf("govshare: %s: row %d: %w", r.name, r.row, err)
		}
		r.out = r.enc.Append(r.out, r.fields, nil)
		return nil
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return fmt.Errorf("govshare: %s: row %d: %w", r.name, r.row, err)
	}
	for i, v := range r.vals {
		s, err := fieldText(v)
		if err != nil {
			return fmt.Errorf("govshare: %s: row %d, column %d: %w", r.name, r.row, i+1, err)
		}
		r.fields[i] = s
	}
	r.out = r.enc.Append(r.out, r.fields, nil)
	return nil
}

var errNotText = errors.New("value is not valid UTF-8 text")

// fieldText renders one scanned database value as the text of a field.
func fieldText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		if !utf8.ValidString(v) {
			return "", errNotText
		}
		return v, nil
	case []byte:
		if !utf8.Valid(v) {
			return "", errNotText
		}
		return string(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		if v.Equal(v.Truncate(24*time.Hour)) && v.Location() == time.UTC {
			return v.Format(time.DateOnly), nil
		}
		return v.Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("unsupported column value of type %T", v)
}
