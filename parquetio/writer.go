package parquetio

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// Output says how one output column leaves, so the Writer can give it a
// Parquet type.
type Output struct {
	// In is the column in the input file; its Node is nil when the input
	// was not Parquet.
	In Column
	// Keep: the values are the input's, unchanged; the column keeps the
	// input's type and repetition (Node), or is a string column without
	// one.
	Keep bool
	// Date is "year" or "month" for a column of generalized dates
	// ("1990", "1990-05"): it is written as a DATE (the first day of the
	// period) with MetaDatePrecision saying which.
	Date string
}

// WriterOptions are a Writer's optional settings.
type WriterOptions struct {
	// Escaped: the CSV is Reader.CSV(true)'s, blank values escaped, so an
	// empty field is NULL and a blank value loses its trailing space.
	// Otherwise an empty field is NULL and every other value is as it is.
	Escaped bool
	// RowGroupRows is the rows per row group; 0 means DefaultRowGroupRows.
	RowGroupRows int64
}

// DefaultRowGroupRows bounds a row group, which the writer holds in memory
// until it is full.
const DefaultRowGroupRows = 64 << 10

// Writer writes the CSV written to it (a header row, then records) as a
// Parquet file to dst, one row group at a time. It parses and encodes in a
// goroutine of its own, so a run's writing overlaps its transforms. Call
// Commit after the last Write, or Abort to give up; when dst has
// Commit() error (a govshare.Output), Commit commits it too, and Writer is
// itself such a committer for Apply.
type Writer struct {
	pw   *io.PipeWriter
	done chan struct{}
	err  error // the goroutine's, once done is closed
	once sync.Once
	dst  io.Writer
}

// NewWriter starts a Writer to dst. name labels errors; plan tells how each
// output column (by name) leaves.
func NewWriter(dst io.Writer, name string, plan func(column string) Output, opt *WriterOptions) *Writer {
	var o WriterOptions
	if opt != nil {
		o = *opt
	}
	if o.RowGroupRows <= 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	pr, pw := io.Pipe()
	w := &Writer{pw: pw, done: make(chan struct{}), dst: dst}
	go func() {
		defer close(w.done)
		w.err = encode(dst, pr, name, plan, o)
		// Unblock a Write that is still waiting, with the reason.
		pr.CloseWithError(errors.Join(errWriterStopped, w.err))
	}()
	return w
}

var errWriterStopped = errors.New("parquetio: writer stopped")

// Write takes the next bytes of CSV.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.pw.Write(p)
	if err != nil {
		<-w.done
		if w.err != nil {
			return n, w.err
		}
	}
	return n, err
}

// Commit ends the CSV, writes the file's footer and, when dst commits,
// commits it.
func (w *Writer) Commit() error {
	w.pw.Close()
	<-w.done
	if w.err != nil {
		return w.err
	}
	if c, ok := w.dst.(interface{ Commit() error }); ok {
		return c.Commit()
	}
	return nil
}

// Abort stops the writer; what was written to dst is not a file.
func (w *Writer) Abort() {
	w.once.Do(func() {
		w.pw.CloseWithError(errWriterStopped)
		<-w.done
	})
}

// rowBatch is the rows handed to the Parquet writer at a time.
const rowBatch = 256

func encode(dst io.Writer, src io.Reader, name string, plan func(string) Output, o WriterOptions) error {
	sc := &csvScanner{r: src, name: name, line: 1}
	hb := &scanBatch{}
	sc.start(hb)
	ok, err := sc.record(hb)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("parquetio: %s: no header row", name)
	}
	if !utf8.Valid(hb.buf[:hb.pos]) {
		return fmt.Errorf("parquetio: %s:1: the header is not valid UTF-8 text", name)
	}
	header := make([]string, len(hb.fields))
	for i, f := range hb.fields {
		header[i] = string(f)
	}
	sc.finish(hb)
	schema, conv, meta, err := outputSchema(header, plan)
	if err != nil {
		return fmt.Errorf("parquetio: %s: %w", name, err)
	}
	opts := []parquet.WriterOption{schema, parquet.MaxRowsPerRowGroup(o.RowGroupRows), parquet.Compression(&parquet.Snappy)}
	for k, v := range meta {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	pw := parquet.NewWriter(dst, opts...)

	// Two stages: this goroutine cuts and converts batches, another writes
	// them, each batch in storage of its own until it is written.
	free := make(chan *scanBatch, 3)
	for range 3 {
		b := &scanBatch{rows: make([]parquet.Row, rowBatch)}
		for i := range b.rows {
			b.rows[i] = make(parquet.Row, len(header))
		}
		free <- b
	}
	full := make(chan *scanBatch, 2)
	written := make(chan error, 1)
	go func() {
		var err error
		for b := range full {
			if err == nil {
				if _, err = pw.WriteRows(b.rows[:b.n]); err != nil {
					err = fmt.Errorf("parquetio: %s: %w", name, err)
				}
			}
			free <- b
		}
		written <- err
	}()
	stop := func(err error) error {
		close(full)
		if werr := <-written; err == nil {
			err = werr
		}
		return err
	}
	for {
		var b *scanBatch
		select {
		case b = <-free:
		case err := <-written: // the writer failed: stop reading
			close(full)
			return err
		}
		sc.start(b)
		b.n = 0
		for b.n < rowBatch {
			before := len(b.fields)
			ok, err := sc.record(b)
			if err != nil {
				return stop(err)
			}
			if !ok {
				break
			}
			if n := len(b.fields) - before; n != len(header) {
				return stop(fmt.Errorf("parquetio: %s:%d: row has %d fields, header has %d", name, b.lines[b.n], n, len(header)))
			}
			b.n++
		}
		sc.finish(b)
		if !utf8.Valid(b.buf[:b.valid]) {
			return stop(fmt.Errorf("parquetio: %s:%d: the rows after this line are not valid UTF-8 text", name, b.lines[0]))
		}
		if err := convertBatch(b, header, conv, o.Escaped, name); err != nil {
			return stop(err)
		}
		if b.n == 0 {
			free <- b
			break
		}
		full <- b
	}
	if err := stop(nil); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("parquetio: %s: %w", name, err)
	}
	return nil
}

