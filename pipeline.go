package govshare

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/ordered"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

// Input describes a record stream.
type Input struct {
	Reader   io.Reader
	Name     string // for errors: file name
	JSONL    bool   // JSON Lines; otherwise CSV with a header row
	Encoding string // "" (UTF-8, BOM allowed) or "gb18030"
}

// Options are the optional settings of Apply and Reverse; nil means the
// defaults.
type Options struct {
	// Grants are the conditional-sharing grants the request may rely on.
	Grants []policy.Grant
	// Now is the time grants must be valid at; zero means time.Now().
	Now time.Time
	// Workers transforming rows; 0 means GOMAXPROCS.
	Workers int
	// Rejects, when set, receives rows whose values cannot be processed (as
	// CSV: file, line, field, reason — never the values) and the run goes
	// on; when nil, the first such row fails the run. Input that cannot be
	// read as records (a row with the wrong number of fields, invalid text,
	// broken quoting or JSON) always fails the run at its line: it means a
	// damaged extract, whose later records cannot be trusted.
	Rejects io.Writer
	// Progress, when set, is called now and then with the rows done so far.
	Progress func(rows int64)
	// FPEMaxBirthDate is, for Reverse, the birth-date bound the Apply run
	// encrypted resident IDs under (its Report's fpe_max_birth_date, the
	// day of the Apply in China Standard Time). Reverse of a resident-ID
	// fpe column refuses to run without it (ErrFPEBound): under another
	// bound the outputs decrypt to other, valid-looking IDs. Apply ignores
	// it.
	FPEMaxBirthDate time.Time
}

// Report says what a run did.
type Report struct {
	Rows     int64             `json:"rows"`     // rows written
	Rejected int64             `json:"rejected"` // rows sent to the reject writer
	Columns  []Column          `json:"columns"`
	Dropped  []policy.Decision `json:"dropped"`
	// NotCoarsened counts, per field, the values of written rows that a
	// generalize transform could not coarsen to a known level (an address
	// that names no GB/T 2260 division) and so redacted. It holds no value.
	NotCoarsened map[string]int64 `json:"redacted_not_coarsenable,omitempty"`
	// Risk is the re-identification figures of the written rows over
	// their quasi-identifiers, for a Share whose catalog declares
	// quasi-identifiers or a threshold (docs/catalog.md); nil otherwise.
	// Its Contributions are computed only for a share refused by the
	// threshold.
	Risk *risk.Result `json:"risk,omitempty"`

	gate *riskGate // the run's measure, for the contributions a refusal needs
}

// RowError is a row that could not be processed. It never carries a value.
type RowError struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("govshare: %s:%d: field %q: %s", e.File, e.Line, e.Field, bare(e.Err))
}

func (e *RowError) Unwrap() error { return e.Err }

// Apply applies the provider's policy (catalog cat, for recipient to and
// purpose) to every record of src and writes the result to dst in the same
// format and order:
// each field leaves in the form policy.DecideAll gives it (kept, masked,
// generalized, tokenized, pseudonymized, format-preserving encrypted) or
// not at all. from is the provider's keyring; it may be nil when no field
// needs a key. opt may be nil.
//
// The Report says what was decided; it is returned, when the header could
// be read, even with an error. When dst is an *Output, Apply commits it once
// the whole input is written.
func Apply(ctx context.Context, dst io.Writer, src Input, from *keys.Keyring, to string, purpose catalog.Purpose, cat *catalog.Catalog, opt *Options) (*Report, error) {
	cfg := newRunConfig(from, to, purpose, cat, opt)
	rep, err := run(ctx, dst, src, cfg)
	return rep, commitOutput(dst, err)
}

// Reverse undoes, for the provider, the reversible transforms of an Apply
// output — tokens and format-preserving encryption — with the keys, purpose
// and recipient the Apply used; every other column passes unchanged (masked,
// generalized and pseudonymized values cannot be reversed). An empty purpose
// means data_verification, the purpose tokens are for, unless the catalog
// uses fpe for another purpose: then Reverse cannot tell which fields were
// encrypted and refuses (ErrPurposeRequired). opt may be nil; a resident-ID
// fpe column needs opt.FPEMaxBirthDate. When dst is an *Output, Reverse
// commits it once the whole input is written.
func Reverse(ctx context.Context, dst io.Writer, src Input, from *keys.Keyring, to string, purpose catalog.Purpose, cat *catalog.Catalog, opt *Options) (*Report, error) {
	purpose, err := reversePurpose(cat, purpose)
	if err != nil {
		return nil, err
	}
	cfg := newRunConfig(from, to, purpose, cat, opt)
	cfg.reverse = true
	rep, err := run(ctx, dst, src, cfg)
	return rep, commitOutput(dst, err)
}

