package parquetio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/govshare/govshare/internal/records"
)

// MetaDatePrecision prefixes the key-value metadata entry that says a DATE
// column holds generalized dates: "year" or "month". The Reader renders
// such a column at that precision ("1990", "1990-05"), so a generalized
// date reads back as the pipeline wrote it.
const MetaDatePrecision = "govshare.date_precision."

// Column is one column of a Reader: its name, Parquet node and, for a
// generalized DATE, its precision.
type Column struct {
	Name      string
	Node      parquet.Node
	Precision string // "year", "month" or "" (a whole date)
}

// Reader reads a flat Parquet file one record at a time, one row group
// after another, holding a few pages of each column in memory. It is a
// govshare.Records (Columns, Next, Scan, Err) and a govshare.TextRecords
// (Text). Errors name the file and, past the footer, the row group.
type Reader struct {
	name    string
	f       *parquet.File
	closer  io.Closer
	cols    []Column
	codecs  []*codec
	groups  []parquet.RowGroup
	rg      int // current row group, 0-based
	rows    parquet.Rows
	buf     []parquet.Row
	n, i    int // rows in buf, next row
	cur     parquet.Row
	scratch []byte
	err     error
	done    bool
	// mu guards the reading state against a Close from another goroutine.
	mu     sync.Mutex
	closed bool
}

// readBatch is the rows read from a row group at a time.
const readBatch = 256

// Open opens the Parquet file at path.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads the Parquet file of size bytes in ra. name labels errors.
func NewReader(ra io.ReaderAt, size int64, name string) (r *Reader, err error) {
	r = &Reader{name: name}
	defer r.recoverTo(&err, "footer")
	if err := checkFooter(ra, size); err != nil {
		return nil, r.errorf("%w", err)
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true))
	if err != nil {
		return nil, r.errorf("footer: %w", err)
	}
	r.f = f
	if err := r.checkChunks(); err != nil {
		return nil, err
	}
	if err := checkPages(ra, size, f.Metadata()); err != nil {
		return nil, r.errorf("%w", err)
	}
	precision := map[string]string{}
	for _, kv := range f.Metadata().KeyValueMetadata {
		if col, ok := strings.CutPrefix(kv.Key, MetaDatePrecision); ok && (kv.Value == "year" || kv.Value == "month") {
			precision[col] = kv.Value
		}
	}
	for _, fld := range f.Schema().Fields() {
		if !fld.Leaf() {
			return nil, r.errorf("column %q is a group: only flat files are read", fld.Name())
		}
		if fld.Repeated() {
			return nil, r.errorf("column %q is repeated: only flat files are read", fld.Name())
		}
		c, err := codecOf(fld.Type())
		if err != nil {
			return nil, r.errorf("column %q: %w", fld.Name(), err)
		}
		col := Column{Name: fld.Name(), Node: fld}
		if p := precision[fld.Name()]; p != "" && isDate(fld.Type()) {
			col.Precision = p
			c = precisionCodec(c, p)
		}
		r.cols = append(r.cols, col)
		r.codecs = append(r.codecs, c)
	}
	if len(r.cols) == 0 {
		return nil, r.errorf("the file has no columns")
	}
	r.groups = f.RowGroups()
	r.buf = make([]parquet.Row, readBatch)
	return r, nil
}

// maxChunk bounds a column chunk's uncompressed size, and so the memory a
// page of it may take: a damaged or hostile footer cannot make the reader
// allocate more.
const maxChunk = 1 << 30

// checkChunks refuses, before any page is read, column chunks compressed
// with a codec whose decoder does not stop on damaged data (parquet-go's
// LZ4_RAW decoder doubles its buffer until memory runs out), and chunks
// larger than maxChunk.
func (r *Reader) checkChunks() error {
	for g, rg := range r.f.Metadata().RowGroups {
		for _, c := range rg.Columns {
			md := &c.MetaData
			switch md.Codec {
			case format.Uncompressed, format.Snappy, format.Gzip, format.Zstd, format.Brotli:
			default:
				return r.errorf("row group %d: compression codec %s is not supported", g+1, md.Codec)
			}
			if md.TotalUncompressedSize < 0 || md.TotalUncompressedSize > maxChunk || md.TotalCompressedSize < 0 {
				return r.errorf("row group %d: a column chunk of %d bytes is over the limit of %d", g+1, md.TotalUncompressedSize, maxChunk)
			}
		}
	}
	return nil
}

