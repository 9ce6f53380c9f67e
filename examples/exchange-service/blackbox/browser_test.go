package blackbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// screenshotDir is where the browser test writes its full-page PNGs:
// GOVSHARE_SCREENSHOTS=1 writes the set kept in the repository
// (testdata/screenshots), any other value names a directory, and unset
// writes them to a temporary directory (they are still taken, so a page
// that cannot be captured fails the test).
func screenshotDir(t *testing.T) string {
	switch v := os.Getenv("GOVSHARE_SCREENSHOTS"); v {
	case "":
		return t.TempDir()
	case "1":
		return filepath.Join("testdata", "screenshots")
	default:
		return v
	}
}

// TestBrowser walks the web pages in headless Chromium: a recipient signs
// in and applies through the form, a reviewer sees the countdown and
// approves, the recipient downloads the delivery, and every page is
// visited and captured. It skips without /usr/bin/chromium
// (scripts/install-chromium.sh installs it) unless GOVSHARE_REQUIRE_BROWSER=1.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("GOVSHARE_REQUIRE_BROWSER") == "1" {
			t.Fatalf("%s is missing and GOVSHARE_REQUIRE_BROWSER=1: run scripts/install-chromium.sh", chromiumPath)
		}
		t.Skipf("%s is missing: run scripts/install-chromium.sh (or set GOVSHARE_REQUIRE_BROWSER=1 to fail instead)", chromiumPath)
	}
	shots := screenshotDir(t)
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	sample := filepath.Join(repoRoot, "testdata", "sample", "population.csv")
	f := newFixture(t, t.TempDir(), nil, sample)
	svc := startService(t, f.serveArgs()...)
	defer svc.stop(t)
	f.publish(t, svc.URL)
	secrets := sampleValues(t, sample)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("lang", "zh-CN"),
			chromedp.WindowSize(1280, 900),
		)...)
	defer cancelAlloc()
	root, cancelRoot := chromedp.NewContext(alloc)
	defer cancelRoot()
	if err := chromedp.Do(root); err != nil { // starts the browser, without a deadline
		t.Fatalf("start chromium: %v", err)
	}
	deadline, cancelDeadline := context.WithTimeout(root, 3*time.Minute)
	defer cancelDeadline()

	b := &browserRun{t: t, base: svc.URL, shots: shots, secrets: secrets, parent: deadline}

	// The recipient applies through the form on the catalog page.
	recip := b.signIn(f.acct["cab-user"])
	b.shot(recip, "/catalog", "01-catalog")
	notAfter := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	b.do(recip, "apply",
		chromedp.SetValue(chromedp.ID("apply-resource"), f.resourceID),
		chromedp.SendKeys(chromedp.ID("apply-fields"), "姓名,身份证号,手机号码"),
		chromedp.SetValue(chromedp.ID("apply-purpose"), "data_verification"),
		chromedp.SendKeys(chromedp.ID("apply-basis"), "《政务信息资源共享管理暂行办法》第十条：核验低保申请人身份"),
		chromedp.SetValue(chromedp.ID("apply-not-after"), notAfter),
	)
	b.submit(recip, "apply", "apply-submit")
	var apps struct {
		Applications []apiApp `json:"applications"`
	}
	if err := f.client(svc.URL, "cab-user").do(context.Background(), "GET", "/applications", nil, &apps); err != nil {
		t.Fatal(err)
	}
	if len(apps.Applications) != 1 || apps.Applications[0].Status != "submitted" {
		t.Fatalf("after the form: applications %+v, want one submitted", apps.Applications)
	}
	id := apps.Applications[0].ID
	b.shot(recip, "/applications", "02-my-applications")
	if txt := b.text(recip, "body"); !strings.Contains(txt, id) {
		t.Errorf("my applications page does not list application %s", id)
	}

	// The reviewer sees the countdown and approves.
	rev := b.signIn(f.acct["psb-review"])
	b.navigate(rev, "/review")
	b.do(rev, "countdown", chromedp.WaitVisible(chromedp.CSS(".countdown")))
	var before struct {
		Remaining int `json:"remaining_working_days"`
	}
	if err := f.client(svc.URL, "psb-review").do(context.Background(), "GET", "/applications/"+id, nil, &before); err != nil {
		t.Fatal(err)
	}
	if cd, want := b.text(rev, "#review-"+id+" .countdown"), fmt.Sprintf("剩余 %d 个工作日", before.Remaining); !strings.Contains(cd, want) {
		t.Errorf("countdown shows %q, want %q (the API's remaining_working_days)", cd, want)
	}
	b.shot(rev, "", "03-review-queue")
	b.do(rev, "approve", chromedp.SendKeys(chromedp.ID("reason-"+id), "符合共享条件，同意"))
	b.submit(rev, "approve", "approve-"+id)
	var app apiApp
	c := f.client(svc.URL, "cab-user")
	for start := time.Now(); ; {
		if err := c.do(context.Background(), "GET", "/applications/"+id, nil, &app); err != nil {
			t.Fatal(err)
		}
		if app.Delivery != nil {
			break
		}
		if app.DeliveryError != "" || time.Since(start) > time.Minute {
			t.Fatalf("no delivery after the approval: status %s, error %q", app.Status, app.DeliveryError)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.shot(rev, "/grants", "04-grants-reviewer")

	// The recipient sees the delivery and downloads it: the bytes equal
	// what the API serves.
	want, err := downloadEnvelope(context.Background(), c, app.Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	recip = b.signIn(f.acct["cab-user"])
	b.shot(recip, "/deliveries", "05-deliveries")
	link := "#download-" + app.Delivery.ID
	href := b.attr(recip, link, "href")
	if href == "" {
		t.Fatalf("download link %s has no href", link)
	}
	got := b.fetchBytes(recip, href)
	if !bytes.Equal(got, want) {
		t.Errorf("the page's download link gives %d bytes, the API's envelope is %d bytes: they differ", len(got), len(want))
	}
	if file := b.clickDownload(recip, link); !bytes.Equal(file, want) {
		t.Errorf("clicking the download link saved %d bytes, the API's envelope is %d bytes: they differ", len(file), len(want))
	}

	// The receipt, made as the page says (govshare receipt, with the
	// recipient's keys, on the downloaded file) and pasted into the
	// delivery's form.
	saved := filepath.Join(t.TempDir(), "delivery.gse")
	if err := os.WriteFile(saved, got, 0o600); err != nil {
		t.Fatal(err)
	}
	sig := strings.TrimSpace(run(t, nil, "", govshareBin, "receipt", "--keys", f.rkeys, "--dept", recipientDept, saved))
	if _, err := base64.StdEncoding.DecodeString(sig); err != nil {
		t.Fatalf("govshare receipt printed no base64 signature: %v", err)
	}
	b.do(recip, "receipt", chromedp.SetValue(chromedp.ID("signature-"+app.Delivery.ID), sig))
	b.submit(recip, "receipt", "receipt-submit-"+app.Delivery.ID)
	b.shot(recip, "", "06-deliveries-receipted")
	if err := c.do(context.Background(), "GET", "/applications/"+id, nil, &app); err != nil {
		t.Fatal(err)
	}
	if app.Status != "received" {
		t.Errorf("after the receipt form: status %q, want received", app.Status)
	}
	b.shot(recip, "/applications", "07-my-applications-received")
	b.shot(recip, "/grants", "08-grants-recipient")

	// The auditor: the log, verified from the page, and the SLA figures.
	aud := b.signIn(f.acct["cab-audit"])
	b.navigate(aud, "/records")
	b.submit(aud, "verify the log", "verify-log")
	if txt := b.text(aud, "body"); !strings.Contains(txt, "验证通过") {
		t.Errorf("the log page's verify action did not report success: %s", truncate(txt, 300))
	}
	b.shot(aud, "", "09-log-verified")
	b.shot(rev, "/sla", "10-sla-reviewer")
	if n := b.text(rev, "#sla-decided"); n != "1" {
		t.Errorf("SLA page: %s decided, want 1", n)
	}
	b.shot(aud, "/sla", "11-sla-auditor")
	b.checkExceptions()
}

// browserRun holds the browser test's state.
type browserRun struct {
	t       *testing.T
	base    string
	shots   string
	secrets []string
	parent  context.Context
	tabs    []*tab
}

// tab is one signed-in account's browser context (its own cookies).
type tab struct {
	ctx        context.Context
	name       string
	mu         sync.Mutex
	exceptions []string
}

// signIn opens a fresh browser context (no shared cookies) and signs in
// through the form.
func (b *browserRun) signIn(a *account) *tab {
	b.t.Helper()
	ctx, _ := chromedp.NewContext(b.parent, chromedp.WithNewBrowserContext())
	tb := &tab{ctx: ctx, name: a.name}
	b.tabs = append(b.tabs, tb)
	exc := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exc {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.exceptions = append(tb.exceptions, ev.ExceptionDetails.Text)
			tb.mu.Unlock()
		}
	}()
	b.navigate(tb, "/login")
	b.shotOnce(tb, "00-login")
	b.do(tb, "sign in as "+a.name,
		chromedp.SendKeys(chromedp.ID("login-dept"), a.dept),
		chromedp.SendKeys(chromedp.ID("login-name"), a.name),
		chromedp.SendKeys(chromedp.ID("login-password"), a.password),
	)
	b.submit(tb, "sign in as "+a.name, "login-submit")
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, "/login") {
		b.t.Fatalf("sign in as %s: still on %s (%v)", a.name, loc, err)
	}
	return tb
}

