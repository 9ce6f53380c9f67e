package main

import (
	"strings"
	"testing"
)

// TestQuick runs the whole load on a small register with a few recipients,
// so that `go test ./...` in bench/ exercises the harness and the service
// end to end: every exchange completes without an error and the log
// verifies afterwards. It asserts no timing; the figures are the full run's
// (go run ./exchange).
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the exchange service")
	}
	var progress strings.Builder
	res, err := run(config{Recipients: 4, Size: 200 << 10, Rounds: 1, Conns: 4}, &progress)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	t.Log("\n" + progress.String() + "\n" + res.Markdown())
	if err := res.Check(); err != nil {
		t.Fatal(err)
	}
	if res.LogVerify == "" || !strings.Contains(res.LogVerify, "verifies") {
		t.Fatalf("log verify printed %q", res.LogVerify)
	}
	for _, e := range endpoints {
		if len(res.Latency[e]) == 0 {
			t.Errorf("no request to %s was measured", e)
		}
	}
	if len(res.BaselineBps) != 1 || res.BaselineBps[0] == 0 {
		t.Errorf("the baseline server moved no bytes")
	}
}
