package blackbox

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/synth"
)

// TestRestartKill9 kills the service with SIGKILL at a random moment while
// applications, approvals, deliveries (sealing), downloads and receipts are
// in flight, 50 times (5 with -short, GOVSHARE_RESTART_ROUNDS=N to choose)
// on one SQLite data directory. After every restart, once the service has
// finished what the kill interrupted, it checks: the check command and the
// API's check pass; the log verifies with every signature (govshare log
// verify, remembering the last checkpoint, so a fork or rollback fails) and
// only grows; nothing acknowledged before the kill is lost; every status
// has its record on the log and every record its status (an approval its
// grant, a delivery its delivered record, naming the very envelope served,
// byte for byte the one downloaded before the kill); and every share record
// on the log was delivered or withdrawn.
func TestRestartKill9(t *testing.T) {
	t.Parallel()
	restartTest(t, nil)
}

// TestRestartKill9Postgres is the same on PostgreSQL, in a schema of its own
// that it drops afterwards.
func TestRestartKill9Postgres(t *testing.T) {
	t.Parallel()
	url := os.Getenv("GOVSHARE_TEST_POSTGRES")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	admin, err := sql.Open("pgx", url)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("GOVSHARE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL not reachable (GOVSHARE_REQUIRE_POSTGRES=1): %v", err)
		}
		t.Skipf("PostgreSQL not reachable at 127.0.0.1:5432 (set GOVSHARE_TEST_POSTGRES to a URL): %v", err)
	}
	schema := fmt.Sprintf("xs_blackbox_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("PostgreSQL: cannot create a schema: %v", err)
	}
	// Dropped after the test, and only then is the connection closed (a
	// deferred Close would run first and the drop would go nowhere).
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("PostgreSQL: schema %s left behind: %v", schema, err)
		}
		admin.Close()
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	restartTest(t, []string{"--db", url + sep + "search_path=" + schema})
}

// crashState is what the test knows the service acknowledged, and what it
// saw of the log, across restarts.
type crashState struct {
	mu        sync.Mutex
	submitted []string            // applications the service answered 2xx to
	approved  map[string]bool     // approvals answered 2xx
	refused   map[string]bool     // refusals answered 2xx
	delivery  map[string]string   // application → delivery id seen in the API
	download  map[string][32]byte // delivery → SHA-256 of a complete download
	receipted map[string]bool     // deliveries whose receipt was answered 2xx
	treeSize  uint64              // the largest checkpoint seen
	refusals  []string            // answers that are wrong whatever the kill
	// applications whose decision this test cannot know: a retry met 409
	undecidable map[string]bool
	cut         map[string]int // requests cut by a kill, by kind
	phase       map[string]time.Duration
	checked     map[string]bool // deliveries downloaded and checked after a restart
}

// wrong keeps err if it is an HTTP answer: a request cut by the kill fails
// in transport, while an error status is the service refusing a good
// request, which no kill excuses. Called with st.mu held.
func (st *crashState) wrong(err error, what string) {
	if statusOf(err) != 0 {
		st.refusals = append(st.refusals, what+": "+err.Error())
		return
	}
	kind, _, _ := strings.Cut(what, " ")
	st.cut[kind]++
}

