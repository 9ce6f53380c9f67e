package audit

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// Child processes: the test binary re-executed with these variables set.
const (
	envMode   = "GOVSHARE_AUDIT_CHILD" // "kill" (append forever) or "append" (append COUNT, exit)
	envDir    = "GOVSHARE_AUDIT_DIR"
	envKey    = "GOVSHARE_AUDIT_TESTKEY" // a throwaway test signer key
	envPrefix = "GOVSHARE_AUDIT_PREFIX"
	envCount  = "GOVSHARE_AUDIT_COUNT"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envMode); mode != "" {
		os.Exit(childMain(mode))
	}
	os.Exit(m.Run())
}

// childMain appends records named PREFIX-g-seq from 4 goroutines and prints
// "index id" for each acknowledged one, in a single write, only after
// Append returned nil.
func childMain(mode string) int {
	s, err := note.NewSigner(os.Getenv(envKey))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: bad key")
		return 2
	}
	l, err := Open(os.Getenv(envDir), s)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	prefix := os.Getenv(envPrefix)
	count, _ := strconv.Atoi(os.Getenv(envCount))
	const workers = 4
	var mu sync.Mutex
	var wg sync.WaitGroup
	failed := false
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; mode == "kill" || seq < count/workers; seq++ {
				id := fmt.Sprintf("%s-%d-%d", prefix, g, seq)
				idx, err := l.Append(context.Background(), sampleRecordID(seq, id))
				mu.Lock()
				if err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					failed = true
				} else {
					os.Stdout.WriteString(fmt.Sprintf("%d %s\n", idx, id))
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil || failed {
		return 1
	}
	return 0
}

func startChild(t *testing.T, dir, skey, mode, prefix string, count int) (*exec.Cmd, io.ReadCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envMode+"="+mode, envDir+"="+dir, envKey+"="+skey,
		envPrefix+"="+prefix, envCount+"="+strconv.Itoa(count))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

// readAcks collects complete "index id" lines; a line cut by the kill has
// no newline and is ignored (that record may or may not be there).
func readAcks(t *testing.T, r io.Reader, first chan<- struct{}) map[uint64]string {
	acks := map[uint64]string{}
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return acks
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			t.Errorf("child printed a malformed line")
			return acks
		}
		idx, perr := strconv.ParseUint(f[0], 10, 64)
		if perr != nil {
			t.Errorf("child printed a malformed line")
			return acks
		}
		if prev, dup := acks[idx]; dup {
			t.Errorf("index %d acknowledged twice (%s, %s)", idx, prev, f[1])
		}
		acks[idx] = f[1]
		if first != nil {
			close(first)
			first = nil
		}
	}
}