// recoverTo turns a panic of the Parquet decoder on a damaged file into an
// error naming the file and where it was read.
func (r *Reader) recoverTo(err *error, where string) {
	if p := recover(); p != nil {
		*err = r.errorf("%s: damaged file (%v)", where, p)
	}
}

func (r *Reader) errorf(format string, a ...any) error {
	return fmt.Errorf("parquetio: %s: "+format, append([]any{r.name}, a...)...)
}

// Columns returns the column names, in file order.
func (r *Reader) Columns() ([]string, error) {
	names := make([]string, len(r.cols))
	for i, c := range r.cols {
		names[i] = c.Name
	}
	return names, nil
}

// Schema returns the columns with their Parquet nodes.
func (r *Reader) Schema() []Column { return r.cols }

// NumRows is the file's row count, from its footer.
func (r *Reader) NumRows() int64 { return r.f.NumRows() }

// Next advances to the next record; it returns false at the end of the
// file or on an error (see Err).
func (r *Reader) Next() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next()
}

// next is Next with mu held.
func (r *Reader) next() (ok bool) {
	if r.done {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.fail(r.errorf("row group %d: damaged file (%v)", r.rg+1, p))
			ok = false
		}
	}()
	for r.i >= r.n {
		if err := r.fill(); err != nil {
			if err != io.EOF {
				r.fail(err)
			}
			r.done = true
			r.close()
			return false
		}
	}
	r.cur = r.buf[r.i]
	r.i++
	if len(r.cur) != len(r.cols) {
		r.fail(r.errorf("row group %d: a row has %d values for %d columns", r.rg+1, len(r.cur), len(r.cols)))
		return false
	}
	return true
}

func (r *Reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.done = true
	r.close()
}

// fill reads the next rows, moving on to the next row group at the end of
// one; io.EOF after the last.
func (r *Reader) fill() error {
	if r.closed {
		return errClosed
	}
	for {
		if r.rows == nil {
			if r.rg >= len(r.groups) {
				return io.EOF
			}
			r.rows = r.groups[r.rg].Rows()
		}
		n, err := r.rows.ReadRows(r.buf)
		r.n, r.i = n, 0
		if n > 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			return r.errorf("row group %d: %w", r.rg+1, err)
		}
		r.rows.Close()
		r.rows = nil
		r.rg++
	}
}

func (r *Reader) close() {
	if r.rows != nil {
		r.rows.Close()
		r.rows = nil
	}
}

// Err returns the error that ended Next, if any.
func (r *Reader) Err() error { return r.err }

var errClosed = errors.New("parquetio: the reader is closed")

// Close releases the reader and, when Open opened it, the file. It may be
// called while another goroutine reads: a pipeline stopped by its context
// may still be inside a Read when its caller closes the source.
func (r *Reader) Close() error {
	r.mu.Lock()
	r.closed = true
	r.close()
	r.mu.Unlock()
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Text sets dst[i] to the text of column i of the current record, NULL as
// an empty field.
func (r *Reader) Text(dst []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	if len(dst) != len(r.cols) {
		return fmt.Errorf("parquetio: Text needs one destination per column (%d)", len(r.cols))
	}
	for i, v := range r.cur {
		if v.IsNull() {
			dst[i] = ""
			continue
		}
		b, err := r.codecs[i].render(r.scratch[:0], v)
		if err != nil {
			return r.valueError(i, err)
		}
		r.scratch = b
		dst[i] = string(b)
	}
	return nil
}

// Null reports whether column i of the current record is NULL.
func (r *Reader) Null(i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur[i].IsNull()
}

// Scan copies the current record into dest, one per column: *string,
// *[]byte, *any (a string, or nil for NULL) or *sql.NullString, each as
// Text renders the value.
func (r *Reader) Scan(dest ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errClosed
	}
	if len(dest) != len(r.cols) {
		return fmt.Errorf("parquetio: Scan needs one destination per column (%d)", len(r.cols))
	}
	for i, d := range dest {
		v := r.cur[i]
		var s string
		if !v.IsNull() {
			b, err := r.codecs[i].render(r.scratch[:0], v)
			if err != nil {
				return r.valueError(i, err)
			}
			r.scratch, s = b, string(b)
		}
		if err := records.ScanText(d, s, v.IsNull()); err != nil {
			return fmt.Errorf("parquetio: %w", err)
		}
	}
	return nil
}

