package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/ordered"
	"github.com/govshare/govshare/internal/records"
)

// Batches of whole lines go to the workers; a line longer than maxBatch is
// cut at the last space or ASCII punctuation before the limit, so memory
// stays bounded whatever the input. Batches are small enough that a file of
// a few MB is spread over both cores and its output starts early.
const (
	batchSize = 64 << 10
	maxBatch  = 16 << 20
)

type detectBatch struct {
	base     int
	text     string
	out      []byte // the batch's findings, encoded by the worker
	count    int    // findings in out
	replaced int    // U+FFFD characters in text
}

func cmdDetect(e *env, args []string) error {
	fs := newFlags(e, "detect")
	asJSON := fs.Bool("json", false, "print one JSON object")
	encoding := fs.String("encoding", "", "input encoding: utf-8 (default) or gb18030 (offsets are then into the UTF-8 text)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"detect takes at most one input file"}
	}
	var in io.Reader = e.stdin
	name := "<stdin>"
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, pos[0]
	}
	if in, err = records.Decode(in, *encoding); err != nil {
		return usageError{err.Error()}
	}
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// detect keeps little alive (the batches in flight, a few MB) and
		// drops text and output already written. The default collects
		// each time the heap doubles from 4 MB, for nothing on a file of a
		// few MB (a tenth of the run); collect at 5× instead, and at
		// 256 MiB whatever the ratio, for lines of many MB.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(256 << 20))
	}
	out := bufio.NewWriterSize(e.stdout, 1<<16)
	w := &findingWriter{w: out, json: *asJSON}
	replaced, err := detectStream(in, w.encode, w.write)
	if err != nil {
		return fmt.Errorf("govshare: %s: %w", name, err)
	}
	if replaced > 0 && *encoding != "" {
		// The decoder shows bytes that are not GB18030 as U+FFFD: say so,
		// since an identifier there cannot be found.
		fmt.Fprintf(e.stderr, "govshare: warning: %s: %d byte sequences are not valid %s (read as U+FFFD)\n", name, replaced, *encoding)
	}
	if err := w.close(); err != nil {
		return err
	}
	return out.Flush()
}

// detectStream reads in and detects in parallel batches of lines. The
// workers encode each batch's findings, with absolute byte offsets, by
// calling encode on each; write gets the encoded batches in input order.
// It returns the number of U+FFFD characters read, which after decoding
// mark bytes that were not in the declared encoding.
func detectStream(in io.Reader, encode func(dst []byte, f classify.Finding) []byte, write func(out []byte, count int) error) (replaced int, err error) {
	workers := runtime.GOMAXPROCS(0)
	free := make(chan []byte, workers*4) // output buffers written out, for reuse
	found := make([][]classify.Finding, workers)
	var d classify.Detector
	err = ordered.Run(context.Background(), workers, func(send func(*detectBatch) bool) error {
		return readBatches(in, func(base int, text string) bool {
			return send(&detectBatch{base: base, text: text})
		})
	}, func(w int, b *detectBatch) {
		if found[w] == nil {
			found[w] = make([]classify.Finding, 0, batchSize/12) // one a bare value
		}
		fs := d.AppendDetect(found[w][:0], b.text)
		select {
		case b.out = <-free:
		default:
		}
		// Room for the output as it will be unless values need escaping,
		// so the buffer grows once.
		need := 0
		for _, f := range fs {
			need += len(f.Type) + len(f.Value) + 64
		}
		b.out = slices.Grow(b.out, need)
		for _, f := range fs {
			f.Start += b.base
			f.End += b.base
			b.out = encode(b.out, f)
		}
		b.count = len(fs)
		b.replaced = strings.Count(b.text, "\uFFFD")
		clear(fs) // the findings hold the text: let it go
		found[w] = fs
		b.text = ""
	}, func(b *detectBatch) error {
		replaced += b.replaced
		var err error
		if b.count > 0 {
			err = write(b.out, b.count)
		}
		if cap(b.out) <= 16*batchSize { // not what a line of many MB needed
			select {
			case free <- b.out[:0]:
			default:
			}
		}
		b.out = nil
		return err
	})
	return replaced, err
}

