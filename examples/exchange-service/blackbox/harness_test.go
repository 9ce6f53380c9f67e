package blackbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binaries built once per test binary by TestMain.
var (
	repoRoot    string
	xsBin       string // the exchange service
	govshareBin string // the govshare CLI, for keys and log verify
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	if repoRoot, err = findRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "blackbox:", err)
		return 1
	}
	bin, err := os.MkdirTemp("", "xs-blackbox-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "blackbox:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	xsBin = filepath.Join(bin, "xs")
	govshareBin = filepath.Join(bin, "govshare")
	for _, b := range []struct{ out, pkg string }{{xsBin, "./examples/exchange-service"}, {govshareBin, "./cmd/govshare"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "blackbox: go build %s: %v\n%s", b.pkg, err, out)
			return 1
		}
	}
	return m.Run()
}

// findRoot is the repository root: the directory holding go.work above this
// package, so that the build sees the library, bench/ and examples/ together.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the test directory")
		}
		dir = parent
	}
}

// run runs a command and returns its standard output; the failure names the
// command and carries its standard error.
func run(t testing.TB, env []string, stdin string, name string, args ...string) string {
	t.Helper()
	out, err := runErr(env, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v", filepath.Base(name), strings.Join(args, " "), err)
	}
	return out
}

func runErr(env []string, stdin string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w; stderr: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// lastOutput is the output of the last service process that ended, for
// failure messages about what it did before a kill.
var lastOutput struct {
	sync.Mutex
	s string
}

// service is one run of the service process.
type service struct {
	cmd  *exec.Cmd
	URL  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done

	mu  sync.Mutex
	out bytes.Buffer // its output, for failure messages (synthetic data only)
}

// startService starts `xs serve` with args (which must not include --addr)
// on a port the kernel picks, and waits until it prints its address.
func startService(t testing.TB, args ...string) *service {
	t.Helper()
	s, err := tryStart("127.0.0.1:0", args)
	if err != nil {
		t.Fatalf("start service: %v", err)
	}
	return s
}

func tryStart(addr string, args []string) (*service, error) {
	s := &service{done: make(chan struct{})}
	s.cmd = exec.Command(xsBin, append([]string{"serve", "--addr", addr}, args...)...)
	s.cmd.Env = os.Environ()
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			s.mu.Unlock()
			if i := strings.Index(line, "listening on http://"); i >= 0 {
				select {
				case ready <- strings.TrimSpace(line[i+len("listening on "):]):
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	go func() {
		s.err = s.cmd.Wait()
		pw.Close()
		lastOutput.Lock()
		lastOutput.s = s.output()
		lastOutput.Unlock()
		close(s.done)
	}()
	select {
	case u := <-ready:
		s.URL = strings.TrimRight(strings.Fields(u)[0], "/")
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("service exited before listening (%v): %s", s.err, s.output())
	case <-time.After(60 * time.Second):
		s.kill()
		return nil, fmt.Errorf("service not listening after 60 s: %s", s.output())
	}
}

func (s *service) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// kill sends SIGKILL and waits for the process to go.
func (s *service) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks the service to shut down (SIGTERM) and kills it after 20 s.
func (s *service) stop(t testing.TB) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
		t.Errorf("service did not stop within 20 s of SIGTERM")
	}
}

// apiError is a non-2xx answer.
type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Msg) }

// client calls the JSON API as one account.
type client struct {
	base  string
	token string
	hc    *http.Client
}

func newClient(base, token string) *client {
	return &client{base: base, token: token, hc: &http.Client{Timeout: 60 * time.Second}}
}

// do sends body (JSON-encoded unless it is []byte) and decodes a 2xx answer
// into out (unless nil). A non-2xx answer is an *apiError.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = "(no JSON error) " + truncate(string(b), 200)
		}
		return &apiError{resp.StatusCode, e.Error}
	}
	if out == nil {
		return nil
	}
	if bp, ok := out.(*[]byte); ok {
		*bp = b
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// statusOf is the HTTP status of err (0 if it is not an API error).
func statusOf(err error) int {
	var e *apiError
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
