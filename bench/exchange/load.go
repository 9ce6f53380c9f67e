package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/synth"
)

const (
	providerDept = "public-security-bureau"
)

type config struct {
	Recipients int
	Size       int64
	Dir        string
	Rounds     int
	Conns      int
	CheckRSS   bool      // assert the service's peak RSS < 100 envelopes (meaningful for large envelopes only)
	Log        io.Writer // progress; nil for none
}

// result is what one run measured.
type result struct {
	cfg          config
	Rows         int
	SourceBytes  int64
	EnvelopeSize []int64 // per recipient
	LoadWall     time.Duration
	Latency      map[string][]time.Duration // endpoint → samples
	Errors       []string
	ServiceBps   []float64 // per download round
	BaselineBps  []float64
	HWM          int64 // the service's VmHWM after the load, bytes
	LogVerify    string
	LogErr       error
}

func (r *result) fail(format string, a ...any) {
	r.Errors = append(r.Errors, fmt.Sprintf(format, a...))
}

// recipient is one applying department with its account and keyring.
type recipient struct {
	dept, token, adminToken string
	kr                      *keys.Keyring
	pub                     []byte
	app, delivery           string
	envelope                string // the downloaded file
}

func run(cfg config, logw io.Writer) (*result, error) {
	cfg.Log = logw
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Recipients < 1 || cfg.Rounds < 1 || cfg.Conns < 1 {
		return nil, errors.New("-recipients, -rounds and -conns must be at least 1")
	}
	t0 := time.Now()
	progress := func(format string, a ...any) {
		fmt.Fprintf(cfg.Log, "[%5.1fs] "+format+"\n", append([]any{time.Since(t0).Seconds()}, a...)...)
	}
	root, err := findRoot()
	if err != nil {
		return nil, err
	}
	work := cfg.Dir
	if work == "" {
		if work, err = os.MkdirTemp("", "govshare-exchange-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	}
	res := &result{cfg: cfg, Latency: map[string][]time.Duration{}}
	xs, gs := filepath.Join(work, "bin", "xs"), filepath.Join(work, "bin", "govshare")
	progress("building the service and the CLI")
	for _, b := range [][2]string{{xs, "./examples/exchange-service"}, {gs, "./cmd/govshare"}} {
		if err := build(root, b[0], b[1]); err != nil {
			return nil, err
		}
	}
	data, sources, pkeys := filepath.Join(work, "data"), filepath.Join(work, "sources"), filepath.Join(work, "provider-keys")
	if err := os.MkdirAll(sources, 0o700); err != nil {
		return nil, err
	}
	if res.Rows, res.SourceBytes, err = generate(filepath.Join(sources, "population.csv"), cfg.Size); err != nil {
		return nil, err
	}
	progress("source: %d rows, %d bytes", res.Rows, res.SourceBytes)

	// Keys and accounts, before the service starts.
	if _, err := runCmd(nil, gs, "keys", "new", "--dept", providerDept, "--dir", pkeys); err != nil {
		return nil, err
	}
	addAccount := func(dept, role, name string) (string, error) {
		out, err := runCmd(nil, xs, "accounts", "add", "--data", data, "--dept", dept, "--role", role, "--name", name)
		if err != nil {
			return "", err
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return strings.TrimSpace(lines[len(lines)-1]), nil
	}
	psbAdmin, err := addAccount(providerDept, "admin", "psb-admin")
	if err != nil {
		return nil, err
	}
	publisher, err := addAccount(providerDept, "provider", "psb-data")
	if err != nil {
		return nil, err
	}
	reviewer, err := addAccount(providerDept, "reviewer", "psb-review")
	if err != nil {
		return nil, err
	}
	progress("keys and accounts for %d recipient departments", cfg.Recipients)
	recips := make([]*recipient, cfg.Recipients)
	for i := range recips {
		rc := &recipient{dept: fmt.Sprintf("county-%03d-civil-affairs", i)}
		dir := filepath.Join(work, "recipient-keys")
		if _, err := runCmd(nil, gs, "keys", "new", "--dept", rc.dept, "--dir", dir); err != nil {
			return nil, err
		}
		master, err := keys.LocalMaster(dir)
		if err != nil {
			return nil, err
		}
		if rc.kr, err = keys.Load(dir, rc.dept, master); err != nil {
			return nil, err
		}
		if rc.pub, err = os.ReadFile(keys.PublicPath(dir, rc.dept)); err != nil {
			return nil, err
		}
		if rc.adminToken, err = addAccount(rc.dept, "admin", "admin"); err != nil {
			return nil, err
		}
		if rc.token, err = addAccount(rc.dept, "recipient", "user"); err != nil {
			return nil, err
		}
		recips[i] = rc
	}

	svc, err := startService(xs, []string{"--data", data, "--keys", pkeys, "--dept", providerDept, "--sources", sources})
	if err != nil {
		return nil, err
	}
	defer func() {
		select {
		case <-svc.done:
		default:
			svc.stop()
		}
	}()
	tr := &http.Transport{
		MaxConnsPerHost:     cfg.Conns,
		MaxIdleConnsPerHost: cfg.Conns,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
	}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Minute}
	ctx := context.Background()
	as := func(token string) *api { return &api{base: svc.URL, token: token, hc: hc} }

	pub, err := os.ReadFile(keys.PublicPath(pkeys, providerDept))
	if err != nil {
		return nil, err
	}
	if err := as(psbAdmin).call(ctx, "POST", "/departments/"+providerDept+"/keys", pub, nil); err != nil {
		return nil, fmt.Errorf("register provider bundle: %w", err)
	}
	for _, rc := range recips {
		if err := as(rc.adminToken).call(ctx, "POST", "/departments/"+rc.dept+"/keys", rc.pub, nil); err != nil {
			return nil, fmt.Errorf("register %s bundle: %w", rc.dept, err)
		}
	}
	cat, err := os.ReadFile(filepath.Join(root, "testdata", "catalog", "population.yaml"))
	if err != nil {
		return nil, err
	}
	var published struct {
		ID string `json:"id"`
	}
	if err := as(publisher).call(ctx, "POST", "/resources", map[string]string{"catalog": string(cat), "source": "population.csv"}, &published); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	if published.ID == "" {
		return nil, errors.New("publish: the answer has no resource id")
	}

	progress("service started, bundles registered, resource published")
	progress("load: %d recipients apply, are approved, download and sign receipts", cfg.Recipients)
	var mu sync.Mutex
	record := func(endpoint string, d time.Duration) {
		mu.Lock()
		res.Latency[endpoint] = append(res.Latency[endpoint], d)
		mu.Unlock()
	}
	fail := func(format string, a ...any) {
		mu.Lock()
		res.fail(format, a...)
		mu.Unlock()
	}
	envDir := filepath.Join(work, "envelopes")
	if err := os.MkdirAll(envDir, 0o700); err != nil {
		return nil, err
	}
	toReview := make(chan string, cfg.Recipients)
	var reviewers sync.WaitGroup
	for range 4 {
		reviewers.Go(func() {
			for id := range toReview {
				t0 := time.Now()
				err := as(reviewer).call(ctx, "POST", "/applications/"+id+"/decision",
					map[string]string{"decision": "approve", "reason": "符合共享条件"}, nil)
				record("POST /applications/{id}/decision", time.Since(t0))
				if err != nil {
					fail("approve: %v", err)
				}
			}
		})
	}
	notAfter := time.Now().AddDate(0, 6, 0).Format("2006-01-02")
	start := time.Now()
	var wg sync.WaitGroup
	for _, rc := range recips {
		wg.Go(func() {
			if err := rc.cycle(ctx, as(rc.token), published.ID, notAfter, envDir, toReview, record); err != nil {
				fail("%s: %v", rc.dept, err)
			}
		})
	}
	wg.Wait()
	res.LoadWall = time.Since(start)
	close(toReview)
	reviewers.Wait()
	for _, rc := range recips {
		if rc.envelope == "" {
			continue
		}
		st, err := os.Stat(rc.envelope)
		if err != nil {
			return nil, err
		}
		res.EnvelopeSize = append(res.EnvelopeSize, st.Size())
	}
	progress("load done in %v; download rounds", res.LoadWall.Round(time.Millisecond))

	// Download throughput: the service against http.ServeContent on the same
	// files, alternating so that both see the same machine.
	base, closeBase, err := baseline(recips)
	if err != nil {
		return nil, err
	}
	defer closeBase()
	for round := range cfg.Rounds {
		bps, err := downloadAll(ctx, hc, recips, func(rc *recipient) (string, string) {
			return svc.URL + "/api/v1/deliveries/" + rc.delivery + "/envelope", rc.token
		})
		if err != nil {
			fail("service download round %d: %v", round, err)
		}
		res.ServiceBps = append(res.ServiceBps, bps)
		bps, err = downloadAll(ctx, hc, recips, func(rc *recipient) (string, string) {
			return base + "/" + rc.delivery, ""
		})
		if err != nil {
			fail("baseline download round %d: %v", round, err)
		}
		res.BaselineBps = append(res.BaselineBps, bps)
	}
	if res.HWM, err = svc.hwm(); err != nil {
		return nil, err
	}
	if err := svc.stop(); err != nil {
		fail("%v", err)
	}
	progress("downloads done; verifying the log")
	logDir := filepath.Join(data, "log")
	out, err := runCmd(nil, gs, "log", "verify", "--vkey", logDir+".vkey", "--require-signed", logDir)
	res.LogVerify, res.LogErr = strings.TrimSpace(out), err
	return res, nil
}

// cycle is one recipient's whole exchange: apply, wait for the reviewer and
// the delivery, download, sign the receipt.
func (rc *recipient) cycle(ctx context.Context, a *api, resourceID, notAfter, envDir string, toReview chan<- string, record func(string, time.Duration)) error {
	var app struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	t0 := time.Now()
	err := a.call(ctx, "POST", "/applications", map[string]any{
		"resource":    resourceID,
		"fields":      []string{"姓名", "身份证号", "性别", "出生日期", "手机号码", "固定电话", "户籍地址", "电子邮箱", "车牌号", "护照号", "登记日期"},
		"purpose":     "data_verification",
		"legal_basis": "《政务信息资源共享管理暂行办法》第十条",
		"not_after":   notAfter,
	}, &app)
	record("POST /applications", time.Since(t0))
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	rc.app = app.ID
	toReview <- app.ID
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var st struct {
			Status   string          `json:"status"`
			Delivery json.RawMessage `json:"delivery"`
		}
		t0 = time.Now()
		err := a.call(ctx, "GET", "/applications/"+app.ID, nil, &st)
		record("GET /applications/{id}", time.Since(t0))
		if err != nil {
			return fmt.Errorf("poll: %w", err)
		}
		if id := deliveryID(st.Delivery); id != "" {
			rc.delivery = id
			break
		}
		if st.Status == "refused" || time.Now().After(deadline) {
			return fmt.Errorf("no delivery (status %s)", st.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}
	rc.envelope = filepath.Join(envDir, rc.delivery+".gse")
	t0 = time.Now()
	err = fetch(ctx, a.hc, a.base+"/api/v1/deliveries/"+rc.delivery+"/envelope", a.token, rc.envelope)
	record("GET /deliveries/{id}/envelope", time.Since(t0))
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	f, err := os.Open(rc.envelope)
	if err != nil {
		return err
	}
	envID, digest, err := govshare.EnvelopeDigest(bufio.NewReader(f))
	f.Close()
	if err != nil {
		return fmt.Errorf("downloaded envelope: %w", err)
	}
	sig, err := govshare.SignReceipt(rc.kr, envID, digest)
	if err != nil {
		return err
	}
	t0 = time.Now()
	err = a.call(ctx, "POST", "/deliveries/"+rc.delivery+"/receipt", map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}, nil)
	record("POST /deliveries/{id}/receipt", time.Since(t0))
	if err != nil {
		return fmt.Errorf("receipt: %w", err)
	}
	return nil
}

// deliveryID reads the delivery of GET /applications/{id}: an id, or an
// object with one.
func deliveryID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		ID string `json:"id"`
	}
	json.Unmarshal(raw, &o)
	return o.ID
}