// readBatches cuts the input into batches of at most batchSize bytes that
// end at a line end; a longer line makes a longer batch, up to maxBatch.
func readBatches(in io.Reader, send func(base int, text string) bool) error {
	buf := make([]byte, 0, batchSize)
	base := 0
	nl := 0          // buf[:nl] ends at the last newline read; 0 if none
	stopped := false // the consumer stopped: read no further
	flush := func(n int) {
		stopped = !send(base, string(buf[:n]))
		base += n
		rest := buf[n:]
		if cap(buf) > batchSize && len(rest) < batchSize {
			buf = make([]byte, 0, batchSize) // back to batchSize after a long line
		}
		buf = append(buf[:0], rest...)
		nl = 0
	}
	for !stopped {
		if len(buf) == cap(buf) {
			switch {
			case nl > 0:
				flush(nl)
			case len(buf) >= maxBatch:
				flush(cutPoint(buf))
			default:
				buf = slices.Grow(buf, min(len(buf), maxBatch))
			}
		}
		n, err := in.Read(buf[len(buf):cap(buf)])
		if n > 0 {
			old := len(buf)
			buf = buf[:old+n]
			if i := bytes.LastIndexByte(buf[old:], '\n'); i >= 0 {
				nl = old + i + 1
			}
		}
		switch {
		case err == nil:
			continue
		case err == io.EOF:
			if len(buf) > 0 {
				flush(len(buf))
			}
			return nil
		default:
			return err
		}
	}
	return nil
}

// cutPoint returns where to cut an over-long line: after the last space or
// ASCII punctuation, else at the limit.
func cutPoint(b []byte) int {
	for i := len(b) - 1; i > len(b)/2; i-- {
		if c := b[i]; c == ' ' || c == '\t' || c == ',' || c == ';' {
			return i + 1
		}
	}
	return len(b)
}

// findingWriter prints findings as lines of type, start, end and value
// separated by tabs, or as one JSON object:
//
//	{"findings":[{"type":"cn_mobile","start":0,"end":11,"value":"13812345678"},...]}
//
// The workers encode (encode); the writer only joins the batches (write).
type findingWriter struct {
	w     *bufio.Writer
	json  bool
	count int
}

// encode appends f as the writer prints it; in JSON each finding comes with
// the comma before it, which write drops from the first.
func (fw *findingWriter) encode(dst []byte, f classify.Finding) []byte {
	if !fw.json {
		return appendFindingText(dst, f)
	}
	return appendFindingJSON(append(dst, ','), f)
}

func (fw *findingWriter) write(out []byte, count int) error {
	if fw.json && fw.count == 0 {
		fw.w.WriteString(`{"findings":[`)
		out = out[1:]
	}
	fw.count += count
	_, err := fw.w.Write(out)
	return err
}

func (fw *findingWriter) close() error {
	if !fw.json {
		return nil
	}
	if fw.count == 0 {
		fw.w.WriteString(`{"findings":[`)
	}
	_, err := fw.w.WriteString("]}\n")
	return err
}

// appendFindingText appends f as a line: type, start, end and value,
// separated by tabs. The value is printed as found.
func appendFindingText(dst []byte, f classify.Finding) []byte {
	dst = append(dst, f.Type...)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, int64(f.Start), 10)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, int64(f.End), 10)
	dst = append(dst, '\t')
	dst = append(dst, f.Value...)
	return append(dst, '\n')
}

// appendFindingJSON appends f as the JSON object encoding/json makes of
// struct{Type string `json:"type"`; Start, End int …; Value string …}, byte
// for byte (FuzzFindingJSON checks it).
func appendFindingJSON(dst []byte, f classify.Finding) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, string(f.Type))
	dst = append(dst, `,"start":`...)
	dst = strconv.AppendInt(dst, int64(f.Start), 10)
	dst = append(dst, `,"end":`...)
	dst = strconv.AppendInt(dst, int64(f.End), 10)
	dst = append(dst, `,"value":`...)
	dst = appendJSONString(dst, f.Value)
	return append(dst, '}')
}

// jsonSafe marks the bytes a JSON string holds as they are: ASCII that is
// not a control character, '"' or '\\', and, as encoding/json does, not '<',
// '>' or '&', so the output is safe to embed in HTML. Bytes from 0x80 are
// checked as UTF-8.
var jsonSafe = func() (t [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it: \", \\, \b, \f, \n, \r, \t, other control characters and
// <, >, & as \u00XX, U+2028 and U+2029 as \u2028 and \u2029 (JavaScript
// line ends), and each byte that is not part of valid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	i := 0
	for i < len(s) && jsonSafe[s[i]] {
		i++
	}
	if i == len(s) { // the usual case: nothing to escape
		dst = append(dst, s...)
		return append(dst, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
