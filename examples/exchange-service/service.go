package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"golang.org/x/mod/sumdb/note"
)

// config is what serve is started with.
type config struct {
	DataDir    string
	DB         string
	KeysDir    string // the provider's keyring directory (--keys)
	Dept       string // the provider department whose keyring seals (--dept)
	SourcesDir string
	Platform   string        // the platform's own department name (--platform)
	LogName    string        // the log's origin
	DueDays    int           // working days a reviewer has to answer
	DueAfter   time.Duration // instead of DueDays, a fixed time (demos and tests of overdue)
	Calendar   string        // calendar file; "" = the embedded calendar-cn.txt
	Workers    int
	Tick       time.Duration // how often overdue applications are marked
	Logger     *slog.Logger
}

// Service is the exchange: the applications' store, the share-record log
// it operates, the provider's keyring it seals with and the platform's
// keyring it signs its own records with.
type Service struct {
	cfg      config
	st       *store
	cal      *calendar
	log      *audit.Log
	op       *audit.Operator
	logSrv   *audit.Server
	verifier note.Verifier
	vkey     string
	reg      *registry

	provider       *keys.Keyring // nil without --keys
	providerSigner audit.RecordSigner
	platform       *keys.Keyring
	platformSigner audit.RecordSigner

	logins     loginLimiter
	delivering sync.Map    // application ids a worker is delivering
	queue      chan string // application ids to deliver
	wg         sync.WaitGroup
	ctx        context.Context
	cancel     context.CancelFunc
	logger     *slog.Logger
	// clock replaces time.Now in tests; crash, in tests, fails a step by
	// name ("before-append", "after-append" with the event, "after-seal")
	// as a crash there would. Atomic: workers read them.
	clock atomic.Pointer[func() time.Time]
	crash atomic.Pointer[func(step string, ev audit.ApplicationEvent) error]
}

func (s *Service) now() time.Time {
	if f := s.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

func (s *Service) hook(step string, ev audit.ApplicationEvent) error {
	if f := s.crash.Load(); f != nil {
		return (*f)(step, ev)
	}
	return nil
}

// Application statuses. "new" is internal: an application whose
// submitted record is not yet on the log (recovery completes it).
const (
	stNew       = "new"
	stSubmitted = "submitted"
	stApproved  = "approved"
	stRefused   = "refused"
	stDelivered = "delivered"
	stReceived  = "received"
	stRevoked   = "revoked"
	stOverdue   = "overdue"
	stDisputed  = "disputed"
)

var errConflict = errors.New("the application is not in a state that allows this")

// newService opens everything in cfg.DataDir, runs recovery and starts the
// delivery workers and the overdue ticker. Close stops them.
func newService(ctx context.Context, cfg config) (*Service, error) {
	if cfg.Platform == "" {
		cfg.Platform = "exchange-platform"
	}
	if cfg.LogName == "" {
		cfg.LogName = "govshare-exchange/share-log"
	}
	if cfg.DueDays <= 0 {
		cfg.DueDays = 5
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "envelopes"), 0o700); err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, logger: cfg.Logger, queue: make(chan string, 1024)}
	var err error
	calText := calendarFile
	if cfg.Calendar != "" {
		if calText, err = os.ReadFile(cfg.Calendar); err != nil {
			return nil, err
		}
	}
	if s.cal, err = parseCalendar(calText); err != nil {
		return nil, err
	}
	if err := s.openKeys(); err != nil {
		return nil, err
	}
	if s.st, err = openStore(ctx, cfg.DataDir, cfg.DB); err != nil {
		return nil, err
	}
	fail := func(err error) (*Service, error) {
		s.st.Close()
		if s.log != nil {
			s.log.Close()
		}
		return nil, err
	}
	if err := s.registerOwnBundles(ctx); err != nil {
		return fail(err)
	}
	if s.reg, err = s.loadRegistry(ctx); err != nil {
		return fail(err)
	}
	if err := s.openLog(); err != nil {
		return fail(err)
	}
	if s.op, err = audit.NewOperator(s.log, s.reg); err != nil {
		return fail(err)
	}
	s.logSrv = audit.NewServer(s.op, nil)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.recover(ctx); err != nil {
		s.cancel()
		return fail(fmt.Errorf("recovery: %w", err))
	}
	for range cfg.Workers {
		s.wg.Add(1)
		go s.worker()
	}
	s.wg.Add(1)
	go s.ticker()
	return s, nil
}

