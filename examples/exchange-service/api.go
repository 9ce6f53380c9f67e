package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
)

// Body limits: a catalog or bundle is at most a few hundred KiB; every
// other body is a small JSON object.
const (
	maxBody      = 64 << 10
	maxBundle    = 1 << 20
	maxCatalogIn = 4 << 20
)

func validDept(d string) error { return keys.ValidDept(d) }

// Handler returns the service's HTTP handler: the JSON API under
// /api/v1, the share-record log under /log (C2SP tlog-tiles, for the
// govshare CLI) and the web pages.
func (s *Service) Handler() http.Handler {
	m := http.NewServeMux()
	api := func(pattern string, h func(http.ResponseWriter, *http.Request, *account) error) {
		m.Handle(pattern, s.authed(h))
	}
	api("POST /api/v1/departments/{dept}/keys", s.apiKeys)
	api("POST /api/v1/resources", s.apiPublish)
	api("GET /api/v1/resources", s.apiResources)
	api("POST /api/v1/applications", s.apiApply)
	api("GET /api/v1/applications", s.apiListApps)
	api("GET /api/v1/applications/{id}", s.apiGetApp)
	api("POST /api/v1/applications/{id}/decision", s.apiDecide)
	api("POST /api/v1/applications/{id}/revoke", s.apiRevoke)
	api("GET /api/v1/deliveries/{id}/envelope", s.apiEnvelope)
	api("POST /api/v1/deliveries/{id}/receipt", s.apiReceipt)
	api("POST /api/v1/deliveries/{id}/dispute", s.apiDispute)
	api("GET /api/v1/log/checkpoint", s.apiCheckpoint)
	api("GET /api/v1/log/records", s.apiRecords)
	api("GET /api/v1/log/vkey", s.apiVkey)
	api("GET /api/v1/admin/check", s.apiCheck)
	m.Handle("/log/", http.StripPrefix("/log", logGate(s.logSrv)))
	s.webRoutes(m)
	return securityHeaders(m)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// authed resolves the caller (bearer token, else session cookie with a
// CSRF token on every POST) and maps errors to JSON.
func (s *Service) authed(h func(http.ResponseWriter, *http.Request, *account) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.caller(r)
		if err != nil {
			writeErr(w, &apiError{401, "not signed in or token not valid"})
			return
		}
		if r.Method == http.MethodPost && !checkCSRF(a, r) {
			writeErr(w, &apiError{403, "CSRF token missing or wrong"})
			return
		}
		if err := h(w, r, a); err != nil {
			writeErr(w, err)
		}
	})
}

// caller is the account of a request: Authorization: Bearer, else the
// session cookie.
func (s *Service) caller(r *http.Request) (*account, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errUnauthorized
		}
		return s.st.accountByToken(r.Context(), strings.TrimSpace(tok))
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, errUnauthorized
	}
	return s.st.accountBySession(r.Context(), c.Value)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeErr writes {"error": …}. Errors that are not apiErrors are
// internal: their text (which may name paths or SQL) stays in the log.
func writeErr(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeJSON(w, ae.code, map[string]string{"error": ae.msg})
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body too large"})
		return
	}
	if errors.Is(err, sql.ErrNoRows) {
		writeJSON(w, 404, map[string]string{"error": "not found"})
		return
	}
	writeJSON(w, 500, map[string]string{"error": "internal error"})
	if !errors.Is(err, context.Canceled) {
		defaultLogger.Error("request failed", "err", err)
	}
}

// readJSON decodes a limited JSON body, strictly.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("body must be a JSON object of the documented fields")
	}
	return nil
}

// need checks a's role.
func need(a *account, roles ...string) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return forbidden("this needs the role " + strings.Join(roles, " or "))
}

func (s *Service) apiKeys(w http.ResponseWriter, r *http.Request, a *account) error {
	dept := r.PathValue("dept")
	if dept != a.Dept {
		return forbidden("an account acts for its own department only")
	}
	if err := need(a, roleAdmin); err != nil {
		return err
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBundle))
	if err != nil {
		return err
	}
	pub, err := keys.ParsePublic(b)
	if err != nil {
		return badRequest("not a govshare public bundle")
	}
	if pub.Dept() != dept {
		return badRequest("the bundle is department %s's", pub.Dept())
	}
	if !pub.Signed() {
		return badRequest("the bundle is not signed by its root key (govshare-public/v2)")
	}
	if dept == s.cfg.Platform {
		return forbidden("the platform's bundle is the service's own")
	}
	if err := s.st.putBundle(r.Context(), pub); err != nil {
		var bb errBadBundle
		if errors.As(err, &bb) {
			return conflict(bb.Error())
		}
		return err
	}
	if err := s.reg.set(pub); err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"department": dept, "version": pub.Version(), "fingerprint": pub.Fingerprint()})
	return nil
}

