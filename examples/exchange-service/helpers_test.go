package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govshare/govshare/crypto/keys"
	_ "github.com/jackc/pgx/v5/stdlib"
)

const (
	psbDept = "public-security-bureau"
	taxDept = "tax-bureau"
	supDept = "supervision-bureau"
)

// stores lists the databases every store test runs on: SQLite always,
// PostgreSQL when 127.0.0.1:5432 answers (required with
// GOVSHARE_REQUIRE_POSTGRES=1), in a schema of its own dropped afterwards.
func stores(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "" },
		"postgres": postgresURL,
	}
}

func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("EXCHANGE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if os.Getenv("GOVSHARE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required (GOVSHARE_REQUIRE_POSTGRES=1) but unreachable at %s: %v", base, err)
		}
		t.Skipf("PostgreSQL not reachable at %s (%v): skipping; set GOVSHARE_REQUIRE_POSTGRES=1 to fail instead", base, err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "xs_" + hex.EncodeToString(b[:])
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		db.Close()
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	})
	return base + "&search_path=" + schema
}

// fixture is a running service with departments, accounts and keys.
type fixture struct {
	t       *testing.T
	svc     *Service
	srv     *httptest.Server
	cfg     config
	psb     *keys.Keyring
	tax     *keys.Keyring
	tokens  map[string]string // "dept/role" → token
	catalog string
}

func newFixture(t *testing.T, dbURL string) *fixture {
	t.Helper()
	dir := t.TempDir()
	kdir := filepath.Join(dir, "keys")
	src := filepath.Join(dir, "sources")
	os.MkdirAll(src, 0o700)
	csv, err := os.ReadFile("testdata/population.csv")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "population.csv"), csv, 0o600)
	cat, err := os.ReadFile("testdata/population.yaml")
	if err != nil {
		t.Fatal(err)
	}
	psb, err := keys.New(psbDept)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keys.LocalMaster(kdir)
	if err != nil {
		t.Fatal(err)
	}
	if err := psb.Save(kdir, m); err != nil {
		t.Fatal(err)
	}
	tax, err := keys.New(taxDept)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{DataDir: filepath.Join(dir, "data"), DB: dbURL, KeysDir: kdir, Dept: psbDept, SourcesDir: src,
		Tick: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f := &fixture{t: t, cfg: cfg, psb: psb, tax: tax, tokens: map[string]string{}, catalog: string(cat)}
	f.start()
	for _, d := range []string{psbDept, taxDept, supDept} {
		for _, r := range roles {
			tok, err := f.svc.st.createAccount(context.Background(), d, r+"1", r, "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			f.tokens[d+"/"+r] = tok
		}
	}
	// The recipient registers its bundle; the provider's was registered
	// from its keyring at start.
	pub, _ := tax.Public().Marshal()
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", pub, 200)
	return f
}

func (f *fixture) start() {
	svc, err := newService(context.Background(), f.cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	f.svc = svc
	f.srv = httptest.NewServer(svc.Handler())
	f.t.Cleanup(f.stop)
}

func (f *fixture) stop() {
	if f.srv != nil {
		f.srv.Close()
		f.svc.Close()
		f.srv, f.svc = nil, nil
	}
}

// do sends a request as who ("dept/role"; "" for none) and checks the
// status; it returns the body.
func (f *fixture) do(method, path, who string, body any, want int) []byte {
	f.t.Helper()
	code, b := f.try(method, path, who, body)
	if code != want {
		f.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, who, code, want, b)
	}
	return b
}

func (f *fixture) try(method, path, who string, body any) (int, []byte) {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[who])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *fixture) json(method, path, who string, body any, want int) map[string]any {
	f.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(f.do(method, path, who, body, want), &m); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// publish publishes the sample catalog and returns the resource id.
func (f *fixture) publish() string {
	m := f.json("POST", "/api/v1/resources", psbDept+"/provider", map[string]string{"catalog": f.catalog, "source": "population.csv"}, 201)
	return m["id"].(string)
}

func (f *fixture) apply(resource string, fields ...string) string {
	m := f.json("POST", "/api/v1/applications", taxDept+"/recipient", map[string]any{
		"resource": resource, "fields": fields, "purpose": "administrative_basis",
		"legal_basis": "个人所得税法 第十五条", "not_after": time.Now().AddDate(0, 2, 0).Format("2006-01-02")}, 201)
	if m["status"] != "submitted" || m["due"] == "" {
		f.t.Fatalf("application: %v", m)
	}
	return m["id"].(string)
}

// waitDelivery polls an application until its delivery shows.
func (f *fixture) waitDelivery(app string) map[string]any {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200)
		if d, ok := m["delivery"].(map[string]any); ok {
			return d
		}
		if e, ok := m["delivery_error"]; ok {
			f.t.Fatalf("delivery failed: %v", e)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.t.Fatal("no delivery within 30s")
	return nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