func restartTest(t *testing.T, db []string) {
	rounds := 50
	if testing.Short() {
		rounds = 5
	}
	if s := os.Getenv("GOVSHARE_RESTART_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("GOVSHARE_RESTART_ROUNDS=%q: want a positive number", s)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (the kill moments are random; a failure names its round)", seed)
	rng := rand.New(rand.NewPCG(seed, 13))

	// A register of about 0.7 MB (an envelope of about 0.5 MB): sealing and
	// downloading take long enough for kills to land inside them.
	dir := t.TempDir()
	src := filepath.Join(dir, "register.csv")
	writeRegister(t, src, 3000)
	f := newFixture(t, dir, db, src)
	master, err := keys.LocalMaster(f.rkeys)
	if err != nil {
		t.Fatal(err)
	}
	kr, err := keys.Load(f.rkeys, recipientDept, master)
	if err != nil {
		t.Fatal(err)
	}
	st := &crashState{approved: map[string]bool{}, refused: map[string]bool{}, delivery: map[string]string{},
		download: map[string][32]byte{}, receipted: map[string]bool{}, undecidable: map[string]bool{},
		cut: map[string]int{}, checked: map[string]bool{}, phase: map[string]time.Duration{}}

	svc := startService(t, f.serveArgs()...)
	f.publish(t, svc.URL)
	start := time.Now()
	for round := 1; round <= rounds; round++ {
		if round > 1 {
			t0 := time.Now()
			svc = startService(t, f.serveArgs()...)
			st.phase["start"] += time.Since(t0)
			f.verifyRestart(t, round, svc.URL, st)
			if t.Failed() {
				lastOutput.Lock()
				before := lastOutput.s
				lastOutput.Unlock()
				svc.kill()
				t.Fatalf("round %d: stopping after the first inconsistency; output of the killed service:\n%s\nafter the restart:\n%s", round, before, svc.output())
			}
		}
		t0 := time.Now()
		f.load(svc.URL, st, kr, rng, time.Duration(50+rng.IntN(700))*time.Millisecond)
		st.phase["load"] += time.Since(t0)
		select {
		case <-svc.done:
			t.Fatalf("round %d: the service exited before the kill (%v):\n%s", round, svc.err, svc.output())
		default:
		}
		svc.kill()
	}
	// A last start, then a clean stop: the checks hold on the stopped
	// service too.
	svc = startService(t, f.serveArgs()...)
	f.verifyRestart(t, rounds+1, svc.URL, st)
	svc.stop(t)
	f.checkCommands(t, rounds+1)
	count := func(m map[string]bool) (n int) {
		for _, v := range m {
			if v {
				n++
			}
		}
		return n
	}
	t.Logf("%d rounds in %v: %d applications, %d approvals and %d refusals acknowledged, %d deliveries downloaded, %d receipts, log size %d",
		rounds, time.Since(start).Round(time.Millisecond), len(st.submitted), count(st.approved), count(st.refused),
		len(st.download), count(st.receipted), st.treeSize)
	t.Logf("requests cut by the kills, and deliveries left to the restart (sealing): %v", st.cut)
	t.Logf("time by phase: %v", st.phase)
}

