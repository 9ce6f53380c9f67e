package harness

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// benchLine is one result line of go test -bench: the benchmark's name
// (without the -GOMAXPROCS suffix), its GOMAXPROCS, the iterations, and
// every value by unit (ns/op, MB/s, custom metrics).
type benchLine struct {
	Name    string
	Procs   int
	N       int
	Metrics map[string]float64
}

// parseBenchJSON reads the benchmark lines out of go test -json output.
// go test -json may split a benchmark's line across output events (the
// name, then the figures), so the outputs are joined before the lines are
// read.
func parseBenchJSON(out []byte) ([]benchLine, error) {
	var text strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Action string
			Output string
		}
		if len(sc.Bytes()) == 0 || sc.Bytes()[0] != '{' {
			continue // the build's own output
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("go test -json: %w", err)
		}
		if ev.Action == "output" {
			text.WriteString(ev.Output)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return parseBenchText(text.String()), nil
}

// parseBenchText reads lines such as
//
//	BenchmarkDecodeGB/table-2   	     100	  1234 ns/op	 758.00 MB/s
func parseBenchText(s string) []benchLine {
	var lines []benchLine
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		b := benchLine{Name: strings.TrimPrefix(f[0], "Benchmark"), Procs: 1, N: n, Metrics: map[string]float64{}}
		if i := strings.LastIndexByte(b.Name, '-'); i > 0 {
			if p, err := strconv.Atoi(b.Name[i+1:]); err == nil {
				b.Name, b.Procs = b.Name[:i], p
			}
		}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			b.Metrics[f[i+1]] = v
		}
		if ok {
			lines = append(lines, b)
		}
	}
	return lines
}

// goTest runs go test -bench in the repository root and returns its
// benchmark lines.
func (r *runner) goTest(env []string, args ...string) ([]benchLine, error) {
	cmd := exec.Command("go", append([]string{"test", "-json", "-run", "^$"}, args...)...)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go test %s: %w\n%s%s", strings.Join(args, " "), err, tail(out), stderr.String())
	}
	return parseBenchJSON(out)
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// skip records a comparison that did not run, and why.
func (r *runner) skip(id, title, command, why string) {
	r.rep.Comparisons = append(r.rep.Comparisons, Comparison{ID: id, Title: title, Command: command, Skipped: why})
}

// gb18030: the table-driven GB18030 decoder against x/text's on the same
// bytes (internal/records' BenchmarkDecodeGB).
func (r *runner) gb18030() error {
	const title = "GB18030 decoding vs golang.org/x/text (the bundled register ×20)"
	command := "go test -run '^$' -bench DecodeGB -benchtime 20x ./internal/records"
	if r.opt.Mode == Tiny {
		r.skip("gb18030", title, command, "tiny mode builds no test binary")
		return nil
	}
	lines, err := r.goTest(nil, "-bench", "DecodeGB", "-benchtime", fmt.Sprintf("%dx", r.size(1, 10, 20)), "./internal/records")
	if err != nil {
		return err
	}
	c := Comparison{ID: "gb18030", Title: title, Command: command, Baseline: "x/text Decoder"}
	if c.Results, err = throughputs(lines, "DecodeGB", map[string]string{"DecodeGB/table": "table + fallback", "DecodeGB/x/text": "x/text Decoder"}); err != nil {
		return err
	}
	r.rep.Comparisons = append(r.rep.Comparisons, c)
	return nil
}

