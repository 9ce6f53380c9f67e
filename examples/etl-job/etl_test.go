package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/synth"
	"github.com/govshare/govshare/parquetio"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/parquet-go/parquet-go"
)

const (
	provider  = "public-security-bureau"
	recipient = "tax-bureau"
	purpose   = catalog.PurposeWorkReference
)

// The register: under work_reference, names and mobiles are masked, birth
// dates and addresses generalized, public columns kept.
const catalogYAML = `resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: id, type: none, category: public, level: general, sensitive: false}
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false}
  - {name: 户籍地址, type: address, category: personal, level: general, sensitive: false}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`

// fixture is a provider, a recipient and a log in a temporary directory.
type fixture struct {
	dir, catalog, from, to, log string
	prov, recv                  *keys.Keyring
	cat                         *catalog.Catalog
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.catalog = filepath.Join(f.dir, "catalog.yaml")
	if err := os.WriteFile(f.catalog, []byte(catalogYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.cat, err = catalog.Load(f.catalog); err != nil {
		t.Fatal(err)
	}
	f.from = filepath.Join(f.dir, "keys")
	rdir := filepath.Join(f.dir, "recipient-keys")
	for _, k := range []struct {
		dept, dir string
		kr        **keys.Keyring
	}{{provider, f.from, &f.prov}, {recipient, rdir, &f.recv}} {
		kr, err := keys.New(k.dept)
		if err != nil {
			t.Fatal(err)
		}
		m, err := keys.LocalMaster(k.dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := kr.Save(k.dir, m); err != nil {
			t.Fatal(err)
		}
		*k.kr = kr
	}
	f.to = keys.PublicPath(rdir, recipient)
	f.log = filepath.Join(f.dir, "sharelog")
	return f
}

func (f *fixture) config(out string) *Config {
	return &Config{
		Catalog: f.catalog, Purpose: string(purpose), From: f.from, Dept: provider, To: f.to,
		Log: f.log, Out: filepath.Join(f.dir, out), Stream: "rows",
	}
}

// open opens an envelope as the recipient and returns its plaintext.
func (f *fixture) open(t *testing.T, path string) []byte {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	st, _ := file.Stat()
	var pt bytes.Buffer
	if _, err := govshare.Open(context.Background(), &pt, file, st.Size(), f.recv, f.prov.Public(), purpose, nil); err != nil {
		t.Fatal(err)
	}
	return pt.Bytes()
}

// apply is what the policy makes of in, without an envelope.
func (f *fixture) apply(t *testing.T, in govshare.Input) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := govshare.Apply(context.Background(), &out, in, f.prov, recipient, purpose, f.cat, nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// logEntries returns the records on the fixture's log.
func (f *fixture) logEntries(t *testing.T) []audit.Record {
	t.Helper()
	if _, err := os.Stat(f.log); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	var recs []audit.Record
	for e, err := range audit.Entries(f.log) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, e.Record)
	}
	return recs
}

// sameRows compares two CSV texts as a header and a multiset of rows: a
// table scanned twice may come in another order.
func sameRows(t *testing.T, got, want []byte) {
	t.Helper()
	g, w := strings.Split(strings.TrimSpace(string(got)), "\n"), strings.Split(strings.TrimSpace(string(want)), "\n")
	if len(g) != len(w) {
		t.Fatalf("%d lines, want %d", len(g), len(w))
	}
	if g[0] != w[0] {
		t.Fatalf("header %q, want %q", g[0], w[0])
	}
	slices.Sort(g[1:])
	slices.Sort(w[1:])
	for i := range g {
		if g[i] != w[i] {
			t.Fatalf("sorted line %d differs from Apply's", i+1)
		}
	}
}

// checkShared checks the envelope against Apply and the log's one record.
func (f *fixture) checkShared(t *testing.T, res *govshare.ShareResult, cfg *Config, want []byte, rows int) {
	t.Helper()
	if res.Rows != int64(rows) {
		t.Errorf("%d rows shared, want %d", res.Rows, rows)
	}
	sameRows(t, f.open(t, cfg.Out), want)
	recs := f.logEntries(t)
	if len(recs) != 1 {
		t.Fatalf("%d log records, want 1", len(recs))
	}
	sr, ok := recs[0].(audit.ShareRecord)
	if !ok || sr.EnvelopeID != res.Header.ID.String() || sr.Recipient != recipient {
		t.Fatalf("log record %T does not record envelope %s", recs[0], res.Header.ID)
	}
}

// row is one register row; nil fields are NULL.
type row struct {
	ID      int64   `parquet:"id"`
	Name    *string `parquet:"姓名,optional"`
	Mobile  *string `parquet:"手机号码,optional"`
	Born    *int32  `parquet:"出生日期,optional,date"`
	Address *string `parquet:"户籍地址,optional"`
	Note    *string `parquet:"备注,optional"`
}

func genRows(n int) []row {
	g := synth.New(7)
	rows := make([]row, n)
	for i := range rows {
		dob, _ := time.Parse(time.DateOnly, g.DateOfBirth())
		d := int32(dob.Unix() / 86400)
		name, mobile, addr := g.PersonName(), g.Mobile(), g.Address()
		rows[i] = row{ID: int64(i + 1), Name: &name, Mobile: &mobile, Born: &d, Address: &addr}
		if i%7 == 3 {
			rows[i].Mobile, rows[i].Born = nil, nil // NULLs stay empty fields
		}
		if i%5 == 0 {
			note := fmt.Sprintf("备注, \"%d\"", i)
			rows[i].Note = &note
		}
	}
	return rows
}

func writeParquet(t testing.TB, path string, rows []row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f, parquet.MaxRowsPerRowGroup(1000))
	for i := 0; i < len(rows); i += 500 {
		if _, err := w.Write(rows[i:min(i+500, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestParquetJob(t *testing.T) {
	f := newFixture(t)
	in := filepath.Join(f.dir, "register.parquet")
	writeParquet(t, in, genRows(2500))
	cfg := f.config("register.env")
	cfg.Parquet = in
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := parquetio.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := f.apply(t, govshare.FromRecords(r, in))
	f.checkShared(t, res, cfg, want, 2500)
	if !bytes.Contains(want, []byte("\n1,")) || bytes.Contains(want, []byte("null")) {
		t.Fatal("Apply's output is not the register")
	}
}

// cancelAfterFirstBatch cancels the run as soon as rows are flowing.
func cancelAfterFirstBatch(cfg *Config) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Progress = func(n int64) {
		if n > 0 {
			cancel()
		}
	}
	return ctx, cancel
}

// checkNothingLeft: no envelope, no temporary file beside it, no record.
func (f *fixture) checkNothingLeft(t *testing.T, cfg *Config, keep ...string) {
	t.Helper()
	if _, err := os.Stat(cfg.Out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled run left %s (%v)", cfg.Out, err)
	}
	ents, _ := os.ReadDir(filepath.Dir(cfg.Out))
	for _, e := range ents {
		switch n := e.Name(); {
		case n == "catalog.yaml", n == "keys", n == "recipient-keys", n == "sharelog", strings.HasPrefix(n, "sharelog."), slices.Contains(keep, n):
		default:
			t.Errorf("cancelled run left %s", n)
		}
	}
	if recs := f.logEntries(t); len(recs) != 0 {
		t.Errorf("cancelled run left %d log records", len(recs))
	}
}

func TestParquetJobCancelled(t *testing.T) {
	f := newFixture(t)
	in := filepath.Join(f.dir, "register.parquet")
	writeParquet(t, in, genRows(40000))
	cfg := f.config("register.env")
	cfg.Parquet = in
	ctx, cancel := cancelAfterFirstBatch(cfg)
	defer cancel()
	if _, err := Run(ctx, cfg); err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run returned %v", err)
	}
	f.checkNothingLeft(t, cfg, "register.parquet")
}

// pgDB connects to the test database, or skips (fails with
// GOVSHARE_REQUIRE_POSTGRES=1) when PostgreSQL is unreachable.
func pgDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	url := os.Getenv("GOVSHARE_TEST_PG")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", url)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("GOVSHARE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL unreachable at %s (GOVSHARE_REQUIRE_POSTGRES=1): %v", url, err)
		}
		t.Skipf("PostgreSQL unreachable at %s: %v (set GOVSHARE_REQUIRE_POSTGRES=1 to fail instead)", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, url
}

// pgTable creates a uniquely named table holding rows, dropped after.
func pgTable(t *testing.T, db *sql.DB, rows []row) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "etljob_test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+name+` (id bigint PRIMARY KEY, "姓名" text, "手机号码" text, "出生日期" date, "户籍地址" text, "备注" text)`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP TABLE IF EXISTS ` + name) })
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO `+name+` VALUES ($1, $2, $3, $4, $5, $6)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var born any
		if r.Born != nil {
			born = time.Unix(int64(*r.Born)*86400, 0).UTC()
		}
		if _, err := st.ExecContext(ctx, r.ID, r.Name, r.Mobile, born, r.Address, r.Note); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestPostgresJob(t *testing.T) {
	db, url := pgDB(t)
	table := pgTable(t, db, genRows(3000))
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	want := f.apply(t, govshare.FromRows(rows, table))
	rows.Close()
	for _, stream := range []string{"rows", "copy"} {
		t.Run(stream, func(t *testing.T) {
			f.log = filepath.Join(t.TempDir(), "sharelog")
			cfg := f.config("register-" + stream + ".env")
			cfg.PG, cfg.Table, cfg.Stream = url, table, stream
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			f.checkShared(t, res, cfg, want, 3000)
		})
	}
	t.Run("query", func(t *testing.T) {
		f.log = filepath.Join(t.TempDir(), "sharelog")
		cfg := f.config("register-query.env")
		cfg.PG, cfg.Query = url, `SELECT * FROM `+table+` WHERE id <= 100 ORDER BY id`
		res, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(want), "\n")
		header, body := lines[0], lines[1:]
		var sub []string
		for _, l := range body {
			if id, _, _ := strings.Cut(l, ","); len(id) <= 2 || id == "100" {
				sub = append(sub, l)
			}
		}
		f.checkShared(t, res, cfg, []byte(header+strings.Join(sub, "")), 100)
	})
}

func TestPostgresJobCancelled(t *testing.T) {
	db, url := pgDB(t)
	table := pgTable(t, db, genRows(40000))
	for _, stream := range []string{"rows", "copy"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t)
			cfg := f.config("register.env")
			cfg.PG, cfg.Table, cfg.Stream = url, table, stream
			ctx, cancel := cancelAfterFirstBatch(cfg)
			defer cancel()
			if _, err := Run(ctx, cfg); err == nil {
				t.Fatal("cancelled run succeeded")
			}
			f.checkNothingLeft(t, cfg)
		})
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--pg", "postgres://x", "--parquet", "a.parquet"},
		{"--pg", "postgres://x", "--catalog", "c", "--purpose", "p", "--from", "k", "--dept", "d", "--to", "t", "--log", "l", "-o", "o"},
		{"--parquet", "a.parquet", "--stream", "fast", "--catalog", "c", "--purpose", "p", "--from", "k", "--dept", "d", "--to", "t", "--log", "l", "-o", "o"},
		{"--parquet", "a.parquet", "--catalog", "c", "--purpose", "p", "--from", "k", "--dept", "d", "--to", "t", "-o", "o"},
	} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	cfg, err := parseFlags([]string{"--parquet", "a.parquet", "--catalog", "c", "--purpose", "p", "--from", "k", "--dept", "d", "--to", "t", "--log", "l", "-o", "o"})
	if err != nil || cfg.Parquet != "a.parquet" || cfg.Stream != "rows" {
		t.Fatalf("parseFlags: %+v, %v", cfg, err)
	}
}

