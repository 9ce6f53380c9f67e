package records

import (
	"encoding/binary"
	"slices"
	"sync"

	"bytes"
	"encoding/csv"
	"fmt"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
	"io"
	"unicode/utf8"
)

// DefaultBatchSize is the size of the raw batches a BatchReader cuts: big
// enough that hand-offs between goroutines cost nothing next to the work
// (hundreds of rows), small enough that a few per core stay in cache.
const DefaultBatchSize = 128 << 10

// BatchReader cuts an input into batches of whole records without parsing
// them, so that several goroutines can parse their batches at once (Parse)
// while one goroutine only reads and looks for record boundaries (Next).
//
// For CSV a boundary is a newline outside a quoted field, found by the same
// rules encoding/csv parses by; JSON Lines batches end at a newline. Parse
// gives the same rows and the same first error, on the same line, as Reader
// (encoding/csv or the JSON Lines reader) reading the whole input.
type BatchReader struct {
	name   string
	format Format
	src    io.Reader
	size   int
	header []string
	index  map[string]int

	buf     []byte // unread input; buf[0] starts a record
	line    int    // line of buf[0]
	scanned int    // buf[:scanned] has been scanned for boundaries
	state   scanState
	cut     int // last boundary found in buf[:scanned]; 0: none
	bomDone bool
	empty   int // reads in a row that returned nothing
	eof     bool
	rerr    error
	done    bool
	pending *Chunk
	free    chan []byte // recycled batch buffers
	text    text

	headerLine int
}

// decodeGB decodes GB18030 src into dst's storage. ASCII is copied and
// two-byte characters (nearly all Chinese text) are looked up in a table
// built from x/text's own decoder; anything else — four-byte characters,
// invalid bytes — goes to that decoder. Bytes that are no GB18030 become
// U+FFFD, which the text check then reports with its line and field.
func decodeGB(dst, src []byte) []byte {
	gb2.once.Do(gb2.build)
	dst = slices.Grow(dst[:0], len(src)+len(src)/2+16) // 2-byte characters grow to 3
	var d *encoding.Decoder
	for len(src) > 0 {
		c := src[0]
		if c < 0x80 {
			i := 1
			for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:])&0x8080808080808080 == 0 {
				i += 8 // eight ASCII bytes at a time
			}
			for i < len(src) && src[i] < 0x80 {
				i++
			}
			dst, src = append(dst, src[:i]...), src[i:]
			continue
		}
		if len(src) >= 2 {
			if e := gb2.utf8(c, src[1]); e != 0 {
				// e holds the UTF-8 bytes, low byte first, and their count on top.
				switch e >> 24 {
				case 3:
					dst = append(dst, byte(e), byte(e>>8), byte(e>>16))
				case 2:
					dst = append(dst, byte(e), byte(e>>8))
				default:
					dst = append(dst, byte(e))
				}
				src = src[2:]
				continue
			}
		}
		// One character the table does not hold: four bytes when a digit
		// follows the lead byte, else two.
		n := 2
		switch {
		case c == 0x80 || c == 0xFF:
			n = 1 // no lead byte (x/text reads 0x80 as CP936's €)
		case len(src) > 1 && '0' <= src[1] && src[1] <= '9':
			n = 4
		}
		n = min(n, len(src))
		if d == nil {
			d = simplifiedchinese.GB18030.NewDecoder()
		}
		dst, src = decodeRun(d, dst, src[:n]), src[n:]
	}
	return dst
}

// gb2 maps every valid two-byte GB18030 character (lead 0x81–0xFE, trail
// 0x40–0xFE) to its UTF-8 bytes as x/text decodes it (all are in the BMP,
// so at most three bytes, packed with their count); 0 where it does not.
var gb2 gbTable

type gbTable struct {
	once  sync.Once
	table [126 * 191]uint32
}