// envelope: Seal and Open on 2 cores against one core of standard-library
// AES-256-GCM over the same payload (envelope's benchmarks).
func (r *runner) envelope() error {
	size := r.size(0, 64, 1024)
	title := fmt.Sprintf("Envelope seal and open vs one core of AES-256-GCM (%d MiB payload, 2 cores)", size)
	command := "GOVSHARE_BENCH_SIZE=1GiB go test -run '^$' -bench 'Seal$|Open$|Baseline' -benchtime 3x -cpu 2 ./envelope"
	if r.opt.Mode == Tiny {
		r.skip("envelope", title, command, "tiny mode builds no test binary")
		return nil
	}
	lines, err := r.goTest([]string{fmt.Sprintf("GOVSHARE_BENCH_SIZE=%dMiB", size)},
		"-bench", "Seal$|Open$|BaselineAESGCM", "-benchtime", fmt.Sprintf("%dx", r.size(1, 2, 3)), "-cpu", "2", "./envelope")
	if err != nil {
		return err
	}
	c := Comparison{ID: "envelope", Title: title, Command: command, Baseline: "AES-256-GCM, one core", Goal: "Seal and Open ≥ 50% of the baseline"}
	if c.Results, err = throughputs(lines, "envelope benchmarks", map[string]string{"BaselineAESGCM": "AES-256-GCM, one core", "Seal": "Seal", "Open": "Open"}); err != nil {
		return err
	}
	r.rep.Comparisons = append(r.rep.Comparisons, c)
	return nil
}

// redact: bench/redact (redact vs go-masker, masq and godlp), run as it
// is; its output is Markdown tables, which are read back.
func (r *runner) redact() error {
	const title = "redact vs go-masker v2.2.0, godlp v1.2.15 and masq v0.2.1"
	command := "cd bench && go run ./redact"
	if r.opt.Mode == Tiny {
		r.skip("redact", title, command, "tiny mode builds no other binary")
		return nil
	}
	cmd := exec.Command("go", "run", "./redact", "-time", []string{"", "100ms", "1s"}[r.size(1, 1, 2)])
	cmd.Dir = filepath.Join(r.root, "bench")
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go run ./redact: %w", err)
	}
	tables := parseMarkdownTables(string(out))
	if len(tables) == 0 {
		return fmt.Errorf("go run ./redact printed no table")
	}
	for i, t := range tables {
		c := Comparison{ID: fmt.Sprintf("redact-%d", i+1), Title: title + ": " + t.title, Command: command}
		for j, row := range t.rows {
			if len(row) < 6 {
				continue
			}
			ns, err := strconv.ParseFloat(row[1], 64)
			if err != nil {
				continue
			}
			if j == 0 {
				c.Baseline = row[0]
			}
			note := "raw identifiers left: " + row[4]
			if row[5] != "" {
				note += "; " + row[5]
			}
			c.Results = append(c.Results, Result{Name: row[0], Value: ns, Unit: "ns/op", Note: note})
		}
		if len(c.Results) > 0 {
			r.rep.Comparisons = append(r.rep.Comparisons, c)
		}
	}
	return nil
}

type mdTable struct {
	title string
	rows  [][]string // body rows, cells trimmed
}

// parseMarkdownTables reads each table with the non-blank line before it
// as its title.
func parseMarkdownTables(s string) []mdTable {
	var out []mdTable
	title := ""
	var cur *mdTable
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") {
			cur = nil
			if l != "" {
				title = l
			}
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cur == nil {
			out = append(out, mdTable{title: title})
			cur = &out[len(out)-1]
			continue // the header row
		}
		if strings.HasPrefix(cells[0], "---") || strings.HasPrefix(cells[0], ":--") {
			continue
		}
		cur.rows = append(cur.rows, cells)
	}
	return out
}

// throughputs are the MB/s of the benchmarks named in names (benchmark
// name → result name), in the order go test printed them; every one must
// be there.
func throughputs(lines []benchLine, what string, names map[string]string) ([]Result, error) {
	var out []Result
	for _, l := range lines {
		if name := names[l.Name]; name != "" && l.Metrics["MB/s"] > 0 {
			out = append(out, Result{Name: name, Value: l.Metrics["MB/s"], Unit: "MB/s"})
		}
	}
	if len(out) != len(names) {
		return nil, fmt.Errorf("%s gave %d results, want %d", what, len(out), len(names))
	}
	return out, nil
}
