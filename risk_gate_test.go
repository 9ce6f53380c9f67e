package govshare_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

// surveyCatalog declares two quasi-identifiers and a birth date, which
// leaves generalized to its year and so counts too (an identifier part a
// transform keeps); thresholds is spliced in at the top.
func surveyCatalog(t *testing.T, thresholds string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse([]byte(`resource: survey
provider: public-security-bureau
tier: unconditional
`+thresholds+`
fields:
  - {name: 区县, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 性别, type: none, category: personal, level: general, sensitive: false, quasi_identifier: true}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false, transform: {administrative_basis: generalize}}
  - {name: 评分, type: none, category: public, level: general, sensitive: false}
`), "survey.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// surveyRows makes every (district, sex, birth year) combination each
// times, with distinct birth days, and then the extra rows.
func surveyRows(each int, extra ...string) []byte {
	var b strings.Builder
	b.WriteString("区县,性别,出生日期,评分\n")
	n := 0
	for _, d := range []string{"东城区", "西城区", "朝阳区"} {
		for _, s := range []string{"男", "女"} {
			for y := 1960; y < 1964; y++ {
				for i := range each {
					n++
					fmt.Fprintf(&b, "%s,%s,%d-%02d-%02d,%d\n", d, s, y, 1+i%12, 1+n%28, n%97)
				}
			}
		}
	}
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return []byte(b.String())
}

func shareSurvey(t *testing.T, cat *catalog.Catalog, data []byte, dst *bytes.Buffer, l *audit.Operator) (*govshare.ShareResult, error) {
	t.Helper()
	psb, tax, _ := shareParties(t)
	return govshare.Share(context.Background(), dst, govshare.Input{Reader: bytes.NewReader(data), Name: "survey.csv"},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, &govshare.ShareOptions{Now: now, Log: appender(l)})
}

// logRecords returns the log's records.
func logRecords(t *testing.T, dir string) []audit.Record {
	t.Helper()
	var recs []audit.Record
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, e.Record)
	}
	return recs
}

