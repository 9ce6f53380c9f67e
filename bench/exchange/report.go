package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// endpoints in the order the report lists them.
var endpoints = []string{
	"POST /applications",
	"POST /applications/{id}/decision",
	"GET /applications/{id}",
	"GET /deliveries/{id}/envelope",
	"POST /deliveries/{id}/receipt",
}

func (r *result) ratio() float64 {
	b := median(r.BaselineBps)
	if b == 0 {
		return 0
	}
	return median(r.ServiceBps) / b
}

func (r *result) meanEnvelope() float64 {
	if len(r.EnvelopeSize) == 0 {
		return 0
	}
	var t int64
	for _, s := range r.EnvelopeSize {
		t += s
	}
	return float64(t) / float64(len(r.EnvelopeSize))
}

// Markdown is the report: the tables docs/benchmarks.md carries.
func (r *result) Markdown() string {
	var b strings.Builder
	done := len(r.EnvelopeSize)
	fmt.Fprintf(&b, "source register: %d rows, %.1f MB; envelope: %.1f MB on average; %d recipients, client bounded to %d connections\n\n",
		r.Rows, float64(r.SourceBytes)/1e6, r.meanEnvelope()/1e6, r.cfg.Recipients, r.cfg.Conns)
	fmt.Fprintf(&b, "| measure | value |\n|---|---:|\n")
	fmt.Fprintf(&b, "| exchanges completed (apply → approve → deliver → download → receipt) | %d of %d |\n", done, r.cfg.Recipients)
	fmt.Fprintf(&b, "| wall time of the load | %.2f s |\n", r.LoadWall.Seconds())
	fmt.Fprintf(&b, "| applications/s (completed exchanges ÷ wall time) | %.2f |\n", float64(done)/r.LoadWall.Seconds())
	fmt.Fprintf(&b, "| download: service, %d at once (median of %d) | %.0f MB/s |\n", done, len(r.ServiceBps), median(r.ServiceBps)/1e6)
	fmt.Fprintf(&b, "| download: `http.ServeContent` on the same files (median of %d) | %.0f MB/s |\n", len(r.BaselineBps), median(r.BaselineBps)/1e6)
	fmt.Fprintf(&b, "| **download ratio service ÷ ServeContent** (goal ≥ 0.8) | **%.2f** |\n", r.ratio())
	bound := "bound 100"
	if !r.cfg.CheckRSS {
		bound = "not asserted"
	}
	fmt.Fprintf(&b, "| service peak RSS (VmHWM) | %.0f MB (%.1f envelopes' worth; %s) |\n", float64(r.HWM)/1e6, float64(r.HWM)/max(r.meanEnvelope(), 1), bound)
	fmt.Fprintf(&b, "| errors | %d |\n", len(r.Errors))
	verdict := "verifies"
	if r.LogErr != nil {
		verdict = "does NOT verify"
	}
	fmt.Fprintf(&b, "| share-record log afterwards (`govshare log verify --require-signed`) | %s |\n\n", verdict)
	fmt.Fprintf(&b, "| endpoint | requests | p50 | p99 |\n|---|---:|---:|---:|\n")
	for _, e := range endpoints {
		d := r.Latency[e]
		fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", e, len(d), ms(percentile(d, 0.5)), ms(percentile(d, 0.99)))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(&b, "\nerrors (first 10):\n")
		for _, e := range r.Errors[:min(10, len(r.Errors))] {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	if r.LogErr != nil {
		fmt.Fprintf(&b, "\nlog verify: %v\n", r.LogErr)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// Check fails the run on what must hold whatever the machine: no errors,
// every exchange completed, the log verifies, and the service's peak RSS
// stays under 100 envelopes' worth (it streams; it does not hold them).
func (r *result) Check() error {
	var errs []error
	if len(r.Errors) > 0 {
		errs = append(errs, fmt.Errorf("%d errors, first: %s", len(r.Errors), r.Errors[0]))
	}
	if len(r.EnvelopeSize) != r.cfg.Recipients {
		errs = append(errs, fmt.Errorf("%d of %d exchanges completed", len(r.EnvelopeSize), r.cfg.Recipients))
	}
	if r.LogErr != nil {
		errs = append(errs, fmt.Errorf("log does not verify: %w", r.LogErr))
	}
	if bound := 100 * r.meanEnvelope(); r.cfg.CheckRSS && float64(r.HWM) > bound {
		errs = append(errs, fmt.Errorf("service peak RSS %d bytes is over 100 envelopes' worth (%.0f)", r.HWM, bound))
	}
	if slices.Contains(r.ServiceBps, 0) {
		errs = append(errs, errors.New("a download round moved no bytes"))
	}
	return errors.Join(errs...)
}
