package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// A log served over HTTP ("govshare log serve"). The read side is C2SP
// tlog-tiles: GET /checkpoint (the latest checkpoint its witnesses
// cosigned, or the latest one when it has no witnesses), GET
// /tile/<L>/<N>[.p/<W>] (hash tiles of height 8) and GET
// /tile/entries/<N>[.p/<W>] (entry bundles: each entry as a big-endian
// uint16 length and the stored bytes). The write side is POST /add, whose
// body is a signed record (SignedRecord.Marshal) and whose answer is its
// Receipt as JSON. For clients that do not compute proofs from tiles it
// also serves GET /proof/inclusion?index=I&size=S, GET
// /proof/consistency?old=O&new=N (JSON {"proof":[base64...]}) and GET
// /checkpoint/latest (the latest checkpoint, not yet cosigned).

const tileHeight = 8

// Server serves a log over HTTP. Appends go through its Operator, so
// concurrent requests share one group commit.
type Server struct {
	op  *Operator
	log *Log
	wit *Witnessing
	mux *http.ServeMux

	cmu   sync.Mutex
	cache map[string][]byte // immutable tiles and bundles

	// OnWitnessError, when set, receives errors of background witnessing.
	OnWitnessError func(error)
	kick           chan struct{}
	stop           chan struct{}
	done           chan struct{}
	closeOnce      sync.Once
}

// maxTileCache bounds the tile cache (entries of at most 8 KiB hashes or
// 256 entries).
const maxTileCache = 2048

// WitnessInterval is how often, at most, a Server with witnesses offers
// them a new checkpoint.
const WitnessInterval = 200 * time.Millisecond

// NewServer serves op's log; wit, when not nil, gets every new checkpoint
// cosigned in the background (at most every WitnessInterval) and /checkpoint
// serves the cosigned one.
func NewServer(op *Operator, wit *Witnessing) *Server {
	s := &Server{op: op, log: op.log, wit: wit, cache: map[string][]byte{}}
	m := http.NewServeMux()
	m.HandleFunc("GET /checkpoint", s.checkpoint)
	m.HandleFunc("GET /checkpoint/latest", s.latest)
	m.HandleFunc("GET /tile/", s.tile)
	m.HandleFunc("POST /add", s.add)
	m.HandleFunc("GET /proof/inclusion", s.inclusion)
	m.HandleFunc("GET /proof/consistency", s.consistency)
	s.mux = m
	if wit != nil {
		s.kick = make(chan struct{}, 1)
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.witnessLoop()
		s.kickWitnesses()
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops background witnessing. It does not close the log.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			close(s.stop)
			<-s.done
		}
	})
}

func (s *Server) kickWitnesses() {
	if s.kick == nil {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Server) witnessLoop() {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-s.stop; cancel() }()
	for {
		select {
		case <-s.stop:
			return
		case <-s.kick:
		}
		if _, err := s.wit.Update(ctx); err != nil && s.OnWitnessError != nil && ctx.Err() == nil {
			s.OnWitnessError(err)
		}
		select {
		case <-s.stop:
			return
		case <-time.After(WitnessInterval):
		}
	}
}

func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request) {
	ck := s.log.Checkpoint()
	if s.wit != nil {
		if c := s.wit.Cosigned(); c != nil {
			ck = c
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(ck)
}

func (s *Server) latest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.log.Checkpoint())
}

func (s *Server) tile(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/tile/")
	if b, ok := s.cached(p); ok {
		writeTile(w, b)
		return
	}
	entries, level, n, width, err := parseTilePath(p)
	if err != nil {
		http.Error(w, "malformed tile path", http.StatusBadRequest)
		return
	}
	var b []byte
	if entries {
		b, err = s.log.entryBundle(n, width)
	} else {
		b, err = s.log.tileData(level, n, width)
	}
	if errors.Is(err, errNoTile) {
		http.Error(w, "no such tile", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.store(p, b)
	writeTile(w, b)
}

func writeTile(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

func (s *Server) cached(p string) ([]byte, bool) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	b, ok := s.cache[p]
	return b, ok
}

func (s *Server) store(p string, b []byte) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	if len(s.cache) >= maxTileCache {
		for k := range s.cache { // evict one at random
			delete(s.cache, k)
			break
		}
	}
	s.cache[p] = b
}

// errNoTile: the tile is beyond the log.
var errNoTile = errors.New("govshare/audit: no such tile")

// tileData returns a hash tile of the tree as it stands.
func (l *Log) tileData(level int, n int64, width int) ([]byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	if level > 7 || n >= 1<<40 {
		return nil, errNoTile
	}
	// The tile's last hash is node N*256+W-1 at height 8·level: it needs
	// (N*256+W) << (8·level) records.
	need := uint64(n*256+int64(width)) << (tileHeight * level)
	if level > 0 && need>>(tileHeight*level) != uint64(n*256+int64(width)) || need > uint64(l.n) {
		return nil, errNoTile
	}
	t := tlog.Tile{H: tileHeight, L: level, N: n, W: width}
	b, err := tlog.ReadTileData(t, &hashReader{f: l.hashf, count: l.hashes})
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: %w", err)
	}
	return b, nil
}