func (t *gbTable) build() {
	d := simplifiedchinese.GB18030.NewDecoder()
	for lead := 0x81; lead <= 0xFE; lead++ {
		for trail := 0x40; trail <= 0xFE; trail++ {
			out, err := d.Bytes([]byte{byte(lead), byte(trail)})
			r, n := utf8.DecodeRune(out)
			if err != nil || n != len(out) || r == utf8.RuneError || n > 3 {
				continue
			}
			e := uint32(n) << 24
			for i, b := range out {
				e |= uint32(b) << (8 * i)
			}
			t.table[(lead-0x81)*191+trail-0x40] = e
		}
	}
}

func (t *gbTable) utf8(lead, trail byte) uint32 {
	if lead < 0x81 || lead > 0xFE || trail < 0x40 || trail > 0xFE {
		return 0
	}
	return t.table[int(lead-0x81)*191+int(trail-0x40)]
}

// decodeRun appends the decoding of whole characters run to dst.
func decodeRun(d *encoding.Decoder, dst, run []byte) []byte {
	for {
		n, m, err := d.Transform(dst[len(dst):cap(dst)], run, true)
		dst, run = dst[:len(dst)+n], run[m:]
		if err != transform.ErrShortDst {
			return dst // the decoder replaces what it cannot read; no other error
		}
		dst = slices.Grow(dst, 2*len(run)+16)
	}
}

// Size is the chunk's length in bytes.
func (c *Chunk) Size() int { return len(c.data) }

// Chunk is a batch of whole records as raw bytes. Parse it once.
type Chunk struct {
	buf     []byte // backing buffer, recycled by Parse
	decoded bool   // data is UTF-8 already (GB18030 input decoded by readHeader)
	data    []byte
	line    int   // line of data[0]
	err     error // a read error after data
}

// Rows are the records of one parsed Chunk. Reuse one Rows per goroutine:
// Parse resets it.
type Rows struct {
	Width  int
	Fields []string // row i is Fields[i*Width : (i+1)*Width]
	Lines  []int    // the line each row starts on
	Kinds  []Kind   // JSON Lines: kind of each of Fields; nil for CSV
	// Err is the first error in the chunk, which ends the input: the rows
	// before it are in Fields, the row it names is not.
	Err error

	raw  []byte // CSV: unquoted field bytes of all rows
	ends []int  // CSV: end of each field in raw
	dec  []byte // GB18030 input decoded to UTF-8
}

// Len returns the number of rows.
func (rs *Rows) Len() int { return len(rs.Lines) }

// Row returns row i; the slice is valid until the next Parse.
func (rs *Rows) Row(i int) []string {
	return rs.Fields[i*rs.Width : (i+1)*rs.Width : (i+1)*rs.Width]
}

// NewBatchReader reads the header from r and returns a BatchReader for the
// rest. size is the batch size in bytes (DefaultBatchSize when ≤ 0); a
// record longer than that makes a batch of its own. Errors are *Error.
func NewBatchReader(r io.Reader, name string, format Format, encoding string, size int) (*BatchReader, error) {
	// GB18030 is not decoded here but by Parse, batch by batch on every core:
	// its multi-byte characters never contain '\n', '\r', '"' or ',' (their
	// bytes are ≥ 0x30), so the boundary scan is exact on the raw bytes.
	src, err := r, error(nil)
	if !textOf(encoding).gb {
		src, err = Decode(r, encoding)
	}
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	if size <= 0 {
		size = DefaultBatchSize
	}
	br := &BatchReader{name: name, format: format, src: src, size: size, line: 1, free: make(chan []byte, 16), text: textOf(encoding)}
	switch format {
	case FormatCSV, FormatJSONL:
	default:
		return nil, &Error{File: name, Msg: "unknown format"}
	}
	if err := br.readHeader(); err != nil {
		return nil, err
	}
	return br, nil
}

// Header returns the column names.
func (r *BatchReader) Header() []string { return r.header }

// Name returns the input's name as used in errors.
func (r *BatchReader) Name() string { return r.name }

