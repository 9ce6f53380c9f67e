package records

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/space"
)

// Writer writes rows in the format they were read in: CSV with a header
// row, or JSON Lines with keys in header order. It buffers; call Flush.
type Writer struct {
	enc *Encoder
	bw  *bufio.Writer
	buf []byte
}

// NewWriter writes the header (CSV) and returns a Writer.
func NewWriter(w io.Writer, format Format, header []string) (*Writer, error) {
	enc, err := NewEncoder(format, header)
	if err != nil {
		return nil, err
	}
	wr := &Writer{enc: enc, bw: bufio.NewWriterSize(w, 1<<16)}
	if _, err := wr.bw.Write(enc.AppendHeader(nil)); err != nil {
		return nil, err
	}
	return wr, nil
}

// Write writes one row. kinds may be nil (all strings); a value whose kind
// is KindRaw is written unquoted, so numbers keep their exact digits.
func (w *Writer) Write(row []string, kinds []Kind) error {
	w.buf = w.enc.Append(w.buf[:0], row, kinds)
	_, err := w.bw.Write(w.buf)
	return err
}

// Flush writes buffered rows.
func (w *Writer) Flush() error { return w.bw.Flush() }

// Encoder turns rows into the bytes a Writer would write, without writing
// them, so that workers can serialize their batches in parallel and a
// single writer only copies bytes out in order. It is safe for concurrent use.
type Encoder struct {
	format Format
	header []string
	keys   [][]byte // JSON-encoded keys with their colon
}

// NewEncoder returns an Encoder for rows aligned with header.
func NewEncoder(format Format, header []string) (*Encoder, error) {
	e := &Encoder{format: format, header: header}
	switch format {
	case FormatCSV:
	case FormatJSONL:
		for _, h := range header {
			e.keys = append(e.keys, append(appendJSONString(nil, h), ':'))
		}
	default:
		return nil, &Error{Msg: "unknown output format"}
	}
	return e, nil
}

// AppendHeader appends the CSV header row to b; JSON Lines have none.
func (e *Encoder) AppendHeader(b []byte) []byte {
	if e.format == FormatCSV {
		return appendCSV(b, e.header)
	}
	return b
}

// Append appends row, with its newline, to b. kinds is as for Writer.Write.
func (e *Encoder) Append(b []byte, row []string, kinds []Kind) []byte {
	if e.format == FormatCSV {
		return appendCSV(b, row)
	}
	b = append(b, '{')
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.keys[i]...)
		k := KindString
		if i < len(kinds) {
			k = kinds[i]
		}
		switch k {
		case KindRaw:
			b = append(b, v...)
		case KindNull:
			b = append(b, "null"...)
		default:
			b = appendJSONString(b, v)
		}
	}
	return append(b, '}', '\n')
}

// appendCSV writes a record exactly as encoding/csv.Writer does with its
// defaults (comma, LF line ends), which the tests check byte for byte.
//
// One exception: a row of one empty field is written as "" rather than a
// blank line, which every CSV reader skips: the row would be lost.
func appendCSV(b []byte, row []string) []byte {
	if len(row) == 1 && row[0] == "" {
		return append(b, '"', '"', '\n')
	}
	for n, f := range row {
		if n > 0 {
			b = append(b, ',')
		}
		if !csvNeedsQuotes(f) {
			b = append(b, f...)
			continue
		}
		b = append(b, '"')
		for {
			i := strings.IndexByte(f, '"')
			if i < 0 {
				break
			}
			b = append(b, f[:i+1]...)
			b = append(b, '"')
			f = f[i+1:]
		}
		b = append(b, f...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// csvNeedsQuotes is encoding/csv's rule: a separator, quote or line break
// inside, a leading space, or the field `\.` (an end-of-data marker to some
// databases). Every byte written passes here, so it looks at eight bytes at
// a time.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	i := 0
	for ; i+8 <= len(f); i += 8 {
		x := uint64(f[i]) | uint64(f[i+1])<<8 | uint64(f[i+2])<<16 | uint64(f[i+3])<<24 |
			uint64(f[i+4])<<32 | uint64(f[i+5])<<40 | uint64(f[i+6])<<48 | uint64(f[i+7])<<56
		if hasByte(x, '\n')|hasByte(x, '\r')|hasByte(x, '"')|hasByte(x, ',') != 0 {
			return true
		}
	}
	for ; i < len(f); i++ {
		if csvSpecial[f[i]] {
			return true
		}
	}
	return space.First(f)
}

// hasByte is non-zero when one of the eight bytes of x is b (the classic
// "has zero byte" test on x XOR b repeated).
func hasByte(x uint64, b byte) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	y := x ^ (lo * uint64(b))
	return (y - lo) &^ y & hi
}

var csvSpecial = [256]bool{'\n': true, '\r': true, '"': true, ',': true}

// appendJSONString appends s as a JSON string without HTML escaping, so
// Chinese text stays readable.
func appendJSONString(b []byte, s string) []byte {
	if simpleJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	// json.Marshal escapes <, > and &; undo that for readability (both are valid JSON).
	return append(b, unescapeHTML(q)...)
}

func simpleJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

func unescapeHTML(q []byte) []byte {
	out := q[:0]
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+5 < len(q) && q[i+1] == 'u' && q[i+2] == '0' && q[i+3] == '0' {
			if v, err := strconv.ParseUint(string(q[i+4:i+6]), 16, 8); err == nil && (v == '<' || v == '>' || v == '&') {
				out = append(out, byte(v))
				i += 5
				continue
			}
		}
		if q[i] == '\\' && i+1 < len(q) {
			out = append(out, q[i], q[i+1])
			i++
			continue
		}
		out = append(out, q[i])
	}
	return out
}
