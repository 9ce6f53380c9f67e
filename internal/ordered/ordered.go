// Package ordered is the one engine that processes a stream of batches on
// all cores and hands the results on in input order: the record pipeline
// and the detect command both cut their input into batches, transform them
// in parallel and must write them out in the order they came.
package ordered

import (
	"context"
	"sync"
)

type slot[T any] struct {
	item T
	done chan struct{}
}

// Run calls produce, which calls send for each item in input order, on one
// goroutine; runs work on each item on one of workers goroutines (worker is
// its index, for per-worker scratch state); and calls emit with each item,
// after its work is done, in input order, on the calling goroutine. At most
// 3×workers items are in flight, so memory is bounded by the batch size.
//
// Run returns produce's error, if any, once every item sent has been
// emitted. When emit returns an error, or ctx is done, Run returns at once
// with that error (ctx.Err()), without waiting for the reader, which may be
// blocked in a Read of a pipe or a network stream: send then returns false,
// and the goroutines end on their own as soon as produce returns.
func Run[T any](ctx context.Context, workers int, produce func(send func(T) bool) error, work func(worker int, item T), emit func(T) error) error {
	if workers < 1 {
		workers = 1
	}
	jobs := make(chan *slot[T], workers)
	order := make(chan *slot[T], 2*workers)
	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	defer context.AfterFunc(ctx, halt)()
	for w := range workers {
		go func() {
			for s := range jobs {
				work(w, s.item)
				close(s.done)
			}
		}()
	}
	produced := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		produced <- produce(func(item T) bool {
			s := &slot[T]{item: item, done: make(chan struct{})}
			// To the workers first: every item the collector sees must
			// reach a worker, or it would wait for it forever.
			select {
			case jobs <- s:
			case <-stop:
				return false
			}
			select {
			case order <- s:
				return true
			case <-stop:
				return false
			}
		})
	}()
	for {
		var s *slot[T]
		var ok bool
		select {
		case s, ok = <-order:
		case <-stop:
			return stopErr(ctx)
		}
		if !ok {
			return <-produced
		}
		select {
		case <-s.done:
		case <-stop:
			return stopErr(ctx)
		}
		if err := emit(s.item); err != nil {
			halt()
			return err
		}
	}
}

func stopErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.Canceled
}
