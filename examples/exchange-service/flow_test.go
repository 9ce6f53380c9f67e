package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
)

// TestOverdueAndLateDecision: past its due time an undecided application
// is marked overdue (on the log too); a decision is still taken and
// counted late in the SLA figures; the review page shows the mark.
func TestOverdueAndLateDecision(t *testing.T) {
	f := newFixture(t, "")
	res := f.publish()
	app := f.apply(res, "姓名")
	onTime := f.apply(res, "性别")
	f.do("POST", "/api/v1/applications/"+onTime+"/decision", psbDept+"/reviewer", map[string]string{"decision": "refuse", "reason": "不需要"}, 200)

	ck, csrf := webLogin(t, f, psbDept, "reviewer1")
	page := f.page(ck, "/review")
	if !strings.Contains(page, `class="countdown">剩余 5 个工作日`) && !strings.Contains(page, `class="countdown">剩余 4 个工作日`) {
		t.Errorf("review page has no countdown: %s", excerpt(page, "countdown"))
	}
	for _, id := range []string{"approve-" + app, "refuse-" + app, "reason-" + app} {
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("review page has no #%s", id)
		}
	}

	// Its due time passes (the log's clock is real: move the deadline).
	if _, err := f.svc.st.exec(context.Background(), nil, `UPDATE applications SET due_at = ? WHERE id = ?`, timeText(time.Now().Add(-time.Minute)), app); err != nil {
		t.Fatal(err)
	}
	f.svc.markOverdue(context.Background())
	m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200)
	if m["status"] != "overdue" {
		t.Fatalf("after the due time: %v", m["status"])
	}
	if page := f.page(ck, "/review"); !strings.Contains(page, `countdown overdue">已超期`) {
		t.Errorf("review page has no overdue mark: %s", excerpt(page, "countdown"))
	}
	// Refuse through the web form: reasons required, then taken (late).
	if code := f.postForm(ck, "/review/"+app, url.Values{"csrf": {csrf}, "decision": {"refuse"}}); code != 400 {
		t.Errorf("refusal without reason: %d, want 400", code)
	}
	if code := f.postForm(ck, "/review/"+app, url.Values{"csrf": {csrf}, "decision": {"refuse"}, "reason": {"依据不足"}}); code != http.StatusSeeOther {
		t.Fatalf("refusal: %d", code)
	}
	m = f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200)
	if m["status"] != "refused" || m["late"] != true {
		t.Fatalf("late refusal: %v late %v", m["status"], m["late"])
	}
	st, err := f.svc.sla(context.Background(), &account{Dept: psbDept, Role: roleReviewer})
	if err != nil || st.Decided != 2 || st.Late != 1 || st.OnTime != 1 {
		t.Fatalf("SLA: %+v %v", st, err)
	}
	if ev := logEvents(t, f.cfg.DataDir); ev[[2]string{app, "overdue"}] != 1 || ev[[2]string{app, "refused"}] != 1 {
		t.Fatalf("log events: %v", ev)
	}
	if page := f.page(ck, "/sla"); !strings.Contains(page, `id="sla-late">1<`) {
		t.Errorf("SLA page: %s", excerpt(page, "sla-late"))
	}
}

// TestKeyRegistration: a department's later bundle must be an update of
// the one registered (keys.VerifyUpdate); another root, a bundle of
// another department or garbage is refused.
func TestKeyRegistration(t *testing.T) {
	f := newFixture(t, "")
	if _, err := f.tax.Rotate(keys.KindSignEd25519); err != nil {
		t.Fatal(err)
	}
	next, _ := f.tax.Public().Marshal()
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", next, 200)
	other, _ := keys.New(taxDept)
	ob, _ := other.Public().Marshal()
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", ob, 409)
	pb, _ := f.psb.Public().Marshal()
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", pb, 400)
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", []byte("not a bundle"), 400)
	f.do("POST", "/api/v1/departments/"+taxDept+"/keys", taxDept+"/admin", make([]byte, 2<<20), 413)
	// The rotated key signs: the operator's registry took the update.
	res := f.publish()
	app := f.apply(res, "姓名")
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	f.waitDelivery(app)
}

