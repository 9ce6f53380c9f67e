package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
	"golang.org/x/mod/sumdb/note"
)

// checkConsistency checks that the database and the log agree: every
// status is backed by its event's record on the log, every approved
// application has its grant, every delivery its envelope file (with the
// recorded digest) and its share and delivered records, and the log
// verifies with every registered department's keys. It returns what is
// wrong, by id (never a data value); nil means consistent.
//
// A pending event (claimed, not yet finished) is a problem unless it is
// younger than inFlight: on a stopped service nothing may be pending after
// the recovery at start, on a running one work is in flight.
func checkConsistency(ctx context.Context, st *store, dataDir string, v note.Verifier, inFlight time.Duration) ([]string, error) {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	// Phase 1: one snapshot of the database. It is read before the log:
	// what the snapshot shows as done was appended before it, and the log
	// only grows, so a running service gives no false alarm.
	snap, err := readSnapshot(ctx, st)
	if err != nil {
		return nil, err
	}

	// Phase 2: the log, verified whole with every bundle, then indexed.
	logDir := filepath.Join(dataDir, "log")
	reg := &registry{m: map[string]*audit.BundleRegistry{}}
	for d, b := range snap.bundles {
		if err := reg.set(b); err != nil {
			add("department %s: registered bundle is not usable", d)
		}
	}
	if _, err := audit.VerifyDir(logDir, v, audit.VerifyOptions{Registry: reg}); err != nil {
		add("log does not verify: %v", err)
	}
	byIndex := map[uint64]string{}
	shared := map[string]bool{} // envelope ids with a share record
	var shares []audit.ShareRecord
	withdrawn := map[string]bool{}
	for e, err := range audit.Entries(logDir) {
		if err != nil {
			add("log: %v", err)
			break
		}
		byIndex[e.Index] = string(e.RecordBytes())
		switch r := e.Record.(type) {
		case audit.ShareRecord:
			shared[r.EnvelopeID] = true
			shares = append(shares, r)
		case audit.RefuseRecord:
			if r.Code == audit.ReasonWithdrawn && r.EnvelopeID != "" {
				withdrawn[r.EnvelopeID] = true
			}
		}
	}
	// Every share is delivered or withdrawn: one that is neither was
	// sealed and recorded, then lost (recovery withdraws it at start).
	delivered := map[string]bool{}
	for _, d := range snap.deliveries {
		delivered[d.env] = true
	}
	for _, r := range shares {
		if delivered[r.EnvelopeID] || withdrawn[r.EnvelopeID] {
			continue
		}
		if inFlight > 0 && snap.at.Sub(r.Time) < inFlight {
			continue
		}
		add("share record of envelope %s (grant %s): neither delivered nor withdrawn", r.EnvelopeID, r.GrantID)
	}

	// Phase 3: compare.
	type evKey struct{ app, ev string }
	events := map[evKey]string{} // state
	for _, r := range snap.events {
		events[evKey{r.app, r.ev}] = r.state
		if r.state != "done" {
			if inFlight > 0 && snap.at.Sub(parseTimeText(r.created)) < inFlight {
				continue
			}
			add("application %s: event %s is pending, not yet on the log (serve completes it at start)", r.app, r.ev)
			continue
		}
		form, err := base64.StdEncoding.DecodeString(r.rec)
		if err != nil {
			add("application %s: event %s: stored record does not decode", r.app, r.ev)
			continue
		}
		sr, err := audit.ParseSigned(form)
		if err != nil {
			add("application %s: event %s: stored record does not parse", r.app, r.ev)
			continue
		}
		want, _ := audit.Marshal(sr.Record)
		if got, ok := byIndex[uint64(r.idx)]; !ok || r.idx < 0 || got != string(want) {
			add("application %s: event %s: not on the log at index %d", r.app, r.ev, r.idx)
		}
	}
	done := func(app, ev string) bool { return events[evKey{app, ev}] == "done" }
	exists := func(app, ev string) bool { _, ok := events[evKey{app, ev}]; return ok }

	for app := range snap.grants {
		if !exists(app, "approved") {
			add("application %s: a grant without an approval", app)
		}
	}
	for app, d := range snap.deliveries {
		if !exists(app, "delivered") {
			add("delivery %s: no delivered event", d.id)
		}
		if !shared[d.env] {
			add("delivery %s: envelope %s has no share record on the log", d.id, d.env)
		}
		if sum, err := fileSHA256(filepath.Join(dataDir, "envelopes", app+".gse")); err != nil {
			add("delivery %s: envelope file missing", d.id)
		} else if sum != d.digest {
			add("delivery %s: envelope file digest differs from the recorded one", d.id)
		}
	}
	for _, a := range snap.apps {
		if a.pending != "" && !exists(a.id, a.pending) {
			add("application %s: pending %s without its event", a.id, a.pending)
		}
		if a.status == stNew {
			if a.pending != "submitted" {
				add("application %s: never submitted", a.id)
			}
			continue
		}
		if !done(a.id, "submitted") {
			add("application %s: %s without its submitted record", a.id, a.status)
		}
		if ev := a.status; ev != stSubmitted && !done(a.id, ev) {
			add("application %s: status %s without its %s record on the log", a.id, a.status, ev)
		}
		switch a.status {
		case stApproved, stDelivered, stReceived, stDisputed, stRevoked:
			if !done(a.id, "approved") || !snap.grants[a.id] {
				add("application %s: %s without its approval and grant", a.id, a.status)
			}
		}
		switch a.status {
		case stDelivered, stReceived, stDisputed:
			if _, ok := snap.deliveries[a.id]; !ok || !done(a.id, "delivered") {
				add("application %s: %s without its delivery", a.id, a.status)
			}
		}
		if a.status == stReceived && (snap.deliveries[a.id].receipt == "" || !done(a.id, "received")) {
			add("application %s: received without its receipt", a.id)
		}
	}
	// Envelope files no delivery names: a crash after the share record.
	// An approved application's is adopted by its delivery (or is being
	// made); any other's is withdrawn at start.
	ents, _ := os.ReadDir(filepath.Join(dataDir, "envelopes"))
	for _, e := range ents {
		app, ok := strings.CutSuffix(e.Name(), ".gse")
		if !ok {
			continue
		}
		a, known := snap.status[app]
		if _, ok := snap.deliveries[app]; ok || a == stApproved {
			continue
		}
		if !known {
			if info, err := e.Info(); err == nil && !info.ModTime().Before(snap.at.Add(-time.Second)) {
				continue // made after the snapshot
			}
			add("envelope file %s belongs to no application", e.Name())
			continue
		}
		add("envelope file of application %s (%s) has no delivery (serve withdraws it at start)", app, a)
	}
	return problems, nil
}

