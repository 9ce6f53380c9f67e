package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"golang.org/x/mod/sumdb/note"
)

// startServer runs "govshare log ARGS..." (serve or witness) in the
// background and returns its address; the test's end stops it.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	serveMu.Lock()
	serveContext = func() (context.Context, context.CancelFunc) { return ctx, func() {} }
	serveListening = func(addr string) { addrc <- addr }
	go func() {
		var out, errb bytes.Buffer
		done <- cmdLog(&env{stdout: &out, stderr: &errb}, args)
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		serveMu.Unlock()
		t.Fatalf("log %s: %v", args[0], err)
	case <-time.After(10 * time.Second):
		serveMu.Unlock()
		t.Fatalf("log %s did not start", args[0])
	}
	serveMu.Unlock()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("log %s: %v", args[0], err)
		}
	})
	return "http://" + addr
}

// serveMu serializes starting servers: the hooks are package variables.
var serveMu sync.Mutex

// logCLISetup makes two departments' keys, a log key and a witness key.
func logCLISetup(t *testing.T) (dir, kdir, logDir, wkey string) {
	t.Helper()
	dir = t.TempDir()
	kdir = filepath.Join(dir, "keys")
	for _, d := range []string{"gongan", "minzheng"} {
		if code, _, errs := runCLI(t, "", "keys", "new", "--dept", d, "--dir", kdir); code != 0 {
			t.Fatal(errs)
		}
	}
	logDir = filepath.Join(dir, "log")
	t.Setenv("GOVSHARE_LOG_KEY", "")
	l, err := openLog(&env{stderr: &bytes.Buffer{}}, logDir, "")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	wkey = filepath.Join(dir, "witness.key")
	if code, out, errs := runCLI(t, "", "log", "witness-key", "--name", "supervisor.example/witness", "--key", wkey); code != 0 || !strings.HasPrefix(out, "supervisor.example/witness+") {
		t.Fatalf("witness-key: %d %s %s", code, out, errs)
	}
	if st, err := os.Stat(wkey); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("witness key file: %v", err)
	}
	return dir, kdir, logDir, wkey
}

