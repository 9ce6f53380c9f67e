package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func newWitnessKeys(t testing.TB, name string) (note.Signer, note.Verifier) {
	t.Helper()
	sk, vk, err := GenerateWitnessKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWitnessSigner(sk)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewWitnessVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

// serveLog serves op's log on loopback; wit may be nil.
func serveLog(t testing.TB, op *Operator, wit *Witnessing) (*Server, *httptest.Server) {
	t.Helper()
	srv := NewServer(op, wit)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs
}

// TestHTTPAppendAndRead: departments append signed records over HTTP and
// get checked receipts; refusals keep their sentinel across the wire; the
// tiles and entry bundles are the log's.
func TestHTTPAppendAndRead(t *testing.T) {
	s, v, _ := newKeys(t)
	op, clk := newOperator(t, t.TempDir(), s)
	_, hs := serveLog(t, op, nil)
	c, err := Dial(ctx, hs.URL, v, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var app Appender = c
	for i := 0; i < 300; i++ {
		clk.set(baseTime.Add(time.Duration(i) * time.Second))
		r, err := SignAndAppend(ctx, app, deptSigner(t, Actor(sampleRecord(i))), sampleRecord(i))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if r.Index != uint64(i) {
			t.Fatalf("append %d: index %d", i, r.Index)
		}
	}
	// Refusals over the wire.
	bad := signSample(t, c.Origin(), 300)
	bad.Signature = bytes.Clone(bad.Signature)
	bad.Signature[30] ^= 1
	if _, err := c.Append(ctx, bad); !errors.Is(err, ErrBadSignature) {
		t.Errorf("bad signature over HTTP: %v", err)
	}
	clk.set(baseTime.Add(time.Hour))
	if _, err := c.Append(ctx, signSample(t, c.Origin(), 301)); !errors.Is(err, ErrTimeSkew) {
		t.Errorf("skewed record over HTTP: %v", err)
	}
	// A wrong verifier key: Dial refuses the log.
	_, other, _ := newKeys(t)
	if _, err := Dial(ctx, hs.URL, other, ClientOptions{}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("dial with another key: %v", err)
	}

	// Tiles: what tlog computes from the log's own hashes.
	l := op.Log()
	for _, tc := range []struct {
		level int
		n     int64
		w     int
	}{{0, 0, 256}, {0, 1, 44}, {1, 0, 1}, {0, 1, 1}} {
		got := httpGet(t, hs.URL+"/tile/"+tilePath(tc.level, tc.n, tc.w), http.StatusOK)
		want, err := tlog.ReadTileData(tlog.Tile{H: 8, L: tc.level, N: tc.n, W: tc.w}, &hashReader{f: l.hashf, count: l.hashes})
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("tile %d/%d.p/%d: %v", tc.level, tc.n, tc.w, err)
		}
	}
	for _, p := range []string{"0/001.p/45", "0/002", "1/000", "entries/001.p/45", "0/x001", "0/1", "9/000", "0/000.p/0", "0/000.p/256", "entries/000.p/07"} {
		code := http.StatusNotFound
		if strings.Contains(p, "x001") || p == "0/1" || p == "9/000" || strings.HasSuffix(p, "/0") || strings.HasSuffix(p, "/256") || strings.HasSuffix(p, "/07") {
			code = http.StatusBadRequest
		}
		httpGet(t, hs.URL+"/tile/"+p, code)
	}
	// Entry bundles, read back by the client.
	n := 0
	for e, err := range c.Entries(ctx, 250, 300) {
		if err != nil {
			t.Fatal(err)
		}
		want, _ := l.Record(e.Index)
		if !bytes.Equal(e.Raw, want.Raw) || e.Index != uint64(250+n) {
			t.Fatalf("entry %d differs", e.Index)
		}
		n++
	}
	if n != 50 {
		t.Fatalf("%d entries", n)
	}
	bundle := httpGet(t, hs.URL+"/tile/entries/000", http.StatusOK)
	if sz := binary.BigEndian.Uint16(bundle); int(sz) != len(mustRecord(t, l, 0).Raw) {
		t.Fatal("entry bundle does not start with entry 0's length")
	}
	// The whole log, verified over HTTP, with its signatures.
	res, err := c.Verify(ctx, VerifyOptions{Registry: testRegistry(t), RequireSigned: true})
	if err != nil || res.Checkpoint.Size != 300 || res.Signed != 300 {
		t.Fatalf("verify over HTTP: %+v %v", res, err)
	}
	// Proof endpoints.
	p, err := c.InclusionProof(ctx, 7, 300)
	if err != nil || tlog.CheckRecord(p, 300, res.Checkpoint.Root, 7, mustRecord(t, l, 7).LeafHash) != nil {
		t.Fatalf("inclusion proof over HTTP: %v", err)
	}
}

func mustRecord(t *testing.T, l *Log, i uint64) Entry {
	t.Helper()
	e, err := l.Record(i)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func httpGet(t *testing.T, url string, want int) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
	}
	return b
}

