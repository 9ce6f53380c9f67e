package govshare_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/policy"
)

// enterpriseCatalog is a register of companies: the person unit is the
// company (its USCC), 营业收入 is a trade secret and 联系人电话 is
// conditional.
const enterpriseCatalog = `resource: enterprise-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 统一社会信用代码, type: cn_uscc, category: public, level: general, sensitive: false}
  - {name: 行业, type: none, category: public, level: general, sensitive: false}
  - {name: 营业收入, type: none, category: trade_secret, level: general, sensitive: false}
  - {name: 职工人数, type: none, category: public, level: general, sensitive: false, tier: conditional}
`

func enterprises(t *testing.T, n int) (*catalog.Catalog, []byte) {
	t.Helper()
	cat, err := catalog.Parse([]byte(enterpriseCatalog), "enterprise.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("统一社会信用代码,行业,营业收入,职工人数\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "91110105MA%08d,%s,%d,%d\n", i, []string{"制造业", "批发零售", "信息技术"}[i%3], 1000*(i%97), 10+i%40)
	}
	return cat, []byte(b.String())
}

func csvInput(data []byte) govshare.Input {
	return govshare.Input{Reader: bytes.NewReader(data), Name: "in.csv"}
}

func testLedger(t *testing.T) *dp.Ledger {
	t.Helper()
	l, err := dp.OpenLedger(filepath.Join(t.TempDir(), "ledger.jsonl"), 10, 1e-5)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestShareReleaseGated: a count by 性别 is sealed to its recipient for
// statistics, opens to the report the library computed, names its fields as
// dp, and both acts are on record.
func TestShareReleaseGated(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, grants, data := loadFixtures(t)
	l, dir, _ := testLog(t)
	led := testLedger(t)
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 1, Delta: 1e-6}
	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(), &env, csvInput(data), psb, civ.Public(), cat, q,
		&govshare.ReleaseOptions{Ledger: led, Grants: grants, Now: now, Log: l})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Header.Fields {
		if f.Transform != catalog.TransformDP {
			t.Errorf("field %s leaves as %s", f.Name, f.Transform)
		}
	}
	got, err := openShared(env.Bytes(), l, civ, catalog.PurposeStatistics, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var rep dp.Report
	if err := json.Unmarshal(got, &rep); err != nil || rep.Recipient != "civil-affairs-bureau" || rep.GroupBy != "性别" {
		t.Fatalf("opened %s, %v", got, err)
	}
	if rep.Budget == nil || rep.Budget.SpentEpsilon != 1 {
		t.Errorf("budget %+v", rep.Budget)
	}
	if e, _, _ := led.Spent("population-register", "civil-affairs-bureau"); e != 1 {
		t.Errorf("ledger charged %g to the recipient's account, want 1", e)
	}
	if k := logKinds(t, dir); k != "release:opened" {
		t.Errorf("log holds %s", k)
	}
	// The release record names the envelope, the account and what it spent.
	sr, ok := res.Receipt.SignedRecord()
	rel, _ := sr.Record.(audit.ReleaseRecord)
	hh, _ := res.Header.Hash()
	if !ok || sr.Signer != "public-security-bureau" || rel.EnvelopeID != res.Header.ID.String() || rel.HeaderHash != hh ||
		rel.Resource != "population-register" || rel.Recipient != "civil-affairs-bureau" || rel.Epsilon != 1 || rel.Delta != 1e-6 ||
		rel.BudgetEpsilon != 10 || rel.BudgetDelta != 1e-5 || rel.Mechanism != "count/laplace+dpagg.PreAggSelectPartition" {
		t.Errorf("release record %+v signed by %s", sr.Record, sr.Signer)
	}
}