// act records one act of dept through app, signed with dept's keyring.
func act(t *testing.T, app audit.Appender, kdir string, rec audit.Record) audit.Receipt {
	t.Helper()
	kr, err := loadKeyring(kdir, audit.Actor(rec), "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := recordAct(context.Background(), app, kr, rec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func shareRec(id string) audit.ShareRecord {
	return audit.ShareRecord{
		EnvelopeID: id, HeaderHash: sha256.Sum256([]byte(id)), Provider: "gongan", Recipient: "minzheng",
		Purpose: catalog.PurposeDataVerification, Resource: "人口基础信息", Time: time.Now(),
	}
}

func openRec(id string) audit.OpenRecord {
	return audit.OpenRecord{EnvelopeID: id, Opener: "minzheng", Purpose: catalog.PurposeDataVerification, Outcome: audit.OutcomeOpened, Time: time.Now()}
}

// TestLogServeWitnessVerify: "log serve" takes departments' signed acts
// over HTTP, "log witness" cosigns its checkpoints, and "log verify"
// checks the served log with its key, its witness and the departments'
// keys, remembers it, and then catches a rolled-back and a forked copy
// made under the same key.
func TestLogServeWitnessVerify(t *testing.T) {
	dir, kdir, logDir, wkey := logCLISetup(t)
	vkey := logDir + ".vkey"
	waddr := startServer(t, "witness", "--addr", "127.0.0.1:0", "--key", wkey, "--state", filepath.Join(dir, "witness.state"), "--log-vkey", vkey)
	laddr := startServer(t, "serve", "--dir", logDir, "--addr", "127.0.0.1:0", "--trust-dir", kdir, "--witness", waddr+"="+wkey+".vkey")

	app, err := openAppender(&env{stderr: &bytes.Buffer{}}, laddr, "", vkey)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	r0 := act(t, app, kdir, shareRec("env-1"))
	act(t, app, kdir, openRec("env-1"))
	act(t, app, kdir, openRec("env-1")) // opened again: a re-delivery
	act(t, app, kdir, shareRec("env-2"))
	receipt := filepath.Join(dir, "env-1.receipt.json")
	b, _ := json.Marshal(r0)
	os.WriteFile(receipt, b, 0o644)

	// A department cannot record another's act, over HTTP either.
	mz, _ := loadKeyring(kdir, "minzheng", "")
	s, _ := audit.KeyringSigner(mz, keys.KindSignEd25519)
	if _, err := audit.SignAndAppend(context.Background(), app, s, shareRec("env-3")); !errors.Is(err, audit.ErrWrongSigner) {
		t.Fatalf("minzheng recording gongan's share: %v", err)
	}

	// Wait for the witness to cosign all four records.
	wv := mustWitnessVerifier(t, wkey+".vkey")
	lv := mustLogVerifier(t, vkey)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := audit.Dial(context.Background(), laddr, lv, audit.ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ck, _ := c.Checkpoint(context.Background())
		if cp, names, err := audit.OpenCosigned(ck, lv, []note.Verifier{wv}); err == nil && cp.Size == 4 && len(names) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the witness did not cosign: %s", ck)
		}
		time.Sleep(50 * time.Millisecond)
	}

	state := filepath.Join(dir, "verifier.state")
	verify := func(target string, extra ...string) (string, error) {
		var out, errb bytes.Buffer
		args := append([]string{"--vkey", vkey, "--state", state, "--trust-dir", kdir, "--require-signed",
			"--witness", wkey + ".vkey", "--min-witnesses", "1"}, extra...)
		err := cmdLogVerify(&env{stdout: &out, stderr: &errb}, append(args, target))
		return out.String(), err
	}
	out, err := verify(laddr, "--receipt", receipt)
	if err != nil {
		t.Fatalf("log verify URL: %v", err)
	}
	if !strings.Contains(out, "verifies: 4 records (4 signed by their makers, signatures checked with 2 departments' keys)") ||
		!strings.Contains(out, "cosigned at 4 records by supervisor.example/witness") || !strings.Contains(out, "record #0 (share of envelope env-1") {
		t.Errorf("log verify URL said:\n%s", out)
	}
	// The directory too (its "cosigned" file), against the remembered state.
	if out, err := verify(logDir); err != nil || !strings.Contains(out, "extends the checkpoint of 4 records") {
		t.Fatalf("log verify DIR: %v\n%s", err, out)
	}

	// log show lists the re-delivery.
	code, shown, errs := runCLI(t, "", "log", "show", "--json", logDir)
	var show struct {
		Records      []struct{ Signer string }
		Redeliveries []audit.Redelivery
	}
	if code != 0 || json.Unmarshal([]byte(shown), &show) != nil || len(show.Records) != 4 || show.Records[0].Signer != "gongan" ||
		len(show.Redeliveries) != 1 || show.Redeliveries[0].EnvelopeID != "env-1" || len(show.Redeliveries[0].Indexes) != 2 {
		t.Errorf("log show --json: %d %s %s", code, shown, errs)
	}
	if code, shown, _ := runCLI(t, "", "log", "show", logDir); code != 0 || !strings.Contains(shown, "re-deliveries") {
		t.Errorf("log show: %s", shown)
	}
	if code, shown, errs := runCLI(t, "", "log", "show", "--vkey", vkey, laddr); code != 0 || !strings.Contains(shown, "4 records") {
		t.Errorf("log show URL: %d %s %s", code, shown, errs)
	}

	// The operator rebuilds the log under the same key: fewer records,
	// then other records. The verifier's state catches both.
	sk, err := readSecretFile(logDir + ".key")
	if err != nil {
		t.Fatal(err)
	}
	rebuild := func(name string, recs ...audit.Record) string {
		d := filepath.Join(dir, name)
		os.WriteFile(d+".key", []byte(sk+"\n"), 0o600)
		l, err := openLog(&env{stderr: &bytes.Buffer{}}, d, d+".key")
		if err != nil {
			t.Fatal(err)
		}
		reg, _, _ := loadRegistry(nil, kdir)
		op, _ := audit.NewOperator(l, reg)
		for _, rec := range recs {
			act(t, op, kdir, rec)
		}
		l.Close()
		return d
	}
	short := rebuild("short", shareRec("env-1"), openRec("env-1"))
	if _, err := verify(short, "--min-witnesses", "0"); !errors.Is(err, audit.ErrRollback) {
		t.Errorf("rolled-back copy: %v", err)
	}
	forked := rebuild("forked", shareRec("env-1"), openRec("env-1"), shareRec("env-9"), shareRec("env-8"), shareRec("env-7"))
	if _, err := verify(forked, "--min-witnesses", "0"); !errors.Is(err, audit.ErrForked) {
		t.Errorf("forked copy: %v", err)
	}
	// Without remembered state, the forked copy verifies on its own terms
	// — but not with the witness required.
	os.Remove(state)
	if _, err := verify(forked, "--min-witnesses", "0"); err != nil {
		t.Errorf("forked copy, no state: %v", err)
	}
	os.Remove(state)
	if _, err := verify(forked); !errors.Is(err, audit.ErrWitness) {
		t.Errorf("forked copy with its witness required: %v", err)
	}
	// The verifier key comes from the user: a log re-signed under another
	// key fails against it.
	other := filepath.Join(dir, "other")
	l, _ := openLog(&env{stderr: &bytes.Buffer{}}, other, "")
	l.Close()
	if code, _, errs := runCLI(t, "", "log", "verify", "--vkey", vkey, other); code == 0 {
		t.Errorf("log under another key verified: %s", errs)
	}
	// The verifier key comes from the user only: without --vkey, log
	// verify refuses (a usage error), rather than reading the key beside
	// the log, which a re-signed log brings along; --vkey-beside-log says
	// that this is what the user wants, and the output says what it proves.
	if code, out, errs := runCLI(t, "", "log", "verify", other); code != 2 || out != "" || !strings.Contains(errs, "--vkey") {
		t.Errorf("log verify without --vkey: %d %q %s", code, out, errs)
	}
	if code, out, errs := runCLI(t, "", "log", "verify", "--vkey-beside-log", other); code != 0 || !strings.Contains(out, "pins nothing") {
		t.Errorf("log verify --vkey-beside-log: %d %s %s", code, out, errs)
	}
}

func mustWitnessVerifier(t *testing.T, path string) note.Verifier {
	t.Helper()
	k, err := readKeyArg(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewWitnessVerifier(k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustLogVerifier(t *testing.T, path string) note.Verifier {
	t.Helper()
	k, err := readKeyArg(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := audit.NewVerifier(k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
