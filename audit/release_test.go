package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/crypto/keys"
)

// release returns gongan's release of 人口基础信息 to recipient spending
// eps, stating budget (0 for none), at baseTime plus i seconds.
func release(i int, recipient string, eps, budget float64) ReleaseRecord {
	r := ReleaseRecord{
		ReleaseID: "rel-" + strings.Repeat("0", 4) + string(rune('a'+i%26)) + time.Duration(i).String(),
		Provider:  "gongan", Recipient: recipient, Resource: "人口基础信息",
		Mechanism: "count/laplace+dpagg.PreAggSelectPartition", Epsilon: eps, Delta: 1e-6,
		Time: baseTime.Add(time.Duration(i) * time.Second),
	}
	if budget > 0 {
		r.BudgetEpsilon, r.BudgetDelta = budget, 1e-5
	}
	return r
}

// TestReleaseRecordCanonical: a release record carries its account, ε, δ,
// mechanism and stated budget in canonical JSON; numbers are written as
// encoding/json writes them, and any other spelling of the same number is
// refused, so one record has one leaf hash.
func TestReleaseRecordCanonical(t *testing.T) {
	sealed := ReleaseRecord{
		EnvelopeID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", HeaderHash: sha256.Sum256([]byte("h")),
		Provider: "gongan", Recipient: "tongji", Resource: "人口基础信息", Mechanism: "sum/gaussian",
		Epsilon: 0.5, Delta: 1e-7, BudgetEpsilon: 2, BudgetDelta: 1e-5, Time: baseTime,
	}
	for _, r := range []ReleaseRecord{sealed, release(1, "public", 1e-7, 0), release(2, "minzheng", 1e21, 0)} {
		if r.Epsilon > maxReleaseEpsilon {
			if _, err := Marshal(r); err == nil {
				t.Errorf("ε=%g accepted", r.Epsilon)
			}
			continue
		}
		b, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(`{"v":1,"type":"release","envelope":`)) {
			t.Errorf("record %s", b)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if got != r {
			t.Errorf("round trip: %+v, want %+v", got, r)
		}
		if Actor(r) != "gongan" {
			t.Errorf("actor %q", Actor(r))
		}
	}
	b, _ := Marshal(sealed)
	if !bytes.Contains(b, []byte(`"epsilon":0.5,"delta":1e-7,"budget_epsilon":2,"budget_delta":0.00001,`)) {
		t.Errorf("numbers not as encoding/json writes them: %s", b)
	}
	for _, other := range []string{`"epsilon":0.50,`, `"epsilon":5e-1,`, `"epsilon":.5,`, `"epsilon":+0.5,`} {
		bad := bytes.Replace(b, []byte(`"epsilon":0.5,`), []byte(other), 1)
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s parsed", other)
		}
	}
	for name, r := range map[string]ReleaseRecord{
		"no id":             {Provider: "gongan", Recipient: "x", Resource: "r", Mechanism: "m", Epsilon: 1, Time: baseTime},
		"both ids":          func() ReleaseRecord { r := sealed; r.ReleaseID = "rel-1"; return r }(),
		"hash without env":  func() ReleaseRecord { r := release(1, "x", 1, 0); r.HeaderHash = sealed.HeaderHash; return r }(),
		"zero ε":            release(1, "x", 0, 0),
		"δ = 1":             func() ReleaseRecord { r := release(1, "x", 1, 0); r.Delta = 1; return r }(),
		"budget ε only":     func() ReleaseRecord { r := release(1, "x", 1, 0); r.BudgetEpsilon = 1; r.BudgetDelta = -1; return r }(),
		"mechanism spaces":  func() ReleaseRecord { r := release(1, "x", 1, 0); r.Mechanism = "count laplace"; return r }(),
		"recipient as text": func() ReleaseRecord { r := release(1, "统计局", 1, 0); return r }(),
	} {
		if _, err := Marshal(r); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestOperatorChargesBudget: the operator appends a release record only if
// its account can afford it: the budget of record is the smallest stated,
// a larger one stated later does not raise it, an unbudgeted release to a
// budgeted account must fit too, and another account is another budget. A
// retried record is not charged twice, and a second operator of the same
// directory (another process) sees the first one's charges.
func TestOperatorChargesBudget(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	ctx := context.Background()
	add := func(op *Operator, r ReleaseRecord) (Receipt, error) {
		clk.set(r.Time.Add(100 * time.Millisecond))
		return op.Append(ctx, signRecord(t, op.Origin(), r))
	}
	first := release(0, "minzheng", 0.6, 1)
	r0, err := add(op, first)
	if err != nil {
		t.Fatal(err)
	}
	if r1, err := add(op, first); err != nil || r1.Index != r0.Index {
		t.Fatalf("retry: %v, index %d want %d", err, r1.Index, r0.Index)
	}
	for name, r := range map[string]ReleaseRecord{
		"over the budget":              release(1, "minzheng", 0.6, 1),
		"stating a larger budget":      release(2, "minzheng", 0.6, 100),
		"unbudgeted, budgeted account": release(3, "minzheng", 0.6, 0),
	} {
		if _, err := add(op, r); !errors.Is(err, ErrOverBudget) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := add(op, release(4, "minzheng", 0.4, 1)); err != nil {
		t.Errorf("the rest of the budget: %v", err)
	}
	if _, err := add(op, release(5, "shuiwu", 0.9, 1)); err != nil {
		t.Errorf("another account: %v", err)
	}
	// Another process's operator of the same log.
	l2, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	l2.clock = clk.now
	op2, _ := NewOperator(l2, testRegistry(t))
	defer l2.Close()
	if _, err := add(op2, release(6, "shuiwu", 0.2, 1)); !errors.Is(err, ErrOverBudget) {
		t.Errorf("second operator, over: %v", err)
	}
	if _, err := add(op, release(7, "shuiwu", 0.1, 1)); err != nil {
		t.Errorf("first operator, within: %v", err)
	}
	if _, err := add(op2, release(8, "shuiwu", 0.1, 1)); !errors.Is(err, ErrOverBudget) {
		t.Errorf("second operator after the first's charge: %v", err)
	}
	book, err := op2.Budgets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sp := book.Spent(Account{"gongan", "人口基础信息", "minzheng"}); sp.Releases != 2 || sp.Epsilon != 1 || !sp.Budgeted || sp.BudgetEpsilon != 1 {
		t.Errorf("minzheng's account: %+v", sp)
	}
	res, err := VerifyDir(dir, v, VerifyOptions{Registry: testRegistry(t), RequireSigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Budgets) != 2 || res.Budgets[0].Recipient != "minzheng" || res.Budgets[0].Epsilon != 1 ||
		res.Budgets[1].Recipient != "shuiwu" || res.Budgets[1].Epsilon != 1 {
		t.Errorf("verify recomputed %+v", res.Budgets)
	}
}

// TestVerifyFailsOverBudget: a log holding a release its account could not
// afford — which only an operator that skips its own check can write —
// fails verification with ErrOverBudget, and log show's Budgets says so.
func TestVerifyFailsOverBudget(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	ctx := context.Background()
	for i, eps := range []float64{0.7, 0.7} {
		r := release(i, "minzheng", eps, 1)
		clk.set(r.Time.Add(100 * time.Millisecond))
		op.log.budgets = &Book{} // an operator that forgets what was spent
		if _, err := op.Append(ctx, signRecord(t, op.Origin(), r)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{}); !errors.Is(err, ErrOverBudget) || !errors.Is(err, ErrNotVerified) {
		t.Fatalf("verify: %v", err)
	}
	var ents []Entry
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		ents = append(ents, e)
	}
	if _, err := Budgets(ents); !errors.Is(err, ErrOverBudget) {
		t.Errorf("Budgets: %v", err)
	}
}

// TestOverBudgetOverHTTP: the refusal keeps its sentinel across the wire,
// and a Client reads the budgets.
func TestOverBudgetOverHTTP(t *testing.T) {
	s, v, _ := newKeys(t)
	op, clk := newOperator(t, t.TempDir(), s)
	_, hs := serveLog(t, op, nil)
	ctx := context.Background()
	c, err := Dial(ctx, hs.URL, v, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []error{nil, ErrOverBudget} {
		r := release(i, "minzheng", 0.6, 1)
		clk.set(r.Time.Add(100 * time.Millisecond))
		if _, err := c.Append(ctx, signRecord(t, c.Origin(), r)); !errors.Is(err, want) {
			t.Errorf("release %d: %v, want %v", i, err, want)
		}
	}
	book, err := c.Budgets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sp := book.Spent(Account{"gongan", "人口基础信息", "minzheng"}); sp.Epsilon != 0.6 || sp.Releases != 1 {
		t.Errorf("client read %+v", sp)
	}
}

// TestKeyOpener: an open whose keys are not proven the envelope's
// recipient's names its opener by key; such a record is signed by the
// department it claims, with exactly that key, or it is refused.
func TestKeyOpener(t *testing.T) {
	kr := deptKeyring(t, "shuiwu")
	id, err := kr.PrimaryKeyID(keys.KindSignEd25519)
	if err != nil {
		t.Fatal(err)
	}
	opener := KeyOpener("shuiwu", id)
	if dept, got, ok := OpenerKey(opener); !ok || dept != "shuiwu" || got != id {
		t.Fatalf("OpenerKey(%q) = %q %d %v", opener, dept, got, ok)
	}
	for _, bad := range []string{"shuiwu", "key:shuiwu", "key:/1", "key:shuiwu/01", "key:shuiwu/4294967296", "key:shui wu/1"} {
		if _, _, ok := OpenerKey(bad); ok {
			t.Errorf("OpenerKey(%q) ok", bad)
		}
	}
	rec := OpenRecord{EnvelopeID: "sha256:" + strings.Repeat("ab", 32), Opener: opener, Purpose: "data_verification",
		Outcome: OutcomeWrongRecipient, Time: baseTime}
	if Actor(rec) != "shuiwu" {
		t.Errorf("actor %q", Actor(rec))
	}
	sr, err := Sign(rec, testOrigin, deptSigner(t, "shuiwu"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sr.Verify(testOrigin, testRegistry(t)); err != nil {
		t.Errorf("verify: %v", err)
	}
	form, _ := sr.Marshal()
	if _, err := ParseSigned(form); err != nil {
		t.Errorf("parse: %v", err)
	}
	// Named by another key of the department: refused everywhere.
	rec.Opener = KeyOpener("shuiwu", id+1)
	if _, err := Sign(rec, testOrigin, deptSigner(t, "shuiwu")); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("sign with another key: %v", err)
	}
	sr.Record = rec
	sr.raw = nil
	if err := sr.Verify(testOrigin, testRegistry(t)); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("verify with another key: %v", err)
	}
	other, _ := Marshal(rec)
	raw, _ := sr.Marshal()
	raw = append(bytes.Clone(raw[:bytes.Index(raw, []byte(`"record":`))+len(`"record":`)]), append(other, '}')...)
	if _, err := ParseSigned(raw); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("parse with another key: %v", err)
	}
}

// TestOutcomeCodes: every code govshare writes is a typed constant listed
// in Outcomes or Reasons — "withdrawn" and "key_not_valid" included, which
// share.go once wrote as string literals — and a valid record code.
func TestOutcomeCodes(t *testing.T) {
	for _, o := range []Outcome{OutcomeWithdrawn, OutcomeKeyNotValid, OutcomeOpened, OutcomeTampered} {
		if !o.Known() {
			t.Errorf("outcome %s not in Outcomes", o)
		}
	}
	if !ReasonWithdrawn.Known() || Outcome("curious").Known() || Reason("curious").Known() {
		t.Error("Known")
	}
	for _, o := range Outcomes {
		if err := checkCode("outcome", string(o)); err != nil {
			t.Errorf("%s: %v", o, err)
		}
	}
	for _, r := range Reasons {
		if err := checkCode("code", string(r)); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
}
