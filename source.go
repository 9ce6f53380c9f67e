package govshare

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// Rows is what a database query result offers; *sql.Rows satisfies it, so
// an ETL job shares a table without writing it to a file first.
type Rows interface {
	Columns() ([]string, error)
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// FromRows returns an Input that streams rows as records, one per row,
// with the query's column names as field names (so the catalog names
// columns as the query does). name labels errors (a table or query name).
// Rows are read as the pipeline asks for them, with no goroutine and no
// copy of the table in memory; the caller closes rows afterwards.
//
// Values are written as text: strings and []byte as they are (invalid
// UTF-8 fails the run at its row), integers and floats in Go's shortest
// form, booleans as true/false, times in RFC 3339 (a time at midnight UTC
// as its date), NULL as an empty field.
func FromRows(rows Rows, name string) Input {
	return Input{Reader: &rowsReader{rows: rows, name: name}, Name: name}
}

// rowsReader encodes rows as CSV on demand.
type rowsReader struct {
	rows   Rows
	name   string
	buf    bytes.Buffer
	w      *csv.Writer
	vals   []any
	ptrs   []any
	fields []string
	row    int
	done   bool
	err    error
}

func (r *rowsReader) Read(p []byte) (int, error) {
	for r.buf.Len() < len(p) && !r.done && r.err == nil {
		r.err = r.next()
	}
	if r.buf.Len() > 0 {
		return r.buf.Read(p)
	}
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// next writes the header (first call) or the next row to the buffer.
func (r *rowsReader) next() error {
	if r.w == nil {
		r.w = csv.NewWriter(&r.buf)
		cols, err := r.rows.Columns()
		if err != nil {
			return fmt.Errorf("govshare: %s: columns: %w", r.name, err)
		}
		if len(cols) == 0 {
			return fmt.Errorf("govshare: %s: the query has no columns", r.name)
		}
		r.vals = make([]any, len(cols))
		r.ptrs = make([]any, len(cols))
		for i := range r.vals {
			r.ptrs[i] = &r.vals[i]
		}
		r.fields = make([]string, len(cols))
		return r.write(cols)
	}
	if !r.rows.Next() {
		r.done = true
		if err := r.rows.Err(); err != nil {
			return fmt.Errorf("govshare: %s: after row %d: %w", r.name, r.row, err)
		}
		return nil
	}
	r.row++
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
	return r.write(r.fields)
}

func (r *rowsReader) write(rec []string) error {
	if err := r.w.Write(rec); err != nil {
		return err
	}
	r.w.Flush()
	return r.w.Error()
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