func TestTilePath(t *testing.T) {
	for _, c := range []struct {
		level int
		n     int64
		w     int
		path  string
	}{
		{0, 0, 256, "0/000"},
		{1, 1234067, 256, "1/x001/x234/067"},
		{0, 5, 8, "0/005.p/8"},
		{-1, 1000, 3, "entries/x001/000.p/3"},
	} {
		if got := tilePath(c.level, c.n, c.w); got != c.path {
			t.Errorf("tilePath(%d, %d, %d) = %s, want %s", c.level, c.n, c.w, got, c.path)
		}
		entries, level, n, w, err := parseTilePath(c.path)
		if err != nil || entries != (c.level < 0) || (c.level >= 0 && level != c.level) || n != c.n || w != c.w {
			t.Errorf("parseTilePath(%s) = %v %d %d %d %v", c.path, entries, level, n, w, err)
		}
	}
}

// TestWitnessHTTP: a witness on loopback cosigns the operator's checkpoints
// over HTTP (C2SP tlog-witness); when the operator shows it a second
// history under the same key, it refuses, and a verifier requiring its
// cosignature sees only the first.
func TestWitnessHTTP(t *testing.T) {
	s, v, _ := newKeys(t)
	ws, wv := newWitnessKeys(t, "supervisor.example/witness")
	wstate := filepath.Join(t.TempDir(), "witness.state")
	w, err := NewWitness(ws, wstate, v)
	if err != nil {
		t.Fatal(err)
	}
	whs := httptest.NewServer(w)
	defer whs.Close()
	peer := WitnessPeer{Client: &WitnessClient{URL: whs.URL}, Verifier: wv}

	dirA := t.TempDir()
	opA, clkA := newOperator(t, dirA, s)
	witA := NewWitnessing(opA.Log(), peer)
	_, hsA := serveLog(t, opA, nil) // witnessing driven by the test, not the background loop
	cA, err := Dial(ctx, hsA.URL, v, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 3; round++ {
		for i := round * 4; i < round*4+4; i++ {
			clkA.set(baseTime.Add(time.Duration(i) * time.Second))
			if _, err := cA.Append(ctx, signSample(t, cA.Origin(), i)); err != nil {
				t.Fatal(err)
			}
		}
		cos, err := witA.Update(ctx)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		c, names, err := OpenCosigned(cos, v, []note.Verifier{wv})
		if err != nil || c.Size != uint64(round*4+4) || len(names) != 1 {
			t.Fatalf("round %d: cosigned %d by %v: %v", round, c.Size, names, err)
		}
	}
	// Verifiers requiring the witness: the directory and the served log.
	if _, err := VerifyDir(dirA, v, VerifyOptions{Witnesses: []note.Verifier{wv}, MinWitnesses: 1}); err != nil {
		t.Fatal(err)
	}
	srvA := NewServer(opA, witA)
	defer srvA.Close()
	hsA2 := httptest.NewServer(srvA)
	defer hsA2.Close()
	cA2, _ := Dial(ctx, hsA2.URL, v, ClientOptions{})
	if res, err := cA2.Verify(ctx, VerifyOptions{Witnesses: []note.Verifier{wv}, MinWitnesses: 1}); err != nil || len(res.Cosigners) != 1 {
		t.Fatalf("served log with its witness: %+v %v", res, err)
	}
	_, otherW := newWitnessKeys(t, "other.example/witness")
	if _, err := VerifyDir(dirA, v, VerifyOptions{Witnesses: []note.Verifier{otherW}, MinWitnesses: 1}); !errors.Is(err, ErrWitness) {
		t.Fatalf("cosignature of another witness required: %v", err)
	}

	// The operator shows a second history, under the same key, to the
	// same witness: records 0..5, then others.
	dirB := t.TempDir()
	opB, clkB := newOperator(t, dirB, s)
	for _, i := range []int{0, 1, 2, 3, 4, 5, 20, 21, 22, 23, 24, 25, 26} {
		clkB.set(baseTime.Add(time.Duration(i) * time.Second))
		if _, err := opB.Append(ctx, signSample(t, opB.Origin(), i)); err != nil {
			t.Fatal(err)
		}
	}
	witB := NewWitnessing(opB.Log(), peer)
	if _, err := witB.Update(ctx); !errors.Is(err, ErrForked) {
		t.Fatalf("second history offered to the witness: %v", err)
	}
	held, _ := w.Latest(s.Name())
	if hc, _ := ParseCheckpoint(bodyOf(held)); hc.Size != 12 {
		t.Fatalf("witness moved to %d", hc.Size)
	}
	// A smaller second history: refused as a rollback.
	dirC := t.TempDir()
	opC, clkC := newOperator(t, dirC, s)
	for i := 0; i < 5; i++ {
		clkC.set(baseTime.Add(time.Duration(i) * time.Second))
		if _, err := opC.Append(ctx, signSample(t, opC.Origin(), i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewWitnessing(opC.Log(), peer).Update(ctx); !errors.Is(err, ErrRollback) {
		t.Fatalf("smaller history offered to the witness: %v", err)
	}
	// Neither has a cosigned checkpoint a verifier would accept.
	for _, dir := range []string{dirB, dirC} {
		if _, err := VerifyDir(dir, v, VerifyOptions{Witnesses: []note.Verifier{wv}, MinWitnesses: 1}); !errors.Is(err, ErrWitness) {
			t.Fatalf("%s with a witness required: %v", filepath.Base(dir), err)
		}
	}
	// ... and the first history's cosigned checkpoint, copied next to the
	// second, does not cover it.
	writeFile(t, filepath.Join(dirB, cosignedFile), witA.Cosigned())
	if _, err := VerifyDir(dirB, v, VerifyOptions{Witnesses: []note.Verifier{wv}, MinWitnesses: 1}); !errors.Is(err, ErrForked) {
		t.Fatalf("second history with the first's cosigned checkpoint: %v", err)
	}
	// The witness's state survives a restart: still refuses B.
	w2, err := NewWitness(ws, wstate, v)
	if err != nil {
		t.Fatal(err)
	}
	whs2 := httptest.NewServer(w2)
	defer whs2.Close()
	peer2 := WitnessPeer{Client: &WitnessClient{URL: whs2.URL}, Verifier: wv}
	if _, err := NewWitnessing(opB.Log(), peer2).Update(ctx); !errors.Is(err, ErrForked) {
		t.Fatalf("restarted witness: %v", err)
	}
	// The honest log keeps being cosigned after the restart.
	clkA.set(baseTime.Add(12 * time.Second))
	if _, err := cA.Append(ctx, signSample(t, cA.Origin(), 12)); err != nil {
		t.Fatal(err)
	}
	if _, err := NewWitnessing(opA.Log(), peer2).Update(ctx); err != nil {
		t.Fatalf("honest log after the witness restarted: %v", err)
	}
}

// TestWitnessProtocol: status codes of C2SP tlog-witness.
func TestWitnessProtocol(t *testing.T) {
	s, v, _ := newKeys(t)
	ws, _ := newWitnessKeys(t, "w.example/w")
	w, _ := NewWitness(ws, filepath.Join(t.TempDir(), "st"), v)
	hs := httptest.NewServer(w)
	defer hs.Close()
	_, l, _ := buildLogWith(t, s, 5)
	post := func(body string) int {
		resp, err := http.Post(hs.URL+"/add-checkpoint", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ck := string(l.Checkpoint())
	if c := post("old 0\n\n" + ck); c != http.StatusOK {
		t.Fatalf("first cosignature: %d", c)
	}
	if c := post("old 0\n\n" + ck); c != http.StatusConflict {
		t.Errorf("stale old size: %d", c)
	}
	if c := post("old 9\n\n" + ck); c != http.StatusConflict && c != http.StatusBadRequest {
		t.Errorf("old size beyond: %d", c)
	}
	if c := post("old 5\n" + ck); c != http.StatusBadRequest {
		t.Errorf("no empty line: %d", c)
	}
	other, _, _ := newKeysNamed(t, "unknown.example/log")
	_, ol, _ := buildLogWith(t, other, 1)
	if c := post("old 0\n\n" + string(ol.Checkpoint())); c != http.StatusNotFound {
		t.Errorf("unknown log: %d", c)
	}
	forged, _, _ := newKeys(t) // same name, another key
	_, fl, _ := buildLogWith(t, forged, 6)
	if c := post("old 5\n\n" + string(fl.Checkpoint())); c != http.StatusForbidden {
		t.Errorf("checkpoint under another key: %d", c)
	}
	resp, err := http.Get(hs.URL + "/add-checkpoint")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET: %d", resp.StatusCode)
		}
	}
}

func buildLogWith(t *testing.T, s note.Signer, n int) (string, *Log, note.Verifier) {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	for i := 0; i < n; i++ {
		if _, err := l.Append(context.Background(), sampleRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	return dir, l, nil
}

// TestServerGroupCommit: concurrent HTTP appends share commits.
func TestServerGroupCommit(t *testing.T) {
	s, v, _ := newKeys(t)
	op, clk := newOperator(t, t.TempDir(), s)
	clk.set(baseTime.Add(30 * time.Second))
	_, hs := serveLog(t, op, nil)
	c, err := Dial(ctx, hs.URL, v, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]SignedRecord, 64)
	for i := range recs {
		recs[i] = signSample(t, c.Origin(), i)
	}
	var wg sync.WaitGroup
	seen := make([]bool, len(recs))
	var mu sync.Mutex
	for i := range recs {
		wg.Go(func() {
			r, err := c.Append(ctx, recs[i])
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			seen[r.Index] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	for i, ok := range seen {
		if !ok {
			t.Fatalf("no record at %d", i)
		}
	}
	if _, err := c.Verify(ctx, VerifyOptions{Registry: testRegistry(t)}); err != nil {
		t.Fatal(err)
	}
}
