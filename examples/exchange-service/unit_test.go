package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, catalog.ChinaTime)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarShipped(t *testing.T) {
	c, err := parseCalendar(calendarFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		date    string
		working bool
	}{
		{"2026-01-01 10:00", false}, // 元旦, Thursday
		{"2026-01-04 10:00", true},  // Sunday worked for 元旦
		{"2026-02-14 10:00", true},  // Saturday worked for 春节
		{"2026-02-16 10:00", false}, // 春节, Monday
		{"2026-02-24 10:00", true},  // after 春节
		{"2026-03-07 10:00", false}, // plain Saturday
		{"2026-03-09 10:00", true},  // plain Monday
		{"2026-10-01 10:00", false}, // 国庆节
		{"2026-10-10 10:00", true},  // Saturday worked for 国庆节
		{"2026-10-11 10:00", false}, // Sunday after it
		{"2027-10-04 10:00", false},
		{"2028-06-05 10:00", true}, // a year the file does not cover: weekdays work
		{"2028-06-04 10:00", false},
	} {
		if got := c.Working(day(tc.date)); got != tc.working {
			t.Errorf("%s: working %v, want %v", tc.date, got, tc.working)
		}
	}
	if !c.Covers(day("2026-05-01 00:00")) || !c.Covers(day("2027-05-01 00:00")) || c.Covers(day("2028-05-01 00:00")) {
		t.Error("the shipped calendar must cover 2026 and 2027 only")
	}
}

func TestCalendarDue(t *testing.T) {
	c, err := parseCalendar(calendarFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		submitted string
		days      int
		due       string // first instant after the last day
	}{
		// Thursday 2026-12-03: Fri, Mon, Tue, Wed, Thu → end of 12-10.
		{"2026-12-03 09:00", 5, "2026-12-11 00:00"},
		// Submitted late on a Friday: the next working day counts first.
		{"2026-12-04 23:30", 1, "2026-12-08 00:00"},
		// Over 国庆: 9-30 (Wed) → 10-08, 10-09, 10-10 (worked Saturday), 10-12, 10-13.
		{"2026-09-30 15:00", 5, "2026-10-14 00:00"},
		// Over 春节 2026: 2-13 (Fri) → 2-14 (worked Sat), 2-24, 2-25, 2-26, 2-27.
		{"2026-02-13 10:00", 5, "2026-02-28 00:00"},
		// Submitted on a holiday.
		{"2026-01-01 08:00", 2, "2026-01-06 00:00"},
	} {
		got := c.Due(day(tc.submitted), tc.days)
		if !got.Equal(day(tc.due)) {
			t.Errorf("submitted %s, %d days: due %s, want %s", tc.submitted, tc.days, got.In(catalog.ChinaTime), tc.due)
		}
	}
	due := c.Due(day("2026-12-03 09:00"), 5)
	for now, want := range map[string]int{"2026-12-03 09:00": 5, "2026-12-05 12:00": 4, "2026-12-10 09:00": 0, "2026-12-11 09:00": 0, "2026-12-09 18:00": 1} {
		if got := c.Remaining(day(now), due); got != want {
			t.Errorf("remaining at %s: %d, want %d", now, got, want)
		}
	}
}