// Close stops the workers (letting a running delivery finish) and closes
// the log and the store.
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	s.logSrv.Close()
	err := s.log.Close()
	if err2 := s.st.Close(); err == nil {
		err = err2
	}
	return err
}

// openKeys loads the provider's keyring (--keys, --dept) and the
// platform's own, made on first start in DATA/platform.
func (s *Service) openKeys() error {
	if s.cfg.KeysDir != "" || s.cfg.Dept != "" {
		if s.cfg.KeysDir == "" || s.cfg.Dept == "" {
			return errors.New("--keys and --dept go together")
		}
		if _, err := os.Stat(keys.KeysPath(s.cfg.KeysDir, s.cfg.Dept)); err != nil {
			return fmt.Errorf("no keyring for %s in %s (govshare keys new --dept %s --dir %s)", s.cfg.Dept, s.cfg.KeysDir, s.cfg.Dept, s.cfg.KeysDir)
		}
		if _, err := os.Stat(filepath.Join(s.cfg.KeysDir, keys.MasterFile)); err != nil {
			return fmt.Errorf("the master key %s is missing", filepath.Join(s.cfg.KeysDir, keys.MasterFile))
		}
		m, err := keys.LocalMaster(s.cfg.KeysDir)
		if err != nil {
			return err
		}
		if s.provider, err = keys.Load(s.cfg.KeysDir, s.cfg.Dept, m); err != nil {
			return err
		}
		if s.providerSigner, err = audit.KeyringSigner(s.provider, keys.KindSignEd25519); err != nil {
			return err
		}
	}
	dir := filepath.Join(s.cfg.DataDir, "platform")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	m, err := keys.LocalMaster(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(keys.KeysPath(dir, s.cfg.Platform)); err == nil {
		s.platform, err = keys.Load(dir, s.cfg.Platform, m)
		if err != nil {
			return err
		}
	} else {
		if s.platform, err = keys.New(s.cfg.Platform); err != nil {
			return err
		}
		if err := s.platform.Save(dir, m); err != nil {
			return err
		}
	}
	s.platformSigner, err = audit.KeyringSigner(s.platform, keys.KindSignEd25519)
	return err
}

// openLog opens DATA/log with the operator's note key DATA/log.key (made
// on first start, 0600, by govshare.LogKey; its verifier key is
// DATA/log.vkey, and is derived from the key here so that a restart never
// depends on that file).
func (s *Service) openLog() error {
	dir := filepath.Join(s.cfg.DataDir, "log")
	sk, _, err := govshare.LogKey(dir, dir+".key", s.cfg.LogName)
	if err != nil {
		return err
	}
	signer, err := audit.NewSigner(audit.SignerKey(sk))
	if err != nil {
		return err
	}
	if s.vkey, err = audit.VerifierKey(audit.SignerKey(sk)); err != nil {
		return err
	}
	if s.verifier, err = audit.NewVerifier(s.vkey); err != nil {
		return err
	}
	s.log, err = audit.Open(dir, signer)
	return err
}

// registerOwnBundles records the platform's bundle and the provider's in
// the departments table, as a department's admin would.
func (s *Service) registerOwnBundles(ctx context.Context) error {
	if err := s.st.putBundle(ctx, s.platform.Public()); err != nil {
		return fmt.Errorf("platform bundle: %w", err)
	}
	if s.provider != nil {
		if err := s.st.putBundle(ctx, s.provider.Public()); err != nil {
			return fmt.Errorf("provider bundle: %w", err)
		}
	}
	return nil
}

// putBundle registers a department's public bundle: the first one is
// taken as is (its fingerprint to be compared out of band), later ones
// must be updates of it (keys.VerifyUpdate). The same bundle again is a
// no-op.
func (st *store) putBundle(ctx context.Context, b *keys.PublicBundle) error {
	raw, err := b.Marshal()
	if err != nil {
		return err
	}
	return st.inTx(ctx, func(tx *sql.Tx) error {
		if err := st.ensureDept(ctx, tx, b.Dept()); err != nil {
			return err
		}
		var old string
		if err := st.queryRow(ctx, tx, `SELECT bundle FROM departments WHERE name = ?`, b.Dept()).Scan(&old); err != nil {
			return err
		}
		if old != "" {
			ob, err := base64.StdEncoding.DecodeString(old)
			if err != nil {
				return err
			}
			if bytes.Equal(ob, raw) {
				return nil
			}
			trusted, err := keys.ParsePublic(ob)
			if err != nil {
				return err
			}
			if err := keys.VerifyUpdate(trusted, b); err != nil {
				return errBadBundle{err}
			}
		}
		_, err := st.exec(ctx, tx, `UPDATE departments SET bundle = ?, fingerprint = ?, version = ?, updated_at = ? WHERE name = ?`,
			base64.StdEncoding.EncodeToString(raw), b.Fingerprint(), int64(b.Version()), timeText(time.Now()), b.Dept())
		return err
	})
}

type errBadBundle struct{ err error }

func (e errBadBundle) Error() string {
	return "bundle is not an update of the registered one: " + e.err.Error()
}

// bundle returns a department's registered bundle, or nil.
func (st *store) bundle(ctx context.Context, tx *sql.Tx, dept string) (*keys.PublicBundle, error) {
	var raw string
	err := st.queryRow(ctx, tx, `SELECT bundle FROM departments WHERE name = ?`, dept).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) || raw == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, err
	}
	return keys.ParsePublic(b)
}