// ErrPurposeRequired is Reverse's refusal to guess the purpose of a catalog
// that uses fpe for another purpose than data_verification.
var ErrPurposeRequired = errors.New("govshare: give the purpose the data was desensitized for")

// reversePurpose is the purpose Reverse reproduces the decisions of: the
// given one, or data_verification when the catalog encrypts (fpe) for no
// other purpose, since a field encrypted for another purpose would be
// "decrypted" into garbage.
func reversePurpose(cat *catalog.Catalog, p catalog.Purpose) (catalog.Purpose, error) {
	if p != "" {
		return p, nil
	}
	if cat == nil {
		return "", policy.ErrNoCatalog
	}
	var others []string
	for _, f := range cat.Fields {
		for q, t := range f.Transform {
			if t == catalog.TransformFPE && q != catalog.PurposeDataVerification && !slices.Contains(others, string(q)) {
				others = append(others, string(q))
			}
		}
	}
	if len(others) > 0 {
		slices.Sort(others)
		return "", fmt.Errorf("%w: the catalog uses fpe for %s, so the fields encrypted are not known without it",
			ErrPurposeRequired, strings.Join(others, ", "))
	}
	return catalog.PurposeDataVerification, nil
}

// committer is an output that stays invisible until Commit (an *Output).
type committer interface {
	io.Writer
	Commit() error
}

// commitOutput commits dst when it is a committer and the run succeeded.
func commitOutput(dst io.Writer, err error) error {
	if c, ok := dst.(committer); ok && err == nil {
		return c.Commit()
	}
	return err
}

// runConfig is what one run of the pipeline needs.
type runConfig struct {
	req      policy.Request
	keys     *keys.Keyring
	workers  int
	rejects  io.Writer
	progress func(rows int64)
	reverse  bool      // Reverse: undo tokens and fpe
	fpeBound time.Time // Reverse: the resident-ID fpe bound
	measure  bool      // Share: measure the output's re-identification risk (Report.Risk)
}

func newRunConfig(from *keys.Keyring, to string, purpose catalog.Purpose, cat *catalog.Catalog, opt *Options) runConfig {
	var o Options
	if opt != nil {
		o = *opt
	}
	cfg := runConfig{
		req:  policy.Request{Catalog: cat, Purpose: purpose, Recipient: to, Grants: o.Grants, Now: o.Now},
		keys: from, workers: o.Workers, rejects: o.Rejects, progress: o.Progress, fpeBound: o.FPEMaxBirthDate,
	}
	if cfg.req.Now.IsZero() {
		cfg.req.Now = time.Now()
	}
	if cfg.workers <= 0 {
		cfg.workers = runtime.GOMAXPROCS(0)
	}
	return cfg
}

// batchSize is the size of the raw batches the reader cuts: a few hundred
// rows, enough to make hand-offs rare, small enough that a batch's input,
// fields and output stay in a core's cache. (512 KiB batches measured no
// faster on the 1 GiB benchmark and doubled the peak RSS.)
const batchSize = records.DefaultBatchSize

// batch is one raw batch of input on its way through the pipeline. The
// reader only cuts the input at record boundaries; a worker parses,
// transforms and serializes the batch; the collector writes the bytes in
// order. Parsing and writing thus run on every core, not in two serial
// stages that compete with the workers.
type batch struct {
	chunk   *records.Chunk
	size    int      // raw bytes, charged to the byte budget
	out     []byte   // serialized rows
	rows    int      // rows parsed
	errs    []rowErr // rows that failed, in order
	redacts []int64  // per column: values of written rows redacted as not coarsenable
	readErr error    // a parse or read error after the rows
}

// unknownValueColumn refuses a header cell that is not in the catalog and
// is itself an identifier value (a name, an address …), without printing
// it: the header row is missing, and the policy's error would name the value.
func unknownValueColumn(cat *catalog.Catalog, header []string, name string, line int) error {
	if cat == nil {
		return nil // the policy reports the missing catalog
	}
	for i, h := range header {
		if _, ok := cat.Field(h); ok {
			continue
		}
		for _, t := range catalog.Types {
			if classify.Validate(t, h) {
				return fmt.Errorf("govshare: %s:%d: column %d is not in the catalog and its name is a %s value: is the header row missing? (%w)",
					name, line, i+1, t, policy.ErrUnknownField)
			}
		}
	}
	return nil
}

