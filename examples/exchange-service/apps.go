package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

// apiError is an error with its HTTP status. Its message never holds a
// data value: only ids, field names and codes.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) error { return &apiError{400, fmt.Sprintf(format, a...)} }
func forbidden(msg string) error               { return &apiError{403, msg} }
func notFound() error                          { return &apiError{404, "not found"} }
func conflict(msg string) error                { return &apiError{409, msg} }

// resource is a published catalog resource.
type resource struct {
	ID, Name, Provider, Tier, Source string
	Catalog                          *catalog.Catalog
	CatalogYAML                      string
	Created                          time.Time
}

// publish registers a resource of a's department: the catalog must
// validate and name a's department as provider, which must be the
// department whose keyring this service holds, and the source must be a
// file inside the sources directory.
func (s *Service) publish(ctx context.Context, a *account, catYAML, source string) (*resource, error) {
	cat, err := catalog.Parse([]byte(catYAML), "catalog")
	if err != nil {
		return nil, badRequest("catalog: %v", err)
	}
	if cat.Provider != a.Dept {
		return nil, forbidden("the catalog's provider is another department")
	}
	if s.provider == nil || s.provider.Dept() != a.Dept {
		return nil, badRequest("this service holds no provider keyring for department %s (serve --keys KDIR --dept %s)", a.Dept, a.Dept)
	}
	if _, err := resolveSource(s.cfg.SourcesDir, source); err != nil {
		return nil, badRequest("%v", err)
	}
	r := &resource{ID: newID(), Name: cat.Resource, Provider: cat.Provider, Tier: string(cat.Tier), Source: source,
		Catalog: cat, CatalogYAML: catYAML, Created: s.now()}
	_, err = s.st.exec(ctx, nil, `INSERT INTO resources (id, name, provider, tier, catalog, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, r.Provider, r.Tier, catYAML, source, timeText(r.Created))
	if err != nil {
		if uniqueViolation(err) {
			return nil, conflict("the department already publishes a resource of this name")
		}
		return nil, err
	}
	return r, nil
}

func (s *Service) resources(ctx context.Context) ([]*resource, error) {
	rows, err := s.st.query(ctx, `SELECT id FROM resources ORDER BY provider, name`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	var out []*resource
	for _, id := range ids {
		r, err := s.resource(ctx, nil, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) resource(ctx context.Context, tx *sql.Tx, id string) (*resource, error) {
	var r resource
	var created string
	err := s.st.queryRow(ctx, tx, `SELECT id, name, provider, tier, catalog, source, created_at FROM resources WHERE id = ?`, id).
		Scan(&r.ID, &r.Name, &r.Provider, &r.Tier, &r.CatalogYAML, &r.Source, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound()
	}
	if err != nil {
		return nil, err
	}
	r.Created = parseTimeText(created)
	if r.Catalog, err = catalog.Parse([]byte(r.CatalogYAML), "catalog"); err != nil {
		return nil, err
	}
	return &r, nil
}

// applyRequest is the body of POST /applications.
type applyRequest struct {
	Resource   string   `json:"resource"`
	Fields     []string `json:"fields"`
	Purpose    string   `json:"purpose"`
	LegalBasis string   `json:"legal_basis"`
	NotAfter   string   `json:"not_after"`
}

// submit records a's department's application. Its terms go to the log
// as a digest.
func (s *Service) submit(ctx context.Context, a *account, req applyRequest) (*application, error) {
	res, err := s.resource(ctx, nil, req.Resource)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, badRequest("unknown resource")
		}
		return nil, err
	}
	p := catalog.Purpose(req.Purpose)
	if !p.Valid() {
		return nil, badRequest("purpose must be one of %s", purposeList())
	}
	if len(req.Fields) == 0 || len(req.Fields) > 256 {
		return nil, badRequest("name 1–256 fields of the catalog")
	}
	seen := map[string]bool{}
	for _, f := range req.Fields {
		if _, ok := res.Catalog.Field(f); !ok {
			// Field names are catalog names, not data: safe to say which.
			return nil, badRequest("the catalog of %s has no field %q", res.Name, f)
		}
		if seen[f] {
			return nil, badRequest("field %q is named twice", f)
		}
		seen[f] = true
	}
	basis := strings.TrimSpace(req.LegalBasis)
	if basis == "" || len(basis) > 1024 {
		return nil, badRequest("legal_basis is required (at most 1024 bytes)")
	}
	na, err := time.ParseInLocation("2006-01-02", req.NotAfter, catalog.ChinaTime)
	if err != nil {
		return nil, badRequest("not_after must be a date YYYY-MM-DD")
	}
	now := s.now()
	if !na.After(midnight(now)) {
		return nil, badRequest("not_after must be in the future")
	}
	if a.Dept == res.Provider {
		return nil, badRequest("a department does not apply for its own resource")
	}
	if b, err := s.st.bundle(ctx, nil, a.Dept); err != nil {
		return nil, err
	} else if b == nil {
		return nil, badRequest("department %s has not registered its public bundle (POST /api/v1/departments/%s/keys)", a.Dept, a.Dept)
	}
	app := &application{ID: newID(), ResourceID: res.ID, Resource: res.Name, Provider: res.Provider, Recipient: a.Dept,
		Applicant: a.Name, Fields: req.Fields, Purpose: p, LegalBasis: basis, NotAfter: na.Format("2006-01-02"),
		Status: stNew, Pending: string(audit.AppSubmitted), Submitted: now, Due: s.due(now)}
	fields, _ := json.Marshal(app.Fields)
	terms, _ := json.Marshal(map[string]any{"resource": res.ID, "fields": app.Fields, "purpose": p,
		"legal_basis": basis, "not_after": app.NotAfter, "applicant": a.Dept + "/" + a.Name})
	err = s.st.inTx(ctx, func(tx *sql.Tx) error {
		_, err := s.st.exec(ctx, tx, `INSERT INTO applications (id, resource_id, resource, provider, recipient, applicant, fields, purpose, legal_basis, not_after, status, pending, submitted_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			app.ID, app.ResourceID, app.Resource, app.Provider, app.Recipient, app.Applicant, string(fields), string(p),
			basis, app.NotAfter, stNew, app.Pending, timeText(now), timeText(app.Due))
		if err != nil {
			return err
		}
		rec := s.baseRecord(app, audit.AppSubmitted, s.cfg.Platform)
		rec.Digest = digestOf(string(terms))
		return s.addEvent(ctx, tx, rec)
	})
	if err != nil {
		return nil, err
	}
	if err := s.complete(context.WithoutCancel(ctx), app.ID, audit.AppSubmitted); err != nil {
		return nil, err
	}
	return s.st.app(ctx, nil, app.ID)
}