// TestDispute: the recipient disputes a delivery with a reason code; text
// is refused.
func TestDispute(t *testing.T) {
	f := newFixture(t, "")
	res := f.publish()
	app := f.apply(res, "姓名")
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	d := f.waitDelivery(app)
	f.do("POST", "/api/v1/deliveries/"+d["id"].(string)+"/dispute", taxDept+"/recipient", map[string]string{"reason": "张三的电话不对"}, 400)
	m := f.json("POST", "/api/v1/deliveries/"+d["id"].(string)+"/dispute", taxDept+"/recipient", map[string]string{"reason": "stale_data"}, 200)
	if m["status"] != "disputed" {
		t.Fatalf("after dispute: %v", m["status"])
	}
	if p := f.problems(); len(p) != 0 {
		t.Fatal(p)
	}
}

// TestSourceRefused: publishing a source outside --sources is a 400.
func TestSourceRefused(t *testing.T) {
	f := newFixture(t, "")
	outside := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(outside, []byte("姓名\n张三\n"), 0o600)
	os.Symlink(outside, filepath.Join(f.cfg.SourcesDir, "link.csv"))
	for _, src := range []string{"../x.csv", outside, "link.csv", "/etc/passwd", "../../../../etc/passwd"} {
		f.do("POST", "/api/v1/resources", psbDept+"/provider", map[string]string{"catalog": f.catalog, "source": src}, 400)
	}
}

// TestCLIVerifiesServiceLog runs the govshare CLI against the log the
// service wrote and serves: log verify (directory with every bundle, and
// URL), and an open recorded through the service's /log mount.
func TestCLIVerifiesServiceLog(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the govshare CLI")
	}
	bin := filepath.Join(t.TempDir(), "govshare")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/govshare/govshare/cmd/govshare").CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	f := newFixture(t, "")
	res := f.publish()
	app := f.apply(res, "姓名", "出生日期")
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	d := f.waitDelivery(app)
	dir := t.TempDir()
	envPath := filepath.Join(dir, "env.gse")
	os.WriteFile(envPath, f.do("GET", d["download"].(string), taxDept+"/recipient", nil, 200), 0o600)
	// The recipient's keys, as the CLI keeps them.
	kdir := filepath.Join(dir, "tax")
	m, _ := keys.LocalMaster(kdir)
	if err := f.tax.Save(kdir, m); err != nil {
		t.Fatal(err)
	}
	psbPub := filepath.Join(dir, psbDept+".pub")
	pb, _ := f.psb.Public().Marshal()
	os.WriteFile(psbPub, pb, 0o644)
	vkey := filepath.Join(f.cfg.DataDir, "log.vkey")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("govshare %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("open", "--keys", kdir, "--dept", taxDept, "--purpose", "administrative_basis", "--trust", psbPub,
		"--log", f.srv.URL+"/log", "--log-vkey", vkey, "-o", filepath.Join(dir, "plain.csv"), envPath)
	sig := strings.TrimSpace(run("receipt", "--keys", kdir, "--dept", taxDept, envPath))
	sig = sig[strings.LastIndexByte(sig, '\n')+1:]
	f.do("POST", "/api/v1/deliveries/"+d["id"].(string)+"/receipt", taxDept+"/recipient", map[string]string{"signature": sig}, 200)

	out := run("log", "verify", "--vkey", vkey, "--require-signed", "--trust", psbPub,
		"--trust", filepath.Join(kdir, taxDept+".pub"), "--trust", filepath.Join(f.cfg.DataDir, "platform", f.svc.cfg.Platform+".pub"),
		filepath.Join(f.cfg.DataDir, "log"))
	if !regexp.MustCompile(`verifies: 6 records \(6 signed by their makers, signatures checked`).MatchString(out) {
		t.Fatalf("log verify: %s", out)
	}
	if out := run("log", "verify", "--vkey", vkey, f.srv.URL+"/log"); !strings.Contains(out, "verifies: 6 records") {
		t.Fatalf("log verify of the URL: %s", out)
	}
}

