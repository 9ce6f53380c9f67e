package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/govshare/govshare/bench/internal/workload"
)

// runCLI times whole processes on one file of n values: the govshare CLI
// (`govshare detect --json FILE`, built from the library module) against
// ./godlp/dlpdetect, which runs godlp's Detect over the same file and prints
// the same JSON. Both write to a file; the time is from start to exit, so it
// includes start-up, reading, detection and output. Ours is the best of
// runs, godlp's one run (about 13,000 values/s). The files are made in dir,
// or in a temporary directory that is removed.
func runCLI(n, runs int, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "govshare-cli-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	input := filepath.Join(dir, "values.txt")
	corpus := workload.Identifiers(n)
	text := strings.Join(corpus, "\n") + "\n"
	if err := os.WriteFile(input, []byte(text), 0o600); err != nil {
		return err
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		return err
	}

	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/govshare/govshare").Output()
	if err != nil {
		return fmt.Errorf("go list: %w", err)
	}
	ours := filepath.Join(dir, "govshare")
	if err := goBuild(strings.TrimSpace(string(root)), ours, "./cmd/govshare"); err != nil {
		return err
	}
	theirs := filepath.Join(dir, "dlpdetect")
	if err := goBuild("", theirs, "github.com/govshare/govshare/bench/godlp/dlpdetect"); err != nil {
		return err
	}
	fmt.Printf("corpus: %d values (bare mobiles and resident IDs), %d bytes, one file; GOMAXPROCS=%d\n",
		n, len(text), runtime.GOMAXPROCS(0))

	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	ourOut := filepath.Join(dir, "govshare.json")
	theirOut := filepath.Join(dir, "godlp.json")

	// A first run of each brings the binaries and the file into the page
	// cache; it does not count.
	if _, err := timeProcess(ourOut, nil, ours, "detect", "--json", input); err != nil {
		return err
	}
	startup, err := bestProcess(runs, ourOut, nil, ours, "detect", "--json", empty)
	if err != nil {
		return err
	}
	our, err := bestProcess(runs, ourOut, nil, ours, "detect", "--json", input)
	if err != nil {
		return err
	}
	ourFound, ourBytes, err := checkOutput(ourOut, text)
	if err != nil {
		return fmt.Errorf("govshare output: %w", err)
	}
	fmt.Printf("govshare detect --json, best of %d: %8.3fs  %12.0f values/s  CPU %.3fs  found %d, %d bytes of JSON (start-up on an empty file %.3fs)\n",
		runs, our.wall.Seconds(), float64(n)/our.wall.Seconds(), our.cpu.Seconds(), ourFound, ourBytes, startup.wall.Seconds())

	their, err := timeProcess(theirOut, devnull, theirs, input) // godlp logs each call to stderr
	if err != nil {
		return err
	}
	theirFound, theirBytes, err := checkOutput(theirOut, text)
	if err != nil {
		return fmt.Errorf("godlp output: %w", err)
	}
	fmt.Printf("godlp dlpdetect, 1 run:            %8.3fs  %12.0f values/s  CPU %.3fs  found %d, %d bytes of JSON\n",
		their.wall.Seconds(), float64(n)/their.wall.Seconds(), their.cpu.Seconds(), theirFound, theirBytes)
	fmt.Printf("ratio (whole process, wall): govshare detect --json is %.0fx godlp\n", their.wall.Seconds()/our.wall.Seconds())
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average during the run: %s", b) // other users of the machine skew godlp's one run
	}
	return nil
}

func goBuild(dir, out, pkg string) error {
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// timing is one process's time from start to exit and the CPU time it used.
type timing struct{ wall, cpu time.Duration }

// timeProcess runs name with args, stdout to the file out, and times it.
func timeProcess(out string, stderr io.Writer, name string, args ...string) (timing, error) {
	f, err := os.Create(out)
	if err != nil {
		return timing{}, err
	}
	defer f.Close()
	var errBuf bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = f
	cmd.Stderr = stderr
	if stderr == nil {
		cmd.Stderr = &errBuf
	}
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return timing{}, fmt.Errorf("%s: %w %s", filepath.Base(name), err, errBuf.Bytes())
	}
	return timing{wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// bestProcess returns the fastest of runs timed runs.
func bestProcess(runs int, out string, stderr io.Writer, name string, args ...string) (timing, error) {
	var best timing
	for i := range max(runs, 1) {
		t, err := timeProcess(out, stderr, name, args...)
		if err != nil {
			return timing{}, err
		}
		if i == 0 || t.wall < best.wall {
			best = t
		}
	}
	return best, nil
}

// checkOutput parses a findings file and checks every span against the
// input; it returns the number of findings and the size of the file.
func checkOutput(name, input string) (found, size int, err error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0, 0, err
	}
	var res struct {
		Findings []struct {
			Type  string `json:"type"`
			Start int    `json:"start"`
			End   int    `json:"end"`
			Value string `json:"value"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return 0, 0, err
	}
	for _, f := range res.Findings {
		if f.Start < 0 || f.End > len(input) || f.Start > f.End || input[f.Start:f.End] != f.Value {
			return 0, 0, fmt.Errorf("finding %s [%d:%d] does not point at its value", f.Type, f.Start, f.End)
		}
	}
	return len(res.Findings), len(b), nil
}