func (s *Service) apiPublish(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleProvider); err != nil {
		return err
	}
	var req struct {
		Catalog string `json:"catalog"`
		Source  string `json:"source"`
	}
	if err := readJSON(w, r, maxCatalogIn, &req); err != nil {
		return err
	}
	res, err := s.publish(r.Context(), a, req.Catalog, req.Source)
	if err != nil {
		return err
	}
	writeJSON(w, 201, resourceJSON(res))
	return nil
}

func resourceJSON(r *resource) map[string]any {
	var fields []map[string]any
	for _, f := range r.Catalog.Fields {
		fields = append(fields, map[string]any{"name": f.Name, "type": f.Type, "level": f.Level, "tier": r.Catalog.EffectiveTier(&f), "sensitive": f.Sensitive})
	}
	return map[string]any{"id": r.ID, "resource": r.Name, "provider": r.Provider, "tier": r.Tier, "fields": fields,
		"created": r.Created.UTC().Format(time.RFC3339)}
}

func (s *Service) apiResources(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.resources(r.Context())
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, x := range list {
		out = append(out, resourceJSON(x))
	}
	writeJSON(w, 200, map[string]any{"resources": out})
	return nil
}

func (s *Service) apiApply(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleRecipient); err != nil {
		return err
	}
	var req applyRequest
	if err := readJSON(w, r, maxBody, &req); err != nil {
		return err
	}
	app, err := s.submit(r.Context(), a, req)
	if err != nil {
		return err
	}
	writeJSON(w, 201, s.appJSON(r.Context(), app))
	return nil
}

// appJSON is an application as the API shows it.
func (s *Service) appJSON(ctx context.Context, app *application) map[string]any {
	status := app.Status
	if status == stNew {
		status = "submitting"
	}
	out := map[string]any{"id": app.ID, "status": status, "due": app.Due.UTC().Format(time.RFC3339),
		"resource": app.Resource, "resource_id": app.ResourceID, "provider": app.Provider, "recipient": app.Recipient,
		"fields": app.Fields, "purpose": app.Purpose, "legal_basis": app.LegalBasis, "not_after": app.NotAfter,
		"submitted": app.Submitted.UTC().Format(time.RFC3339), "remaining_working_days": s.cal.Remaining(s.now(), app.Due)}
	if app.Pending != "" {
		out["pending"] = app.Pending
	}
	if !app.Decided.IsZero() {
		out["decided"] = app.Decided.UTC().Format(time.RFC3339)
		out["late"] = app.Late
	}
	if app.Reason != "" {
		out["reason"] = app.Reason
	}
	if app.DeliveryError != "" {
		out["delivery_error"] = app.DeliveryError
	}
	if g, revoked, err := s.grant(ctx, app.ID); err == nil {
		gj := map[string]any{"id": g.ID, "recipient": g.Recipient, "purpose": g.Purpose, "fields": g.Fields, "not_after": app.NotAfter}
		if revoked != "" {
			gj["revoked"] = parseTimeText(revoked).Format(time.RFC3339)
		}
		out["grant"] = gj
	}
	// A delivery shows once its delivered record is on the log.
	if d, err := s.deliveryByApp(ctx, app.ID); err == nil && deliveredStatus(app.Status) {
		dj := map[string]any{"id": d.ID, "envelope_id": d.EnvelopeID, "sha256": d.Digest, "size": d.Size,
			"created": d.Created.UTC().Format(time.RFC3339), "download": "/api/v1/deliveries/" + d.ID + "/envelope"}
		if d.Received != "" {
			dj["received"] = parseTimeText(d.Received).Format(time.RFC3339)
		}
		if d.Dispute != "" {
			dj["dispute"] = d.Dispute
		}
		out["delivery"] = dj
	}
	return out
}