// readHeader parses the first record (CSV) or the first JSON object and
// leaves the rest for Next.
// readHeader reads up to the first record only (Next does not wait for a
// full batch before there is a header), so a slow input is not waited on
// before the run starts.
func (r *BatchReader) readHeader() error {
	for {
		c, err := r.Next()
		if err == io.EOF {
			if r.format == FormatCSV {
				return &Error{File: r.name, Msg: "empty file: a CSV header row is required"}
			}
			return &Error{File: r.name, Msg: "empty file: no JSON object to read"}
		}
		if r.text.gb && !c.decoded {
			c.data, c.decoded = decodeGB(nil, c.data), true
		}
		if r.format == FormatJSONL {
			keys, line, found, err := r.firstObject(c)
			if err != nil {
				return err
			}
			if !found {
				if c.err != nil {
					return c.err
				}
				continue // only blank lines so far
			}
			// The first record is also the first row: it goes round again.
			r.pending = c
			return r.setHeader(keys, line)
		}
		p := csvParser{data: c.data, numLine: c.line - 1}
		recLine, perr, ok := p.readRecord()
		if perr != nil {
			return r.parseError(perr)
		}
		if !ok {
			if c.err != nil {
				return c.err
			}
			continue // only blank lines so far
		}
		h := make([]string, len(p.ends))
		s, prev := string(p.raw), 0
		for i, e := range p.ends {
			h[i], prev = s[prev:e], e
		}
		if p.off < len(c.data) || c.err != nil {
			r.pending = &Chunk{buf: c.buf, data: c.data[p.off:], decoded: c.decoded, line: p.numLine + 1, err: c.err}
		}
		return r.setHeader(h, recLine)
	}
}

// cutLine splits off data's first line, with its newline.
func cutLine(data []byte) (line, rest []byte) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i+1], data[i+1:]
	}
	return data, nil
}

// firstObject finds the first non-blank line of c and returns its keys.
func (r *BatchReader) firstObject(c *Chunk) ([]string, int, bool, error) {
	data, line := c.data, c.line
	for len(data) > 0 {
		var l []byte
		l, data = cutLine(data)
		if len(bytes.TrimSpace(l)) > 0 {
			if !utf8.Valid(l) {
				return nil, 0, false, &Error{File: r.name, Line: line, Msg: msgUTF8}
			}
			_, keys, _, err := parseObject(r.name, line, l, nil)
			return keys, line, err == nil, err
		}
		line++
	}
	return nil, 0, false, nil
}

func (r *BatchReader) setHeader(h []string, line int) error {
	r.index = keyIndex(h)
	if err := checkHeader(r.name, line, h); err != nil {
		return err
	}
	r.header, r.headerLine = h, line
	return nil
}

// HeaderLine is the line the header was read from (blank lines before it
// are skipped).
func (r *BatchReader) HeaderLine() int { return r.headerLine }

const msgUTF8 = "not valid UTF-8 (is the file GB18030? use --encoding gb18030)"

// Next returns the next batch, or io.EOF after the last. It is not safe for
// concurrent use; Parse is.
func (r *BatchReader) Next() (*Chunk, error) {
	if c := r.pending; c != nil {
		r.pending = nil
		return c, nil
	}
	if r.done {
		return nil, io.EOF
	}
	if r.buf == nil {
		r.buf = r.getBuf(r.size)
	}
	for {
		r.scan()
		if r.eof || r.rerr != nil || r.cut > 0 && (len(r.buf) >= r.size || r.header == nil) {
			break
		}
		if r.cut == 0 && len(r.buf) > maxJSONLine {
			// One record without end: an unclosed quote, or no newlines.
			// Bound the memory it may take.
			what := "line"
			if r.format == FormatCSV {
				what = "record"
			}
			return r.fail(&Error{File: r.name, Line: r.line, Msg: fmt.Sprintf("%s longer than %d bytes (an unclosed quote?)", what, maxJSONLine)})
		}
		r.read()
	}
	if r.format == FormatJSONL && len(r.buf) > maxJSONLine {
		// Only the first line of a batch can be this long: the buffer
		// grows only while it holds no line end.
		if i := bytes.IndexByte(r.buf, '\n'); i < 0 || i+1 > maxJSONLine {
			return r.fail(&Error{File: r.name, Line: r.line, Msg: fmt.Sprintf("line longer than %d bytes", maxJSONLine)})
		}
	}
	end := r.cut
	var err error
	switch {
	case r.rerr != nil:
		// What came before the error is whole records; the rest is lost.
		err = &Error{File: r.name, Line: r.line + bytes.Count(r.buf[:end], []byte{'\n'}), Msg: r.rerr.Error()}
		r.done = true
	case r.eof:
		end = len(r.buf) // the last record needs no newline
		r.done = true
	}
	if end == 0 && err == nil {
		return nil, io.EOF
	}
	c := &Chunk{buf: r.buf, data: r.buf[:end], line: r.line, err: err}
	r.line += bytes.Count(c.data, []byte{'\n'})
	if r.done {
		r.buf = nil
		return c, nil
	}
	rest := r.buf[end:]
	r.buf = append(r.getBuf(len(rest) + r.size)[:0], rest...)
	r.scanned -= end
	r.cut = 0
	return c, nil
}