// valueError names the place of a value that cannot be text, never the
// value.
func (r *Reader) valueError(col int, err error) error {
	return r.errorf("row group %d, column %q: %w", r.rg+1, r.cols[col].Name, err)
}

// CSV returns the file as CSV with a header row, for govshare.Input. With
// keepNulls, a NULL is an empty field and a value that is blank (empty or
// white space) gains one trailing space, so a Writer told Escaped tells the
// two apart again: the pipeline passes blank values unchanged whatever the
// transform. Without it, NULL is an empty field, as FromRecords writes it.
func (r *Reader) CSV(keepNulls bool) io.Reader {
	return &csvStream{r: r, keepNulls: keepNulls}
}

// csvStream encodes the records as CSV on demand.
type csvStream struct {
	r         *Reader
	keepNulls bool
	buf       []byte
	off       int
	header    bool
	err       error
}

// csvChunk is about how much CSV a Read prepares before handing it over.
const csvChunk = 64 << 10

func (s *csvStream) Read(p []byte) (int, error) {
	if s.off >= len(s.buf) && s.err == nil {
		s.buf, s.off = s.buf[:0], 0
		s.err = s.fill()
	}
	if s.off < len(s.buf) {
		n := copy(p, s.buf[s.off:])
		s.off += n
		return n, nil
	}
	return 0, s.err
}

// fill encodes records into buf until it holds csvChunk bytes; io.EOF
// after the last.
func (s *csvStream) fill() error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if !s.header {
		s.header = true
		for i, c := range s.r.cols {
			if i > 0 {
				s.buf = append(s.buf, ',')
			}
			s.buf = appendField(s.buf, []byte(c.Name))
		}
		s.buf = append(s.buf, '\n')
	}
	for len(s.buf) < csvChunk {
		if !s.r.next() {
			if err := s.r.err; err != nil {
				return err
			}
			return io.EOF
		}
		for i, v := range s.r.cur {
			if i > 0 {
				s.buf = append(s.buf, ',')
			}
			if v.IsNull() {
				continue
			}
			b, err := s.r.codecs[i].render(s.r.scratch[:0], v)
			if err != nil {
				return s.r.valueError(i, err)
			}
			s.r.scratch = b
			if s.keepNulls && isBlank(b) {
				b = append(b, ' ')
				s.r.scratch = b
			}
			s.buf = appendField(s.buf, b)
		}
		s.buf = append(s.buf, '\n')
	}
	return nil
}

// appendField appends one CSV field, quoted when it must be.
func appendField(dst, f []byte) []byte {
	quote := len(f) > 0 && (f[0] == ' ' || f[0] == '\t')
	if !quote {
		for _, c := range f {
			if c == ',' || c == '"' || c == '\n' || c == '\r' {
				quote = true
				break
			}
		}
	}
	if !quote {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for _, c := range f {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// isBlank reports whether b is empty or white space only: the values the
// pipeline passes unchanged.
func isBlank(b []byte) bool {
	for len(b) > 0 {
		c, size := utf8.DecodeRune(b)
		if !unicode.IsSpace(c) {
			return false
		}
		b = b[size:]
	}
	return true
}

// isDate reports whether t is an INT32 DATE.
func isDate(t parquet.Type) bool {
	if t.Kind() != parquet.Int32 || t.LogicalType() == nil {
		return false
	}
	_, ok := t.LogicalType().Value.(*format.DateType)
	return ok
}

var errPrecision = errors.New("value is not a date")

// precisionCodec renders a DATE at a generalized precision and reads it
// back from that form.
func precisionCodec(c *codec, p string) *codec {
	width := 4
	if p == "month" {
		width = 7
	}
	return &codec{kind: c.kind, parse: c.parse, render: func(dst []byte, v parquet.Value) ([]byte, error) {
		n := len(dst)
		dst, err := c.render(dst, v)
		if err != nil || len(dst)-n < width {
			return dst, errPrecision
		}
		return dst[:n+width], nil
	}}
}