func purposeList() string {
	var p []string
	for _, x := range catalog.Purposes {
		p = append(p, string(x))
	}
	return strings.Join(p, ", ")
}

// grantID names the grant an approval makes.
func grantID(appID string) string { return "app-" + appID }

// decide records the reviewer's decision. A decision after the due time
// is still taken, and marked late.
func (s *Service) decide(ctx context.Context, a *account, appID, decision, reason string) (*application, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) > 4096 {
		return nil, badRequest("reason is longer than 4096 bytes")
	}
	var ev audit.ApplicationEvent
	switch decision {
	case "approve":
		ev = audit.AppApproved
	case "refuse":
		ev = audit.AppRefused
		if reason == "" {
			return nil, badRequest("a refusal needs its reasons")
		}
	default:
		return nil, badRequest("decision must be approve or refuse")
	}
	now := s.now()
	err := s.transition(ctx, appID, ev, []string{stSubmitted, stOverdue}, func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
		late := int64(0)
		if !now.Before(app.Due) {
			late = 1
		}
		if _, err := s.st.exec(ctx, tx, `UPDATE applications SET decided_at = ?, decided_by = ?, reason = ?, late = ? WHERE id = ?`,
			timeText(now), a.Dept+"/"+a.Name, reason, late, app.ID); err != nil {
			return audit.ApplicationRecord{}, err
		}
		rec := s.baseRecord(app, ev, app.Provider)
		if ev == audit.AppRefused {
			rec.Digest = digestOf(reason)
			return rec, nil
		}
		fields, _ := json.Marshal(app.Fields)
		g := grantID(app.ID)
		if _, err := s.st.exec(ctx, tx, `INSERT INTO grants (id, application_id, resource, recipient, purpose, fields, not_after, basis, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			g, app.ID, app.Resource, app.Recipient, string(app.Purpose), string(fields), app.NotAfter, app.LegalBasis, timeText(now)); err != nil {
			return audit.ApplicationRecord{}, err
		}
		rec.GrantID = g
		return rec, nil
	})
	if err != nil {
		return nil, s.stateErr(ctx, appID, err, "the application is already decided")
	}
	if ev == audit.AppApproved {
		s.enqueue(appID)
	}
	return s.st.app(ctx, nil, appID)
}

// stateErr turns errConflict into a 409 (or 404 for a missing
// application).
func (s *Service) stateErr(ctx context.Context, appID string, err error, msg string) error {
	if !errors.Is(err, errConflict) {
		return err
	}
	if _, e := s.st.app(ctx, nil, appID); errors.Is(e, sql.ErrNoRows) {
		return notFound()
	}
	return conflict(msg)
}

// grant returns the policy grant of an approved application.
func (s *Service) grant(ctx context.Context, appID string) (*policy.Grant, string, error) {
	var g policy.Grant
	var fields, purpose, na, revoked string
	err := s.st.queryRow(ctx, nil, `SELECT id, resource, recipient, purpose, fields, not_after, basis, revoked_at FROM grants WHERE application_id = ?`, appID).
		Scan(&g.ID, &g.Resource, &g.Recipient, &purpose, &fields, &na, &g.Basis, &revoked)
	if err != nil {
		return nil, "", err
	}
	g.Purpose = catalog.Purpose(purpose)
	json.Unmarshal([]byte(fields), &g.Fields)
	d, err := time.ParseInLocation("2006-01-02", na, catalog.ChinaTime)
	if err != nil {
		return nil, "", err
	}
	g.NotAfter = d
	return &g, revoked, nil
}

// revoke ends an application's grant: no delivery is made under it after
// this, and its envelope is no longer handed out.
func (s *Service) revoke(ctx context.Context, a *account, appID string) (*application, error) {
	now := s.now()
	err := s.transition(ctx, appID, audit.AppRevoked, []string{stApproved, stDelivered, stReceived, stDisputed},
		func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
			if _, err := s.st.exec(ctx, tx, `UPDATE grants SET revoked_at = ? WHERE application_id = ?`, timeText(now), app.ID); err != nil {
				return audit.ApplicationRecord{}, err
			}
			rec := s.baseRecord(app, audit.AppRevoked, app.Provider)
			rec.GrantID = grantID(app.ID)
			return rec, nil
		})
	if err != nil {
		return nil, s.stateErr(ctx, appID, err, "only a granted application can be revoked")
	}
	return s.st.app(ctx, nil, appID)
}

// delivery is a row of deliveries.
type delivery struct {
	ID, AppID, EnvelopeID, Digest string
	Size                          int64
	Created                       time.Time
	Receipt, Received, Dispute    string
}

func (s *Service) deliveryByApp(ctx context.Context, appID string) (*delivery, error) {
	return s.scanDelivery(s.st.queryRow(ctx, nil, `SELECT id, application_id, envelope_id, digest, size, created_at, receipt, received_at, dispute FROM deliveries WHERE application_id = ?`, appID))
}

func (s *Service) deliveryByID(ctx context.Context, id string) (*delivery, error) {
	return s.scanDelivery(s.st.queryRow(ctx, nil, `SELECT id, application_id, envelope_id, digest, size, created_at, receipt, received_at, dispute FROM deliveries WHERE id = ?`, id))
}

func (s *Service) scanDelivery(r scanner) (*delivery, error) {
	var d delivery
	var created string
	if err := r.Scan(&d.ID, &d.AppID, &d.EnvelopeID, &d.Digest, &d.Size, &created, &d.Receipt, &d.Received, &d.Dispute); err != nil {
		return nil, err
	}
	d.Created = parseTimeText(created)
	return &d, nil
}

// envelopePath is where an application's envelope is kept.
func (s *Service) envelopePath(appID string) string {
	return filepath.Join(s.cfg.DataDir, "envelopes", appID+".gse")
}

// deliver seals the resource for an approved application: govshare.Share
// of the requested fields under the application's grant, the share
// record on the log before the envelope file exists (an Output commits
// after the record), then the delivered event. After a crash the
// envelope file, if committed, is adopted rather than made again.
func (s *Service) deliver(ctx context.Context, appID string) error {
	// One delivery of an application at a time: the ticker may queue it
	// again while a worker seals it.
	if _, busy := s.delivering.LoadOrStore(appID, true); busy {
		return nil
	}
	defer s.delivering.Delete(appID)
	app, err := s.st.app(ctx, nil, appID)
	if err != nil {
		return err
	}
	if app.Status != stApproved || app.Pending != "" {
		return nil
	}
	path := s.envelopePath(appID)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		if err := s.seal(ctx, app, path); err != nil {
			if ctx.Err() == nil {
				// The error names ids and fields, never values (govshare's
				// errors are built that way); kept for the applicant's view.
				s.st.exec(ctx, nil, `UPDATE applications SET delivery_error = ? WHERE id = ?`, truncate(err.Error(), 500), appID)
			}
			return err
		}
	}
	if err := s.hook("after-seal", audit.AppDelivered); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	envID, digest, err := govshare.EnvelopeDigest(f)
	st, _ := f.Stat()
	f.Close()
	if err != nil {
		return err
	}
	hexDigest := fmt.Sprintf("%x", digest)
	err = s.transition(ctx, appID, audit.AppDelivered, []string{stApproved}, func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
		if _, err := s.st.exec(ctx, tx, `INSERT INTO deliveries (id, application_id, envelope_id, digest, size, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			newID(), app.ID, envID, hexDigest, st.Size(), timeText(s.now())); err != nil {
			return audit.ApplicationRecord{}, err
		}
		rec := s.baseRecord(app, audit.AppDelivered, app.Provider)
		rec.GrantID, rec.EnvelopeID, rec.Digest = grantID(app.ID), envID, digest
		return rec, nil
	})
	if errors.Is(err, errConflict) {
		// Revoked meanwhile: the envelope never goes out. Its share record
		// is answered with a withdrawal, as govshare does for an envelope
		// it could not deliver.
		return s.withdraw(ctx, path, app)
	}
	return err
}