func TestCalendarParseErrors(t *testing.T) {
	for _, bad := range []string{
		"2026-13-01 holiday",
		"2026-10-01",
		"2026-10-01 vacation",
		"2026-10-08 workday 周四不是周末",
		"2026-10-01 holiday\n2026-10-01 holiday",
	} {
		if _, err := parseCalendar([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	c, err := parseCalendar([]byte("# only comments\n\n2030-01-05 workday 调休 # trailing\n"))
	if err != nil || !c.Working(day("2030-01-05 10:00")) {
		t.Fatalf("comment handling: %v", err)
	}
}

func FuzzParseCalendar(f *testing.F) {
	f.Add(string(calendarFile))
	f.Add("2026-01-01 holiday x\n2026-01-04 workday")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCalendar([]byte(s))
		if err != nil {
			return
		}
		// Whatever parses gives a due date after submission.
		now := day("2026-06-01 10:00")
		if d := c.Due(now, 3); !d.After(now) {
			t.Fatalf("due %v not after %v", d, now)
		}
	})
}

func TestSourceContainment(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "sources")
	os.MkdirAll(filepath.Join(root, "sub"), 0o700)
	os.WriteFile(filepath.Join(root, "a.csv"), []byte("x\n1\n"), 0o600)
	os.WriteFile(filepath.Join(root, "sub", "b.csv"), []byte("x\n1\n"), 0o600)
	secret := filepath.Join(base, "secret.csv")
	os.WriteFile(secret, []byte("x\n1\n"), 0o600)
	os.Symlink(secret, filepath.Join(root, "escape.csv"))
	os.Symlink(filepath.Join(root, "a.csv"), filepath.Join(root, "inside-link.csv"))
	os.Symlink(base, filepath.Join(root, "updir"))
	for _, ok := range []string{"a.csv", "sub/b.csv", filepath.Join(root, "a.csv"), "sub/../a.csv", "inside-link.csv"} {
		if _, err := resolveSource(root, ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
		f, err := openSource(root, ok)
		if err != nil {
			t.Errorf("%s not opened: %v", ok, err)
		} else {
			f.Close()
		}
	}
	for _, bad := range []string{"../secret.csv", secret, "escape.csv", "updir/secret.csv", "sub", "", "missing.csv", "/etc/passwd", "a.csv\x00"} {
		if _, err := resolveSource(root, bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		if f, err := openSource(root, bad); err == nil {
			f.Close()
			t.Errorf("%q opened", bad)
		}
	}
	if _, err := resolveSource("", "a.csv"); err == nil {
		t.Error("no sources directory, yet accepted")
	}
}

func TestTokenHashing(t *testing.T) {
	a, b := newToken("xs_"), newToken("xs_")
	if a == b || !strings.HasPrefix(a, "xs_") || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if hashToken(a) == hashToken(b) || hashToken(a) != hashToken(strings.Clone(a)) || len(hashToken(a)) != 64 || strings.Contains(hashToken(a), a) {
		t.Fatal("token hash")
	}
	st, err := openStore(context.Background(), t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.createAccount(context.Background(), "tax-bureau", "t1", roleRecipient, "")
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	st.db.QueryRow(`SELECT token_hash FROM accounts`).Scan(&stored)
	if stored != hashToken(tok) || strings.Contains(stored, tok) {
		t.Fatal("the database must keep only the token's hash")
	}
	if a, err := st.accountByToken(context.Background(), tok); err != nil || a.Dept != "tax-bureau" || a.Role != roleRecipient {
		t.Fatalf("lookup: %v %v", a, err)
	}
	for _, bad := range []string{tok[:len(tok)-1], tok + "x", stored, "", "xs_"} {
		if _, err := st.accountByToken(context.Background(), bad); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
	if _, err := st.createAccount(context.Background(), "tax-bureau", "t2", "superuser", ""); err == nil {
		t.Error("unknown role accepted")
	}
	if _, err := st.createAccount(context.Background(), "../x", "t3", roleAdmin, ""); err == nil {
		t.Error("bad department name accepted")
	}
}

func TestPasswordHash(t *testing.T) {
	h := hashPassword("correct horse")
	if !strings.HasPrefix(h, "$argon2id$v=19$") || !checkPassword(h, "correct horse") {
		t.Fatalf("hash %q", h)
	}
	if checkPassword(h, "correct hors") || checkPassword(h, "") || checkPassword("plain", "plain") || hashPassword("correct horse") == h {
		t.Fatal("password check")
	}
}

// webClient signs in through the form and returns the session cookie and
// the page's CSRF token.
func webLogin(t *testing.T, f *fixture, dept, name string) (*http.Cookie, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"dept": {dept}, "name": {name}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var ck *http.Cookie
	for _, x := range resp.Cookies() {
		if x.Name == sessionCookie {
			ck = x
		}
	}
	if ck == nil {
		t.Fatal("no session cookie")
	}
	var csrf string
	f.svc.st.db.QueryRow(f.svc.st.q(`SELECT csrf FROM sessions WHERE id_hash = ?`), hashToken(ck.Value)).Scan(&csrf)
	return ck, csrf
}

func TestSessionCookieAndCSRF(t *testing.T) {
	f := newFixture(t, "")
	ck, csrf := webLogin(t, f, taxDept, "recipient1")
	if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("cookie flags: %+v", ck)
	}
	if strings.Contains(ck.Raw, "Domain") {
		t.Error("the cookie must stay host-only")
	}
	// A wrong password sets no cookie.
	resp, _ := http.PostForm(f.srv.URL+"/login", url.Values{"dept": {taxDept}, "name": {"recipient1"}, "password": {"wrong"}})
	resp.Body.Close()
	if resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
		t.Fatalf("wrong password: %d %v", resp.StatusCode, resp.Cookies())
	}
	res := f.publish()
	form := url.Values{"resource": {res}, "fields": {"姓名"}, "purpose": {"statistics"}, "basis": {"b"}, "not_after": {"2099-01-01"}}
	post := func(path string, v url.Values, withCookie bool) int {
		req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			req.AddCookie(ck)
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/apply", form, true); code != 403 {
		t.Errorf("form without CSRF token: %d, want 403", code)
	}
	wrong := "A" + csrf[1:]
	if wrong == csrf {
		wrong = "B" + csrf[1:]
	}
	form.Set("csrf", wrong)
	if code := post("/apply", form, true); code != 403 {
		t.Errorf("form with a wrong CSRF token: %d, want 403", code)
	}
	// The JSON API with the cookie needs the token too.
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/applications", strings.NewReader(`{}`))
	req.AddCookie(ck)
	if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 403 {
		t.Errorf("API POST with a cookie and no CSRF token: %d, want 403", resp.StatusCode)
	}
	if code := post("/apply", form, false); code != http.StatusSeeOther {
		t.Errorf("form without a session: %d, want a redirect to /login", code)
	}
	form.Set("csrf", csrf)
	if code := post("/apply", form, true); code != http.StatusSeeOther {
		t.Errorf("form with its CSRF token: %d, want 303", code)
	}
	list := f.json("GET", "/api/v1/applications", taxDept+"/recipient", nil, 200)
	if n := len(list["applications"].([]any)); n != 1 {
		t.Fatalf("%d applications, want exactly the one with the token", n)
	}
	// Pages render for the signed-in account, with the documented ids.
	for path, ids := range map[string][]string{
		"/catalog":      {`id="apply-resource"`, `id="apply-fields"`, `id="apply-purpose"`, `id="apply-basis"`, `id="apply-not-after"`, `id="apply-submit"`},
		"/applications": {`id="applications"`, `data-status="submitted"`},
	} {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		req.AddCookie(ck)
		rec := httptest.NewRecorder()
		f.svc.Handler().ServeHTTP(rec, req)
		for _, id := range ids {
			if !strings.Contains(rec.Body.String(), id) {
				t.Errorf("%s: no %s", path, id)
			}
		}
	}
}

func TestLoginLimiter(t *testing.T) {
	var l loginLimiter
	now := time.Now()
	for i := 0; i < maxFailures; i++ {
		if !l.allowed("d/a", now) {
			t.Fatalf("refused after %d failures", i)
		}
		l.record("d/a", false, now)
	}
	if l.allowed("d/a", now) {
		t.Fatal("allowed after the limit")
	}
	if !l.allowed("d/b", now) {
		t.Fatal("another account is limited too")
	}
	if !l.allowed("d/a", now.Add(failureWindow+time.Second)) {
		t.Fatal("still refused after the window")
	}
	l.record("d/a", true, now)
	if !l.allowed("d/a", now) {
		t.Fatal("a success does not clear the count")
	}
}