// TestReleaseRefusesWithheldField: a trade_secret field no grant names is
// withheld for statistics, so a release that needs it — as value, group or
// person — is refused by the library (ShareRelease used to seal it labelled
// dp without error), before anything is written or charged. Under a grant
// for statistics that names it, it may feed the release, and the envelope
// relies on that grant.
func TestReleaseRefusesWithheldField(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, data := enterprises(t, 300)
	for _, q := range []dp.Options{
		{Kind: dp.KindSum, Person: "统一社会信用代码", Column: "营业收入", Lower: 0, Upper: 1e5, Epsilon: 1},
		{Kind: dp.KindMean, Person: "统一社会信用代码", Column: "营业收入", Lower: 0, Upper: 1e5, Epsilon: 1},
		{Kind: dp.KindCount, Person: "营业收入", Epsilon: 1},
		{Kind: dp.KindSum, Person: "统一社会信用代码", Column: "职工人数", Lower: 0, Upper: 100, Epsilon: 1}, // conditional, no grant
	} {
		led := testLedger(t)
		var env bytes.Buffer
		_, err := govshare.ShareRelease(context.Background(), &env, csvInput(data), psb, civ.Public(), cat, q,
			&govshare.ReleaseOptions{Ledger: led, Now: now})
		if !errors.Is(err, govshare.ErrWithheld) || env.Len() != 0 {
			t.Errorf("%s of %s by %s: %v, %d bytes sealed", q.Kind, q.Column, q.Person, err, env.Len())
		}
		_, err = govshare.Release(context.Background(), csvInput(data), "civil-affairs-bureau", cat, q, &govshare.ReleaseOptions{Ledger: led, Now: now})
		if !errors.Is(err, govshare.ErrWithheld) {
			t.Errorf("unsealed %s of %s: %v", q.Kind, q.Column, err)
		}
		if e, _, _ := led.Spent("enterprise-register", "civil-affairs-bureau"); e != 0 {
			t.Errorf("a refused release charged ε=%g", e)
		}
	}
	// A grant to the sealed release's recipient (the bundle's department)
	// for statistics that names both fields: the release goes, relying on it.
	grants := []policy.Grant{{ID: "g-stat-1", Resource: "enterprise-register", Recipient: "civil-affairs-bureau",
		Purpose: catalog.PurposeStatistics, Fields: []string{"营业收入", "职工人数"}, NotAfter: now.AddDate(0, 1, 0), Basis: "统计法"}}
	q := dp.Options{Kind: dp.KindSum, Person: "统一社会信用代码", Column: "营业收入", Lower: 0, Upper: 1e5, Epsilon: 1}
	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(), &env, csvInput(data), psb, civ.Public(), cat, q,
		&govshare.ReleaseOptions{Unbudgeted: true, Grants: grants, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Header.Grant != "g-stat-1" || !res.Header.NotAfter.Before(grants[0].End()) {
		t.Errorf("envelope relies on %q until %s", res.Header.Grant, res.Header.NotAfter)
	}
	// The same grant does not serve another recipient.
	_, tax, _ := shareParties(t)
	if _, err := govshare.ShareRelease(context.Background(), &bytes.Buffer{}, csvInput(data), psb, tax.Public(), cat, q,
		&govshare.ReleaseOptions{Unbudgeted: true, Grants: grants, Now: now}); !errors.Is(err, govshare.ErrWithheld) {
		t.Errorf("another recipient relied on the grant: %v", err)
	}
}

// TestReleaseGroupByRefused: group labels leave in clear, so grouping by
// an identifier-typed, sensitive or free-text column is refused by the
// library before anything is read or charged (stats --group-by 身份证号
// released about 94 of 200 resident IDs, 手机号码 109 mobiles, 户籍地址
// 49,662 addresses); the error names the column, never a value.
func TestReleaseGroupByRefused(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	lines := strings.Split(string(data), "\n")
	for _, col := range []string{"身份证号", "手机号码", "户籍地址", "姓名", "出生日期", "经纬度", "民族", "电子邮箱"} {
		led := testLedger(t)
		q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: col, Epsilon: 1, Delta: 1e-6}
		if col == "身份证号" {
			q.Person = "姓名"
		}
		var env bytes.Buffer
		_, err := govshare.ShareRelease(context.Background(), &env, csvInput(data), psb, civ.Public(), cat, q,
			&govshare.ReleaseOptions{Ledger: led, Now: now})
		if err == nil || env.Len() != 0 {
			t.Errorf("group by %s: sealed %d bytes", col, env.Len())
			continue
		}
		for _, line := range lines[1:4] {
			for _, v := range strings.Split(line, ",") {
				if len(v) > 3 && strings.Contains(err.Error(), v) {
					t.Fatalf("group by %s: the error quotes a value", col)
				}
			}
		}
		if !errors.Is(err, dp.ErrGroupColumn) && !errors.Is(err, govshare.ErrWithheld) {
			t.Errorf("group by %s: %v", col, err)
		}
		if e, _, _ := led.Spent("population-register", "civil-affairs-bureau"); e != 0 {
			t.Errorf("group by %s charged ε=%g", col, e)
		}
	}
	// A catalogued category (性别) may be grouped by.
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 1, Delta: 1e-6}
	if _, err := govshare.Release(context.Background(), csvInput(data), "public", cat, q, &govshare.ReleaseOptions{Unbudgeted: true, Now: now}); err != nil {
		t.Fatal(err)
	}
}

