// Package ordered is the one engine that processes a stream of batches on
// all cores and hands the results on in input order: the record pipeline
// and the detect command both cut their input into batches, transform them
// in parallel and must write them out in the order they came.
package ordered

import "sync"

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
// After emit returns an error, send returns false (produce should stop
// reading), the items in flight are finished but not emitted, and Run
// returns that error. Otherwise Run returns produce's error, if any, once
// every item sent has been emitted.
func Run[T any](workers int, produce func(send func(T) bool) error, work func(worker int, item T), emit func(T) error) error {
	if workers < 1 {
		workers = 1
	}
	jobs := make(chan *slot[T], workers)
	order := make(chan *slot[T], 2*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
			select {
			case order <- s:
			case <-stop:
				return false
			}
			jobs <- s
			return true
		})
	}()
	var emitErr error
	for s := range order {
		<-s.done
		if emitErr != nil {
			continue
		}
		if emitErr = emit(s.item); emitErr != nil {
			close(stop)
		}
	}
	wg.Wait()
	if err := <-produced; err != nil && emitErr == nil {
		return err
	}
	return emitErr
}