// entryBundle returns entries [n*256, n*256+width) as a C2SP entry bundle.
func (l *Log) entryBundle(n int64, width int) ([]byte, error) {
	if n >= 1<<50 {
		return nil, errNoTile
	}
	from := uint64(n) * 256
	ents, err := l.readEntries(from, from+uint64(width))
	if err != nil {
		return nil, err
	}
	size := 0
	for _, e := range ents {
		size += 2 + len(e)
	}
	b := make([]byte, 0, size)
	for _, e := range ents {
		b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
		b = append(b, e...)
	}
	return b, nil
}

// readEntries reads the stored entries [from, to) in one read.
func (l *Log) readEntries(from, to uint64) ([][]byte, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, ErrClosed
	}
	if from >= to || to > uint64(l.n) {
		return nil, errNoTile
	}
	start := l.offsets[from]
	end := l.recEnd
	if to < uint64(l.n) {
		end = l.offsets[to]
	}
	buf := make([]byte, end-start)
	if _, err := l.recf.ReadAt(buf, start); err != nil {
		return nil, fmt.Errorf("govshare/audit: reading records: %w", err)
	}
	out := make([][]byte, 0, to-from)
	off := 0
	for i := from; i < to; i++ {
		if len(buf)-off < 8 {
			return nil, fmt.Errorf("govshare/audit: record %d is cut short", i)
		}
		size := int(binary.BigEndian.Uint32(buf[off:]))
		if size == 0 || size > MaxRecordSize || len(buf)-off < 8+size {
			return nil, fmt.Errorf("govshare/audit: record %d has a bad length", i)
		}
		if binary.BigEndian.Uint32(buf[off+4+size:]) != frameCRC(int64(i), buf[off:off+4+size]) {
			return nil, fmt.Errorf("govshare/audit: record %d fails its checksum", i)
		}
		out = append(out, buf[off+4:off+4+size])
		off += 8 + size
	}
	return out, nil
}

// parseTilePath parses a C2SP tlog-tiles path after "tile/":
// "<L>/<N>[.p/<W>]" or "entries/<N>[.p/<W>]", where N is written in groups
// of three digits, all but the last prefixed with "x".
func parseTilePath(p string) (entries bool, level int, n int64, width int, err error) {
	bad := errors.New("malformed tile path")
	elems := strings.Split(p, "/")
	if len(elems) < 2 || len(elems) > 9 {
		return false, 0, 0, 0, bad
	}
	if elems[0] == "entries" {
		entries = true
	} else {
		l, err := strconv.Atoi(elems[0])
		if err != nil || l < 0 || l > 7 || strconv.Itoa(l) != elems[0] {
			return false, 0, 0, 0, bad
		}
		level = l
	}
	elems = elems[1:]
	width = 256
	if k := len(elems); k >= 2 && strings.HasSuffix(elems[k-2], ".p") {
		w, err := strconv.Atoi(elems[k-1])
		if err != nil || w < 1 || w > 255 || strconv.Itoa(w) != elems[k-1] {
			return false, 0, 0, 0, bad
		}
		width = w
		elems = elems[:k-1]
		elems[k-2] = strings.TrimSuffix(elems[k-2], ".p")
	}
	if len(elems) > 6 {
		return false, 0, 0, 0, bad
	}
	for i, e := range elems {
		if i < len(elems)-1 {
			if !strings.HasPrefix(e, "x") {
				return false, 0, 0, 0, bad
			}
			e = e[1:]
		}
		if len(e) != 3 {
			return false, 0, 0, 0, bad
		}
		for j := 0; j < 3; j++ {
			if e[j] < '0' || e[j] > '9' {
				return false, 0, 0, 0, bad
			}
			n = n*10 + int64(e[j]-'0')
		}
	}
	return entries, level, n, width, nil
}