// maxInFlight bounds the raw bytes of the batches in flight. Ordinary
// batches never reach it (about 12 of batchSize); it makes long records go
// through one at a time.
const maxInFlight = 16 << 20

// byteBudget bounds the bytes of batches in flight. A batch larger than
// the whole budget waits until nothing else is in flight, then goes alone.
type byteBudget struct {
	mu          sync.Mutex
	cond        sync.Cond
	limit, used int
	stopped     bool
}

func newByteBudget(limit int) *byteBudget {
	b := &byteBudget{limit: limit}
	b.cond.L = &b.mu
	return b
}

// acquire waits for n bytes; false once the run stopped.
func (b *byteBudget) acquire(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.stopped && b.used > 0 && b.used+n > b.limit {
		b.cond.Wait()
	}
	b.used += n
	return !b.stopped
}

func (b *byteBudget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.cond.Broadcast()
	b.mu.Unlock()
}

func (b *byteBudget) stop() {
	b.mu.Lock()
	b.stopped = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// rowErr is a row that failed: out[:off] holds the rows before it.
type rowErr struct {
	idx, off int
	err      *RowError
}

// colOp is a column's work, resolved once per run.
type colOp struct {
	in       int
	name     string
	fn       valueFunc // nil: the value passes unchanged
	blankOK  bool      // a blank value passes unchanged
	keepKind bool      // JSON Lines: the value keeps its input kind
}

// run is one pass of the pipeline: read the header, plan the columns,
// then transform every batch on all cores and write the results in order.
func run(ctx context.Context, dst io.Writer, src Input, cfg runConfig) (*Report, error) {
	name := src.Name
	if name == "" {
		name = "<input>"
	}
	format := records.FormatCSV
	if src.JSONL {
		format = records.FormatJSONL
	}
	rd, err := openBatches(ctx, src, name, format)
	if err != nil {
		return nil, err
	}
	p, err := cfg.plan(rd, name)
	if err != nil {
		return nil, err
	}
	rep := &Report{Columns: p.Columns, Dropped: p.Dropped}
	if len(p.Columns) == 0 {
		// Rows of no fields cannot be written (a CSV row of nothing is a
		// blank line, which readers skip): there is nothing to share.
		return rep, ErrNothingToShare
	}
	enc, err := records.NewEncoder(format, p.header())
	if err != nil {
		return rep, err
	}
	out, err := newSink(dst, enc, cfg.rejects)
	if err != nil {
		return rep, err
	}
	pp := &pipe{rd: rd, ops: p.ops(cfg.reverse), enc: enc, name: name}
	if cfg.measure {
		if pp.gate, err = newRiskGate(cfg.req.Catalog, p.Columns); err != nil {
			return rep, err
		}
		pp.gate.format = format
	}
	err = pp.run(ctx, cfg.workers, out, rep, cfg.progress)
	if ferr := out.flush(); ferr != nil && err == nil {
		err = ferr
	}
	if err == nil && pp.gate != nil {
		rep.Risk, rep.gate = pp.gate.result(), pp.gate
	}
	return rep, err
}

// openBatches reads the header of src. It is read before the run's
// goroutines start; a stalled input must not outlast a cancellation there
// either.
func openBatches(ctx context.Context, src Input, name string, format records.Format) (*records.BatchReader, error) {
	type opened struct {
		rd  *records.BatchReader
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		rd, err := records.NewBatchReader(src.Reader, name, format, src.Encoding, batchSize)
		ch <- opened{rd, err}
	}()
	select {
	case o := <-ch:
		return o.rd, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// plan checks the header and plans its columns for the run's direction.
func (cfg *runConfig) plan(rd *records.BatchReader, name string) (*plan, error) {
	header := rd.Header()
	if col, t, ok := classify.ValueInHeader(header); ok {
		// Without its header row a file's first record would become column
		// names, and its values would reach errors and the log.
		return nil, fmt.Errorf("govshare: %s:%d: column %d holds a %s value, not a column name: the header row is missing", name, rd.HeaderLine(), col+1, t)
	}
	if err := unknownValueColumn(cfg.req.Catalog, header, name, rd.HeaderLine()); err != nil {
		return nil, err
	}
	if cfg.reverse {
		return newReversePlan(cfg.req, header, cfg.keys, cfg.fpeBound)
	}
	return newPlan(cfg.req, header, cfg.keys)
}

// sink is where a run's output goes: the records, and the rejects.
type sink struct {
	bw      *bufio.Writer
	rejects *records.Writer
}

// newSink writes the output header and the rejects' header.
func newSink(dst io.Writer, enc *records.Encoder, rejects io.Writer) (*sink, error) {
	s := &sink{bw: bufio.NewWriterSize(dst, 1<<16)}
	if _, err := s.bw.Write(enc.AppendHeader(nil)); err != nil {
		return nil, err
	}
	if rejects != nil {
		var err error
		s.rejects, err = records.NewWriter(rejects, records.FormatCSV, []string{"file", "line", "field", "reason"})
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *sink) flush() error {
	err := s.bw.Flush()
	if s.rejects != nil {
		if rerr := s.rejects.Flush(); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// pipe is the run's machinery on the ordered engine (internal/ordered,
// shared with the detect command): a reader cutting batches, workers
// parsing, transforming and serializing them, and the collector writing
// them in order.
type pipe struct {
	rd   *records.BatchReader
	ops  []colOp
	enc  *records.Encoder
	name string
	gate *riskGate // nil: the run is not measured

	free    chan []byte // output buffers go round: the collector hands them back
	budget  *byteBudget
	stopped atomic.Bool // the reader stopped early because the run ended
}

// workerState is one worker's scratch space, reused batch after batch.
type workerState struct {
	rs    records.Rows
	row   []string
	kinds []records.Kind
	risk  *risk.Analyzer // with a gate and quasi-identifiers: this worker's count
}

// run processes every batch and returns the run's error.
func (p *pipe) run(parent context.Context, workers int, out *sink, rep *Report, progress func(int64)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	p.free = make(chan []byte, workers*4)
	// Batches in flight are bounded in number (by the engine) and, for long
	// records, in bytes: memory stays O(budget + the longest record)
	// whatever the input.
	p.budget = newByteBudget(maxInFlight)
	defer context.AfterFunc(ctx, p.budget.stop)()
	states := make([]workerState, workers)
	if p.gate != nil {
		for w := range states {
			states[w].risk = p.gate.forWorker()
		}
	}
	err := ordered.Run(ctx, workers, p.read(ctx), func(w int, b *batch) {
		st := &states[w]
		if st.row == nil {
			st.row = make([]string, len(p.ops))
			st.kinds = make([]records.Kind, len(p.ops))
		}
		select {
		case b.out = <-p.free:
		default:
		}
		p.rd.Parse(b.chunk, &st.rs)
		transform(b, &st.rs, p.ops, p.enc, p.name, st.row, st.kinds, st.risk)
	}, func(b *batch) error {
		if err := out.write(b, rep); err != nil {
			return err
		}
		if p.gate != nil {
			p.gate.count(b)
		}
		if progress != nil {
			progress(rep.Rows + rep.Rejected)
		}
		p.budget.release(b.size)
		if cap(b.out) <= 4*batchSize { // a long record's buffer is let go
			select {
			case p.free <- b.out[:0]:
			default:
			}
		}
		return nil
	})
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || (err == nil && p.stopped.Load()) {
		// Cancelled: the caller's reason, not the engine's.
		err = parent.Err()
	}
	return err
}

// read returns the producer: it cuts the input into batches and sends each
// on, in order, until the input ends or the run stops.
func (p *pipe) read(ctx context.Context) func(send func(*batch) bool) error {
	return func(send func(*batch) bool) error {
		for {
			if ctx.Err() != nil {
				p.stopped.Store(true)
				return nil
			}
			c, err := p.rd.Next()
			if err != nil { // io.EOF: Next reports other errors in the chunk
				return nil
			}
			b := &batch{chunk: c, size: c.Size()}
			if !p.budget.acquire(b.size) || !send(b) {
				p.stopped.Store(true)
				return nil
			}
		}
	}
}

// write writes a processed batch: its rows, its rejects, and then its
// read error, if any, which ends the run. Without a reject writer the first
// failed row ends the run, after the rows before it.
func (s *sink) write(b *batch, rep *Report) error {
	bw, rejects := s.bw, s.rejects
	off, next := 0, 0
	for _, e := range b.errs {
		if _, err := bw.Write(b.out[off:e.off]); err != nil {
			return err
		}
		rep.Rows += int64(e.idx - next)
		off, next = e.off, e.idx+1
		if rejects == nil {
			return e.err
		}
		rep.Rejected++
		if err := rejects.Write([]string{e.err.File, strconv.Itoa(e.err.Line), e.err.Field, e.err.Err.Error()}, nil); err != nil {
			return err
		}
	}
	if _, err := bw.Write(b.out[off:]); err != nil {
		return err
	}
	rep.Rows += int64(b.rows - next)
	for j, n := range b.redacts {
		if n > 0 {
			if rep.NotCoarsened == nil {
				rep.NotCoarsened = map[string]int64{}
			}
			rep.NotCoarsened[rep.Columns[j].Name] += n
		}
	}
	return b.readErr
}

// ops resolves each output column's work for one direction.
func (p *plan) ops(reverse bool) []colOp {
	ops := make([]colOp, len(p.Columns))
	for j := range p.Columns {
		c := &p.Columns[j]
		op := colOp{in: c.in, name: c.Name, fn: c.fn}
		if reverse {
			op.fn = c.inverse
		}
		keep := c.Transform == catalog.TransformKeep
		if keep {
			op.fn = nil // keep is the identity
		}
		// blanks stay blank: there is nothing to protect in them
		op.blankOK = !keep
		op.keepKind = keep || reverse && c.inverse == nil
		ops[j] = op
	}
	return ops
}

// transform applies the column work to every parsed row of a batch and
// serializes the results into b.out. A row either transforms whole or is
// recorded with the first field that failed. With a risk gate, the rows
// written are counted on the worker's Analyzer qa.
func transform(b *batch, rs *records.Rows, ops []colOp, enc *records.Encoder, file string, row []string, kinds []records.Kind, qa *risk.Analyzer) {
	out := b.out[:0]
	n := rs.Len()
	b.redacts = b.redacts[:0]
	var pend []int // columns of this row redacted as not coarsenable
rows:
	for i := range n {
		in := rs.Row(i)
		pend = pend[:0]
		for j := range ops {
			op := &ops[j]
			v := in[op.in]
			if op.fn == nil || op.blankOK && isBlank(v) {
				row[j] = v
				continue
			}
			t, err := op.fn(v)
			if err == errNotCoarsened {
				pend, err = append(pend, j), nil
			}
			if err != nil {
				b.errs = append(b.errs, rowErr{idx: i, off: len(out), err: &RowError{File: file, Line: rs.Lines[i], Field: op.name, Err: err}})
				continue rows
			}
			row[j] = t
		}
		// counted only for rows that are written
		for _, j := range pend {
			if len(b.redacts) < len(ops) {
				b.redacts = make([]int64, len(ops))
			}
			b.redacts[j]++
		}
		var ks []records.Kind
		if rs.Kinds != nil {
			inKinds := rs.Kinds[i*rs.Width : (i+1)*rs.Width]
			for j := range ops {
				kinds[j] = records.KindString
				if ops[j].keepKind {
					kinds[j] = inKinds[ops[j].in]
				}
			}
			ks = kinds
		}
		out = enc.Append(out, row, ks)
		if qa != nil {
			_ = qa.Add(row) // row holds every output column: never short
		}
	}
	b.out, b.rows, b.readErr = out, n, rs.Err
}

// isBlank is strings.TrimSpace(s) == "" without the slicing: the pipeline
// asks it of every value.
func isBlank(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// newReversePlan plans the reversal: token and fpe columns get their
// inverse; every other column of the Apply output passes unchanged.
func newReversePlan(req policy.Request, header []string, kr *keys.Keyring, birthBound time.Time) (*plan, error) {
	full, err := policy.DecideAll(req, catalogFields(req.Catalog))
	if err != nil {
		return nil, err
	}
	byName := map[string]policy.Decision{}
	for _, d := range full {
		byName[d.Field] = d
	}
	p := &plan{}
	for i, h := range header {
		d, ok := byName[h]
		if !ok {
			return nil, fmt.Errorf("govshare: field %q is not in the catalog (%w)", h, policy.ErrUnknownField)
		}
		f, _ := req.Catalog.Field(h)
		c := Column{Name: h, Type: f.Type, Transform: d.Transform, Reason: d.Reason, Grant: d.Grant, in: i}
		switch d.Transform {
		case catalog.TransformToken, catalog.TransformFPE:
			if c.Transform == catalog.TransformFPE && c.Type == catalog.TypeResidentID && birthBound.IsZero() {
				// Decrypting under another bound than the Apply's gives other
				// IDs without any error: refuse rather than guess.
				return nil, wrapf(ErrFPEBound, "field %q", h)
			}
			if err := c.build(kr, req.Recipient, fpeBound(req.Now, birthBound)); err != nil {
				return nil, err
			}
		case catalog.TransformWithhold, catalog.TransformDP:
			return nil, fmt.Errorf("govshare: field %q is withheld for this request, so it cannot be in the input", h)
		}
		p.Columns = append(p.Columns, c)
	}
	return p, nil
}

func catalogFields(c *catalog.Catalog) []string {
	if c == nil {
		return nil
	}
	names := make([]string, len(c.Fields))
	for i, f := range c.Fields {
		names[i] = f.Name
	}
	return names
}