type snapEvent struct {
	app, ev, rec, state, created string
	idx                          int64
}

type snapDelivery struct{ id, env, digest, receipt string }

type snapApp struct{ id, status, pending string }

type keysBundle = keys.PublicBundle

// snapshot is what checkConsistency reads from the database, in one
// read transaction.
type snapshot struct {
	at         time.Time
	bundles    map[string]*keysBundle
	events     []snapEvent
	grants     map[string]bool
	deliveries map[string]snapDelivery // by application
	apps       []snapApp
	status     map[string]string
}

func readSnapshot(ctx context.Context, st *store) (*snapshot, error) {
	opts := &sql.TxOptions{}
	if st.postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := st.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &snapshot{at: time.Now(), bundles: map[string]*keysBundle{}, grants: map[string]bool{},
		deliveries: map[string]snapDelivery{}, status: map[string]string{}}
	each := func(query string, scan func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, st.q(query))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	var depts []string
	if err := each(`SELECT name FROM departments WHERE bundle <> ''`, func(r *sql.Rows) error {
		var n string
		depts = append(depts, n)
		return r.Scan(&depts[len(depts)-1])
	}); err != nil {
		return nil, err
	}
	for _, d := range depts {
		b, err := st.bundle(ctx, tx, d)
		if err != nil {
			return nil, err
		}
		if b != nil {
			s.bundles[d] = b
		}
	}
	if err := each(`SELECT application_id, event, record, state, log_index, created_at FROM events`, func(r *sql.Rows) error {
		var e snapEvent
		err := r.Scan(&e.app, &e.ev, &e.rec, &e.state, &e.idx, &e.created)
		s.events = append(s.events, e)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT application_id FROM grants`, func(r *sql.Rows) error {
		var a string
		err := r.Scan(&a)
		s.grants[a] = true
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT id, application_id, envelope_id, digest, receipt FROM deliveries`, func(r *sql.Rows) error {
		var d snapDelivery
		var app string
		err := r.Scan(&d.id, &app, &d.env, &d.digest, &d.receipt)
		s.deliveries[app] = d
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT id, status, pending FROM applications`, func(r *sql.Rows) error {
		var a snapApp
		err := r.Scan(&a.id, &a.status, &a.pending)
		s.apps = append(s.apps, a)
		s.status[a.id] = a.status
		return err
	}); err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
