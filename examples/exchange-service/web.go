package main

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
)

// The web pages: server-rendered, embedded, no script needed. The ids of
// forms, inputs and buttons are listed at the top of web/pages.html.

//go:embed web/pages.html
var webFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
	"cst":  func(t time.Time) string { return t.In(catalog.ChinaTime).Format("2006-01-02 15:04") },
}).ParseFS(webFS, "web/pages.html"))

// page is what every template gets.
type page struct {
	Title string
	Nav   string
	Acct  *account
	CSRF  string
	Msg   string
	Err   string
	Data  any
}

func (s *Service) webRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.webCaller(r); err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, "/catalog", http.StatusSeeOther)
	})
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginPost)
	m.Handle("POST /logout", s.web(func(w http.ResponseWriter, r *http.Request, a *account) error {
		s.st.logout(r.Context(), a)
		setSessionCookie(w, "", -1)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}))
	m.Handle("GET /catalog", s.web(s.catalogPage))
	m.Handle("POST /apply", s.web(s.applyPost))
	m.Handle("GET /applications", s.web(s.appsPage))
	m.Handle("GET /review", s.web(s.reviewPage))
	m.Handle("POST /review/{id}", s.web(s.reviewPost))
	m.Handle("GET /grants", s.web(s.grantsPage))
	m.Handle("POST /grants/{id}/revoke", s.web(s.revokePost))
	m.Handle("GET /deliveries", s.web(s.deliveriesPage))
	m.Handle("POST /deliveries/{id}/receipt", s.web(s.receiptPost))
	m.Handle("GET /records", s.web(s.recordsPage))
	m.Handle("POST /records/verify", s.web(s.verifyPost))
	m.Handle("GET /sla", s.web(s.slaPage))
}

// webCaller is the signed-in account of a page request (cookie only).
func (s *Service) webCaller(r *http.Request) (*account, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errUnauthorized
	}
	return s.st.accountBySession(r.Context(), c.Value)
}

// web wraps a page handler: a session is required (else to /login), and
// every POST must carry the session's CSRF token.
func (s *Service) web(h func(http.ResponseWriter, *http.Request, *account) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.webCaller(r)
		if err != nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			if !checkCSRF(a, r) {
				http.Error(w, "CSRF token missing or wrong", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
		if err := h(w, r, a); err != nil {
			var ae *apiError
			msg := "内部错误 (internal error)"
			code := http.StatusInternalServerError
			if errors.As(err, &ae) {
				msg, code = ae.msg, ae.code
			} else {
				defaultLogger.Error("page failed", "err", err)
			}
			s.render(w, code, "error", page{Title: "错误", Acct: a, CSRF: a.session.csrf, Err: msg})
		}
	})
}

func (s *Service) render(w http.ResponseWriter, code int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		defaultLogger.Error("template", "name", name, "err", err)
	}
}

// back redirects to a page with a message (post/redirect/get).
func back(w http.ResponseWriter, r *http.Request, to, msg string) error {
	http.Redirect(w, r, to+"?msg="+url.QueryEscape(msg), http.StatusSeeOther)
	return nil
}

func (s *Service) newPage(r *http.Request, a *account, title, nav string, data any) page {
	return page{Title: title, Nav: nav, Acct: a, CSRF: a.session.csrf, Msg: r.URL.Query().Get("msg"), Data: data}
}

func (s *Service) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	s.render(w, 200, "login", page{Title: "登录"})
}

func (s *Service) loginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	dept, name, pw := r.PostFormValue("dept"), r.PostFormValue("name"), r.PostFormValue("password")
	key := strings.TrimSpace(dept) + "/" + strings.TrimSpace(name)
	if !s.logins.allowed(key, time.Now()) {
		s.render(w, http.StatusTooManyRequests, "login", page{Title: "登录", Err: "失败次数过多, 请稍后再试"})
		return
	}
	cookie, err := s.st.login(r.Context(), strings.TrimSpace(dept), strings.TrimSpace(name), pw)
	s.logins.record(key, err == nil, time.Now())
	if err != nil {
		s.render(w, http.StatusUnauthorized, "login", page{Title: "登录", Err: "部门、账号或密码错误"})
		return
	}
	setSessionCookie(w, cookie, int(sessionTTL/time.Second))
	http.Redirect(w, r, "/catalog", http.StatusSeeOther)
}