// convertBatch turns the fields of b's rows into Parquet values.
func convertBatch(b *scanBatch, header []string, conv []converter, escaped bool, name string) error {
	w := len(header)
	for r := range b.n {
		row := b.rows[r]
		for i, f := range b.fields[r*w : (r+1)*w] {
			v, err := conv[i].value(f, escaped)
			if err != nil {
				return fmt.Errorf("parquetio: %s:%d: field %q: %w", name, b.lines[r], header[i], err)
			}
			row[i] = v.Level(0, conv[i].def(v), i)
		}
	}
	return nil
}

// converter turns an output field back into a Parquet value.
type converter struct {
	parse    func(string) (parquet.Value, error) // nil: a string
	optional bool
}

var errNullRequired = errors.New("no value for a required column")

func (c *converter) value(f []byte, escaped bool) (parquet.Value, error) {
	if len(f) == 0 {
		if !c.optional {
			if c.parse == nil {
				return parquet.ByteArrayValue(nil), nil // a required string column may hold ""
			}
			return parquet.Value{}, errNullRequired
		}
		return parquet.NullValue(), nil
	}
	if escaped && isBlank(f) {
		f = f[:len(f)-1]
	}
	if c.parse == nil {
		return parquet.ByteArrayValue(f), nil
	}
	return c.parse(unsafe.String(unsafe.SliceData(f), len(f)))
}

// def is a value's definition level: 1 for a present value of an optional
// column.
func (c *converter) def(v parquet.Value) int {
	if c.optional && !v.IsNull() {
		return 1
	}
	return 0
}

// outputSchema gives each output column its node and converter.
func outputSchema(header []string, plan func(string) Output) (*parquet.Schema, []converter, map[string]string, error) {
	fields := make(group, len(header))
	conv := make([]converter, len(header))
	meta := map[string]string{}
	for i, h := range header {
		o := plan(h)
		var node parquet.Node
		switch {
		case o.Keep && o.In.Node != nil:
			c, err := codecOf(o.In.Node.Type())
			if err != nil {
				return nil, nil, nil, fmt.Errorf("column %q: %w", h, err)
			}
			if o.In.Precision != "" {
				c = precisionCodec(c, o.In.Precision)
				meta[MetaDatePrecision+h] = o.In.Precision
			}
			node = parquet.Leaf(o.In.Node.Type())
			if o.In.Node.Optional() {
				node = parquet.Optional(node)
			}
			conv[i] = converter{parse: c.parse, optional: o.In.Node.Optional()}
			if c.kind == parquet.ByteArray {
				conv[i].parse = nil
			}
		case o.Date == "year" || o.Date == "month":
			node = parquet.Optional(parquet.Date())
			c, _ := codecOf(parquet.Date().Type())
			conv[i] = converter{parse: c.parse, optional: true}
			meta[MetaDatePrecision+h] = o.Date
		default:
			node = parquet.Optional(parquet.String())
			conv[i] = converter{optional: true}
		}
		fields[i] = field{Node: node, name: h}
	}
	return parquet.NewSchema("govshare", fields), conv, meta, nil
}

// group is a group node whose fields keep their order: parquet.Group sorts
// them by name, and an output keeps its input's column order.
type group []parquet.Field

func (g group) ID() int                                { return 0 }
func (g group) String() string                         { return "group" + fmt.Sprint(len(g)) }
func (g group) Type() parquet.Type                     { return parquet.Group{}.Type() }
func (g group) Optional() bool                         { return false }
func (g group) Repeated() bool                         { return false }
func (g group) Required() bool                         { return true }
func (g group) Leaf() bool                             { return false }
func (g group) Fields() []parquet.Field                { return g }
func (g group) Encoding() encoding.Encoding            { return nil }
func (g group) Compression() compress.Codec            { return nil }
func (g group) GoType() reflect.Type                   { return reflect.TypeFor[map[string]any]() }
func (f field) Name() string                           { return f.name }
func (f field) Value(base reflect.Value) reflect.Value { return base.MapIndex(reflect.ValueOf(f.name)) }

// field is one named column of a group.
type field struct {
	parquet.Node
	name string
}
