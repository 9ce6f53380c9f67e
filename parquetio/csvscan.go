package parquetio

import (
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// csvScanner splits CSV (RFC 4180, LF or CRLF line ends) into records
// without a copy per field: fields are slices of the batch buffer the
// records were read into, or of its scratch space when a quoted field had
// to be unescaped. A record is parsed again from its start when the buffer
// ends inside it.
type csvScanner struct {
	r    io.Reader
	name string
	eof  bool
	err  error
	line int // line the next record starts on
	rest []byte
}

// scanBatch is the storage of one batch of records: its bytes stay put
// until the batch is written, while the next batch is scanned into
// another.
type scanBatch struct {
	buf     []byte
	scratch []byte
	pos     int
	fields  [][]byte // this batch's fields, width per record
	lines   []int    // line of each record
	valid   int      // bytes of buf holding whole records
	rows    []parquet.Row
	n       int // rows in use
}

var errBareQuote = errors.New(`bare " in an unquoted field`)
var errQuote = errors.New(`extraneous or missing " in a quoted field`)

const readChunk = 64 << 10

// start moves the bytes left over from the previous batch into b.
func (s *csvScanner) start(b *scanBatch) {
	b.buf = append(b.buf[:0], s.rest...)
	b.scratch = b.scratch[:0]
	b.fields = b.fields[:0]
	b.lines = b.lines[:0]
	b.pos, b.valid = 0, 0
}

// finish keeps what b did not parse for the next batch.
func (s *csvScanner) finish(b *scanBatch) {
	s.rest = append(s.rest[:0], b.buf[b.pos:]...)
	b.valid = b.pos
}

// more reads another chunk into b.buf; false at the end of the input.
func (s *csvScanner) more(b *scanBatch) bool {
	if s.eof {
		return false
	}
	if cap(b.buf)-len(b.buf) < readChunk {
		nb := make([]byte, len(b.buf), 2*cap(b.buf)+readChunk)
		copy(nb, b.buf)
		// Fields already cut point into the old array, which stays as it
		// is: nothing writes to it again.
		b.buf = nb
	}
	n, err := s.r.Read(b.buf[len(b.buf):cap(b.buf)])
	b.buf = b.buf[:len(b.buf)+n]
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		s.err = err
		s.eof = true
	}
	return n > 0 || !s.eof
}

// record cuts the next record into b.fields; false at the end of the
// input (check s.err) or on an error.
func (s *csvScanner) record(b *scanBatch) (bool, error) {
	for {
		if b.pos == len(b.buf) {
			if !s.more(b) {
				return false, s.err
			}
			continue
		}
		n0, s0 := len(b.fields), len(b.scratch)
		next, lines, ok, err := s.parse(b)
		if err != nil {
			return false, fmt.Errorf("parquetio: %s:%d: %w", s.name, s.line, err)
		}
		if ok {
			b.lines = append(b.lines, s.line)
			s.line += lines
			b.pos = next
			return true, nil
		}
		// The buffer ends inside the record: read on and parse it again.
		b.fields, b.scratch = b.fields[:n0], b.scratch[:s0]
		if !s.more(b) {
			if s.err != nil {
				return false, s.err
			}
			s.eof = true
			// The last record has no line end: parse it as ended.
			next, lines, ok, err = s.parseFinal(b)
			if err != nil {
				return false, fmt.Errorf("parquetio: %s:%d: %w", s.name, s.line, err)
			}
			if !ok {
				return false, fmt.Errorf("parquetio: %s:%d: %w", s.name, s.line, errQuote)
			}
			b.lines = append(b.lines, s.line)
			s.line += lines
			b.pos = next
			return true, nil
		}
	}
}

func (s *csvScanner) parseFinal(b *scanBatch) (int, int, bool, error) {
	b.buf = append(b.buf, '\n')
	return s.parse(b)
}

// parse cuts one record starting at b.pos. ok is false when the buffer
// ends first.
func (s *csvScanner) parse(b *scanBatch) (next, lines int, ok bool, err error) {
	buf := b.buf
	i := b.pos
	lines = 1
	for {
		if i >= len(buf) {
			return 0, 0, false, nil
		}
		if buf[i] != '"' {
			j := i
			for j < len(buf) && buf[j] != ',' && buf[j] != '\n' {
				if buf[j] == '"' {
					return 0, 0, false, errBareQuote
				}
				j++
			}
			if j == len(buf) {
				return 0, 0, false, nil
			}
			f := buf[i:j]
			if buf[j] == '\n' && len(f) > 0 && f[len(f)-1] == '\r' {
				f = f[:len(f)-1]
			}
			b.fields = append(b.fields, f)
			if buf[j] == '\n' {
				return j + 1, lines, true, nil
			}
			i = j + 1
			continue
		}
		// A quoted field: unescape "" into scratch when there is one.
		j := i + 1
		start := j
		escaped := false
		s0 := len(b.scratch)
		for {
			if j >= len(buf) {
				return 0, 0, false, nil
			}
			c := buf[j]
			if c == '\n' {
				lines++
			}
			if c != '"' {
				j++
				continue
			}
			if j+1 >= len(buf) {
				return 0, 0, false, nil
			}
			if buf[j+1] == '"' {
				if !escaped {
					b.scratch = append(b.scratch, buf[start:j+1]...)
					escaped = true
				} else {
					b.scratch = append(b.scratch, buf[start:j+1]...)
				}
				j += 2
				start = j
				continue
			}
			break
		}
		f := buf[start:j]
		if escaped {
			b.scratch = append(b.scratch, f...)
			f = b.scratch[s0:len(b.scratch):len(b.scratch)]
		}
		j++ // the closing quote
		if j < len(buf) && buf[j] == '\r' {
			j++
		}
		if j >= len(buf) {
			return 0, 0, false, nil
		}
		b.fields = append(b.fields, f)
		switch buf[j] {
		case ',':
			i = j + 1
		case '\n':
			return j + 1, lines, true, nil
		default:
			return 0, 0, false, errQuote
		}
	}
}
