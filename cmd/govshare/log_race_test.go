package main

import (
	"bytes"
	"path/filepath"
	"sync"
	"testing"
)

// TestOpenLogConcurrentFirstUse: two shares that start a new log at
// the same time (the first run of a department's cron jobs, say) must both
// get the log. openLog creates LOGDIR.key with O_EXCL after finding it
// missing, and a concurrent run either loses that race ("file exists") or
// reads the key file between its creation and its write (an empty key).
func TestOpenLogConcurrentFirstUse(t *testing.T) {
	t.Setenv("GOVSHARE_LOG_KEY", "")
	for round := range 20 {
		dir := filepath.Join(t.TempDir(), "log")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for k := range errs {
			wg.Go(func() {
				l, err := openLog(&env{stderr: &bytes.Buffer{}}, dir, "")
				if err == nil {
					l.Close()
				}
				errs[k] = err
			})
		}
		wg.Wait()
		for k, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, k, err)
			}
		}
	}
}