// tilePath formats a tile path after "tile/" (entries when level < 0).
func tilePath(level int, n int64, width int) string {
	var b strings.Builder
	if level < 0 {
		b.WriteString("entries")
	} else {
		b.WriteString(strconv.Itoa(level))
	}
	digits := fmt.Sprintf("%03d", n)
	if len(digits)%3 != 0 {
		digits = strings.Repeat("0", 3-len(digits)%3) + digits
	}
	for i := 0; i < len(digits); i += 3 {
		b.WriteByte('/')
		if i+3 < len(digits) {
			b.WriteByte('x')
		}
		b.WriteString(digits[i : i+3])
	}
	if width < 256 {
		fmt.Fprintf(&b, ".p/%d", width)
	}
	return b.String()
}

// httpError is the JSON body of a refused request.
type httpError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// errorCodes maps refusals to HTTP statuses and codes, most precise first.
var errorCodes = []struct {
	err    error
	status int
	code   string
}{
	{ErrBadSignature, http.StatusForbidden, "bad_signature"},
	{ErrUnknownSigner, http.StatusForbidden, "unknown_signer"},
	{ErrWrongSigner, http.StatusForbidden, "wrong_signer"},
	{ErrTimeSkew, http.StatusUnprocessableEntity, "time_skew"},
	{ErrOverBudget, http.StatusConflict, "over_budget"},
	{ErrUnsigned, http.StatusBadRequest, "unsigned"},
	{ErrNotVerified, http.StatusBadRequest, "malformed"},
	{ErrClosed, http.StatusServiceUnavailable, "closed"},
}

func writeError(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "internal"
	for _, c := range errorCodes {
		if errors.Is(err, c.err) {
			status, code = c.status, c.code
			break
		}
	}
	msg := err.Error()
	if code == "internal" {
		msg = "internal error"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(httpError{Error: code, Message: msg})
}

func (s *Server) add(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRecordSize+1))
	if err != nil {
		writeError(w, notVerified(nil, "unreadable request"))
		return
	}
	if len(body) > MaxRecordSize {
		writeError(w, notVerified(nil, "record larger than %d bytes", MaxRecordSize))
		return
	}
	rc, err := s.op.AppendSigned(r.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	s.kickWitnesses()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rc)
}

type proofJSON struct {
	Proof []Hash `json:"proof"`
}

func queryUint(r *http.Request, name string) (uint64, bool) {
	v := r.URL.Query().Get(name)
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil && strconv.FormatUint(n, 10) == v
}

func (s *Server) inclusion(w http.ResponseWriter, r *http.Request) {
	serveProof(w, r, "index", "size", s.log.InclusionProof)
}

func (s *Server) consistency(w http.ResponseWriter, r *http.Request) {
	serveProof(w, r, "old", "new", s.log.ConsistencyProof)
}