func (b *browserRun) do(tb *tab, what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		b.t.Fatalf("%s (%s): %v", what, tb.name, err)
	}
}

// submit clicks a form's submit button, waits for the page the server
// answers with (after its redirect) and fails on an error status or an
// error message on it.
func (b *browserRun) submit(tb *tab, what, button string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.ID(button)))
	if err != nil {
		b.t.Fatalf("%s (%s): %v", what, tb.name, err)
	}
	if resp.Status != 200 {
		b.t.Errorf("%s (%s): the answer is HTTP %d", what, tb.name, resp.Status)
	}
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#error").length`))
	if err != nil {
		b.t.Fatal(err)
	}
	if n > 0 {
		b.t.Fatalf("%s (%s): the page shows an error: %s", what, tb.name, b.text(tb, "#error"))
	}
}

func (b *browserRun) navigate(tb *tab, path string) {
	b.t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("%s: open %s: %v", tb.name, path, err)
	}
	if resp.Status != 200 {
		b.t.Errorf("%s: %s answered %d", tb.name, path, resp.Status)
	}
}

func (b *browserRun) text(tb *tab, css string) string {
	b.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", tb.name, css, err)
	}
	return s
}

func (b *browserRun) attr(tb *tab, css, name string) string {
	b.t.Helper()
	attrs, err := chromedp.Run(tb.ctx, chromedp.Attributes(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("%s: attributes of %s: %v", tb.name, css, err)
	}
	return attrs[name]
}

// shot opens path (unless "") and writes a full-page PNG named name, after
// checking that the page shows no value of the source register.
func (b *browserRun) shot(tb *tab, path, name string) {
	b.t.Helper()
	if path != "" {
		b.navigate(tb, path)
	}
	html, err := chromedp.Run(tb.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatalf("%s: page HTML: %v", name, err)
	}
	if !strings.HasPrefix(html, `<html lang="zh-CN"`) {
		b.t.Errorf("page %s is not marked as Chinese (lang=\"zh-CN\")", name)
	}
	for _, v := range b.secrets {
		if strings.Contains(html, v) {
			b.t.Errorf("page %s shows a value of the source register", name)
			break
		}
	}
	png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("%s: screenshot: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		b.t.Fatalf("%s: screenshot is not a PNG", name)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// shotOnce captures the sign-in page the first time only.
func (b *browserRun) shotOnce(tb *tab, name string) {
	if len(b.tabs) == 1 {
		b.shot(tb, "", name)
	}
}

// fetchBytes fetches href from the page with its session, as the link
// would, and returns the body.
func (b *browserRun) fetchBytes(tb *tab, href string) []byte {
	b.t.Helper()
	js := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(r => {
		if (!r.ok) throw new Error("HTTP " + r.status);
		return r.arrayBuffer();
	}).then(buf => {
		let s = "", a = new Uint8Array(buf);
		for (let i = 0; i < a.length; i += 0x8000) s += String.fromCharCode.apply(null, a.subarray(i, i + 0x8000));
		return btoa(s);
	})`, href)
	b64, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: fetch %s in the page: %v", tb.name, href, err)
	}
	out, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// clickDownload clicks a download link with downloads allowed into a
// temporary directory and returns the saved file.
func (b *browserRun) clickDownload(tb *tab, css string) []byte {
	b.t.Helper()
	dir := b.t.TempDir()
	// Downloads are allowed per browser context: the tab's own.
	progress := chromedp.BrowserEvents(tb.ctx, browser.DownloadProgress)
	if _, err := chromedp.CallBrowser(tb.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:         browser.SetDownloadBehaviorBehaviorAllowAndName,
		BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID,
		DownloadPath:     dir,
		EventsEnabled:    new(true),
	}); err != nil {
		b.t.Fatalf("allow downloads: %v", err)
	}
	b.do(tb, "download", chromedp.Click(chromedp.CSS(css)))
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			out, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			if err != nil {
				b.t.Fatal(err)
			}
			return out
		case browser.DownloadProgressStateCanceled:
			b.t.Fatal("download: canceled by the browser")
		}
	}
	b.t.Fatal("download: no completion event")
	return nil
}

// checkExceptions fails on an uncaught script exception in any page.
func (b *browserRun) checkExceptions() {
	for _, tb := range b.tabs {
		tb.mu.Lock()
		for _, e := range tb.exceptions {
			b.t.Errorf("%s: uncaught exception in a page: %s", tb.name, e)
		}
		tb.mu.Unlock()
	}
}

// sampleValues are identifier values of the source register (resident
// ids, mobiles, bank cards): none may appear on any page.
func sampleValues(t *testing.T, path string) []string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[1], r[4], r[8]) // 身份证号, 手机号码, 银行卡号
	}
	return out
}
