package govshare

import (
	"errors"
	"fmt"
	"io"

	"github.com/govshare/govshare/internal/records"
)

// CSVRecords reads a CSV file with a header row (UTF-8, UTF-8 with BOM, or
// GB18030) as Records, one record per row, so code written for a database
// result or a Parquet file reads CSV too. Scan accepts *string, *[]byte,
// *any (a string) and *sql.NullString (never null: CSV has no nulls).
type CSVRecords struct {
	r    *records.Reader
	row  []string
	err  error
	done bool
}

// NewCSVRecords reads the header of r and returns its records. name labels
// errors; encoding is "" (UTF-8) or "gb18030".
func NewCSVRecords(r io.Reader, name, encoding string) (*CSVRecords, error) {
	rr, err := records.NewReader(r, name, records.FormatCSV, encoding)
	if err != nil {
		return nil, err
	}
	return &CSVRecords{r: rr}, nil
}

// Columns returns the header row.
func (c *CSVRecords) Columns() ([]string, error) { return c.r.Header(), nil }

// Next advances to the next row; it returns false at the end or on an
// error (see Err).
func (c *CSVRecords) Next() bool {
	if c.done {
		return false
	}
	row, err := c.r.Next()
	if err != nil {
		c.done = true
		if err != io.EOF {
			c.err = err
		}
		return false
	}
	c.row = row
	return true
}

// Err returns the error that ended Next, if any.
func (c *CSVRecords) Err() error { return c.err }

// Text copies the current row's fields into dst.
func (c *CSVRecords) Text(dst []string) error {
	if len(dst) != len(c.row) {
		return fmt.Errorf("govshare: %s:%d: %d fields for %d columns", c.r.Name(), c.r.Line(), len(c.row), len(dst))
	}
	copy(dst, c.row)
	return nil
}

var errScanCount = errors.New("govshare: Scan needs one destination per column")

// Scan copies the current row's fields into dest, one per column.
func (c *CSVRecords) Scan(dest ...any) error {
	if len(dest) != len(c.row) {
		return errScanCount
	}
	for i, d := range dest {
		if err := records.ScanText(d, c.row[i], false); err != nil {
			return fmt.Errorf("govshare: %s:%d: column %d: %w", c.r.Name(), c.r.Line(), i+1, err)
		}
	}
	return nil
}
