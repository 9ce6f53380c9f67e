package main

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
)

var errCrash = errors.New("simulated crash")

// crashAt makes the service fail at one step for one event, as a kill -9
// there would leave it (the rest of the step never runs).
func crashAt(step string, ev audit.ApplicationEvent) func(string, audit.ApplicationEvent) error {
	return func(s string, e audit.ApplicationEvent) error {
		if s == step && e == ev {
			return errCrash
		}
		return nil
	}
}

// logEvents counts the application records per (application, event).
func logEvents(t *testing.T, dir string) map[[2]string]int {
	t.Helper()
	n := map[[2]string]int{}
	for e, err := range audit.Entries(filepath.Join(dir, "log")) {
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := e.Record.(audit.ApplicationRecord); ok {
			n[[2]string{r.Application, string(r.Event)}]++
		}
	}
	return n
}

func (f *fixture) restart() {
	f.stop()
	f.start()
}

func (f *fixture) problems() []string {
	p, err := checkConsistency(context.Background(), f.svc.st, f.cfg.DataDir, f.svc.verifier, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// TestRecovery interrupts each step of the state change — before the
// log append, after it, after the envelope's commit, and long enough for
// the record to be too old for the log — and checks that a restart
// completes it, once, and that the check finds the gap before and none
// after.
func TestRecovery(t *testing.T) {
	for name, url := range stores(t) {
		t.Run(name, func(t *testing.T) { testRecovery(t, url(t)) })
	}
}

func testRecovery(t *testing.T, dbURL string) {
	f := newFixture(t, dbURL)
	res := f.publish()

	// 1. Approval interrupted before its record reached the log.
	app1 := f.apply(res, "姓名", "银行卡号")
	f.svc.setCrash(crashAt("before-append", audit.AppApproved))
	f.do("POST", "/api/v1/applications/"+app1+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 500)
	if len(f.problems()) == 0 {
		t.Fatal("check passes with an approval pending")
	}
	m := f.json("GET", "/api/v1/applications/"+app1, taxDept+"/recipient", nil, 200)
	if m["status"] != "submitted" || m["pending"] != "approved" {
		t.Fatalf("before restart: %v pending %v", m["status"], m["pending"])
	}
	f.restart()
	d := f.waitDelivery(app1)
	if p := f.problems(); len(p) != 0 {
		t.Fatalf("after restart: %v", p)
	}

	// 2. Receipt interrupted after its record reached the log: not logged twice.
	env := f.do("GET", d["download"].(string), taxDept+"/recipient", nil, 200)
	envID, digest, _ := govshare.EnvelopeDigest(bytesReader(env))
	sig, _ := govshare.SignReceipt(f.tax, envID, digest)
	f.svc.setCrash(crashAt("after-append", audit.AppReceived))
	f.do("POST", "/api/v1/deliveries/"+d["id"].(string)+"/receipt", taxDept+"/recipient", map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}, 500)
	f.restart()
	if m := f.json("GET", "/api/v1/applications/"+app1, taxDept+"/recipient", nil, 200); m["status"] != "received" {
		t.Fatalf("after restart: %v", m["status"])
	}

	// 3. Delivery interrupted after the envelope was committed: adopted,
	// not sealed again.
	app2 := f.apply(res, "姓名")
	f.svc.setCrash(crashAt("after-seal", audit.AppDelivered))
	f.do("POST", "/api/v1/applications/"+app2+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	path := f.svc.envelopePath(app2)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no envelope file")
		}
	}
	time.Sleep(50 * time.Millisecond) // let the worker reach the crash
	f.restart()
	d2 := f.waitDelivery(app2)
	_, digest2, _ := govshare.EnvelopeDigest(bytesReader(mustRead(t, path)))
	if d2["sha256"] != hexOf(digest2) {
		t.Fatal("the delivery does not name the adopted envelope")
	}

	// 3b. Delivery interrupted after the share record, before the
	// envelope existed: the share is withdrawn, the application sealed again.
	app3 := f.apply(res, "性别")
	f.svc.setCrash(crashAt("after-share-record", audit.AppDelivered))
	f.do("POST", "/api/v1/applications/"+app3+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		m := f.json("GET", "/api/v1/applications/"+app3, taxDept+"/recipient", nil, 200)
		if m["delivery_error"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the interrupted share did not fail")
		}
	}
	if len(f.problems()) == 0 {
		t.Fatal("check passes with a share neither delivered nor withdrawn")
	}
	// A crash would not have recorded the error: clear it as a crash leaves it.
	f.svc.st.exec(context.Background(), nil, `UPDATE applications SET delivery_error = '' WHERE id = ?`, app3)
	f.restart()
	f.waitDelivery(app3)

	// 4. Submission pending longer than the log's skew: signed again, now.
	f.svc.setClock(func() time.Time { return time.Now().Add(-20 * time.Minute) })
	f.svc.setCrash(crashAt("before-append", audit.AppSubmitted))
	f.do("POST", "/api/v1/applications", taxDept+"/recipient", map[string]any{"resource": res, "fields": []string{"姓名"},
		"purpose": "statistics", "legal_basis": "x", "not_after": "2099-01-01"}, 500)
	f.restart()

	// Every event once on the log; shares: one per delivered application.
	if p := f.problems(); len(p) != 0 {
		t.Fatalf("after recovery: %v", p)
	}
	for k, n := range logEvents(t, f.cfg.DataDir) {
		if n != 1 {
			t.Errorf("%s %s logged %d times", k[0], k[1], n)
		}
	}
	list := f.json("GET", "/api/v1/applications", taxDept+"/recipient", nil, 200)
	if n := len(list["applications"].([]any)); n != 4 {
		t.Fatalf("%d applications, want 4", n)
	}
	for _, a := range list["applications"].([]any) {
		if st := a.(map[string]any)["status"]; st == "submitting" {
			t.Errorf("application %v left submitting", a.(map[string]any)["id"])
		}
	}
	shares := 0
	for e, err := range audit.Entries(filepath.Join(f.cfg.DataDir, "log")) {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := e.Record.(audit.ShareRecord); ok {
			shares++
		}
	}
	if shares != 4 { // app1, app2, and app3 twice (one withdrawn)
		t.Errorf("%d share records, want 4", shares)
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexOf(d [32]byte) string {
	const h = "0123456789abcdef"
	b := make([]byte, 64)
	for i, x := range d {
		b[2*i], b[2*i+1] = h[x>>4], h[x&15]
	}
	return string(b)
}

func (s *Service) setCrash(f func(string, audit.ApplicationEvent) error) { s.crash.Store(&f) }
func (s *Service) setClock(f func() time.Time)                           { s.clock.Store(&f) }

// TestRetryPending: a step that failed while the service kept running is
// completed by the ticker, without a restart.
func TestRetryPending(t *testing.T) {
	f := newFixture(t, "")
	res := f.publish()
	app := f.apply(res, "姓名")
	f.svc.setCrash(crashAt("before-append", audit.AppRefused))
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "refuse", "reason": "无依据"}, 500)
	f.svc.setCrash(func(string, audit.ApplicationEvent) error { return nil })
	f.svc.retryPending(context.Background())
	if m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200); m["status"] != "submitted" {
		t.Fatalf("a fresh pending step was retried at once: %v", m["status"])
	}
	f.svc.st.exec(context.Background(), nil, `UPDATE events SET created_at = ? WHERE application_id = ?`, timeText(time.Now().Add(-time.Minute)), app)
	f.svc.retryPending(context.Background())
	if m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200); m["status"] != "refused" {
		t.Fatalf("after the retry: %v", m["status"])
	}
	if p := f.problems(); len(p) != 0 {
		t.Fatal(p)
	}
}