func (f *fixture) page(ck *http.Cookie, path string) string {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.AddCookie(ck)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return b.String()
}

func (f *fixture) postForm(ck *http.Cookie, path string, v url.Values) int {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(ck)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func excerpt(s, near string) string {
	i := strings.Index(s, near)
	if i < 0 {
		return "(" + near + " absent)"
	}
	return s[max(0, i-100):min(len(s), i+200)]
}

// TestLogPage: the auditor's 共享记录 page shows every record with its
// inclusion proof verified, and 验证日志 verifies the whole log.
func TestLogPage(t *testing.T) {
	f := newFixture(t, "")
	res := f.publish()
	f.apply(res, "姓名")
	ck, csrf := webLogin(t, f, supDept, "auditor1")
	page := f.page(ck, "/records")
	if strings.Count(page, `class="verified"`) != int(f.svc.log.Size()) || strings.Contains(page, `class="unverified"`) || f.svc.log.Size() == 0 {
		t.Fatalf("records page: %d verified of %d", strings.Count(page, `class="verified"`), f.svc.log.Size())
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/records/verify", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(ck)
	resp, err := http.DefaultClient.Do(req) // follows the redirect back to the page
	if err != nil {
		t.Fatal(err)
	}
	b := new(strings.Builder)
	_, _ = io.Copy(b, resp.Body)
	resp.Body.Close()
	if !strings.Contains(b.String(), "日志验证通过") {
		t.Fatalf("verify: %s", excerpt(b.String(), `id="msg"`))
	}
	// Not for a recipient.
	ck2, _ := webLogin(t, f, taxDept, "recipient1")
	req, _ = http.NewRequest("GET", f.srv.URL+"/records", nil)
	req.AddCookie(ck2)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 403 {
		t.Fatalf("records page for a recipient: %d", resp.StatusCode)
	}
}

// TestDueAfter: --due-after replaces the working-day limit (demos).
func TestDueAfter(t *testing.T) {
	f := newFixture(t, "")
	f.stop()
	f.cfg.DueAfter = time.Millisecond
	f.cfg.Tick = 20 * time.Millisecond
	f.start()
	res := f.publish()
	app := f.apply(res, "姓名")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200); m["status"] == "overdue" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not marked overdue by the ticker")
		}
	}
}

// TestLogGate: a department may append its own acts through /log, never
// an application record (only the service writes those).
func TestLogGate(t *testing.T) {
	f := newFixture(t, "")
	signer, err := audit.KeyringSigner(f.tax, keys.KindSignEd25519)
	if err != nil {
		t.Fatal(err)
	}
	rec := audit.ApplicationRecord{Application: "forged", Event: audit.AppApproved, By: taxDept, Provider: taxDept,
		Recipient: taxDept, Resource: "population-register", Purpose: "statistics", Time: time.Now()}
	sr, err := audit.Sign(rec, f.svc.op.Origin(), signer)
	if err != nil {
		t.Fatal(err)
	}
	form, _ := sr.Marshal()
	resp, err := http.Post(f.srv.URL+"/log/add", "application/json", strings.NewReader(string(form)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || f.svc.log.Size() != 0 {
		t.Fatalf("forged application record: %d, log size %d", resp.StatusCode, f.svc.log.Size())
	}
	// The department's own dispute goes through.
	d := audit.DisputeRecord{EnvelopeID: "0123456789abcdef0123456789abcdef", By: taxDept, Reason: audit.DisputeOther, Time: time.Now()}
	sr, _ = audit.Sign(d, f.svc.op.Origin(), signer)
	form, _ = sr.Marshal()
	resp, err = http.Post(f.srv.URL+"/log/add", "application/json", strings.NewReader(string(form)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || f.svc.log.Size() != 1 {
		t.Fatalf("a department's own act: %d, log size %d", resp.StatusCode, f.svc.log.Size())
	}
}