func (s *Service) loadRegistry(ctx context.Context) (*registry, error) {
	r := &registry{m: map[string]*audit.BundleRegistry{}}
	rows, err := s.st.query(ctx, `SELECT name FROM departments WHERE bundle <> ''`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		b, err := s.st.bundle(ctx, nil, n)
		if err != nil {
			return nil, err
		}
		if err := r.set(b); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// registry is the operator's Registry, updated as departments register
// bundles: a department's entry is replaced whole by its newer bundle.
type registry struct {
	mu sync.RWMutex
	m  map[string]*audit.BundleRegistry
}

func (r *registry) set(b *keys.PublicBundle) error {
	br, err := audit.NewRegistry(b)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.m[b.Dept()] = br
	r.mu.Unlock()
	return nil
}

// RecordVerifier implements audit.Registry.
func (r *registry) RecordVerifier(dept string, keyID uint32, at time.Time) (audit.RecordVerifier, error) {
	r.mu.RLock()
	br := r.m[dept]
	r.mu.RUnlock()
	if br == nil {
		return nil, fmt.Errorf("%w: no public bundle for %s", audit.ErrUnknownSigner, dept)
	}
	return br.RecordVerifier(dept, keyID, at)
}

// application is a row of applications.
type application struct {
	ID, ResourceID, Resource, Provider, Recipient, Applicant string
	Fields                                                   []string
	Purpose                                                  catalog.Purpose
	LegalBasis, NotAfter, Status, Pending                    string
	Submitted, Due, Decided                                  time.Time
	DecidedBy, Reason, DeliveryError                         string
	Late                                                     bool
}

const appColumns = `id, resource_id, resource, provider, recipient, applicant, fields, purpose, legal_basis, not_after, status, pending, submitted_at, due_at, decided_at, decided_by, reason, late, delivery_error`

type scanner interface{ Scan(...any) error }

func scanApp(r scanner) (*application, error) {
	var a application
	var fields, purpose, sub, due, dec string
	var late int64
	if err := r.Scan(&a.ID, &a.ResourceID, &a.Resource, &a.Provider, &a.Recipient, &a.Applicant, &fields, &purpose,
		&a.LegalBasis, &a.NotAfter, &a.Status, &a.Pending, &sub, &due, &dec, &a.DecidedBy, &a.Reason, &late, &a.DeliveryError); err != nil {
		return nil, err
	}
	json.Unmarshal([]byte(fields), &a.Fields)
	a.Purpose = catalog.Purpose(purpose)
	a.Submitted, a.Due, a.Decided, a.Late = parseTimeText(sub), parseTimeText(due), parseTimeText(dec), late != 0
	return &a, nil
}

func (st *store) app(ctx context.Context, tx *sql.Tx, id string) (*application, error) {
	return scanApp(st.queryRow(ctx, tx, `SELECT `+appColumns+` FROM applications WHERE id = ?`, id))
}

// statusAfter is the status an event leaves an application in.
var statusAfter = map[audit.ApplicationEvent]string{
	audit.AppSubmitted: stSubmitted, audit.AppApproved: stApproved, audit.AppRefused: stRefused,
	audit.AppDelivered: stDelivered, audit.AppReceived: stReceived, audit.AppRevoked: stRevoked,
	audit.AppOverdue: stOverdue, audit.AppDisputed: stDisputed,
}

// signerFor returns the keyring signer of the department that signs a
// record: the provider for its own acts, the platform for the rest.
func (s *Service) signerFor(dept string) (audit.RecordSigner, error) {
	if dept == s.cfg.Platform {
		return s.platformSigner, nil
	}
	if s.provider != nil && dept == s.provider.Dept() {
		return s.providerSigner, nil
	}
	return nil, fmt.Errorf("the service holds no keyring for department %s", dept)
}

// baseRecord is the record of an event on app, signed by the provider for
// its own acts and by the platform for the others.
func (s *Service) baseRecord(app *application, ev audit.ApplicationEvent, by string) audit.ApplicationRecord {
	return audit.ApplicationRecord{Application: app.ID, Event: ev, By: by, Provider: app.Provider, Recipient: app.Recipient,
		Resource: app.Resource, Purpose: app.Purpose, Time: s.now().UTC().Truncate(time.Millisecond)}
}

// The crash-safe state change. An event moves an application in two
// transactions around one log append:
//
//  1. claim: applications.pending := event (only from the allowed
//     statuses, only when nothing else is pending), the event's side
//     rows (grant, delivery, receipt …), and the event's signed record in
//     events with state "pending";
//  2. the signed record is appended to the log — idempotent: the operator
//     returns the first append's receipt for a record already logged;
//  3. finish: status := the event's status, pending := "", the event's
//     state "done" with its log index.
//
// A crash between 1 and 3 leaves a pending event, which recovery appends
// (again) and finishes, so a status never shows without its record on
// the log, and the record on the log never lacks its side rows.

// transition runs an event on an application. build makes the record and
// writes the side rows inside the claiming transaction.
func (s *Service) transition(ctx context.Context, appID string, ev audit.ApplicationEvent, from []string,
	build func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error)) error {
	err := s.st.inTx(ctx, func(tx *sql.Tx) error {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(from)), ", ")
		args := []any{string(ev), appID}
		for _, f := range from {
			args = append(args, f)
		}
		res, err := s.st.exec(ctx, tx, `UPDATE applications SET pending = ? WHERE id = ? AND pending = '' AND status IN (`+ph+`)`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = errConflict
			}
			return err
		}
		app, err := s.st.app(ctx, tx, appID)
		if err != nil {
			return err
		}
		rec, err := build(tx, app)
		if err != nil {
			return err
		}
		return s.addEvent(ctx, tx, rec)
	})
	if err != nil {
		return err
	}
	// A client that goes away does not leave the step half done.
	return s.complete(context.WithoutCancel(ctx), appID, ev)
}