// seal runs govshare.Share into an Output at path.
func (s *Service) seal(ctx context.Context, app *application, path string) error {
	if s.provider == nil || s.provider.Dept() != app.Provider {
		return errors.New("this service holds no keyring for the provider")
	}
	g, revoked, err := s.grant(ctx, app.ID)
	if err != nil {
		return err
	}
	if revoked != "" {
		return nil
	}
	res, err := s.resource(ctx, nil, app.ResourceID)
	if err != nil {
		return err
	}
	to, err := s.st.bundle(ctx, nil, app.Recipient)
	if err != nil || to == nil {
		return fmt.Errorf("no public bundle for %s", app.Recipient)
	}
	src, err := openSource(s.cfg.SourcesDir, res.Source)
	if err != nil {
		return err
	}
	defer src.Close()
	jsonl := strings.HasSuffix(strings.ToLower(res.Source), ".jsonl") || strings.HasSuffix(strings.ToLower(res.Source), ".ndjson")
	rows, err := projectRows(src, jsonl, app.Fields)
	if err != nil {
		return err
	}
	out, err := govshare.CreateOutput(path, false, src.Name())
	if err != nil {
		return err
	}
	now := s.now()
	notAfter := now.Add(govshare.DefaultValidity)
	if end := g.End(); end.Before(notAfter) {
		notAfter = end
	}
	_, err = govshare.Share(ctx, out, govshare.FromRows(rows, res.Name), s.provider, to, app.Purpose, res.Catalog,
		&govshare.ShareOptions{Grants: []policy.Grant{*g}, Now: now, NotAfter: notAfter, Log: shareLog{s.op, s}, Workers: 1})
	if err != nil {
		out.Abort()
		return err
	}
	return nil
}

