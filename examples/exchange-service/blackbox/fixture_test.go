package blackbox

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Departments of the fixture: the public security bureau provides the sample
// population register, the civil affairs bureau applies for it.
const (
	providerDept  = "public-security-bureau"
	recipientDept = "civil-affairs-bureau"
	resourceName  = "population-register"
)

// account is one account made with `xs accounts add`.
type account struct {
	dept, role, name, password, token string
}

// fixture is a data directory with keys, accounts, registered bundles and
// one published resource.
type fixture struct {
	data    string   // --data
	db      []string // --db URL, when not the default
	pkeys   string   // the provider's keyring directory (the service's --keys)
	rkeys   string   // the recipient's keyring directory (the recipient's own)
	sources string   // --sources
	acct    map[string]*account

	resourceID string // the published resource's id (applications name it)
}

// serveArgs are the flags of `xs serve` for the fixture (without --addr).
func (f *fixture) serveArgs() []string {
	a := []string{"--data", f.data, "--keys", f.pkeys, "--dept", providerDept, "--sources", f.sources}
	return append(a, f.db...)
}

// newFixture makes keys and accounts (the service need not run); source is
// the CSV file published as the resource, copied into the sources directory.
func newFixture(t testing.TB, dir string, db []string, source string) *fixture {
	t.Helper()
	f := &fixture{
		data:    filepath.Join(dir, "data"),
		db:      db,
		pkeys:   filepath.Join(dir, "provider-keys"),
		rkeys:   filepath.Join(dir, "recipient-keys"),
		sources: filepath.Join(dir, "sources"),
		acct:    map[string]*account{},
	}
	if err := os.MkdirAll(f.sources, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(source)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.sources, "population.csv"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, nil, "", govshareBin, "keys", "new", "--dept", providerDept, "--dir", f.pkeys)
	run(t, nil, "", govshareBin, "keys", "new", "--dept", recipientDept, "--dir", f.rkeys)
	for _, a := range []*account{
		{dept: providerDept, role: "admin", name: "psb-admin"},
		{dept: providerDept, role: "provider", name: "psb-data"},
		{dept: providerDept, role: "reviewer", name: "psb-review", password: "审核员-口令-2026"},
		{dept: recipientDept, role: "admin", name: "cab-admin"},
		{dept: recipientDept, role: "recipient", name: "cab-user", password: "申请人-口令-2026"},
		{dept: recipientDept, role: "auditor", name: "cab-audit", password: "审计员-口令-2026"},
	} {
		f.addAccount(t, a)
	}
	return f
}

// addAccount runs `xs accounts add` and keeps the token it prints.
func (f *fixture) addAccount(t testing.TB, a *account) {
	t.Helper()
	args := append([]string{"accounts", "add", "--data", f.data}, f.db...)
	args = append(args, "--dept", a.dept, "--role", a.role, "--name", a.name)
	var env []string
	if a.password != "" {
		args = append(args, "--password")
		env = []string{"EXCHANGE_PASSWORD=" + a.password}
	}
	out := run(t, env, "", xsBin, args...)
	a.token = lastLine(out)
	if a.token == "" {
		t.Fatalf("accounts add %s: no token on the last line", a.name)
	}
	f.acct[a.name] = a
}

func (f *fixture) client(base, name string) *client {
	return newClient(base, f.acct[name].token)
}

// publish registers both departments' bundles and publishes the resource,
// through the API of the running service at base.
func (f *fixture) publish(t testing.TB, base string) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []struct{ admin, dept, dir string }{
		{"psb-admin", providerDept, f.pkeys},
		{"cab-admin", recipientDept, f.rkeys},
	} {
		pub, err := os.ReadFile(filepath.Join(r.dir, r.dept+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.client(base, r.admin).do(ctx, "POST", "/departments/"+r.dept+"/keys", pub, nil); err != nil {
			t.Fatalf("register %s bundle: %v", r.dept, err)
		}
	}
	cat, err := os.ReadFile(filepath.Join(repoRoot, "testdata", "catalog", "population.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]string{"catalog": string(cat), "source": "population.csv"}
	var res struct {
		ID string `json:"id"`
	}
	if err := f.client(base, "psb-data").do(ctx, "POST", "/resources", body, &res); err != nil {
		t.Fatalf("publish resource: %v", err)
	}
	if res.ID == "" {
		t.Fatal("publish resource: the answer has no id")
	}
	f.resourceID = res.ID
}

// applyBody is a recipient's application for the sample register, for data
// verification (the fields leave as tokens, masks or generalizations).
func (f *fixture) applyBody(notAfter string) map[string]any {
	return map[string]any{
		"resource":    f.resourceID,
		"fields":      []string{"姓名", "身份证号", "手机号码", "户籍地址"},
		"purpose":     "data_verification",
		"legal_basis": "《政务信息资源共享管理暂行办法》第十条：核验低保申请人身份",
		"not_after":   notAfter,
	}
}

// application is GET /applications/{id}.
type application struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Due      string `json:"due"`
	Delivery any    `json:"delivery"`
}