// TestKillAnywhere: a child appends in a loop (4 goroutines, group commit)
// and is SIGKILLed at a random moment, 200 times (20 with -short). After
// each kill the parent reopens the log (repairing any torn tail), Verify
// passes, and every record the child ever acknowledged is present at its
// index with its content.
func TestKillAnywhere(t *testing.T) {
	kills := 200
	if testing.Short() {
		kills = 20
	}
	s, v, skey := newKeys(t)
	dir := t.TempDir()
	acked := map[uint64]string{}
	rng := rand.New(rand.NewPCG(1, 2))
	deadline := time.Now().Add(90 * time.Second)
	torn, resigned := 0, 0
	for k := 0; k < kills; k++ {
		if time.Now().After(deadline) {
			t.Fatalf("only %d kills in 90 s", k)
		}
		cmd, out := startChild(t, dir, skey, "kill", fmt.Sprintf("k%03d", k), 0)
		first := make(chan struct{})
		got := make(chan map[uint64]string, 1)
		go func() { got <- readAcks(t, out, first) }()
		if k%4 != 0 {
			// Mostly mid-append: wait for the first ack, then a random delay.
			select {
			case <-first:
			case <-time.After(10 * time.Second):
				t.Fatal("child never acknowledged an append")
			}
		}
		// k%4 == 0 kills at a random point from exec on, startup and Open included.
		time.Sleep(time.Duration(rng.IntN(15000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		acks := <-got
		cmd.Wait()
		for idx, id := range acks {
			acked[idx] = id
		}

		// What the crash left, to count the repairs Open makes.
		var sizeBefore int64 = -1
		var ckBefore Checkpoint
		if _, err := os.Stat(dir + "/" + recordsFile); err == nil { // else killed before the log existed
			sizeBefore = fileSize(t, dir+"/"+recordsFile)
			if ckBefore, err = splitSigned(readFile(t, dir+"/"+checkpointFile), s.Name(), s.KeyHash()); err != nil {
				t.Fatalf("kill %d: checkpoint after crash: %v", k, err)
			}
		}
		if sizeBefore >= 0 && k%3 == 1 {
			// A process kill cannot tear a write(2); a power cut can. Simulate
			// one: lose part of what lies past the checkpoint (never
			// acknowledged), or leave junk there, as a crashed disk may.
			sizeBefore = tearTail(t, dir, ckBefore.Size, rng)
		}
		l, err := Open(dir, s)
		if err != nil {
			t.Fatalf("kill %d: reopen: %v", k, err)
		}
		n := l.Size()
		if fileSize(t, dir+"/"+recordsFile) < sizeBefore {
			torn++
		}
		if sizeBefore >= 0 && n > ckBefore.Size {
			resigned++
		}
		seen := 0
		for e, err := range l.Records(0, n) {
			if err != nil {
				t.Fatalf("kill %d: %v", k, err)
			}
			if want, ok := acked[e.Index]; ok {
				if envelopeOf(e.Record) != want {
					t.Fatalf("kill %d: record %d is %q, acknowledged as %q", k, e.Index, envelopeOf(e.Record), want)
				}
				seen++
			}
		}
		if seen != len(acked) {
			t.Fatalf("kill %d: %d of %d acknowledged records present (log size %d)", k, seen, len(acked), n)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(dir, v); err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
	}
	t.Logf("%d kills, %d acknowledged records, all present; repairs: %d torn tails cut, %d lagging checkpoints re-signed",
		kills, len(acked), torn, resigned)
}

// TestTwoProcesses: this process and a child append to one directory at
// the same time; every record is present exactly once and the tree verifies.
func TestTwoProcesses(t *testing.T) {
	s, v, skey := newKeys(t)
	dir := t.TempDir()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const each = 200
	cmd, out := startChild(t, dir, skey, "append", "child", each)
	childAcks := make(chan map[uint64]string, 1)
	go func() { childAcks <- readAcks(t, out, nil) }()
	parentAcks := map[uint64]string{}
	for seq := 0; seq < each; seq++ {
		id := fmt.Sprintf("parent-%d", seq)
		idx, err := l.Append(ctx, sampleRecordID(seq, id))
		if err != nil {
			t.Fatal(err)
		}
		parentAcks[idx] = id
	}
	ca := <-childAcks
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if len(ca) != each {
		t.Fatalf("child acknowledged %d of %d", len(ca), each)
	}
	if err := l.Refresh(); err != nil {
		t.Fatal(err)
	}
	if l.Size() != 2*each {
		t.Fatalf("size %d, want %d", l.Size(), 2*each)
	}
	ids := map[string]int{}
	for e, err := range l.Records(0, l.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		id := envelopeOf(e.Record)
		ids[id]++
		want, ok := parentAcks[e.Index]
		if !ok {
			want = ca[e.Index]
		}
		if id != want {
			t.Fatalf("record %d is %q, acknowledged as %q", e.Index, id, want)
		}
	}
	for id, c := range ids {
		if c != 1 {
			t.Fatalf("%s present %d times", id, c)
		}
	}
	if len(ids) != 2*each {
		t.Fatalf("%d distinct records, want %d", len(ids), 2*each)
	}
	c, err := Verify(dir, v)
	if err != nil || c.Size != 2*each {
		t.Fatalf("Verify: %+v, %v", c, err)
	}
	// The parent's view, refreshed, proves the child's records too.
	for idx := range ca {
		p, err := l.InclusionProof(idx, l.Size())
		if err != nil {
			t.Fatal(err)
		}
		e, _ := l.Record(idx)
		if err := VerifyInclusion(l.Checkpoint(), e.Record, idx, p, v); err != nil {
			t.Fatal(err)
		}
		break
	}
}

// TestConcurrentAppends: 8 goroutines append at once (run with -race);
// each record lands exactly once at the index its Append returned.
func TestConcurrentAppends(t *testing.T) {
	dir, l, v := buildLog(t, 0)
	const workers, each = 8, 40
	var wg sync.WaitGroup
	idx := make([][]uint64, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n, err := l.Append(ctx, sampleRecordID(i, fmt.Sprintf("g%d-%d", g, i)))
				if err != nil {
					t.Error(err)
					return
				}
				idx[g] = append(idx[g], n)
				if i%10 == 0 {
					// Readers run alongside the writers.
					if _, err := l.InclusionProof(n, l.Size()); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if l.Size() != workers*each {
		t.Fatalf("size %d, want %d", l.Size(), workers*each)
	}
	seen := map[uint64]bool{}
	for g := range idx {
		for i, n := range idx[g] {
			if seen[n] {
				t.Fatalf("index %d returned twice", n)
			}
			seen[n] = true
			e, err := l.Record(n)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("g%d-%d", g, i); envelopeOf(e.Record) != want {
				t.Fatalf("record %d is %q, want %q", n, envelopeOf(e.Record), want)
			}
		}
	}
	l.Close()
	if _, err := Verify(dir, v); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// tearTail cuts the records file somewhere past the end of the first covered
// records, or appends junk if nothing lies there, and returns the new size.
func tearTail(t *testing.T, dir string, covered uint64, rng *rand.Rand) int64 {
	t.Helper()
	path := dir + "/" + recordsFile
	b := readFile(t, path)
	end := len(recordsHeader)
	for i := uint64(0); i < covered; i++ {
		end += 8 + int(binary.BigEndian.Uint32(b[end:]))
	}
	if len(b) > end+1 {
		b = b[:end+1+rng.IntN(len(b)-end-1)]
	} else {
		junk := make([]byte, 1+rng.IntN(300))
		if rng.IntN(2) == 0 {
			for i := range junk {
				junk[i] = byte(rng.Uint32())
			}
		}
		b = append(b, junk...)
	}
	writeFile(t, path, b)
	return int64(len(b))
}