func (r *BatchReader) fail(err error) (*Chunk, error) {
	r.done = true
	r.buf = nil
	return &Chunk{err: err, line: r.line}, nil
}

// read reads once into the free part of buf, growing it when full, and
// strips a UTF-8 byte order mark at the start of the input.
func (r *BatchReader) read() {
	if len(r.buf) == cap(r.buf) {
		nb := make([]byte, len(r.buf), 2*cap(r.buf))
		copy(nb, r.buf)
		r.buf = nb
	}
	// Read at most size at a time, so a recycled big buffer does not make
	// a big batch.
	free := r.buf[len(r.buf):min(cap(r.buf), len(r.buf)+r.size)]
	n, err := r.src.Read(free)
	r.buf = r.buf[:len(r.buf)+n]
	if n == 0 && err == nil {
		// A reader that keeps returning nothing would spin here forever.
		if r.empty++; r.empty >= 100 {
			err = io.ErrNoProgress
		}
	} else {
		r.empty = 0
	}
	if err == io.EOF {
		r.eof = true
	} else if err != nil {
		r.rerr = err
	}
	if !r.bomDone && (len(r.buf) >= 4 || r.eof || r.rerr != nil) {
		r.bomDone = true
		bom := []byte{0xEF, 0xBB, 0xBF}
		if r.text.gb {
			bom = []byte{0x84, 0x31, 0x95, 0x33} // U+FEFF in GB18030
		}
		if bytes.HasPrefix(r.buf, bom) {
			r.buf = append(r.buf[:0], r.buf[len(bom):]...)
		}
	}
}

func (r *BatchReader) getBuf(n int) []byte {
	select {
	case b := <-r.free:
		if cap(b) >= n {
			return b[:0]
		}
	default:
	}
	return make([]byte, 0, max(n, 2*r.size))
}

// recycle returns a batch buffer once its bytes are no longer needed.
func (r *BatchReader) recycle(b []byte) {
	if b == nil || cap(b) > 4*r.size {
		return // a long record's buffer: let it go
	}
	select {
	case r.free <- b:
	default:
	}
}

// scanState is where the boundary scan is within a CSV record.
type scanState uint8

const (
	stUnquoted scanState = iota // outside quotes (also at a field's start)
	stQuoted                    // inside a quoted field
	stQuote                     // just after a quote inside a quoted field
	stBad                       // after input encoding/csv rejects: quotes no longer count
)