// fetch downloads url into path.
func fetch(ctx context.Context, hc *http.Client, url, token, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// baseline serves every recipient's envelope file at /DELIVERY with
// http.ServeContent: what serving the same bytes costs without the service.
func baseline(recips []*recipient) (string, func(), error) {
	files := map[string]string{}
	for _, rc := range recips {
		if rc.delivery != "" {
			files["/"+rc.delivery] = rc.envelope
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(path)
		if err != nil {
			http.Error(w, "open", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.Error(w, "stat", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", st.ModTime(), f)
	})}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// downloadAll downloads every recipient's envelope at once and returns the
// aggregate throughput in bytes per second. Bodies are counted, not hashed,
// so that the client's hashing does not flatten the difference between the
// two servers; each must be exactly as long as the envelope (its bytes were
// checked on the first download, which signed a receipt over its digest).
func downloadAll(ctx context.Context, hc *http.Client, recips []*recipient, target func(*recipient) (url, token string)) (float64, error) {
	var total int64
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	start := time.Now()
	for _, rc := range recips {
		if rc.delivery == "" {
			continue
		}
		wg.Go(func() {
			url, token := target(rc)
			n, err := get(ctx, hc, url, token)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", rc.dept, err))
				return
			}
			if st, err := os.Stat(rc.envelope); err != nil {
				errs = append(errs, err)
			} else if st.Size() != n {
				errs = append(errs, fmt.Errorf("%s: %d bytes downloaded, the envelope has %d", rc.dept, n, st.Size()))
			}
		})
	}
	wg.Wait()
	return float64(total) / time.Since(start).Seconds(), errors.Join(errs...)
}

func get(ctx context.Context, hc *http.Client, url, token string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return n, err
}

// generate writes a population register of about size bytes with the
// columns of testdata/catalog/population.yaml.
func generate(path string, size int64) (rows int, n int64, err error) {
	g := synth.New(13)
	var probe bytes.Buffer
	if err := g.WriteCSV(&probe, synth.PopulationColumns(), 1000, g.PopulationRow); err != nil {
		return 0, 0, err
	}
	rows = max(1, int(size*1000/int64(probe.Len())))
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	g = synth.New(13)
	if err := g.WriteCSV(w, synth.PopulationColumns(), rows, g.PopulationRow); err != nil {
		f.Close()
		return 0, 0, err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return 0, 0, err
	}
	return rows, st.Size(), f.Close()
}

// percentile is the q-quantile (0..1) of d, nearest rank.
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(f []float64) float64 {
	if len(f) == 0 {
		return 0
	}
	s := slices.Clone(f)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
