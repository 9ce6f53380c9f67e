package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL, for production
	"modernc.org/sqlite"               // the embedded default: pure Go, so "go run" works anywhere
	sqlite3 "modernc.org/sqlite/lib"
)

// store is the service's database: SQLite in the data directory by
// default, PostgreSQL with --db postgres://…. Queries are written once,
// with ? placeholders, in SQL both accept; q rewrites them for PostgreSQL.
type store struct {
	db       *sql.DB
	postgres bool
}

// openStore opens dbURL ("" = SQLite at DATA/exchange.db) and migrates it.
func openStore(ctx context.Context, dataDir, dbURL string) (*store, error) {
	s := &store{}
	var err error
	switch {
	case dbURL == "" || strings.HasPrefix(dbURL, "sqlite:"):
		path := strings.TrimPrefix(dbURL, "sqlite:")
		if path == "" {
			path = filepath.Join(dataDir, "exchange.db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		// WAL and synchronous=FULL: a committed transaction survives kill -9
		// and power loss; busy_timeout lets the check command read while the
		// service writes.
		dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
		s.db, err = sql.Open("sqlite", dsn)
		if err == nil {
			// One writer at a time is SQLite's model; one connection
			// serializes transactions instead of failing them with SQLITE_BUSY.
			s.db.SetMaxOpenConns(1)
		}
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		s.postgres = true
		s.db, err = sql.Open("pgx", dbURL)
		if err == nil {
			s.db.SetMaxOpenConns(16)
		}
	default:
		return nil, errors.New("--db must be a postgres:// URL or sqlite:PATH")
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func (s *store) Close() error { return s.db.Close() }

// q rewrites ? placeholders as $1, $2, … for PostgreSQL. No query of ours
// has a ? inside a string literal.
func (s *store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (s *store) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if tx != nil {
		return tx.ExecContext(ctx, s.q(query), args...)
	}
	return s.db.ExecContext(ctx, s.q(query), args...)
}

func (s *store) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if tx != nil {
		return tx.QueryRowContext(ctx, s.q(query), args...)
	}
	return s.db.QueryRowContext(ctx, s.q(query), args...)
}

func (s *store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.q(query), args...)
}

// ids runs a query of one text column and returns its values.
func (s *store) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// inTx runs f in a transaction, committed when f returns nil.
func (s *store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// migrations are numbered; each runs once, in its own transaction, and is
// recorded in schema_migrations. Never edit one that has shipped: add the
// next number. Types are the ones both databases accept: TEXT and BIGINT;
// times are fixed-width UTC text (timeText), so they sort as text.
var migrations = []string{
	1: `
CREATE TABLE departments (
	name TEXT PRIMARY KEY,
	bundle TEXT NOT NULL DEFAULT '',
	fingerprint TEXT NOT NULL DEFAULT '',
	version BIGINT NOT NULL DEFAULT 0,
	updated_at TEXT NOT NULL
);
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	dept TEXT NOT NULL REFERENCES departments(name),
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (dept, name)
);
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	csrf TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
CREATE TABLE resources (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	provider TEXT NOT NULL REFERENCES departments(name),
	tier TEXT NOT NULL,
	catalog TEXT NOT NULL,
	source TEXT NOT NULL,
	created_at TEXT NOT NULL,
	UNIQUE (provider, name)
);
CREATE TABLE applications (
	id TEXT PRIMARY KEY,
	resource_id TEXT NOT NULL REFERENCES resources(id),
	resource TEXT NOT NULL,
	provider TEXT NOT NULL,
	recipient TEXT NOT NULL,
	applicant TEXT NOT NULL,
	fields TEXT NOT NULL,
	purpose TEXT NOT NULL,
	legal_basis TEXT NOT NULL,
	not_after TEXT NOT NULL,
	status TEXT NOT NULL,
	pending TEXT NOT NULL DEFAULT '',
	submitted_at TEXT NOT NULL,
	due_at TEXT NOT NULL,
	decided_at TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	reason TEXT NOT NULL DEFAULT '',
	late BIGINT NOT NULL DEFAULT 0,
	delivery_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX applications_status ON applications (status, pending);
CREATE INDEX applications_recipient ON applications (recipient);
CREATE INDEX applications_provider ON applications (provider);
CREATE TABLE grants (
	id TEXT PRIMARY KEY,
	application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
	resource TEXT NOT NULL,
	recipient TEXT NOT NULL,
	purpose TEXT NOT NULL,
	fields TEXT NOT NULL,
	not_after TEXT NOT NULL,
	basis TEXT NOT NULL,
	created_at TEXT NOT NULL,
	revoked_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE deliveries (
	id TEXT PRIMARY KEY,
	application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
	envelope_id TEXT NOT NULL,
	digest TEXT NOT NULL,
	size BIGINT NOT NULL,
	created_at TEXT NOT NULL,
	receipt TEXT NOT NULL DEFAULT '',
	received_at TEXT NOT NULL DEFAULT '',
	dispute TEXT NOT NULL DEFAULT ''
);
CREATE TABLE events (
	application_id TEXT NOT NULL REFERENCES applications(id),
	event TEXT NOT NULL,
	status TEXT NOT NULL,
	record TEXT NOT NULL,
	state TEXT NOT NULL,
	log_index BIGINT NOT NULL DEFAULT -1,
	created_at TEXT NOT NULL,
	PRIMARY KEY (application_id, event)
);
CREATE INDEX events_state ON events (state);
`,
	2: `
CREATE TABLE service_state (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE INDEX deliveries_envelope ON deliveries (envelope_id);
`,
}

func (s *store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for v := 1; v < len(migrations); v++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := s.queryRow(ctx, tx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			for _, stmt := range strings.Split(migrations[v], ";") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return err
				}
			}
			_, err := s.exec(ctx, tx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, timeText(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}

// timeLayout is fixed-width UTC, so times compare as text in SQL.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func timeText(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTimeText(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

// uniqueViolation reports whether err is a unique constraint's refusal, on
// either store (by its error code, not its text).
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}