// serveProof answers a proof request whose two sizes are the query
// parameters a and b.
func serveProof(w http.ResponseWriter, r *http.Request, a, b string, proof func(x, y uint64) ([]Hash, error)) {
	x, ok1 := queryUint(r, a)
	y, ok2 := queryUint(r, b)
	if !ok1 || !ok2 {
		http.Error(w, "need "+a+" and "+b, http.StatusBadRequest)
		return
	}
	p, err := proof(x, y)
	if err != nil {
		http.Error(w, "no such proof", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(proofJSON{p})
}

// ClientOptions configure a Client.
type ClientOptions struct {
	// HTTP is the client to use; nil means one with keep-alive connections
	// for up to 64 concurrent requests.
	HTTP *http.Client
}

// Client is a log served over HTTP, seen by a department or an auditor.
// It is an Appender: every receipt it returns has been checked against the
// log's verifier key.
type Client struct {
	base string
	hc   *http.Client
	v    note.Verifier

	mu     sync.Mutex
	recent [4]verifiedCheckpoint // checkpoints verified lately
	next   int
}

type verifiedCheckpoint struct {
	signed string
	c      Checkpoint
}

// openCheckpoint verifies a signed checkpoint, remembering the last few:
// the receipts of one group commit share one checkpoint.
func (c *Client) openCheckpoint(b []byte) (Checkpoint, error) {
	c.mu.Lock()
	for _, r := range c.recent {
		if r.signed != "" && r.signed == string(b) {
			c.mu.Unlock()
			return r.c, nil
		}
	}
	c.mu.Unlock()
	ck, err := OpenCheckpoint(b, c.v)
	if err != nil {
		return ck, err
	}
	c.mu.Lock()
	c.recent[c.next] = verifiedCheckpoint{string(b), ck}
	c.next = (c.next + 1) % len(c.recent)
	c.mu.Unlock()
	return ck, nil
}

// Dial connects to the log at rawURL, whose verifier key is v (from its
// operator, never from the server), and checks its checkpoint.
func Dial(ctx context.Context, rawURL string, v note.Verifier, opt ClientOptions) (*Client, error) {
	if v == nil {
		return nil, errors.New("govshare/audit: nil verifier")
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("govshare/audit: log URL must be http:// or https:// with a host")
	}
	hc := opt.HTTP
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	}
	c := &Client{base: strings.TrimSuffix(u.String(), "/"), hc: hc, v: v}
	if _, err := c.Checkpoint(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Origin implements Appender.
func (c *Client) Origin() string { return c.v.Name() }

// Close releases idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

func (c *Client) get(ctx context.Context, path string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: %w", err)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: log server: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: log server: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("govshare/audit: log server answered %s for %s", resp.Status, strings.SplitN(path, "?", 2)[0])
	}
	if int64(len(b)) > limit {
		return nil, errors.New("govshare/audit: log server answer too large")
	}
	return b, nil
}

// Checkpoint fetches /checkpoint, checks the log's signature and returns
// it as served (with any cosignatures).
func (c *Client) Checkpoint(ctx context.Context) ([]byte, error) {
	b, err := c.get(ctx, "/checkpoint", maxCheckpointSize*4)
	if err != nil {
		return nil, err
	}
	if _, _, err := OpenCosigned(b, c.v, nil); err != nil {
		return nil, err
	}
	return b, nil
}

// ConsistencyProof fetches the proof from old to new records.
func (c *Client) ConsistencyProof(ctx context.Context, old, n uint64) ([]Hash, error) {
	b, err := c.get(ctx, fmt.Sprintf("/proof/consistency?old=%d&new=%d", old, n), 8<<10)
	if err != nil {
		return nil, err
	}
	var p proofJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errors.New("govshare/audit: malformed proof from the log server")
	}
	return p.Proof, nil
}

// InclusionProof fetches the proof of record index in the tree of size.
func (c *Client) InclusionProof(ctx context.Context, index, size uint64) ([]Hash, error) {
	b, err := c.get(ctx, fmt.Sprintf("/proof/inclusion?index=%d&size=%d", index, size), 8<<10)
	if err != nil {
		return nil, err
	}
	var p proofJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, errors.New("govshare/audit: malformed proof from the log server")
	}
	return p.Proof, nil
}

