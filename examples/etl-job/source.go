package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/parquetio"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// source is the job's input as a govshare.Input, with what to close after.
type source struct {
	input  govshare.Input
	closer func() error
}

func (s *source) Close() error { return s.closer() }

// openSource opens the Parquet file or starts the PostgreSQL query. Both
// stream: a Parquet file is read a row group at a time; PostgreSQL sends
// rows as the pipeline takes them (pgx reads each row off the connection
// on Next, or COPY's output through a pipe), so a table is never held in
// memory.
func openSource(ctx context.Context, cfg *Config) (*source, error) {
	if cfg.Parquet != "" {
		r, err := parquetio.Open(cfg.Parquet)
		if err != nil {
			return nil, err
		}
		// A Parquet reader is a govshare.Records, like a database's rows.
		return &source{input: govshare.FromRecords(r, cfg.Parquet), closer: r.Close}, nil
	}
	query, name := cfg.Query, "query"
	if cfg.Table != "" {
		query, name = "SELECT * FROM "+pgx.Identifier(strings.Split(cfg.Table, ".")).Sanitize(), cfg.Table
	}
	pgc, err := pgx.ParseConfig(cfg.PG)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	if cfg.Stream == "copy" {
		conn, err := pgx.ConnectConfig(ctx, pgc)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL: %w", err)
		}
		return copySource(ctx, conn, query, name)
	}
	// database/sql through pgx: *sql.Rows is a govshare.Records, and pgx
	// reads each row off the connection as Next asks for it.
	db := stdlib.OpenDB(*pgc)
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("PostgreSQL: %s: %w", name, valueFree(err))
	}
	return &source{input: govshare.FromRecords(valueFreeRows{rows}, name), closer: func() error {
		return closeAll(rows.Close(), db.Close())
	}}, nil
}

// copySource streams COPY (query) TO STDOUT as CSV with a header through a
// pipe: PostgreSQL formats the values (its own text forms: t/f, its
// timestamp style) and the pipeline reads CSV.
func copySource(ctx context.Context, conn *pgx.Conn, query, name string) (*source, error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		// COPY sends a message per row; handing each to the pipe would cost
		// a goroutine switch per row, so rows go through in 256 KiB blocks.
		bw := bufio.NewWriterSize(pw, 256<<10)
		_, err := conn.PgConn().CopyTo(ctx, bw, "COPY ("+query+") TO STDOUT WITH (FORMAT csv, HEADER true)")
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			err = fmt.Errorf("PostgreSQL: %s: %w", name, valueFree(err))
		}
		pw.CloseWithError(err)
		done <- err
	}()
	// The first bytes (the header) or COPY's error: a query PostgreSQL
	// refuses fails here, before the job has made anything.
	br := bufio.NewReaderSize(pr, 64<<10)
	if _, err := br.Peek(1); err != nil {
		pr.CloseWithError(io.ErrClosedPipe)
		<-done
		conn.Close(context.Background())
		if err == io.EOF {
			err = fmt.Errorf("PostgreSQL: %s: COPY sent nothing, not even a header", name)
		}
		return nil, err
	}
	return &source{input: govshare.Input{Reader: br, Name: name}, closer: func() error {
		// The reader stops first, so a COPY still sending ends with an error.
		pr.CloseWithError(io.ErrClosedPipe)
		err := <-done
		if errors.Is(err, io.ErrClosedPipe) {
			err = nil
		}
		return closeAll(err, conn.Close(context.Background()))
	}}, nil
}

func closeAll(errs ...error) error {
	for _, err := range errs {
		if err != nil && err != sql.ErrConnDone {
			return err
		}
	}
	return nil
}

// valueFreeRows is database rows whose error does not repeat the data.
type valueFreeRows struct{ *sql.Rows }

func (r valueFreeRows) Err() error { return valueFree(r.Rows.Err()) }

// valueFree returns err without what PostgreSQL quotes from the data: a
// server error cites the offending value (invalid input syntax for type
// bigint: "…") and its detail may hold a whole row, so it becomes its
// message with every quoted part elided, and its SQLSTATE code.
func valueFree(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	var b strings.Builder
	quoted := false
	for _, r := range pe.Message {
		if r == '"' {
			if !quoted {
				b.WriteString(`"…"`)
			}
			quoted = !quoted
			continue
		}
		if !quoted {
			b.WriteRune(r)
		}
	}
	return fmt.Errorf("%s %s (SQLSTATE %s)", pe.Severity, b.String(), pe.Code)
}
