// Command exchange-service is a government data exchange built on
// govshare: a using department applies for a catalogued resource, the
// providing department's reviewer decides within a working-day limit, an
// approval is a grant that govshare's policy enforces, the data leaves
// only sealed to the recipient (govshare.Share), the recipient signs a
// receipt, and every step is a signed record on the share-record log the
// service operates. README.md in this directory is the guide.
//
//	exchange-service serve --data DIR --addr HOST:PORT [--db URL] [--keys KDIR --dept D] [--sources DIR]
//	exchange-service accounts add --data DIR [--db URL] --dept D --role R --name N [--password]
//	exchange-service check --data DIR [--db URL]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/govshare/govshare/audit"
	"golang.org/x/term"
)

var defaultLogger = slog.New(slog.NewTextHandler(os.Stderr, nil))

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  exchange-service serve --data DIR --addr HOST:PORT [--db URL] [--keys KDIR --dept D] [--sources DIR]
                         [--platform NAME] [--due-days N | --due-after D] [--calendar FILE] [--workers N] [--tick DURATION]
  exchange-service accounts add --data DIR [--db URL] --dept D --role R --name N [--password]
  exchange-service check --data DIR [--db URL] [--in-flight DURATION]
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(args[1:], stdout, stderr)
	case "accounts":
		if len(args) < 2 || args[1] != "add" {
			fmt.Fprint(stderr, usage)
			return 2
		}
		err = cmdAccountsAdd(args[2:], stdin, stdout, stderr)
	case "check":
		var bad bool
		bad, err = cmdCheck(args[1:], stdout, stderr)
		if err == nil && bad {
			return 1
		}
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		var ue usageErr
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "exchange-service: %v\n%s", err, usage)
			return 2
		}
		fmt.Fprintf(stderr, "exchange-service: %v\n", err)
		return 1
	}
	return 0
}

type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

func cmdServe(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.DataDir, "data", "", "data directory (required): database, log, envelopes, keys of the platform")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&cfg.DB, "db", "", "database URL: postgres://… (default: SQLite in DATA/exchange.db)")
	fs.StringVar(&cfg.KeysDir, "keys", "", "the provider's keyring directory (govshare keys new)")
	fs.StringVar(&cfg.Dept, "dept", "", "the provider department whose keyring --keys holds")
	fs.StringVar(&cfg.SourcesDir, "sources", "", "directory the resources' source files must be in")
	fs.StringVar(&cfg.Platform, "platform", "exchange-platform", "the platform's own department name (signs the records of applicants' acts)")
	fs.StringVar(&cfg.LogName, "log-name", "govshare-exchange/share-log", "the log's origin, for a new log")
	fs.IntVar(&cfg.DueDays, "due-days", 5, "working days a reviewer has to answer")
	fs.DurationVar(&cfg.DueAfter, "due-after", 0, "instead of --due-days, answers are due this long after submission (for demos and tests of overdue)")
	fs.StringVar(&cfg.Calendar, "calendar", "", "working-day calendar file (default: the built-in calendar-cn.txt)")
	fs.IntVar(&cfg.Workers, "workers", 2, "delivery workers")
	fs.DurationVar(&cfg.Tick, "tick", time.Minute, "how often overdue applications are marked")
	if err := fs.Parse(args); err != nil {
		return usageErr{err.Error()}
	}
	if cfg.DataDir == "" || fs.NArg() != 0 {
		return usageErr{"serve needs --data"}
	}
	if cfg.SourcesDir != "" {
		if st, err := os.Stat(cfg.SourcesDir); err != nil || !st.IsDir() {
			return fmt.Errorf("--sources %s is not a directory", cfg.SourcesDir)
		}
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := newService(ctx, cfg)
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

func cmdAccountsAdd(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("accounts add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (required)")
	db := fs.String("db", "", "database URL (default: SQLite in DATA)")
	dept := fs.String("dept", "", "department (required)")
	role := fs.String("role", "", "provider, reviewer, recipient, auditor or admin (required)")
	name := fs.String("name", "", "account name (required)")
	withPw := fs.Bool("password", false, "also set a password for the web pages: from $EXCHANGE_PASSWORD, else read from the terminal or standard input")
	if err := fs.Parse(args); err != nil {
		return usageErr{err.Error()}
	}
	if *data == "" || *dept == "" || *role == "" || *name == "" || fs.NArg() != 0 {
		return usageErr{"accounts add needs --data, --dept, --role and --name"}
	}
	pw := ""
	if *withPw {
		var err error
		if pw, err = readPassword(stdin, stderr); err != nil {
			return err
		}
		if len(pw) < 8 {
			return errors.New("the password must have at least 8 characters")
		}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	st, err := openStore(context.Background(), *data, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	tok, err := st.createAccount(context.Background(), *dept, *name, *role, pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account %s/%s (%s) added; its bearer token, shown once:\n%s\n", *dept, *name, *role, tok)
	return nil
}

func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if pw := os.Getenv("EXCHANGE_PASSWORD"); pw != "" {
		return pw, nil
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cmdCheck runs checkConsistency on a data directory and prints what is
// wrong; bad reports an inconsistency.
func cmdCheck(args []string, stdout, stderr io.Writer) (bad bool, err error) {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory (required)")
	db := fs.String("db", "", "database URL (default: SQLite in DATA)")
	inFlight := fs.Duration("in-flight", 0, "on a running service: tolerate events pending for less than this (default: none may be pending)")
	if err := fs.Parse(args); err != nil {
		return false, usageErr{err.Error()}
	}
	if *data == "" || fs.NArg() != 0 {
		return false, usageErr{"check needs --data"}
	}
	vb, err := os.ReadFile(filepath.Join(*data, "log.vkey"))
	if err != nil {
		return false, fmt.Errorf("no log verifier key in %s: has the service run there?", *data)
	}
	v, err := audit.NewVerifier(strings.TrimSpace(string(vb)))
	if err != nil {
		return false, err
	}
	st, err := openStore(context.Background(), *data, *db)
	if err != nil {
		return false, err
	}
	defer st.Close()
	problems, err := checkConsistency(context.Background(), st, *data, v, *inFlight)
	if err != nil {
		return false, err
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "INCONSISTENT:", p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%d problems\n", len(problems))
		return true, nil
	}
	fmt.Fprintln(stdout, "consistent")
	return false, nil
}

// fmtSscan parses one unsigned decimal.
func fmtSscan(s string, v *uint64) (int, error) { return fmt.Sscan(s, v) }