// shareLog is the operator as Share's log: it keeps Share from closing
// it, and lets a test crash right after the share record is logged.
type shareLog struct {
	audit.Appender
	s *Service
}

func (shareLog) Close() error { return nil }

func (l shareLog) Append(ctx context.Context, sr audit.SignedRecord) (audit.Receipt, error) {
	rc, err := l.Appender.Append(ctx, sr)
	if err == nil && sr.Record.Kind() == audit.KindShare {
		err = l.s.hook("after-share-record", audit.AppDelivered)
	}
	return rc, err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// projectRows reads a CSV (header row) or JSON Lines source and yields
// only the requested fields, so nothing else is even read into the share.
func projectRows(r io.Reader, jsonl bool, fields []string) (govshare.Rows, error) {
	if jsonl {
		return &jsonlRows{dec: json.NewDecoder(r), fields: fields}, nil
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, errors.New("source: cannot read the CSV header")
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	idx := make([]int, len(fields))
	for i, f := range fields {
		j := slices.Index(header, f)
		if j < 0 {
			return nil, fmt.Errorf("source: no column %q", f)
		}
		idx[i] = j
	}
	return &csvRows{r: cr, idx: idx, fields: fields}, nil
}

type csvRows struct {
	r      *csv.Reader
	idx    []int
	fields []string
	cur    []string
	err    error
}

func (c *csvRows) Columns() ([]string, error) { return c.fields, nil }
func (c *csvRows) Next() bool {
	rec, err := c.r.Read()
	if err != nil {
		if err != io.EOF {
			line, _ := c.r.FieldPos(0)
			c.err = fmt.Errorf("source: bad CSV near line %d", line)
		}
		return false
	}
	c.cur = rec
	return true
}
func (c *csvRows) Scan(dest ...any) error {
	for i, j := range c.idx {
		if j >= len(c.cur) {
			return errors.New("source: short CSV row")
		}
		*(dest[i].(*any)) = c.cur[j]
	}
	return nil
}
func (c *csvRows) Err() error { return c.err }

type jsonlRows struct {
	dec    *json.Decoder
	fields []string
	cur    map[string]json.RawMessage
	err    error
	line   int
}

func (j *jsonlRows) Columns() ([]string, error) { return j.fields, nil }
func (j *jsonlRows) Next() bool {
	j.cur = nil
	j.line++
	if err := j.dec.Decode(&j.cur); err != nil {
		if err != io.EOF {
			j.err = fmt.Errorf("source: bad JSON record %d", j.line)
		}
		return false
	}
	return true
}
func (j *jsonlRows) Scan(dest ...any) error {
	for i, f := range j.fields {
		raw, ok := j.cur[f]
		var v any
		switch {
		case !ok || string(raw) == "null":
			v = nil
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("source: record %d: field %q is not a string", j.line, f)
			}
			v = s
		case len(raw) > 0 && (raw[0] == '{' || raw[0] == '['):
			return fmt.Errorf("source: record %d: field %q is not a scalar", j.line, f)
		default:
			v = string(raw) // number or boolean, as written
		}
		*(dest[i].(*any)) = v
	}
	return nil
}
func (j *jsonlRows) Err() error { return j.err }

// receive records the recipient's signed receipt of a delivery.
func (s *Service) receive(ctx context.Context, a *account, d *delivery, sigB64 string) error {
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigB64))
	if err != nil || len(sig) == 0 || len(sig) > 6000 {
		return badRequest("signature must be base64 (govshare receipt)")
	}
	b, err := s.st.bundle(ctx, nil, a.Dept)
	if err != nil {
		return err
	}
	var digest [32]byte
	if n, err := hex.Decode(digest[:], []byte(d.Digest)); err != nil || n != 32 {
		return errors.New("stored envelope digest does not decode")
	}
	if b == nil || govshare.VerifyReceiptSignature(b, d.EnvelopeID, digest, sig, time.Time{}) != nil {
		return badRequest("the signature is not %s's receipt of this envelope", a.Dept)
	}
	now := s.now()
	err = s.transition(ctx, d.AppID, audit.AppReceived, []string{stDelivered}, func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
		if _, err := s.st.exec(ctx, tx, `UPDATE deliveries SET receipt = ?, received_at = ? WHERE id = ?`,
			base64.StdEncoding.EncodeToString(sig), timeText(now), d.ID); err != nil {
			return audit.ApplicationRecord{}, err
		}
		rec := s.baseRecord(app, audit.AppReceived, s.cfg.Platform)
		rec.GrantID, rec.EnvelopeID, rec.Digest = grantID(app.ID), d.EnvelopeID, digest
		rec.Receipt = base64.StdEncoding.EncodeToString(sig)
		return rec, nil
	})
	return s.stateErr(ctx, d.AppID, err, "the delivery is not awaiting a receipt")
}

