package records

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
)

// Writer writes rows in the format they were read in: CSV with a header
// row, or JSON Lines with keys in header order. It buffers; call Flush.
type Writer struct {
	format Format
	header []string
	csv    *csv.Writer
	bw     *bufio.Writer
	keys   [][]byte // JSON-encoded keys with their colon
	buf    []byte
}

// NewWriter writes the header (CSV) and returns a Writer.
func NewWriter(w io.Writer, format Format, header []string) (*Writer, error) {
	wr := &Writer{format: format, header: header}
	switch format {
	case FormatCSV:
		wr.csv = csv.NewWriter(w)
		if err := wr.csv.Write(header); err != nil {
			return nil, err
		}
	case FormatJSONL:
		wr.bw = bufio.NewWriterSize(w, 1<<16)
		for _, h := range header {
			wr.keys = append(wr.keys, append(appendJSONString(nil, h), ':'))
		}
	default:
		return nil, &Error{Msg: "unknown output format"}
	}
	return wr, nil
}

// Write writes one row. kinds may be nil (all strings); a value whose kind
// is KindRaw is written unquoted, so numbers keep their exact digits.
func (w *Writer) Write(row []string, kinds []Kind) error {
	if w.format == FormatCSV {
		return w.csv.Write(row)
	}
	b := append(w.buf[:0], '{')
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w.keys[i]...)
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
	b = append(b, '}', '\n')
	w.buf = b
	_, err := w.bw.Write(b)
	return err
}

// Flush writes buffered rows.
func (w *Writer) Flush() error {
	if w.format == FormatCSV {
		w.csv.Flush()
		return w.csv.Error()
	}
	return w.bw.Flush()
}

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