func (s *Service) catalogPage(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.resources(r.Context())
	if err != nil {
		return err
	}
	type fieldView struct{ Name, Type, Level, Tier string }
	type resView struct {
		ID, Name, Provider, Tier string
		Fields                   []fieldView
	}
	var views []resView
	for _, x := range list {
		v := resView{ID: x.ID, Name: x.Name, Provider: x.Provider, Tier: x.Tier}
		for _, f := range x.Catalog.Fields {
			v.Fields = append(v.Fields, fieldView{f.Name, string(f.Type), string(f.Level), string(x.Catalog.EffectiveTier(&f))})
		}
		views = append(views, v)
	}
	s.render(w, 200, "catalog", s.newPage(r, a, "资源目录", "catalog", map[string]any{
		"Resources": views, "Purposes": catalog.Purposes, "CanApply": a.Role == roleRecipient,
		"MinDate": time.Now().In(catalog.ChinaTime).AddDate(0, 0, 1).Format("2006-01-02"),
	}))
	return nil
}

func (s *Service) applyPost(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleRecipient); err != nil {
		return err
	}
	var fields []string
	for _, f := range strings.FieldsFunc(r.PostFormValue("fields"), func(c rune) bool { return c == ',' || c == '，' }) {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	app, err := s.submit(r.Context(), a, applyRequest{Resource: r.PostFormValue("resource"), Fields: fields,
		Purpose: r.PostFormValue("purpose"), LegalBasis: r.PostFormValue("basis"), NotAfter: r.PostFormValue("not_after")})
	if err != nil {
		return err
	}
	return back(w, r, "/applications", "申请已提交: "+app.ID)
}

// appView is an application on a page.
type appView struct {
	*application
	StatusLabel string
	Remaining   int
	Overdue     bool
	Delivery    *delivery
	GrantID     string
	Revoked     bool
}

var statusLabels = map[string]string{stNew: "提交中", stSubmitted: "待审核", stApproved: "已批准", stRefused: "已拒绝",
	stDelivered: "已交付", stReceived: "已回执", stRevoked: "已撤销", stOverdue: "已超期", stDisputed: "有异议"}

func (s *Service) views(ctx context.Context, list []*application) []appView {
	now := s.now()
	var out []appView
	for _, app := range list {
		v := appView{application: app, StatusLabel: statusLabels[app.Status], Remaining: s.cal.Remaining(now, app.Due),
			Overdue: app.Status == stOverdue || (app.Decided.IsZero() && !now.Before(app.Due))}
		if d, err := s.deliveryByApp(ctx, app.ID); err == nil && deliveredStatus(app.Status) {
			v.Delivery = d
		}
		if g, revoked, err := s.grant(ctx, app.ID); err == nil {
			v.GrantID, v.Revoked = g.ID, revoked != ""
		}
		out = append(out, v)
	}
	return out
}

func (s *Service) appsPage(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.listApps(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, 200, "applications", s.newPage(r, a, "我的申请", "applications", s.views(r.Context(), list)))
	return nil
}

func (s *Service) reviewPage(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleReviewer); err != nil {
		return err
	}
	rows, err := s.st.query(r.Context(), `SELECT `+appColumns+` FROM applications WHERE provider = ? AND status IN (?, ?) ORDER BY due_at`, a.Dept, stSubmitted, stOverdue)
	if err != nil {
		return err
	}
	var list []*application
	for rows.Next() {
		app, err := scanApp(rows)
		if err != nil {
			rows.Close()
			return err
		}
		list = append(list, app)
	}
	rows.Close()
	s.render(w, 200, "review", s.newPage(r, a, "审核队列", "review", s.views(r.Context(), list)))
	return nil
}