// TestReleaseNeedsBudget: no budget of record and no statement that the
// release is unbudgeted is a refusal, as is a stated ε above the cap or a
// δ that could release singleton groups.
func TestReleaseNeedsBudget(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", Epsilon: 1}
	for _, opt := range []*govshare.ReleaseOptions{nil, {Now: now}} {
		if _, err := govshare.Release(context.Background(), csvInput(data), "public", cat, q, opt); !errors.Is(err, dp.ErrNoBudget) {
			t.Errorf("release without a budget: %v", err)
		}
		if _, err := govshare.ShareRelease(context.Background(), &bytes.Buffer{}, csvInput(data), psb, civ.Public(), cat, q, opt); !errors.Is(err, dp.ErrNoBudget) {
			t.Errorf("sealed release without a budget: %v", err)
		}
	}
	for _, bad := range []dp.Options{
		{Kind: dp.KindCount, Person: "身份证号", Epsilon: 50},
		{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 1, Delta: 0.5},
		{Kind: dp.KindSum, Person: "身份证号", Column: "登记日期", Epsilon: 1, Lower: 0, Upper: 1e308},
	} {
		if _, err := govshare.Release(context.Background(), csvInput(data), "public", cat, bad, &govshare.ReleaseOptions{Unbudgeted: true, Now: now}); err == nil {
			t.Errorf("%+v released", bad)
		}
	}
}

// TestReleaseBlankPersonRows: a register with a few blank person keys is
// released; the rows are left out and counted for the provider only, and
// the envelope carries no such count.
func TestReleaseBlankPersonRows(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 5; i < len(lines); i += 40 { // 5 rows lose their resident ID
		f := strings.SplitN(lines[i], ",", 3)
		lines[i] = f[0] + ",," + f[2]
	}
	blanked := []byte(strings.Join(lines, "\n") + "\n")
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", GroupBy: "性别", Epsilon: 1, Delta: 1e-6}
	var env bytes.Buffer
	res, err := govshare.ShareRelease(context.Background(), &env, csvInput(blanked), psb, civ.Public(), cat, q,
		&govshare.ReleaseOptions{Unbudgeted: true, Now: now})
	if err != nil {
		t.Fatalf("a register with blank person keys: %v", err)
	}
	if res.Excluded.BlankPerson != 5 {
		t.Errorf("excluded %+v, want 5 blank-key rows", res.Excluded)
	}
	got, err := openShared(env.Bytes(), nil, civ, catalog.PurposeStatistics, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte("blank")) || bytes.Contains(got, []byte("exclu")) {
		t.Errorf("the release tells the recipient about the excluded rows: %s", got)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestShareReleaseChargedOnFailure: a release computed and charged whose
// envelope then cannot be written is not silently lost: the spend stays in
// the ledger and the error says it was charged.
func TestShareReleaseChargedOnFailure(t *testing.T) {
	psb, _, civ := shareParties(t)
	cat, _, data := loadFixtures(t)
	led := testLedger(t)
	q := dp.Options{Kind: dp.KindCount, Person: "身份证号", Epsilon: 0.5}
	_, err := govshare.ShareRelease(context.Background(), failWriter{}, csvInput(data), psb, civ.Public(), cat, q,
		&govshare.ReleaseOptions{Ledger: led, Now: now})
	if err == nil || !strings.Contains(err.Error(), "charged") {
		t.Fatalf("err = %v, want a failure that says the release was charged", err)
	}
	if e, _, _ := led.Spent("population-register", "civil-affairs-bureau"); e != 0.5 {
		t.Fatalf("spent %g, want 0.5 on record", e)
	}
	if _, err := os.Stat(led.Path()); err != nil {
		t.Fatal(err)
	}
}