// Append implements Appender: it posts the signed record and checks the
// receipt against the log's verifier key and the record.
func (c *Client) Append(ctx context.Context, sr SignedRecord) (Receipt, error) {
	form, err := sr.Marshal()
	if err != nil {
		return Receipt{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/add", bytes.NewReader(form))
	if err != nil {
		return Receipt{}, fmt.Errorf("govshare/audit: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return Receipt{}, fmt.Errorf("govshare/audit: log server: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Receipt{}, fmt.Errorf("govshare/audit: log server: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var he httpError
		_ = json.Unmarshal(b, &he)
		for _, ec := range errorCodes {
			if ec.code == he.Error {
				if ec.err == ErrClosed {
					return Receipt{}, fmt.Errorf("govshare/audit: the log refused the record: %w", ec.err)
				}
				return Receipt{}, notVerified(ec.err, "the log refused the record (%s)", he.Error)
			}
		}
		return Receipt{}, fmt.Errorf("govshare/audit: log server answered %s", resp.Status)
	}
	var rc Receipt
	if err := json.Unmarshal(b, &rc); err != nil {
		return Receipt{}, errors.New("govshare/audit: malformed receipt from the log server")
	}
	raw, err := sr.recordBytes()
	if err != nil {
		return Receipt{}, err
	}
	if err := verifyReceiptBytes(rc, raw, c.openCheckpoint); err != nil {
		return Receipt{}, wrapNotVerified(nil, err, "govshare/audit: the log server's receipt")
	}
	return rc, nil
}

// Budgets implements BudgetReader: it reads the entries of the log's
// latest checkpoint (GET /checkpoint/latest, checked with the log's key)
// and sums their release records.
func (c *Client) Budgets(ctx context.Context) (*Book, error) {
	b, err := c.get(ctx, "/checkpoint/latest", maxCheckpointSize)
	if err != nil {
		return nil, err
	}
	ck, err := OpenCheckpoint(b, c.v)
	if err != nil {
		return nil, err
	}
	book := &Book{}
	for e, err := range c.Entries(ctx, 0, ck.Size) {
		if err != nil {
			return nil, err
		}
		if r, ok := e.Record.(ReleaseRecord); ok {
			if err := book.Charge(r); err != nil {
				book.force(r)
			}
		}
	}
	return book, nil
}

// Entries yields the stored entries [from, to) from entry bundles.
func (c *Client) Entries(ctx context.Context, from, to uint64) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for i := from; i < to; {
			n := int64(i / 256)
			width := 256
			if end := uint64(n+1) * 256; end > to {
				width = int(to - uint64(n)*256)
			}
			ents, err := c.bundle(ctx, n, width)
			if err != nil {
				yield(Entry{}, err)
				return
			}
			for j := int(i - uint64(n)*256); j < len(ents); j++ {
				e, err := entryOf(uint64(n)*256+uint64(j), ents[j])
				if err != nil {
					yield(Entry{}, wrapNotVerified(ErrTampered, err, "govshare/audit: record %d", uint64(n)*256+uint64(j)))
					return
				}
				if !yield(e, nil) {
					return
				}
				i++
			}
		}
	}
}

// bundle fetches and splits an entry bundle. A full bundle is fetched
// even for a partial range when the log has it (it is cacheable).
func (c *Client) bundle(ctx context.Context, n int64, width int) ([][]byte, error) {
	b, err := c.get(ctx, "/tile/"+tilePath(-1, n, width), int64(width)*(2+MaxRecordSize))
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, width)
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, notVerified(ErrTampered, "malformed entry bundle")
		}
		size := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+size {
			return nil, notVerified(ErrTruncated, "entry bundle cut short")
		}
		out = append(out, b[2:2+size])
		b = b[2+size:]
	}
	if len(out) != width {
		return nil, notVerified(ErrTruncated, "entry bundle holds %d entries, want %d", len(out), width)
	}
	return out, nil
}

// Verify downloads the whole log and verifies it as VerifyDir does a
// directory: the served checkpoint with the log's key (and the required
// witnesses' cosignatures), every entry, the recomputed root, and
// opt.State's remembered checkpoint.
func (c *Client) Verify(ctx context.Context, opt VerifyOptions) (Result, error) {
	served, err := c.Checkpoint(ctx)
	if err != nil {
		return Result{}, err
	}
	signed, err := logSignedOnly(served, c.v)
	if err != nil {
		return Result{}, err
	}
	ck, err := OpenCheckpoint(signed, c.v)
	if err != nil {
		return Result{}, err
	}
	if opt.MinWitnesses > 0 && opt.Cosigned == nil {
		opt.Cosigned = served
	}
	sc, err := newStreamCheck(ck, signed, c.v, opt)
	if err != nil {
		return sc.res, err
	}
	defer sc.stop()
	next, stop := iter.Pull2(c.Entries(ctx, 0, ck.Size))
	defer stop()
	err = sc.run(entryFiller(func() ([]byte, error) {
		e, err, ok := next()
		if !ok {
			return nil, io.EOF
		}
		return e.Raw, err
	}))
	if err != nil {
		return sc.res, err
	}
	return sc.finish()
}

// logSignedOnly returns a checkpoint with only the log's signature line.
func logSignedOnly(signed []byte, v note.Verifier) ([]byte, error) {
	i := bytes.Index(signed, []byte("\n\n"))
	if i < 0 {
		return nil, notVerified(nil, "checkpoint has no signature")
	}
	prefix := "\u2014 " + v.Name() + " "
	for _, line := range strings.SplitAfter(string(signed[i+2:]), "\n") {
		if strings.HasPrefix(line, prefix) {
			out := append(bytes.Clone(signed[:i+2]), line...)
			if _, err := OpenCheckpoint(out, v); err == nil {
				return out, nil
			}
		}
	}
	return nil, notVerified(ErrBadSignature, "checkpoint is not signed by the log's key")
}