// addEvent signs rec and stores it as a pending event.
func (s *Service) addEvent(ctx context.Context, tx *sql.Tx, rec audit.ApplicationRecord) error {
	form, err := s.signForm(rec)
	if err != nil {
		return err
	}
	_, err = s.st.exec(ctx, tx, `INSERT INTO events (application_id, event, status, record, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?)`,
		rec.Application, string(rec.Event), statusAfter[rec.Event], base64.StdEncoding.EncodeToString(form), timeText(s.now()))
	return err
}

func (s *Service) signForm(rec audit.ApplicationRecord) ([]byte, error) {
	signer, err := s.signerFor(rec.By)
	if err != nil {
		return nil, err
	}
	sr, err := audit.Sign(rec, s.op.Origin(), signer)
	if err != nil {
		return nil, err
	}
	return sr.Marshal()
}

// complete appends a pending event's record and finishes the transition.
func (s *Service) complete(ctx context.Context, appID string, ev audit.ApplicationEvent) error {
	var enc, state, status string
	err := s.st.queryRow(ctx, nil, `SELECT record, state, status FROM events WHERE application_id = ? AND event = ?`, appID, string(ev)).Scan(&enc, &state, &status)
	if err != nil {
		return err
	}
	if state == "done" {
		return nil
	}
	form, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return err
	}
	if err := s.hook("before-append", ev); err != nil {
		return err
	}
	rc, err := s.op.AppendSigned(ctx, form)
	if errors.Is(err, audit.ErrTimeSkew) {
		// Pending longer than the operator's skew (the service was down):
		// if the log holds it, take its index; else sign it anew, now.
		rc, err = s.restamp(ctx, appID, ev, form)
	}
	if err != nil {
		return fmt.Errorf("appending the %s record: %w", ev, err)
	}
	if err := s.hook("after-append", ev); err != nil {
		return err
	}
	return s.st.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.st.exec(ctx, tx, `UPDATE applications SET status = ?, pending = '' WHERE id = ? AND pending = ?`, status, appID, string(ev)); err != nil {
			return err
		}
		_, err := s.st.exec(ctx, tx, `UPDATE events SET state = 'done', log_index = ? WHERE application_id = ? AND event = ?`, int64(rc.Index), appID, string(ev))
		return err
	})
}