// scan looks through the unscanned part of buf for record boundaries and
// sets cut to the last one.
func (r *BatchReader) scan() {
	if !r.bomDone {
		return // the first bytes may still be a byte order mark
	}
	b := r.buf
	p := r.scanned
	if r.format == FormatJSONL {
		if i := bytes.LastIndexByte(b[p:], '\n'); i >= 0 {
			r.cut = p + i + 1
		}
		r.scanned = len(b)
		return
	}
	// The state machine follows encoding/csv's parser: a quote opens a
	// quoted field only at a field's start; inside one, a doubled quote
	// is a quote and a single quote ends the field. Input that csv rejects
	// (a quote inside an unquoted field, text after a closing quote) is cut
	// at the next newline: Parse reports the error there, and nothing after
	// the first error is used.
	st := r.state
	nl, q := -1, -1 // next newline and quote at or after p; len(b) if none
	index := func(from int, c byte) int {
		if i := bytes.IndexByte(b[from:], c); i >= 0 {
			return from + i
		}
		return len(b)
	}
	for p < len(b) {
		switch st {
		case stUnquoted:
			if nl < p {
				nl = index(p, '\n')
			}
			if q < p {
				q = index(p, '"')
			}
			if q < nl {
				if q == 0 || b[q-1] == ',' || b[q-1] == '\n' {
					st = stQuoted
				} else {
					st = stBad // a bare quote in an unquoted field
				}
				p = q + 1
				continue
			}
			if nl == len(b) {
				p = len(b)
				continue
			}
			p = nl + 1
			r.cut = p
		case stQuoted:
			i := bytes.IndexByte(b[p:], '"')
			if i < 0 {
				p = len(b)
				continue
			}
			p += i + 1
			st = stQuote
		case stQuote:
			switch b[p] {
			case '"':
				st = stQuoted
				p++
			case ',', '\r', '\n':
				st = stUnquoted
			default:
				st = stBad // text after a closing quote
			}
		case stBad:
			// Parse reports the error on this line and nothing after it is
			// used; cut at every newline so the rest is never held at once.
			i := bytes.IndexByte(b[p:], '\n')
			if i < 0 {
				p = len(b)
				continue
			}
			p += i + 1
			r.cut = p
		}
	}
	r.scanned, r.state = p, st
}

// Parse parses a chunk from Next into rs. It is safe to call from several
// goroutines at once (each with its own Rows); the chunk may not be used
// afterwards.
func (r *BatchReader) Parse(c *Chunk, rs *Rows) {
	rs.Width = len(r.header)
	rs.Fields, rs.Lines, rs.Kinds, rs.Err = rs.Fields[:0], rs.Lines[:0], rs.Kinds[:0], nil
	if r.text.gb && !c.decoded {
		rs.dec = decodeGB(rs.dec, c.data)
		c.data, c.decoded = rs.dec, true
		if cap(rs.dec) > 8*r.size {
			rs.dec = nil // a long record's: do not keep it
		}
	}
	if r.format == FormatJSONL {
		r.parseJSONL(c, rs)
	} else {
		r.parseCSV(c, rs)
	}
	if rs.Err == nil {
		rs.Err = c.err
	}
	if r.format == FormatCSV {
		rs.Kinds = nil
	}
	r.recycle(c.buf)
	c.buf, c.data = nil, nil
}

func (r *BatchReader) parseCSV(c *Chunk, rs *Rows) {
	p := csvParser{data: c.data, numLine: c.line - 1, raw: rs.raw[:0], ends: rs.ends[:0]}
	good := 0 // end of the last whole row in c.data
	for {
		n := len(p.ends)
		recLine, perr, ok := p.readRecord()
		if perr == nil && ok && len(p.ends)-n != rs.Width {
			perr = &csvError{line: recLine, err: csv.ErrFieldCount}
		}
		if perr != nil {
			p.ends = p.ends[:n]
			rs.Err = r.parseError(perr)
			break
		}
		if !ok {
			break
		}
		rs.Lines = append(rs.Lines, recLine)
		good = p.off
	}
	rs.raw, rs.ends = p.raw, p.ends
	if cap(rs.raw) > 4*r.size { // a long record's: do not keep it for the next batch
		rs.raw, rs.ends = nil, nil
	}
	// One string per batch; fields are its substrings.
	s, prev := string(p.raw), 0
	for _, e := range p.ends {
		rs.Fields = append(rs.Fields, s[prev:e])
		prev = e
	}
	// Field bytes are the input's bytes between ASCII delimiters, so when
	// the input is valid UTF-8 every field is; look field by field only
	// when it is not.
	if !r.text.valid(c.data[:good]) {
		for i, f := range rs.Fields {
			if !r.text.validString(f) {
				row := i / rs.Width
				rs.Err = &Error{File: r.name, Line: rs.Lines[row], Field: r.header[i%rs.Width], Msg: r.text.msg()}
				rs.Fields, rs.Lines = rs.Fields[:row*rs.Width], rs.Lines[:row]
				break
			}
		}
	}
}