// dispute records the recipient's dispute of a delivery with a reason
// code (audit.DisputeReasons); free text goes to the provider sealed
// (govshare dispute), never here.
func (s *Service) dispute(ctx context.Context, a *account, d *delivery, reason string) error {
	if !audit.DisputeReason(reason).Known() {
		return badRequest("reason must be one of record_count, field_value, stale_data, wrong_recipient, other")
	}
	err := s.transition(ctx, d.AppID, audit.AppDisputed, []string{stDelivered, stReceived}, func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
		if _, err := s.st.exec(ctx, tx, `UPDATE deliveries SET dispute = ? WHERE id = ?`, reason, d.ID); err != nil {
			return audit.ApplicationRecord{}, err
		}
		rec := s.baseRecord(app, audit.AppDisputed, s.cfg.Platform)
		rec.GrantID, rec.EnvelopeID, rec.Digest = grantID(app.ID), d.EnvelopeID, digestOf("dispute:"+reason)
		return rec, nil
	})
	return s.stateErr(ctx, d.AppID, err, "the delivery cannot be disputed now")
}

// deliveredStatus reports whether an application in status st has had its
// delivered event finished: only then does its delivery show (the row is
// written when the event is claimed).
func deliveredStatus(st string) bool {
	return st == stDelivered || st == stReceived || st == stDisputed || st == stRevoked
}
