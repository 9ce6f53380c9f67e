package ordered

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestOrder: results come out in input order whatever the work takes, and
// per-worker state is never shared (run with -race).
func TestOrder(t *testing.T) {
	type item struct{ in, out int }
	for _, workers := range []int{0, 1, 2, 7} {
		state := make([]int, max(workers, 1))
		next := 0
		err := Run(context.Background(), workers, func(send func(*item) bool) error {
			for i := range 500 {
				if !send(&item{in: i}) {
					return nil
				}
			}
			return nil
		}, func(w int, it *item) {
			state[w]++ // per-worker: no lock needed
			if rand.IntN(10) == 0 {
				time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
			}
			it.out = it.in * 2
		}, func(it *item) error {
			if it.in != next || it.out != 2*next {
				t.Fatalf("workers %d: got item %d, want %d", workers, it.in, next)
			}
			next++
			return nil
		})
		if err != nil || next != 500 {
			t.Fatalf("workers %d: %v after %d items", workers, err, next)
		}
	}
}

// TestStopOnEmitError: an emit error stops the producer, is returned, and
// no goroutine is left behind.
func TestStopOnEmitError(t *testing.T) {
	before := runtime.NumGoroutine()
	boom := errors.New("boom")
	var produced atomic.Int64 // the producer may still run when Run returns
	emitted := 0
	err := Run(context.Background(), 2, func(send func(int) bool) error {
		for i := 0; ; i++ {
			if !send(i) {
				return nil
			}
			produced.Add(1)
		}
	}, func(int, int) {}, func(i int) error {
		emitted++
		if i == 10 {
			return boom
		}
		return nil
	})
	time.Sleep(10 * time.Millisecond)
	if n := produced.Load(); !errors.Is(err, boom) || emitted != 11 || n > 11+3*2+2 {
		t.Fatalf("err %v, emitted %d, produced %d", err, emitted, n)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left behind", n-before)
	}
}

// TestProduceError: a reader's error is returned after what was read is emitted.
func TestProduceError(t *testing.T) {
	bad := errors.New("bad input")
	emitted := 0
	err := Run(context.Background(), 3, func(send func(int) bool) error {
		for i := range 20 {
			send(i)
		}
		return bad
	}, func(int, int) {}, func(int) error { emitted++; return nil })
	if !errors.Is(err, bad) || emitted != 20 {
		t.Fatalf("err %v, emitted %d", err, emitted)
	}
}

// TestCancelWhileReaderBlocks: a cancelled run returns although the reader
// is blocked (a pipe that never delivers), and the reader's goroutine ends
// once its read returns.
func TestCancelWhileReaderBlocks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	unblock := make(chan struct{})
	returned := make(chan error, 1)
	go func() {
		returned <- Run(ctx, 2, func(send func(int) bool) error {
			send(1)
			<-unblock // a Read that does not return
			send(2)
			return nil
		}, func(int, int) {}, func(int) error { return nil })
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-returned:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run waited for a blocked reader after cancellation")
	}
	close(unblock)
}