func (r *BatchReader) parseJSONL(c *Chunk, rs *Rows) {
	data, line := c.data, c.line-1
	for len(data) > 0 {
		var l []byte
		l, data = cutLine(data)
		line++
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		if !r.text.valid(l) {
			rs.Err = &Error{File: r.name, Line: line, Msg: r.text.msg()}
			return
		}
		row, _, kinds, err := parseObject(r.name, line, l, r.index)
		if err != nil {
			rs.Err = err
			return
		}
		rs.Fields = append(rs.Fields, row...)
		rs.Kinds = append(rs.Kinds, kinds...)
		rs.Lines = append(rs.Lines, line)
	}
}

// csvError is a parse error at a line, as encoding/csv reports it.
type csvError struct {
	line int
	err  error
}

func (r *BatchReader) parseError(e *csvError) error {
	msg := e.err.Error()
	if e.err == csv.ErrFieldCount {
		msg = "row has a different number of fields than the header"
	}
	return &Error{File: r.name, Line: e.line, Msg: msg}
}

// csvParser parses CSV records from memory exactly as encoding/csv.Reader
// does with its defaults (comma, no comments, strict quotes), including
// its line numbers; the tests and the fuzz test hold it to that.
type csvParser struct {
	data    []byte
	off     int
	numLine int    // line of the last line read
	raw     []byte // field bytes of the records read, unquoted
	ends    []int  // end of each field in raw
}

// readLine returns the next line without its end ("\n", "\r\n", or a
// trailing "\r" at the end of input, as csv drops it); nl says whether it
// ended in a newline. ok is false at the end of input.
func (p *csvParser) readLine() (line []byte, nl, ok bool) {
	p.numLine++
	rest := p.data[p.off:]
	if len(rest) == 0 {
		return nil, false, false
	}
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		p.off = len(p.data)
		if rest[len(rest)-1] == '\r' {
			rest = rest[:len(rest)-1]
		}
		return rest, false, true
	}
	p.off += i + 1
	line = rest[:i]
	if i > 0 && line[i-1] == '\r' {
		line = line[:i-1]
	}
	return line, true, true
}

// readRecord appends the next record's field bytes to p.raw and their ends
// to p.ends, skipping blank lines. ok is false at the end of input.
func (p *csvParser) readRecord() (recLine int, err *csvError, ok bool) {
	var line []byte
	var nl bool
	for {
		line, nl, ok = p.readLine()
		if !ok {
			return 0, nil, false
		}
		if len(line) > 0 {
			break
		}
		// a blank line ("\n", "\r\n", or a lone "\r" at the end)
	}
	recLine = p.numLine
	posLine := p.numLine
	for {
		if len(line) == 0 || line[0] != '"' {
			// Unquoted field: up to the next comma or the line's end.
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if bytes.IndexByte(field, '"') >= 0 {
				return recLine, &csvError{line: p.numLine, err: csv.ErrBareQuote}, true
			}
			p.raw = append(p.raw, field...)
			p.ends = append(p.ends, len(p.raw))
			if i < 0 {
				return recLine, nil, true
			}
			line = line[i+1:]
			continue
		}
		// Quoted field, possibly over several lines.
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				p.raw = append(p.raw, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					p.raw = append(p.raw, '"')
					line = line[1:]
					continue
				case len(line) > 0 && line[0] == ',':
					line = line[1:]
					p.ends = append(p.ends, len(p.raw))
				case len(line) == 0:
					p.ends = append(p.ends, len(p.raw))
					return recLine, nil, true
				default:
					return recLine, &csvError{line: p.numLine, err: csv.ErrQuote}, true
				}
			case len(line) > 0 || nl:
				// The field goes on past this line; csv keeps "\n" (a
				// "\r\n" becomes "\n").
				p.raw = append(p.raw, line...)
				if nl {
					p.raw = append(p.raw, '\n')
				}
				var more bool
				line, nl, more = p.readLine()
				if more && (len(line) > 0 || nl) {
					posLine++
				}
				continue
			default:
				// The input ends inside the quotes.
				return recLine, &csvError{line: posLine, err: csv.ErrQuote}, true
			}
			break
		}
	}
}