// TestPostgresErrorsValueFree: a query that fails on a value mid-table
// (PostgreSQL quotes the value in its message) fails the job without the
// value in the error, on both streams, and leaves no envelope.
func TestPostgresErrorsValueFree(t *testing.T) {
	db, url := pgDB(t)
	rows := genRows(200)
	const secret = "11010519491231002X"
	note := secret
	rows[150].Note = &note
	table := pgTable(t, db, rows)
	for _, stream := range []string{"rows", "copy"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t)
			cfg := f.config("register.env")
			cfg.PG, cfg.Stream = url, stream
			// Every other row casts; the 151st holds the value that does not.
			cfg.Query = fmt.Sprintf(`SELECT id, "姓名", (CASE WHEN id = %d THEN "备注" ELSE '1' END)::bigint AS "备注" FROM %s ORDER BY id`, rows[150].ID, table)
			_, err := Run(context.Background(), cfg)
			if err == nil {
				t.Fatal("a failing cast succeeded")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "11010519") {
				t.Fatal("the error repeats the value PostgreSQL could not cast")
			}
			if !strings.Contains(err.Error(), "22P02") {
				t.Errorf("the error lost the SQLSTATE: %v", err)
			}
			f.checkNothingLeft(t, cfg)
		})
	}
}

// TestPostgresSourceFailsFirst: a table that does not exist fails the job
// on both streams before it has made anything: no envelope, and no log
// directory or log key (made on first use) for a log never written to.
func TestPostgresSourceFailsFirst(t *testing.T) {
	_, url := pgDB(t)
	for _, stream := range []string{"rows", "copy"} {
		t.Run(stream, func(t *testing.T) {
			f := newFixture(t)
			cfg := f.config("register.env")
			cfg.PG, cfg.Stream, cfg.Table = url, stream, "govshare_no_such_table"
			_, err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), "42P01") {
				t.Fatalf("a missing table: %v", err)
			}
			for _, p := range []string{cfg.Out, f.log, f.log + ".key", f.log + ".vkey"} {
				if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a run whose source failed left %s", filepath.Base(p))
				}
			}
		})
	}
}