// restamp handles a pending record too old for the operator: found on
// the log, its receipt; else the same record with the current time,
// signed again and appended.
func (s *Service) restamp(ctx context.Context, appID string, ev audit.ApplicationEvent, form []byte) (audit.Receipt, error) {
	sr, err := audit.ParseSigned(form)
	if err != nil {
		return audit.Receipt{}, err
	}
	want, err := audit.Marshal(sr.Record)
	if err != nil {
		return audit.Receipt{}, err
	}
	for e, err := range s.log.Records(0, s.log.Size()) {
		if err != nil {
			return audit.Receipt{}, err
		}
		if bytes.Equal(e.RecordBytes(), want) {
			return s.log.Receipt(e.Index)
		}
	}
	rec, ok := sr.Record.(audit.ApplicationRecord)
	if !ok {
		return audit.Receipt{}, errors.New("pending event is not an application record")
	}
	rec.Time = s.now().UTC().Truncate(time.Millisecond)
	nf, err := s.signForm(rec)
	if err != nil {
		return audit.Receipt{}, err
	}
	if _, err := s.st.exec(ctx, nil, `UPDATE events SET record = ? WHERE application_id = ? AND event = ? AND state = 'pending'`,
		base64.StdEncoding.EncodeToString(nf), appID, string(ev)); err != nil {
		return audit.Receipt{}, err
	}
	return s.op.AppendSigned(ctx, nf)
}

// recover completes every pending event, and puts every approved
// application without a delivery back in the delivery queue (adopting an
// envelope that was committed before the crash).
func (s *Service) recover(ctx context.Context) error {
	rows, err := s.st.query(ctx, `SELECT application_id, event FROM events WHERE state = 'pending' ORDER BY created_at`)
	if err != nil {
		return err
	}
	type pe struct{ app, ev string }
	var pend []pe
	for rows.Next() {
		var p pe
		if err := rows.Scan(&p.app, &p.ev); err != nil {
			rows.Close()
			return err
		}
		pend = append(pend, p)
	}
	rows.Close()
	for _, p := range pend {
		if err := s.complete(ctx, p.app, audit.ApplicationEvent(p.ev)); err != nil {
			return fmt.Errorf("application %s, event %s: %w", p.app, p.ev, err)
		}
	}
	if len(pend) > 0 {
		s.logger.Info("recovery completed pending events", "count", len(pend))
	}
	if err := s.recoverEnvelopes(ctx); err != nil {
		return err
	}
	return s.recoverShares(ctx)
}