// measure is what `govshare risk` computes of a released file: one pass of
// an Analyzer over the quasi-identifiers risk.Released names for its
// columns, with k the catalog's min_k.
func measure(t *testing.T, cat *catalog.Catalog, csv []byte, transforms map[string]catalog.Transform) *risk.Result {
	t.Helper()
	r, err := records.NewBatchReader(bytes.NewReader(csv), "released.csv", records.FormatCSV, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	qis, _, err := risk.Released(cat, r.Header(), transforms, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	if cat.MinK != nil {
		k = int(*cat.MinK)
	}
	a, err := risk.New(qis, nil, risk.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	var rs records.Rows
	for {
		c, err := r.Next()
		if err != nil {
			break
		}
		r.Parse(c, &rs)
		for i := range rs.Len() {
			if err := a.Add(rs.Row(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return a.Result()
}

func sameRiskFigures(t *testing.T, what string, got *audit.RiskFigures, want *risk.Result) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no risk figures", what)
	}
	if !slices.Equal(got.QuasiIdentifiers, want.QuasiIdentifiers) || got.K != want.K ||
		got.Records != int64(want.Records) || got.Classes != int64(want.Classes) || got.KMin != int64(want.KMin) ||
		got.Uniques != int64(want.Uniques) || got.RecordsInClassesBelowK != int64(want.RecordsInClassesBelowK) ||
		got.ProsecutorMax != want.ProsecutorMax || got.ProsecutorAvg != want.ProsecutorAvg {
		t.Fatalf("%s: logged %+v, measured %+v", what, *got, want.Figures)
	}
}

// TestShareRiskFiguresLogged: a share under the threshold goes ahead, and
// its share record carries the same figures as a measure of what the
// recipient opens.
func TestShareRiskFiguresLogged(t *testing.T) {
	_, tax, _ := shareParties(t)
	l, dir, vk := testLog(t)
	cat := surveyCatalog(t, "max_prosecutor_risk: 0.2\nmin_k: 5")
	var env bytes.Buffer
	res, err := shareSurvey(t, cat, surveyRows(6), &env, l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Risk == nil || res.Risk.KMin != 6 || res.Risk.Records != 144 || res.Risk.Classes != 24 {
		t.Fatalf("report's figures: %+v", res.Risk)
	}
	if want := []string{"区县", "性别", "出生日期"}; !slices.Equal(res.Risk.QuasiIdentifiers, want) {
		t.Fatalf("quasi-identifiers %v, want %v", res.Risk.QuasiIdentifiers, want)
	}
	plain, err := openShared(env.Bytes(), l, tax, catalog.PurposeAdministrativeBasis, now.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	transforms := map[string]catalog.Transform{}
	for _, c := range res.Columns {
		transforms[c.Name] = c.Transform
	}
	recs := logRecords(t, dir)
	if len(recs) != 2 {
		t.Fatalf("log holds %d records", len(recs))
	}
	share, ok := recs[0].(audit.ShareRecord)
	if !ok {
		t.Fatalf("first record is a %s", recs[0].Kind())
	}
	sameRiskFigures(t, "share record", share.Risk, measure(t, cat, plain, transforms))
	if share.Risk.MaxProsecutorRisk != 0.2 || share.Risk.MinK != 5 || len(share.Risk.Coarsen) != 0 {
		t.Errorf("thresholds or coarsen in the record: %+v", *share.Risk)
	}
	verifyRiskLog(t, dir, vk)
}

// verifyRiskLog verifies a test log and its records' signatures.
func verifyRiskLog(t *testing.T, dir, vk string) {
	t.Helper()
	v, err := audit.NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyDir(dir, v, audit.VerifyOptions{Registry: registry(t), RequireSigned: true}); err != nil {
		t.Fatalf("log does not verify: %v", err)
	}
}

// TestShareRiskRefused: one person alone in their class takes the share
// over max_prosecutor_risk: nothing is sealed or committed, the error and
// the log's refusal name the quasi-identifiers to coarsen, and the refusal
// carries the figures.
func TestShareRiskRefused(t *testing.T) {
	psb, tax, _ := shareParties(t)
	l, dir, vk := testLog(t)
	cat := surveyCatalog(t, "max_prosecutor_risk: 0.2")
	data := surveyRows(6, "海淀区,男,1970-05-05,3")
	out := filepath.Join(t.TempDir(), "survey.gse")
	o, err := govshare.CreateOutput(out, false)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Abort()
	res, err := govshare.Share(context.Background(), o, govshare.Input{Reader: bytes.NewReader(data), Name: "survey.csv"},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, &govshare.ShareOptions{Now: now, Log: l})
	if !errors.Is(err, risk.ErrExceeded) {
		t.Fatalf("share over the threshold: %v", err)
	}
	var ee *risk.ExceededError
	if !errors.As(err, &ee) || len(ee.Coarsen) != 3 || ee.Exceeded[0].Threshold != risk.ThresholdMaxProsecutorRisk || ee.Exceeded[0].Value != 1 {
		t.Fatalf("refusal: %+v", ee)
	}
	if !strings.Contains(err.Error(), "coarsen first") || !strings.Contains(err.Error(), "refusal logged as req-") {
		t.Errorf("error does not say what to coarsen or where the refusal is: %v", err)
	}
	if strings.Contains(err.Error(), "海淀区") || strings.Contains(err.Error(), "1970") {
		t.Error("the refusal quotes a value")
	}
	if res == nil || res.Receipt == nil || res.Header != nil || res.Risk == nil || res.Risk.KMin != 1 {
		t.Fatalf("result of a refusal: %+v", res)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused share left an output: %v", err)
	}
	// The spill is gone; the uncommitted output goes with Abort (on Linux
	// it never had a name).
	o.Abort()
	if ents, _ := os.ReadDir(filepath.Dir(out)); len(ents) != 0 {
		t.Errorf("a refused share left %d files beside its output", len(ents))
	}
	recs := logRecords(t, dir)
	if len(recs) != 1 {
		t.Fatalf("log holds %d records, want the refusal", len(recs))
	}
	ref, ok := recs[0].(audit.RefuseRecord)
	if !ok || ref.Code != audit.ReasonRiskExceeded || ref.By != "public-security-bureau" {
		t.Fatalf("log holds %+v", recs[0])
	}
	sameRiskFigures(t, "refusal", ref.Risk, res.Risk)
	if !slices.Equal(ref.Risk.Coarsen, ee.Coarsen) || ref.Risk.MaxProsecutorRisk != 0.2 {
		t.Errorf("refusal's coarsen %v and threshold %v, want %v and 0.2", ref.Risk.Coarsen, ref.Risk.MaxProsecutorRisk, ee.Coarsen)
	}
	// Signed by the provider, and the log verifies with the new fields.
	v, err := audit.NewVerifier(vk)
	if err != nil {
		t.Fatal(err)
	}
	sr, _, err := audit.VerifySignedReceipt(*res.Receipt, v, registry(t))
	if err != nil || sr.Signer != "public-security-bureau" {
		t.Fatalf("refusal receipt: %v (signer %q)", err, sr.Signer)
	}
	verifyRiskLog(t, dir, vk)

	// Without a log the refusal is the same, and nothing is written.
	var buf bytes.Buffer
	if _, err := shareSurvey(t, cat, data, &buf, nil); !errors.Is(err, risk.ErrExceeded) || buf.Len() != 0 {
		t.Fatalf("without a log: %v, %d bytes written", err, buf.Len())
	}
	// min_k alone refuses it too.
	if _, err := shareSurvey(t, surveyCatalog(t, "min_k: 7"), surveyRows(6), &buf, nil); !errors.Is(err, risk.ErrExceeded) {
		t.Fatalf("k_min 6 under min_k 7: %v", err)
	}
}

func registry(t *testing.T) *audit.BundleRegistry {
	t.Helper()
	psb, tax, civ := shareParties(t)
	reg, err := audit.NewRegistry(psb.Public(), tax.Public(), civ.Public())
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestShareRiskFailsClosed: a threshold over no declared quasi-identifier
// is an invalid catalog, refused and logged before anything is read; a
// catalog whose quasi-identifiers are all withheld for the request
// measures every record in one class; a catalog with neither adds nothing.
func TestShareRiskFailsClosed(t *testing.T) {
	l, dir, _ := testLog(t)
	cat := surveyCatalog(t, "min_k: 2")
	for i := range cat.Fields {
		cat.Fields[i].QuasiIdentifier = false
	}
	var buf bytes.Buffer
	_, err := shareSurvey(t, cat, surveyRows(6), &buf, l)
	if !errors.Is(err, policy.ErrInvalidCatalog) || !strings.Contains(err.Error(), "quasi_identifier") || buf.Len() != 0 {
		t.Fatalf("threshold without quasi-identifiers: %v", err)
	}
	if got := logKinds(t, dir); got != "refuse="+string(audit.ReasonInvalidCatalog) {
		t.Fatalf("log holds %s", got)
	}

	// The quasi-identifiers are withheld: every record is in one class,
	// so 3 records are under min_k 5 and 144 are not.
	cat = surveyCatalog(t, "min_k: 5")
	for i := range cat.Fields {
		if cat.Fields[i].QuasiIdentifier || cat.Fields[i].Type != catalog.TypeNone {
			cat.Fields[i].Transform = map[catalog.Purpose]catalog.Transform{catalog.PurposeAdministrativeBasis: catalog.TransformWithhold}
		}
	}
	few := []byte("区县,性别,出生日期,评分\n东城区,男,1960-01-01,1\n西城区,女,1961-01-01,2\n朝阳区,男,1962-01-01,3\n")
	res, err := shareSurvey(t, cat, few, &buf, nil)
	if !errors.Is(err, risk.ErrExceeded) || res.Risk == nil || res.Risk.Classes != 1 || res.Risk.KMin != 3 || len(res.Risk.QuasiIdentifiers) != 0 {
		t.Fatalf("3 records, no quasi-identifier left, min_k 5: %v %+v", err, res)
	}
	res, err = shareSurvey(t, cat, surveyRows(6), &buf, nil)
	if err != nil || res.Risk.KMin != 144 || res.Risk.ProsecutorMax != 1.0/144 {
		t.Fatalf("144 records in one class: %v %+v", err, res)
	}

	// No field marked and no threshold: still measured, over what the
	// transforms keep of identifiers (the birth date leaves as its year).
	cat = surveyCatalog(t, "")
	for i := range cat.Fields {
		cat.Fields[i].QuasiIdentifier = false
	}
	res, err = shareSurvey(t, cat, surveyRows(1), &buf, nil)
	if err != nil || res.Risk == nil || !slices.Equal(res.Risk.QuasiIdentifiers, []string{"出生日期"}) || res.Risk.Records != 24 {
		t.Fatalf("catalog without quasi-identifiers: %v, figures %+v", err, res.Risk)
	}
}

// TestShareRiskManyBatches: on thousands of rows, cut into many batches
// transformed by several workers, with rejected rows among them, the
// figures are those of exactly the rows the recipient gets (run with
// -race: workers copy, the collector counts).
func TestShareRiskManyBatches(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat := surveyCatalog(t, "min_k: 5")
	in := withRejects(surveyRows(1000)) // 24,000 rows, about 7 batches
	var env, rejects bytes.Buffer
	res, err := govshare.Share(context.Background(), &env, govshare.Input{Reader: bytes.NewReader(in), Name: "survey.csv"},
		psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat,
		&govshare.ShareOptions{Now: now, Workers: 4, Rejects: &rejects})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 24 || res.Rows != 24000 {
		t.Fatalf("%d rows, %d rejected", res.Rows, res.Rejected)
	}
	plain, err := openShared(env.Bytes(), nil, tax, catalog.PurposeAdministrativeBasis, now.Add(1))
	if err != nil {
		t.Fatal(err)
	}
	transforms := map[string]catalog.Transform{}
	for _, c := range res.Columns {
		transforms[c.Name] = c.Transform
	}
	want := measure(t, cat, plain, transforms)
	if res.Risk.Figures != want.Figures || !slices.Equal(res.Risk.QuasiIdentifiers, want.QuasiIdentifiers) {
		t.Fatalf("share measured %+v, the opened output gives %+v", res.Risk.Figures, want.Figures)
	}
	if res.Risk.Records != 24000 || res.Risk.Classes != 24 {
		t.Fatalf("figures %+v", res.Risk.Figures)
	}
}

// TestShareRiskEmpty: a share of no records meets every threshold (nothing
// leaves to single anyone out) and logs zero figures, which verify.
func TestShareRiskEmpty(t *testing.T) {
	l, dir, vk := testLog(t)
	var env bytes.Buffer
	res, err := shareSurvey(t, surveyCatalog(t, "min_k: 5"), []byte("区县,性别,出生日期,评分\n"), &env, l)
	if err != nil {
		t.Fatal(err)
	}
	if res.Risk == nil || res.Risk.Records != 0 || res.Risk.KMin != 0 || res.Risk.ProsecutorMax != 0 {
		t.Fatalf("figures of no records: %+v", res.Risk)
	}
	recs := logRecords(t, dir)
	if sr, ok := recs[0].(audit.ShareRecord); !ok || sr.Risk == nil || sr.Risk.Records != 0 || len(sr.Risk.QuasiIdentifiers) != 3 {
		t.Fatalf("record: %+v", recs[0])
	}
	verifyRiskLog(t, dir, vk)
}

// TestShareRiskRefusedManyBatches: the workers count classes by
// fingerprint, so a refusal reads the output back for the contributions;
// on many batches from several workers, with rejected rows, in CSV and
// JSON Lines, the refusal's figures and contributions are those of the
// output Apply writes for the same request.
func TestShareRiskRefusedManyBatches(t *testing.T) {
	psb, tax, _ := shareParties(t)
	cat := surveyCatalog(t, "min_k: 2000") // every class has 1,000 rows
	in := withRejects(surveyRows(1000))
	for _, jsonl := range []bool{false, true} {
		src := in
		if jsonl {
			src = csvToJSONL(t, in)
		}
		var applied, rejects bytes.Buffer
		rep, err := govshare.Apply(context.Background(), &applied, govshare.Input{Reader: bytes.NewReader(in), Name: "survey.csv"},
			psb, "tax-bureau", catalog.PurposeAdministrativeBasis, cat, &govshare.Options{Now: now, Rejects: &rejects})
		if err != nil {
			t.Fatal(err)
		}
		transforms := map[string]catalog.Transform{}
		for _, c := range rep.Columns {
			transforms[c.Name] = c.Transform
		}
		want := measure(t, cat, applied.Bytes(), transforms)
		var env bytes.Buffer
		rejects.Reset()
		res, err := govshare.Share(context.Background(), &env, govshare.Input{Reader: bytes.NewReader(src), Name: "survey", JSONL: jsonl},
			psb, tax.Public(), catalog.PurposeAdministrativeBasis, cat, &govshare.ShareOptions{Now: now, Workers: 4, Rejects: &rejects})
		var ee *risk.ExceededError
		if !errors.As(err, &ee) {
			t.Fatalf("jsonl %v: %v", jsonl, err)
		}
		if env.Len() != 0 || res.Rejected != 24 {
			t.Fatalf("jsonl %v: %d bytes sealed, %d rejected", jsonl, env.Len(), res.Rejected)
		}
		if res.Risk.Figures != want.Figures || !reflect.DeepEqual(res.Risk.Contributions, want.Contributions) || len(want.Contributions) != 3 {
			t.Fatalf("jsonl %v: refusal measured %+v, the output gives %+v", jsonl, res.Risk, want)
		}
	}
}

// csvToJSONL rewrites a CSV with a header as JSON Lines, keys in header
// order, every value a string.
func csvToJSONL(t *testing.T, in []byte) []byte {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(in)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, row := range rows[1:] {
		b.WriteByte('{')
		for i, v := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(rows[0][i])
			val, _ := json.Marshal(v)
			b.Write(k)
			b.WriteByte(':')
			b.Write(val)
		}
		b.WriteString("}\n")
	}
	return b.Bytes()
}

// withRejects puts a row whose birth date cannot be generalized after
// every 997th line of data (24 in surveyRows(1000)): such rows are
// rejected, not counted.
func withRejects(data []byte) []byte {
	bad := []byte("东城区,男,1960-13-45,1\n")
	var in []byte
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		in = append(in, line...)
		if i > 0 && i%997 == 0 {
			in = append(in, bad...)
		}
	}
	return in
}
