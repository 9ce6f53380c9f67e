package blackbox

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestCheckDetects shows that the check command the restart test relies on
// is not blind: on a data directory with one delivered application it
// passes, and each damage below — an envelope file gone, an envelope file
// changed, a record of the log changed, a grant row deleted — makes it fail.
func TestCheckDetects(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, dir, nil, filepath.Join(repoRoot, "testdata", "sample", "population.csv"))
	svc := startService(t, f.serveArgs()...)
	f.publish(t, svc.URL)
	ctx := context.Background()
	var app apiApp
	if err := f.client(svc.URL, "cab-user").do(ctx, "POST", "/applications", f.applyBody(time.Now().AddDate(0, 3, 0).Format("2006-01-02")), &app); err != nil {
		t.Fatal(err)
	}
	if err := f.client(svc.URL, "psb-review").do(ctx, "POST", "/applications/"+app.ID+"/decision", map[string]string{"decision": "approve"}, nil); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); app.Delivery == nil; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatal("no delivery within a minute")
		}
		if err := f.client(svc.URL, "cab-user").do(ctx, "GET", "/applications/"+app.ID, nil, &app); err != nil {
			t.Fatal(err)
		}
	}
	svc.stop(t)

	check := func() (string, error) {
		return runErr(nil, "", xsBin, append([]string{"check", "--data", f.data}, f.db...)...)
	}
	if out, err := check(); err != nil {
		t.Fatalf("check on an intact data directory: %v\n%s", err, out)
	}
	mustFail := func(what string) {
		t.Helper()
		out, err := check()
		if err == nil {
			t.Errorf("check passes with %s:\n%s", what, out)
		} else if !strings.Contains(out, "INCONSISTENT") {
			t.Errorf("check fails with %s but names no inconsistency: %v\n%s", what, err, out)
		}
	}

	env := filepath.Join(f.data, "envelopes", app.ID+".gse")
	orig, err := os.ReadFile(env)
	if err != nil {
		t.Fatalf("the envelope file is not where check looks for it: %v", err)
	}
	if err := os.Remove(env); err != nil {
		t.Fatal(err)
	}
	mustFail("the envelope file removed")
	changed := append([]byte(nil), orig...)
	changed[len(changed)-1] ^= 1
	if err := os.WriteFile(env, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	mustFail("a byte of the envelope file changed")
	if err := os.WriteFile(env, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := check(); err != nil {
		t.Fatalf("check after the envelope was put back: %v\n%s", err, out)
	}

	// A record of the log changed: the approval now says refused.
	recs := filepath.Join(f.logDir(), "records")
	logOrig, err := os.ReadFile(recs)
	if err != nil {
		t.Fatalf("the log's records file: %v", err)
	}
	i := strings.Index(string(logOrig), `"event":"approved"`)
	if i < 0 {
		t.Fatal("no approved record in the log's records file")
	}
	tampered := []byte(string(logOrig[:i]) + `"event":"refused"` + " " + string(logOrig[i+len(`"event":"approved"`):]))
	if err := os.WriteFile(recs, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	mustFail("a record of the log changed")
	if err := os.WriteFile(recs, logOrig, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := check(); err != nil {
		t.Fatalf("check after the log was put back: %v\n%s", err, out)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.data, "exchange.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var grant string
	if err := db.QueryRow(`SELECT id FROM grants WHERE application_id = ?`, app.ID).Scan(&grant); err != nil {
		t.Fatalf("the grant row: %v", err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	// The foreign keys are off on this connection: the row goes alone.
	if _, err := tx.Exec(`DELETE FROM grants WHERE application_id = ?`, app.ID); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mustFail("the approved application's grant deleted")
}