// load runs appliers, reviewers, pollers and downloaders against the
// service for d (the moment it will be killed; requests in flight then fail,
// which is expected). It returns once d has passed.
func (f *fixture) load(base string, st *crashState, kr *keys.Keyring, rng *rand.Rand, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	recip, rev := f.client(base, "cab-user"), f.client(base, "psb-review")
	notAfter := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	// Each worker gets its own random source: rand.Rand is not safe for
	// concurrent use.
	seeds := [6]uint64{}
	for i := range seeds {
		seeds[i] = rng.Uint64()
	}
	var wg sync.WaitGroup
	for w := range 2 { // appliers
		wg.Go(func() {
			for ctx.Err() == nil {
				var a application
				err := recip.do(ctx, "POST", "/applications", f.applyBody(notAfter), &a)
				st.mu.Lock()
				if err == nil && a.ID != "" {
					st.submitted = append(st.submitted, a.ID)
				} else {
					st.wrong(err, "apply")
				}
				st.mu.Unlock()
				sleep(ctx, time.Duration(10+10*w)*time.Millisecond)
			}
		})
	}
	for w := range 2 { // reviewers: approve nine in ten
		r := rand.New(rand.NewPCG(seeds[w], 1))
		wg.Go(func() {
			for ctx.Err() == nil {
				id := st.pickUndecided(r)
				if id == "" {
					sleep(ctx, 5*time.Millisecond)
					continue
				}
				decision := "approve"
				if r.IntN(10) == 0 {
					decision = "refuse"
				}
				err := rev.do(ctx, "POST", "/applications/"+id+"/decision", map[string]string{"decision": decision, "reason": "依据共享目录审核"}, nil)
				st.mu.Lock()
				if err == nil {
					if decision == "approve" {
						st.approved[id] = true
					} else {
						st.refused[id] = true
					}
				} else if statusOf(err) == http.StatusConflict {
					// Decided before, by a request whose answer the kill
					// cut off: the restart check finds out which way.
					st.approved[id], st.refused[id] = false, false
					st.undecidable[id] = true
				} else {
					st.wrong(err, "decide "+id)
				}
				st.mu.Unlock()
			}
		})
	}
	for w := range 2 { // pollers, downloaders, receipt signers
		r := rand.New(rand.NewPCG(seeds[2+w], 2))
		wg.Go(func() {
			for ctx.Err() == nil {
				id := st.pickApproved(r)
				if id == "" {
					sleep(ctx, 5*time.Millisecond)
					continue
				}
				var a application
				if recip.do(ctx, "GET", "/applications/"+id, nil, &a) != nil {
					continue
				}
				did := deliveryIDOf(a.Delivery)
				if did == "" {
					sleep(ctx, 5*time.Millisecond)
					continue
				}
				st.mu.Lock()
				st.delivery[id] = did
				st.mu.Unlock()
				body, err := downloadEnvelope(ctx, recip, did)
				if err != nil {
					st.mu.Lock()
					st.wrong(err, "download "+did)
					st.mu.Unlock()
					continue
				}
				sum := sha256.Sum256(body)
				st.mu.Lock()
				st.download[did] = sum
				st.mu.Unlock()
				envID, digest, err := govshare.EnvelopeDigest(bytes.NewReader(body))
				if err != nil {
					continue // reported by verifyAgainstLog, which downloads it again
				}
				sig, err := govshare.SignReceipt(kr, envID, digest)
				if err != nil {
					continue
				}
				err = recip.do(ctx, "POST", "/deliveries/"+did+"/receipt", map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}, nil)
				st.mu.Lock()
				if err == nil {
					st.receipted[did] = true
				} else if statusOf(err) != http.StatusConflict { // 409: a receipt taken before, answer cut off
					st.wrong(err, "receipt for delivery "+did)
				}
				st.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// pickUndecided is a random acknowledged application not yet decided by
// this test.
func (st *crashState) pickUndecided(r *rand.Rand) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var c []string
	for _, id := range st.submitted[max(0, len(st.submitted)-40):] {
		if !st.approved[id] && !st.refused[id] && !st.undecidable[id] {
			c = append(c, id)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return c[r.IntN(len(c))]
}

// pickApproved is a random approved application, preferring recent ones
// and ones without a receipt.
func (st *crashState) pickApproved(r *rand.Rand) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var c []string
	for _, id := range st.submitted[max(0, len(st.submitted)-60):] {
		if st.approved[id] && !st.receipted[st.delivery[id]] {
			c = append(c, id)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return c[r.IntN(len(c))]
}

// deliveryIDOf reads the delivery of GET /applications/{id}: an id, or an
// object with one.
func deliveryIDOf(d any) string {
	switch v := d.(type) {
	case string:
		return v
	case map[string]any:
		if s, ok := v["id"].(string); ok {
			return s
		}
	}
	return ""
}

// downloadEnvelope is GET /deliveries/{id}/envelope, whole (a body cut by
// the kill is an error, never a short envelope).
func downloadEnvelope(ctx context.Context, c *client, did string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/deliveries/"+did+"/envelope", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &apiError{resp.StatusCode, truncate(string(b), 200)}
	}
	if resp.ContentLength >= 0 && int64(len(b)) != resp.ContentLength {
		return nil, fmt.Errorf("envelope: %d bytes of %d", len(b), resp.ContentLength)
	}
	return b, nil
}

// logDir is where the service keeps its share-record log.
func (f *fixture) logDir() string { return filepath.Join(f.data, "log") }

// logVerifyArgs verify the log with every record's signature checked
// against its maker's bundle: the platform's (made by the service in
// DATA/platform), the provider's and the recipient's; the state file
// remembers the checkpoint verified last, so a restart that forked or
// rolled back the log fails the next round.
func (f *fixture) logVerifyArgs() []string {
	return []string{"log", "verify", "--vkey", f.logDir() + ".vkey", "--require-signed",
		"--state", filepath.Join(filepath.Dir(f.data), "verify.state"),
		"--trust", filepath.Join(f.data, "platform", "exchange-platform.pub"),
		"--trust", filepath.Join(f.pkeys, providerDept+".pub"),
		"--trust", filepath.Join(f.rkeys, recipientDept+".pub"),
		f.logDir()}
}

// checkCommands runs `xs check` and `govshare log verify` on the data
// directory (the service idle or stopped).
func (f *fixture) checkCommands(t *testing.T, round int) {
	t.Helper()
	args := append([]string{"check", "--data", f.data}, f.db...)
	if out, err := runErr(nil, "", xsBin, args...); err != nil {
		t.Errorf("round %d: xs check: %v\n%s", round, err, out)
	}
	if out, err := runErr(nil, "", govshareBin, f.logVerifyArgs()...); err != nil {
		t.Errorf("round %d: govshare log verify: %v\n%s", round, err, out)
	}
}

// logFacts reads the log's application records: (application, event) →
// record.
func (f *fixture) logFacts(t *testing.T) map[[2]string]audit.ApplicationRecord {
	t.Helper()
	facts := map[[2]string]audit.ApplicationRecord{}
	for e, err := range audit.Entries(f.logDir()) {
		if err != nil {
			t.Fatalf("read log: %v", err)
		}
		var r audit.ApplicationRecord
		switch v := e.Record.(type) {
		case audit.ApplicationRecord:
			r = v
		case *audit.ApplicationRecord:
			r = *v
		default:
			continue
		}
		k := [2]string{r.Application, string(r.Event)}
		if _, dup := facts[k]; dup {
			t.Errorf("log: application %s has two %s records", r.Application, r.Event)
		}
		facts[k] = r
	}
	return facts
}

// apiApp is an application as GET /applications lists it.
type apiApp struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Pending       string `json:"pending"`
	DeliveryError string `json:"delivery_error"`
	Grant         *struct {
		ID string `json:"id"`
	} `json:"grant"`
	Delivery *struct {
		ID         string `json:"id"`
		EnvelopeID string `json:"envelope_id"`
		SHA256     string `json:"sha256"`
	} `json:"delivery"`
}

// quiesce waits until the restarted service has finished what the kill
// interrupted: nothing pending, every approved application delivered (or
// failed, which is an error). It returns the applications then.
func (f *fixture) quiesce(t *testing.T, round int, c *client, st *crashState) map[string]apiApp {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for poll := 0; ; poll++ {
		var list struct {
			Applications []apiApp `json:"applications"`
		}
		if err := c.do(context.Background(), "GET", "/applications", nil, &list); err != nil {
			t.Fatalf("round %d: GET /applications: %v", round, err)
		}
		apps := map[string]apiApp{}
		busy := ""
		for _, a := range list.Applications {
			apps[a.ID] = a
			switch {
			case a.DeliveryError != "":
				t.Fatalf("round %d: application %s: delivery failed: %s", round, a.ID, a.DeliveryError)
			case a.Pending != "":
				busy = fmt.Sprintf("application %s has %s pending", a.ID, a.Pending)
			case a.Status == "approved":
				busy = fmt.Sprintf("application %s is approved without a delivery", a.ID)
				if poll == 0 {
					st.cut["sealing"]++ // a delivery the kill interrupted or never started
				}
			}
		}
		if busy == "" {
			return apps
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: not idle 60 s after the restart: %s", round, busy)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// verifyRestart checks the restarted service, once it is idle, against
// what it acknowledged before the kill and against the log on disk, and
// runs the check commands.
func (f *fixture) verifyRestart(t *testing.T, round int, base string, st *crashState) {
	t.Helper()
	ctx := context.Background()
	recip, auditor := f.client(base, "cab-user"), f.client(base, "cab-audit")
	for _, r := range st.refusals[:min(len(st.refusals), 10)] {
		t.Errorf("round %d: before the kill: %s", round, r)
	}
	t0 := time.Now()
	apps := f.quiesce(t, round, recip, st)
	st.phase["quiesce"] += time.Since(t0)
	t0 = time.Now()
	f.checkCommands(t, round)
	st.phase["check commands"] += time.Since(t0)
	defer func(t0 time.Time) { st.phase["api checks"] += time.Since(t0) }(time.Now())
	var chk struct {
		Consistent bool     `json:"consistent"`
		Problems   []string `json:"problems"`
	}
	// The API's check is the check command's, run in the service: every
	// fifth round is enough to see that it answers the same.
	if round%5 == 0 {
		if err := auditor.do(ctx, "GET", "/admin/check", nil, &chk); err != nil {
			t.Errorf("round %d: GET /admin/check: %v", round, err)
		} else if !chk.Consistent {
			t.Errorf("round %d: GET /admin/check: %v", round, chk.Problems)
		}
	}

	// Checkpoints only grow: an acknowledged record is never lost.
	var cp []byte
	if err := auditor.do(ctx, "GET", "/log/checkpoint", nil, &cp); err != nil {
		t.Errorf("round %d: GET /log/checkpoint: %v", round, err)
	} else if vkey, err := os.ReadFile(f.logDir() + ".vkey"); err != nil {
		t.Errorf("round %d: %v", round, err)
	} else if v, err := audit.NewVerifier(strings.TrimSpace(string(vkey))); err != nil {
		t.Errorf("round %d: log verifier key: %v", round, err)
	} else if c, err := audit.OpenCheckpoint(cp, v); err != nil {
		t.Errorf("round %d: checkpoint does not verify with the log's key: %v", round, err)
	} else {
		if c.Size < st.treeSize {
			t.Errorf("round %d: log shrank from %d to %d records across a restart", round, st.treeSize, c.Size)
		}
		st.treeSize = max(st.treeSize, c.Size)
	}

	// Nothing acknowledged is lost.
	for _, id := range st.submitted {
		a, ok := apps[id]
		switch {
		case !ok:
			t.Errorf("round %d: application %s, acknowledged before the kill, is gone", round, id)
		case st.approved[id] && (a.Status == "submitted" || a.Status == "refused"):
			t.Errorf("round %d: application %s: approval acknowledged before the kill, status now %q", round, id, a.Status)
		case st.refused[id] && a.Status != "refused":
			t.Errorf("round %d: application %s: refusal acknowledged before the kill, status now %q", round, id, a.Status)
		}
	}
	for id, a := range apps {
		if a.Delivery != nil && st.receipted[a.Delivery.ID] && a.Status != "received" {
			t.Errorf("round %d: application %s: receipt acknowledged before the kill, status now %q", round, id, a.Status)
		}
	}

	// The database and the log say the same, both ways.
	facts := f.logFacts(t)
	f.checkShares(t, round, facts)
	for id, a := range apps {
		has := func(ev audit.ApplicationEvent) (audit.ApplicationRecord, bool) {
			r, ok := facts[[2]string{id, string(ev)}]
			return r, ok
		}
		_, hasSub := has(audit.AppSubmitted)
		appr, hasAppr := has(audit.AppApproved)
		_, hasRef := has(audit.AppRefused)
		del, hasDel := has(audit.AppDelivered)
		rcv, hasRcv := has(audit.AppReceived)
		if !hasSub {
			t.Errorf("round %d: application %s (%s) has no submitted record on the log", round, id, a.Status)
		}
		granted := a.Status == "approved" || a.Status == "delivered" || a.Status == "received"
		if granted != hasAppr {
			t.Errorf("round %d: application %s is %s; approved record on the log: %v", round, id, a.Status, hasAppr)
		}
		if (a.Status == "refused") != hasRef {
			t.Errorf("round %d: application %s is %s; refused record on the log: %v", round, id, a.Status, hasRef)
		}
		if granted && (a.Grant == nil || !hasAppr || appr.GrantID != a.Grant.ID) {
			t.Errorf("round %d: application %s is %s without its grant (or the log names another)", round, id, a.Status)
		}
		if (a.Delivery != nil) != hasDel {
			t.Errorf("round %d: application %s: delivery in the API %v, delivered record on the log %v", round, id, a.Delivery != nil, hasDel)
		}
		if (a.Status == "received") != hasRcv {
			t.Errorf("round %d: application %s is %s; received record on the log: %v", round, id, a.Status, hasRcv)
		}
		if a.Delivery == nil || !hasDel {
			continue
		}
		if del.EnvelopeID != a.Delivery.EnvelopeID || del.Digest.String() != a.Delivery.SHA256 {
			t.Errorf("round %d: delivery %s: the API and the delivered record name different envelopes", round, a.Delivery.ID)
		}
		if hasRcv && (rcv.EnvelopeID != del.EnvelopeID || rcv.Digest != del.Digest) {
			t.Errorf("round %d: delivery %s: the receipt names another envelope", round, a.Delivery.ID)
		}
		// The envelope served now is the one the log records, and the one
		// downloaded before any kill: each delivery downloaded once after a
		// restart, and one in twenty again every round.
		if st.checked[a.Delivery.ID] && rand.IntN(20) != 0 {
			continue
		}
		st.checked[a.Delivery.ID] = true
		body, err := downloadEnvelope(ctx, recip, a.Delivery.ID)
		if err != nil {
			t.Errorf("round %d: delivery %s: download: %v", round, a.Delivery.ID, err)
			continue
		}
		sum := sha256.Sum256(body)
		if audit.Digest(sum) != del.Digest {
			t.Errorf("round %d: delivery %s: envelope SHA-256 %s, the delivered record says %s", round, a.Delivery.ID, hex.EncodeToString(sum[:8]), del.Digest.String()[:16])
		}
		if prev, ok := st.download[a.Delivery.ID]; ok && prev != sum {
			t.Errorf("round %d: delivery %s: the envelope changed across a restart", round, a.Delivery.ID)
		}
		st.delivery[id] = a.Delivery.ID
		if envID, _, err := govshare.EnvelopeDigest(bytes.NewReader(body)); err != nil {
			t.Errorf("round %d: delivery %s: not an envelope: %v", round, a.Delivery.ID, err)
		} else if envID != del.EnvelopeID {
			t.Errorf("round %d: delivery %s: envelope id differs from the delivered record's", round, a.Delivery.ID)
		}
	}
}

// writeRegister writes a generated population register of rows rows with
// the columns of testdata/catalog/population.yaml.
func writeRegister(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	g := synth.New(13)
	if err := g.WriteCSV(w, synth.PopulationColumns(), rows, g.PopulationRow); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkShares checks that every share record on the log is accounted for:
// the envelope it names was delivered (a delivered application record
// names it) or its share was withdrawn (a refuse record with the code
// withdrawn). A share record left without either says the provider shared
// data that no recipient could ever receive — an envelope sealed, recorded,
// then lost in a crash and sealed again under another id. No envelope may
// be both delivered and withdrawn.
func (f *fixture) checkShares(t *testing.T, round int, facts map[[2]string]audit.ApplicationRecord) {
	t.Helper()
	delivered := map[string]bool{}
	for _, r := range facts {
		if r.Event == audit.AppDelivered {
			delivered[r.EnvelopeID] = true
		}
	}
	shared := map[string]bool{}
	withdrawn := map[string]bool{}
	for e, err := range audit.Entries(f.logDir()) {
		if err != nil {
			t.Fatalf("read log: %v", err)
		}
		switch r := e.Record.(type) {
		case audit.ShareRecord:
			shared[r.EnvelopeID] = true
		case audit.RefuseRecord:
			if r.Code == audit.ReasonWithdrawn && r.EnvelopeID != "" {
				withdrawn[r.EnvelopeID] = true
			}
		}
	}
	for env := range shared {
		if !delivered[env] && !withdrawn[env] {
			t.Errorf("round %d: share record of envelope %s: never delivered, never withdrawn", round, env)
		}
		if delivered[env] && withdrawn[env] {
			t.Errorf("round %d: envelope %s is both delivered and withdrawn on the log", round, env)
		}
	}
}