// visibleApp loads an application a's department is party to; any
// other is "not found", so ids of other departments' applications are
// not confirmed.
func (s *Service) visibleApp(ctx context.Context, a *account, id string) (*application, error) {
	app, err := s.st.app(ctx, nil, id)
	if err != nil {
		return nil, notFound()
	}
	if a.Dept != app.Recipient && a.Dept != app.Provider {
		return nil, notFound()
	}
	return app, nil
}

func (s *Service) apiGetApp(w http.ResponseWriter, r *http.Request, a *account) error {
	app, err := s.visibleApp(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := need(a, roleRecipient, roleReviewer, roleProvider, roleAdmin); err != nil {
		return err
	}
	writeJSON(w, 200, s.appJSON(r.Context(), app))
	return nil
}

func (s *Service) listApps(ctx context.Context, a *account) ([]*application, error) {
	var q string
	switch a.Role {
	case roleRecipient:
		q = `SELECT ` + appColumns + ` FROM applications WHERE recipient = ? ORDER BY submitted_at DESC`
	case roleReviewer, roleProvider, roleAdmin:
		q = `SELECT ` + appColumns + ` FROM applications WHERE provider = ? OR recipient = ? ORDER BY submitted_at DESC`
	default:
		return nil, forbidden("this needs the role recipient, reviewer, provider or admin")
	}
	args := []any{a.Dept}
	if strings.Count(q, "?") == 2 {
		args = append(args, a.Dept)
	}
	rows, err := s.st.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*application
	for rows.Next() {
		app, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, app)
	}
	return out, rows.Err()
}

func (s *Service) apiListApps(w http.ResponseWriter, r *http.Request, a *account) error {
	list, err := s.listApps(r.Context(), a)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, app := range list {
		out = append(out, s.appJSON(r.Context(), app))
	}
	writeJSON(w, 200, map[string]any{"applications": out})
	return nil
}

// reviewable loads an application of a's department's resource for its
// reviewer.
func (s *Service) reviewable(ctx context.Context, a *account, id string) (*application, error) {
	app, err := s.visibleApp(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if app.Provider != a.Dept {
		return nil, forbidden("only the providing department decides")
	}
	if err := need(a, roleReviewer); err != nil {
		return nil, err
	}
	return app, nil
}

func (s *Service) apiDecide(w http.ResponseWriter, r *http.Request, a *account) error {
	app, err := s.reviewable(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Decision string `json:"decision"`
		Reason   string `json:"reason"`
	}
	if err := readJSON(w, r, maxBody, &req); err != nil {
		return err
	}
	app, err = s.decide(r.Context(), a, app.ID, req.Decision, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.appJSON(r.Context(), app))
	return nil
}

func (s *Service) apiRevoke(w http.ResponseWriter, r *http.Request, a *account) error {
	app, err := s.reviewable(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	app, err = s.revoke(r.Context(), a, app.ID)
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.appJSON(r.Context(), app))
	return nil
}

// recipientDelivery loads a delivery for its recipient department.
func (s *Service) recipientDelivery(ctx context.Context, a *account, id string) (*delivery, *application, error) {
	d, err := s.deliveryByID(ctx, id)
	if err != nil {
		return nil, nil, notFound()
	}
	app, err := s.visibleApp(ctx, a, d.AppID)
	if err != nil {
		return nil, nil, err
	}
	if app.Recipient != a.Dept {
		return nil, nil, forbidden("only the recipient department")
	}
	if err := need(a, roleRecipient); err != nil {
		return nil, nil, err
	}
	return d, app, nil
}

// apiEnvelope streams the envelope file (http.ServeContent on the open
// file: ranges, no buffering of the whole file).
func (s *Service) apiEnvelope(w http.ResponseWriter, r *http.Request, a *account) error {
	d, app, err := s.recipientDelivery(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if app.Status == stRevoked {
		return conflict("the grant is revoked: the envelope is no longer handed out")
	}
	f, err := os.Open(s.envelopePath(app.ID))
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.EnvelopeID+`.gse"`)
	w.Header().Set("X-Envelope-Id", d.EnvelopeID)
	w.Header().Set("X-Envelope-Sha256", d.Digest)
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", d.Created, f)
	return nil
}

func (s *Service) apiReceipt(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.deliveryAct(w, r, a, func(d *delivery, body map[string]string) error {
		return s.receive(r.Context(), a, d, body["signature"])
	}, "signature")
}

func (s *Service) apiDispute(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.deliveryAct(w, r, a, func(d *delivery, body map[string]string) error {
		return s.dispute(r.Context(), a, d, body["reason"])
	}, "reason")
}

// deliveryAct is the recipient's act on one of its deliveries (a receipt,
// a dispute): the body is a JSON object of the one string field named, and
// the answer the application as it is after the act.
func (s *Service) deliveryAct(w http.ResponseWriter, r *http.Request, a *account, act func(*delivery, map[string]string) error, field string) error {
	d, _, err := s.recipientDelivery(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req map[string]string
	if err := readJSON(w, r, maxBody, &req); err != nil {
		return err
	}
	for k := range req {
		if k != field {
			return badRequest("body must be a JSON object of the documented fields")
		}
	}
	if err := act(d, req); err != nil {
		return err
	}
	app, err := s.st.app(r.Context(), nil, d.AppID)
	if err != nil {
		return err
	}
	writeJSON(w, 200, s.appJSON(r.Context(), app))
	return nil
}

func (s *Service) apiCheckpoint(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleAuditor, roleAdmin); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(s.log.Checkpoint())
	return nil
}

func (s *Service) apiVkey(w http.ResponseWriter, r *http.Request, a *account) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, s.vkey+"\n")
	return nil
}

