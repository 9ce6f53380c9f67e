package govshare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
)

// Input describes a record stream.
type Input struct {
	Reader   io.Reader
	Name     string // for errors: file name
	JSONL    bool   // JSON Lines; otherwise CSV with a header row
	Encoding string // "" (UTF-8, BOM allowed) or "gb18030"
}

// Options configure Mask and Unmask.
type Options struct {
	// Request is the policy question: catalog, purpose, recipient, grants,
	// and the time at which grants must be valid. Required.
	Request policy.Request
	// Keys is the provider's keyring; required when a field is tokenized,
	// pseudonymized or format-preserving encrypted.
	Keys *keys.Keyring
	// Workers transforming rows; 0 means GOMAXPROCS.
	Workers int
	// Rejects, when set, receives rows that cannot be processed (as CSV:
	// file, line, field, reason — never the values) and the run goes on;
	// when nil, the first such row fails the run.
	Rejects io.Writer
	// Progress, when set, is called now and then with the rows done so far.
	Progress func(rows int64)
}

// Report says what a run did.
type Report struct {
	Rows     int64             `json:"rows"`     // rows written
	Rejected int64             `json:"rejected"` // rows sent to the reject writer
	Columns  []Column          `json:"columns"`
	Dropped  []policy.Decision `json:"dropped"`
}

// RowError is a row that could not be processed. It never carries a value.
type RowError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("govshare: %s:%d: field %q: %v", e.File, e.Line, e.Field, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// batchRows is how many rows travel together between pipeline stages: big
// enough to amortize channel costs, small enough to keep memory bounded
// (in flight: about 4 batches per worker).
const batchRows = 512

type batch struct {
	rows    [][]string
	kinds   [][]records.Kind
	lines   []int
	out     [][]string
	errs    []*RowError // per row; nil when fine
	done    chan struct{}
	readErr error
}

// Mask applies the policy to every record of in and writes the result to out
// in the same format and order. Fields that do not leave are not written.
func Mask(ctx context.Context, in Input, out io.Writer, opt Options) (Report, error) {
	return run(ctx, in, out, opt, false)
}

// Unmask reverses the token and fpe fields of a Mask output with the
// provider's keys, for the same request; other fields pass unchanged.
func Unmask(ctx context.Context, in Input, out io.Writer, opt Options) (Report, error) {
	return run(ctx, in, out, opt, true)
}

func run(ctx context.Context, in Input, out io.Writer, opt Options, reverse bool) (Report, error) {
	if opt.Request.Now.IsZero() {
		opt.Request.Now = time.Now()
	}
	format := records.FormatCSV
	if in.JSONL {
		format = records.FormatJSONL
	}
	name := in.Name
	if name == "" {
		name = "<input>"
	}
	rd, err := records.NewReader(in.Reader, name, format, in.Encoding)
	if err != nil {
		return Report{}, err
	}
	header := rd.Header()
	var plan *Plan
	if reverse {
		plan, err = newUnmaskPlan(opt.Request, header, opt.Keys)
	} else {
		plan, err = NewPlan(opt.Request, header, opt.Keys)
	}
	if err != nil {
		return Report{}, err
	}
	rep := Report{Columns: plan.Columns, Dropped: plan.Dropped}
	wr, err := records.NewWriter(out, format, plan.Header())
	if err != nil {
		return rep, err
	}
	var rejects *records.Writer
	if opt.Rejects != nil {
		rejects, err = records.NewWriter(opt.Rejects, records.FormatCSV, []string{"file", "line", "field", "reason"})
		if err != nil {
			return rep, err
		}
	}

	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers)
	order := make(chan *batch, workers*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				plan.apply(b, name, reverse)
				close(b.done)
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(work)
		for {
			b := &batch{done: make(chan struct{})}
			for len(b.rows) < batchRows {
				row, err := rd.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.readErr = err
					break
				}
				b.rows = append(b.rows, row)
				b.lines = append(b.lines, rd.Line())
				if k := rd.Kinds(); k != nil {
					b.kinds = append(b.kinds, k)
				}
			}
			select {
			case order <- b:
			case <-ctx.Done():
				return
			}
			select {
			case work <- b:
			case <-ctx.Done():
				return
			}
			if b.readErr != nil || len(b.rows) < batchRows {
				return
			}
		}
	}()

	var runErr error
	outKinds := make([]records.Kind, len(plan.Columns))
	for b := range order {
		<-b.done
		if runErr != nil {
			continue
		}
		for i, row := range b.out {
			if e := b.errs[i]; e != nil {
				if rejects == nil {
					runErr = e
					break
				}
				rep.Rejected++
				if err := rejects.Write([]string{e.File, fmt.Sprint(e.Line), e.Field, e.Err.Error()}, nil); err != nil {
					runErr = err
					break
				}
				continue
			}
			var kinds []records.Kind
			if b.kinds != nil {
				for j, c := range plan.Columns {
					outKinds[j] = records.KindString
					if c.Transform == "keep" || reverse && c.inverse == nil {
						outKinds[j] = b.kinds[i][c.in]
					}
				}
				kinds = outKinds
			}
			if err := wr.Write(row, kinds); err != nil {
				runErr = err
				break
			}
			rep.Rows++
		}
		if runErr == nil && b.readErr != nil {
			runErr = b.readErr
		}
		if runErr != nil {
			cancel()
			continue
		}
		if opt.Progress != nil {
			opt.Progress(rep.Rows + rep.Rejected)
		}
	}
	wg.Wait()
	if err := wr.Flush(); err != nil && runErr == nil {
		runErr = err
	}
	if rejects != nil {
		if err := rejects.Flush(); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr == nil {
		runErr = ctx.Err()
		if errors.Is(runErr, context.Canceled) {
			runErr = nil
		}
	}
	return rep, runErr
}

