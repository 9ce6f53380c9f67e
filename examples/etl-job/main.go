// Command etl-job is a department's nightly sharing job: it reads a table
// from PostgreSQL (or a Parquet file), desensitizes it under the
// department's reviewed catalog for one recipient and purpose, seals it to
// the recipient (govshare.Share) and records the share on a log.
//
//	go run ./examples/etl-job --pg postgres://postgres@127.0.0.1:5432/test --table residents \
//	    --catalog catalog.yaml --purpose work_reference \
//	    --from keys --dept public-security-bureau --to tax-bureau.pub \
//	    --log sharelog -o residents.env
//
// Rows stream end to end, a batch at a time: memory does not grow with the
// table. Ctrl-C (or SIGTERM) cancels the run and leaves nothing behind: the
// envelope file appears only once the share is on the log. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "etl-job:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	res, err := Run(ctx, cfg)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			fmt.Fprintln(os.Stderr, "etl-job: cancelled; nothing was written or recorded:", err)
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "etl-job:", err)
		os.Exit(1)
	}
	msg := fmt.Sprintf("etl-job: sealed %d rows to %s for %s in %s: envelope %s → %s",
		res.Rows, res.Header.Recipient, res.Header.Purpose, time.Since(start).Round(time.Millisecond), res.Header.ID, cfg.Out)
	if res.Receipt != nil {
		msg += fmt.Sprintf(" (share record #%d)", res.Receipt.Index)
	}
	fmt.Fprintln(os.Stderr, msg)
}

// Config is one run of the job.
type Config struct {
	// Source: a PostgreSQL URL with a table or a query, or a Parquet file.
	PG, Table, Query string
	// Stream is how rows leave PostgreSQL: "rows" (a query's rows through
	// database/sql, rendered by govshare.FromRecords) or "copy"
	// (PostgreSQL's COPY … TO STDOUT as CSV, in PostgreSQL's text forms).
	Stream  string
	Parquet string

	Catalog, Grants, Purpose string
	From, Dept, Master, To   string
	Log, LogKey, LogVKey     string
	Out                      string
	NotAfter                 time.Time
	Workers                  int
	// Progress, when set, is called now and then with the rows done.
	Progress func(rows int64)
}

func parseFlags(args []string) (*Config, error) {
	fs := flag.NewFlagSet("etl-job", flag.ContinueOnError)
	c := &Config{}
	fs.StringVar(&c.PG, "pg", "", "PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/test")
	fs.StringVar(&c.Table, "table", "", "table to share (with --pg)")
	fs.StringVar(&c.Query, "query", "", "query whose rows to share, instead of --table")
	fs.StringVar(&c.Stream, "stream", "rows", "how rows leave PostgreSQL: rows (database/sql) or copy (COPY TO STDOUT as CSV)")
	fs.StringVar(&c.Parquet, "parquet", "", "Parquet file to share, instead of --pg")
	fs.StringVar(&c.Catalog, "catalog", "", "reviewed catalog YAML (required)")
	fs.StringVar(&c.Grants, "grants", "", "grants YAML for conditional fields")
	fs.StringVar(&c.Purpose, "purpose", "", "declared purpose of the recipient (required)")
	fs.StringVar(&c.From, "from", "", "keyring directory of the provider (required)")
	fs.StringVar(&c.Dept, "dept", "", "providing department: the catalog's provider (required)")
	fs.StringVar(&c.Master, "master", "", "master key URI (default: the local master key in --from)")
	fs.StringVar(&c.To, "to", "", "recipient's public bundle, R.pub (required)")
	fs.StringVar(&c.Log, "log", "", "share-record log: a directory, or the URL of govshare log serve (required)")
	fs.StringVar(&c.LogKey, "log-key", "", "a log directory's signing key file (default: LOGDIR.key, made on first use)")
	fs.StringVar(&c.LogVKey, "log-vkey", "", "a log URL's verifier key (a file or the key)")
	fs.StringVar(&c.Out, "o", "", "envelope file to write (required; never replaced)")
	fs.IntVar(&c.Workers, "workers", 0, "transform workers (default: GOMAXPROCS)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.check()
}

func (c *Config) check() error {
	switch {
	case (c.PG == "") == (c.Parquet == ""):
		return errors.New("give one source: --pg (with --table or --query) or --parquet")
	case c.PG != "" && (c.Table == "") == (c.Query == ""):
		return errors.New("--pg needs --table or --query")
	case c.Stream != "rows" && c.Stream != "copy":
		return fmt.Errorf("--stream is rows or copy, not %q", c.Stream)
	case c.Catalog == "" || c.Purpose == "" || c.From == "" || c.Dept == "" || c.To == "" || c.Out == "" || c.Log == "":
		return errors.New("--catalog, --purpose, --from, --dept, --to, --log and -o are required")
	}
	return nil
}

// Run is the job: it opens the source, then shares it to cfg.Out and the
// log. A cancelled ctx stops it with nothing committed.
func Run(ctx context.Context, cfg *Config) (*govshare.ShareResult, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	p, err := loadParties(cfg)
	if err != nil {
		return nil, err
	}
	src, err := openSource(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// The log and the output come after the source has answered: a wrong
	// table or a refused connection leaves no log directory or key behind.
	if p.log, err = openLog(ctx, cfg, p.from.Public(), p.to); err != nil {
		return nil, err
	}
	defer p.log.Close()
	out, err := govshare.CreateOutput(cfg.Out, false, cfg.Catalog, cfg.Grants, cfg.Parquet, cfg.To, cfg.From, p.logDir)
	if err != nil {
		return nil, err
	}
	// Share commits the output once the share is on the log; anything else
	// (an error, a cancellation) leaves no file.
	defer out.Abort()
	opt := &govshare.ShareOptions{Grants: p.grants, Log: p.log, Workers: cfg.Workers, NotAfter: cfg.NotAfter, Progress: cfg.Progress}
	return govshare.Share(ctx, out, src.input, p.from, p.to, catalog.Purpose(cfg.Purpose), p.cat, opt)
}

// loadGrants reads the grants file, if any.
func loadGrants(path string) ([]policy.Grant, error) {
	if path == "" {
		return nil, nil
	}
	return policy.LoadGrants(path)
}