// recoverShares withdraws every share record this service's provider
// made that neither became a delivery nor was withdrawn: a crash after
// govshare.Share logged the share and before its envelope was committed
// leaves one, and the application is sealed again under another
// envelope. Only the log written since the last recovery is read (its
// size then is kept in service_state): older shares were settled then.
func (s *Service) recoverShares(ctx context.Context) error {
	if s.provider == nil {
		return nil
	}
	var from uint64
	var v string
	if err := s.st.queryRow(ctx, nil, `SELECT value FROM service_state WHERE name = 'shares_settled'`).Scan(&v); err == nil {
		fmt.Sscan(v, &from)
	}
	size := s.log.Size()
	if from > size {
		from = 0 // another log: read it whole
	}
	shares := map[string]audit.ShareRecord{}
	var order []string
	withdrawn := map[string]bool{}
	for e, err := range s.log.Records(from, size) {
		if err != nil {
			return err
		}
		switch r := e.Record.(type) {
		case audit.ShareRecord:
			if r.Provider == s.provider.Dept() {
				shares[r.EnvelopeID] = r
				order = append(order, r.EnvelopeID)
			}
		case audit.RefuseRecord:
			if r.Code == audit.ReasonWithdrawn && r.EnvelopeID != "" {
				withdrawn[r.EnvelopeID] = true
			}
		}
	}
	n := 0
	for _, env := range order {
		if withdrawn[env] {
			continue
		}
		var id string
		if err := s.st.queryRow(ctx, nil, `SELECT id FROM deliveries WHERE envelope_id = ?`, env).Scan(&id); err == nil {
			continue
		}
		r := shares[env]
		if _, err := audit.SignAndAppend(ctx, s.op, s.providerSigner, audit.RefuseRecord{EnvelopeID: env, By: r.Provider,
			Code: audit.ReasonWithdrawn, Time: s.now().UTC()}); err != nil {
			return err
		}
		withdrawn[env] = true
		n++
	}
	if n > 0 {
		s.logger.Info("recovery withdrew shares whose envelopes were lost", "count", n)
	}
	return s.st.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.st.exec(ctx, tx, `DELETE FROM service_state WHERE name = 'shares_settled'`); err != nil {
			return err
		}
		_, err := s.st.exec(ctx, tx, `INSERT INTO service_state (name, value) VALUES ('shares_settled', ?)`, fmt.Sprint(s.log.Size()))
		return err
	})
}

// recoverEnvelopes handles envelope files no delivery names (a crash
// between the envelope's commit and its delivered event): an approved
// application's is adopted by its delivery (requeue at start); any other's
// (revoked meanwhile) is removed and its share answered by a withdrawal.
func (s *Service) recoverEnvelopes(ctx context.Context) error {
	ents, err := os.ReadDir(filepath.Join(s.cfg.DataDir, "envelopes"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		appID, ok := strings.CutSuffix(e.Name(), ".gse")
		if !ok {
			continue
		}
		if _, err := s.deliveryByApp(ctx, appID); err == nil {
			continue
		}
		app, err := s.st.app(ctx, nil, appID)
		if err == nil && app.Status == stApproved && app.Pending == "" {
			// Committed before the crash: adopt it now, so that its share
			// record is delivered by the time the service listens.
			if err := s.deliver(ctx, appID); err != nil {
				return fmt.Errorf("adopting the envelope of %s: %w", appID, err)
			}
			continue
		}
		if err == nil && app.Pending == string(audit.AppDelivered) {
			continue
		}
		path := filepath.Join(s.cfg.DataDir, "envelopes", e.Name())
		if err := s.withdraw(ctx, path, app); err != nil {
			return err
		}
	}
	return nil
}

// withdraw removes an envelope that will not be delivered and records
// the withdrawal of its share, signed by its provider.
func (s *Service) withdraw(ctx context.Context, path string, app *application) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	envID, _, err := govshare.EnvelopeDigest(f)
	f.Close()
	if err == nil && app != nil && s.providerSigner != nil && s.provider.Dept() == app.Provider {
		if _, err := audit.SignAndAppend(ctx, s.op, s.providerSigner, audit.RefuseRecord{EnvelopeID: envID, By: app.Provider,
			Code: audit.ReasonWithdrawn, Time: s.now().UTC()}); err != nil {
			return err
		}
	}
	return os.Remove(path)
}