// logEntry is a record of GET /log/records, with its inclusion proof
// checked against the current checkpoint.
type logEntry struct {
	Index    uint64          `json:"index"`
	Kind     string          `json:"kind"`
	Signer   string          `json:"signer"`
	Logged   string          `json:"logged"`
	Record   json.RawMessage `json:"record"`
	Verified bool            `json:"inclusion_verified"`
}

// logEntries returns records [from, from+limit) with each one's
// inclusion proof verified against the log's signed checkpoint.
func (s *Service) logEntries(from, limit uint64) ([]logEntry, error) {
	size := s.log.Size()
	if from > size {
		from = size
	}
	to := min(from+limit, size)
	var out []logEntry
	for e, err := range s.log.Records(from, to) {
		if err != nil {
			return nil, err
		}
		ok := false
		if rc, err := s.log.Receipt(e.Index); err == nil {
			ok = audit.VerifyReceipt(rc, e.Record, s.verifier) == nil
		}
		out = append(out, logEntry{Index: e.Index, Kind: string(e.Record.Kind()), Signer: e.Signer,
			Logged: e.Logged.UTC().Format(time.RFC3339), Record: json.RawMessage(e.RecordBytes()), Verified: ok})
	}
	return out, nil
}

func (s *Service) apiRecords(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleAuditor, roleAdmin); err != nil {
		return err
	}
	var from, limit uint64 = 0, 100
	if v := r.URL.Query().Get("from"); v != "" {
		if _, err := fmtSscan(v, &from); err != nil {
			return badRequest("from must be a record index")
		}
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		if _, err := fmtSscan(v, &limit); err != nil || limit == 0 || limit > 1000 {
			return badRequest("limit must be 1–1000")
		}
	}
	list, err := s.logEntries(from, limit)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"size": s.log.Size(), "records": list})
	return nil
}

func (s *Service) apiCheck(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := need(a, roleAdmin, roleAuditor); err != nil {
		return err
	}
	problems, err := checkConsistency(r.Context(), s.st, s.cfg.DataDir, s.verifier, 30*time.Second)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"consistent": len(problems) == 0, "problems": problems})
	return nil
}

// logGate passes the log's HTTP interface through, except that an
// application record may not be appended over it: only the service
// writes those, as the steps happen (a department appending its own
// "approved" would put a step on record that never happened here).
// Departments append their own acts (opens, disputes) as with any log.
func logGate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/add" {
			body, err := io.ReadAll(io.LimitReader(r.Body, audit.MaxRecordSize+1))
			if err != nil {
				http.Error(w, "unreadable request", http.StatusBadRequest)
				return
			}
			if sr, err := audit.ParseSigned(body); err == nil && sr.Record.Kind() == audit.KindApplication {
				http.Error(w, "application records are written by the exchange service only", http.StatusForbidden)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(w, r)
	})
}
