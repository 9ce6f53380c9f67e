package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/records"
)

// Batches of whole lines go to the workers; a line longer than maxBatch is
// cut at the last space or ASCII punctuation before the limit, so memory
// stays bounded whatever the input.
const (
	batchSize = 1 << 20
	maxBatch  = 16 << 20
)

type detectBatch struct {
	base     int
	text     string
	findings []classify.Finding
	done     chan struct{}
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
	out := bufio.NewWriterSize(e.stdout, 1<<16)
	w := &findingWriter{w: out, json: *asJSON}
	replaced, err := detectStream(in, w.write)
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

// detectStream reads in, detects in parallel batches of lines and hands the
// findings to emit in input order, with absolute byte offsets. It returns
// the number of U+FFFD characters read, which after decoding mark bytes
// that were not in the declared encoding.
func detectStream(in io.Reader, emit func(classify.Finding) error) (replaced int, err error) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *detectBatch, workers)
	order := make(chan *detectBatch, workers*2)
	var d classify.Detector
	for range workers {
		go func() {
			for b := range work {
				b.findings = d.AppendDetect(nil, b.text)
				close(b.done)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		readErr <- readBatches(in, func(base int, text string) {
			replaced += strings.Count(text, "\uFFFD")
			b := &detectBatch{base: base, text: text, done: make(chan struct{})}
			order <- b
			work <- b
		})
	}()
	var emitErr error
	for b := range order {
		<-b.done
		for _, f := range b.findings {
			if emitErr == nil {
				f.Start += b.base
				f.End += b.base
				emitErr = emit(f)
			}
		}
	}
	if err := <-readErr; err != nil {
		return replaced, err
	}
	return replaced, emitErr
}

// readBatches cuts the input into batches that end at a line end.
func readBatches(in io.Reader, send func(base int, text string)) error {
	br := bufio.NewReaderSize(in, 1<<16)
	var buf []byte
	base := 0
	flush := func(n int) {
		send(base, string(buf[:n]))
		base += n
		buf = append(buf[:0], buf[n:]...)
	}
	for {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) >= maxBatch {
			flush(cutPoint(buf))
		} else if err == nil && len(buf) >= batchSize {
			flush(len(buf))
		}
		switch {
		case err == nil || errors.Is(err, bufio.ErrBufferFull):
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

type findingWriter struct {
	w     *bufio.Writer
	json  bool
	count int
}

func (fw *findingWriter) write(f classify.Finding) error {
	if !fw.json {
		_, err := fmt.Fprintf(fw.w, "%s\t%d\t%d\t%s\n", f.Type, f.Start, f.End, f.Value)
		return err
	}
	if fw.count == 0 {
		fw.w.WriteString(`{"findings":[`)
	} else {
		fw.w.WriteByte(',')
	}
	fw.count++
	v, _ := json.Marshal(f.Value)
	_, err := fmt.Fprintf(fw.w, `{"type":%q,"start":%d,"end":%d,"value":%s}`, f.Type, f.Start, f.End, v)
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