func (s *Service) reviewPost(w http.ResponseWriter, r *http.Request, a *account) error {
	app, err := s.reviewable(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := s.decide(r.Context(), a, app.ID, r.PostFormValue("decision"), r.PostFormValue("reason")); err != nil {
		return err
	}
	msg := "已批准 " + app.ID
	if r.PostFormValue("decision") == "refuse" {
		msg = "已拒绝 " + app.ID
	}
	return back(w, r, "/review", msg)
}

func (s *Service) grantsPage(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.listApps(r.Context(), a)
	if err != nil {
		return err
	}
	var granted []appView
	for _, v := range s.views(r.Context(), list) {
		if v.GrantID != "" {
			granted = append(granted, v)
		}
	}
	s.render(w, 200, "grants", s.newPage(r, a, "授权", "grants", map[string]any{"Apps": granted, "CanRevoke": a.Role == roleReviewer}))
	return nil
}

func (s *Service) revokePost(w http.ResponseWriter, r *http.Request, a *account) error {
	app, err := s.reviewable(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := s.revoke(r.Context(), a, app.ID); err != nil {
		return err
	}
	return back(w, r, "/grants", "授权已撤销 "+app.ID)
}

func (s *Service) deliveriesPage(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.listApps(r.Context(), a)
	if err != nil {
		return err
	}
	var delivered []appView
	for _, v := range s.views(r.Context(), list) {
		if v.Delivery != nil {
			delivered = append(delivered, v)
		}
	}
	s.render(w, 200, "deliveries", s.newPage(r, a, "交付与回执", "deliveries", map[string]any{"Apps": delivered, "IsRecipient": a.Role == roleRecipient}))
	return nil
}

func (s *Service) receiptPost(w http.ResponseWriter, r *http.Request, a *account) error {
	d, _, err := s.recipientDelivery(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := s.receive(r.Context(), a, d, r.PostFormValue("signature")); err != nil {
		return err
	}
	return back(w, r, "/deliveries", "回执已记录 "+d.ID)
}

func (s *Service) recordsPage(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleAuditor, roleAdmin); err != nil {
		return err
	}
	size := s.log.Size()
	from := uint64(0)
	if size > 200 {
		from = size - 200
	}
	list, err := s.logEntries(from, 200)
	if err != nil {
		return err
	}
	slices.Reverse(list)
	type row struct {
		logEntry
		Text string
	}
	var rows []row
	for _, e := range list {
		rows = append(rows, row{e, string(e.Record)})
	}
	s.render(w, 200, "records", s.newPage(r, a, "共享记录", "records", map[string]any{
		"Size": size, "Records": rows, "Checkpoint": string(s.log.Checkpoint()), "VKey": s.vkey}))
	return nil
}

func (s *Service) verifyPost(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleAuditor, roleAdmin); err != nil {
		return err
	}
	res, err := s.verifyLog()
	if err != nil {
		return back(w, r, "/records", "日志验证失败: "+err.Error())
	}
	return back(w, r, "/records", "日志验证通过: "+res)
}

// verifyLog verifies the whole log directory with every registered
// department's keys.
func (s *Service) verifyLog() (string, error) {
	res, err := audit.VerifyDir(filepath.Join(s.cfg.DataDir, "log"), s.verifier, audit.VerifyOptions{Registry: s.reg, RequireSigned: false})
	if err != nil {
		return "", err
	}
	return strings.Join([]string{itoa(res.Signed + res.Unsigned), "条记录, 签名已核验, 根哈希", res.Checkpoint.Root.String()}, " "), nil
}

func (s *Service) slaPage(w http.ResponseWriter, r *http.Request, a *account) error {
	st, err := s.sla(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, 200, "sla", s.newPage(r, a, "SLA 统计", "sla", st))
	return nil
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// slaStats are the answer-time figures of a department's reviewers (all
// departments' for an auditor).
type slaStats struct {
	Decided, OnTime, Late, OverdueOpen, Open int
	MedianHours                              string
	MedianWorkingDays                        string
}

func (s *Service) sla(ctx context.Context, a *account) (*slaStats, error) {
	q := `SELECT ` + appColumns + ` FROM applications WHERE provider = ?`
	args := []any{a.Dept}
	if a.Role == roleAuditor {
		q, args = `SELECT `+appColumns+` FROM applications`, nil
	}
	rows, err := s.st.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st := &slaStats{MedianHours: "-", MedianWorkingDays: "-"}
	var hours []float64
	var wdays []int
	now := s.now()
	for rows.Next() {
		app, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		if app.Decided.IsZero() {
			if app.Status == stSubmitted || app.Status == stOverdue {
				st.Open++
				if !now.Before(app.Due) {
					st.OverdueOpen++
				}
			}
			continue
		}
		st.Decided++
		if app.Late {
			st.Late++
		} else {
			st.OnTime++
		}
		hours = append(hours, app.Decided.Sub(app.Submitted).Hours())
		n := 0
		for d := midnight(app.Submitted).AddDate(0, 0, 1); !d.After(app.Decided); d = d.AddDate(0, 0, 1) {
			if s.cal.Working(d) {
				n++
			}
		}
		wdays = append(wdays, n)
	}
	if len(hours) > 0 {
		sort.Float64s(hours)
		sort.Ints(wdays)
		st.MedianHours = strconv.FormatFloat(median(hours), 'f', 1, 64)
		w := make([]float64, len(wdays))
		for i, x := range wdays {
			w[i] = float64(x)
		}
		st.MedianWorkingDays = strconv.FormatFloat(median(w), 'f', 1, 64)
	}
	return st, rows.Err()
}

// median of a sorted, non-empty slice.
func median(x []float64) float64 {
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