// requeue queues every approved application that has no delivery yet.
func (s *Service) requeue(ctx context.Context) {
	ids, err := s.st.ids(ctx, `SELECT id FROM applications WHERE status = ? AND pending = '' AND delivery_error = ''`, stApproved)
	if err != nil {
		s.logger.Error("requeue", "err", err)
		return
	}
	for _, id := range ids {
		s.enqueue(id)
	}
}

// enqueue asks for a delivery without blocking: a full queue leaves the
// application to the ticker's next requeue.
func (s *Service) enqueue(id string) {
	select {
	case s.queue <- id:
	default:
	}
}

func (s *Service) worker() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case id := <-s.queue:
			if err := s.deliver(s.ctx, id); err != nil && s.ctx.Err() == nil {
				s.logger.Error("delivery", "application", id, "err", err)
			}
		}
	}
}

// ticker marks overdue applications and requeues approved ones that
// wait for a delivery; it runs once at start.
func (s *Service) ticker() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		s.retryPending(s.ctx)
		s.markOverdue(s.ctx)
		s.requeue(s.ctx)
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retryPending completes events left pending for a while by a step that
// failed (the log was unreachable, say) while the service kept running;
// recovery does the same at start.
func (s *Service) retryPending(ctx context.Context) {
	rows, err := s.st.query(ctx, `SELECT application_id, event FROM events WHERE state = 'pending' AND created_at < ?`,
		timeText(time.Now().Add(-30*time.Second)))
	if err != nil {
		return
	}
	var pend [][2]string
	for rows.Next() {
		var p [2]string
		if rows.Scan(&p[0], &p[1]) == nil {
			pend = append(pend, p)
		}
	}
	rows.Close()
	for _, p := range pend {
		if err := s.complete(ctx, p[0], audit.ApplicationEvent(p[1])); err != nil && ctx.Err() == nil {
			s.logger.Error("retrying a pending event", "application", p[0], "event", p[1], "err", err)
		}
	}
}

// markOverdue records every application past its due time without a
// decision as overdue.
func (s *Service) markOverdue(ctx context.Context) {
	ids, err := s.st.ids(ctx, `SELECT id FROM applications WHERE status = ? AND pending = '' AND due_at <= ?`, stSubmitted, timeText(s.now()))
	if err != nil {
		return
	}
	for _, id := range ids {
		err := s.transition(ctx, id, audit.AppOverdue, []string{stSubmitted}, func(tx *sql.Tx, app *application) (audit.ApplicationRecord, error) {
			return s.baseRecord(app, audit.AppOverdue, s.cfg.Platform), nil
		})
		if err != nil && !errors.Is(err, errConflict) {
			s.logger.Error("overdue", "application", id, "err", err)
		}
	}
}

// digestOf is the SHA-256 of s, for the log (terms, reasons): the log
// proves what was said without holding it.
func digestOf(s string) audit.Digest { return sha256.Sum256([]byte(s)) }

// due is when an answer to an application submitted at t is due.
func (s *Service) due(t time.Time) time.Time {
	if s.cfg.DueAfter > 0 {
		return t.Add(s.cfg.DueAfter)
	}
	return s.cal.Due(t, s.cfg.DueDays)
}