// apply transforms a batch; each row either transforms whole or records
// the first field that failed.
func (p *Plan) apply(b *batch, file string, reverse bool) {
	b.out = make([][]string, len(b.rows))
	b.errs = make([]*RowError, len(b.rows))
	for i, row := range b.rows {
		out := make([]string, len(p.Columns))
		for j := range p.Columns {
			c := &p.Columns[j]
			v := row[c.in]
			fn := c.fn
			if reverse {
				fn = c.inverse
			}
			if fn == nil || strings.TrimSpace(v) == "" && c.Transform != classify.TransformKeep {
				// blanks stay blank: there is nothing to protect in them
				out[j] = v
				continue
			}
			t, err := fn(v)
			if err != nil {
				b.errs[i] = &RowError{File: file, Line: b.lines[i], Field: c.Name, Err: err}
				break
			}
			out[j] = t
		}
		b.out[i] = out
	}
}

// newUnmaskPlan plans the reversal: token and fpe columns get their
// inverse; every other column of the Mask output passes unchanged.
func newUnmaskPlan(req policy.Request, header []string, kr *keys.Keyring) (*Plan, error) {
	full, err := policy.DecideAll(req, catalogFields(req.Catalog))
	if err != nil {
		return nil, err
	}
	byName := map[string]policy.Decision{}
	for _, d := range full {
		byName[d.Field] = d
	}
	p := &Plan{}
	for i, h := range header {
		d, ok := byName[h]
		if !ok {
			return nil, fmt.Errorf("govshare: field %q is not in the catalog", h)
		}
		f, _ := req.Catalog.Field(h)
		c := Column{Name: h, Type: f.Type, Transform: d.Transform, Reason: d.Reason, Grant: d.Grant, in: i}
		switch d.Transform {
		case classify.TransformToken, classify.TransformFPE:
			if err := c.build(kr, req.Recipient); err != nil {
				return nil, err
			}
		case classify.TransformWithhold, classify.TransformDP:
			return nil, fmt.Errorf("govshare: field %q is withheld for this request, so it cannot be in the input", h)
		}
		p.Columns = append(p.Columns, c)
	}
	return p, nil
}

func catalogFields(c *classify.Catalog) []string {
	if c == nil {
		return nil
	}
	names := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		names[i] = f.Name
	}
	return names
}
