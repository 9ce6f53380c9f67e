package govshare_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/records"
	"github.com/govshare/govshare/policy"
)

var (
	krOnce sync.Once
	kr     *keys.Keyring
)

func providerKeys(t testing.TB) *keys.Keyring {
	krOnce.Do(func() {
		var err error
		kr, err = keys.New("public-security-bureau")
		if err != nil {
			t.Fatal(err)
		}
	})
	return kr
}

func loadFixtures(t testing.TB) (*catalog.Catalog, []policy.Grant, []byte) {
	t.Helper()
	cat, err := catalog.Load("testdata/catalog/population.yaml")
	if err != nil {
		t.Fatal(err)
	}
	grants, err := policy.LoadGrants("testdata/catalog/grants.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/sample/population.csv")
	if err != nil {
		t.Fatal(err)
	}
	return cat, grants, data
}

var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func mask(t testing.TB, data []byte, purpose catalog.Purpose, recipient string, jsonl bool) ([]byte, *govshare.Report, error) {
	t.Helper()
	cat, grants, _ := loadFixtures(t)
	var out bytes.Buffer
	rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: bytes.NewReader(data), Name: "population.csv", JSONL: jsonl}, providerKeys(t), recipient, purpose, cat, &govshare.Options{Grants: grants, Now: now})
	return out.Bytes(), rep, err
}

func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column returns a column of a CSV by header name, or nil.
func column(rows [][]string, name string) []string {
	for j, h := range rows[0] {
		if h == name {
			var col []string
			for _, r := range rows[1:] {
				col = append(col, r[j])
			}
			return col
		}
	}
	return nil
}

// TestNoClearLeaks: for every purpose and recipient, no not_shared,
// national_security or ungranted conditional value appears anywhere in the
// output, and no field leaves in clear where the policy says otherwise.
func TestNoClearLeaks(t *testing.T) {
	cat, _, data := loadFixtures(t)
	in := readCSV(t, data)
	for _, p := range catalog.Purposes {
		for _, r := range []string{"tax-bureau", "civil-affairs-bureau", "statistics-bureau"} {
			out, rep, err := mask(t, data, p, r, false)
			if err != nil {
				t.Fatalf("%s/%s: %v", p, r, err)
			}
			text := string(out)
			keptClear := map[string]bool{}
			for _, c := range rep.Columns {
				if c.Transform == catalog.TransformKeep {
					keptClear[c.Name] = true
				}
			}
			outRows := readCSV(t, out)
			for _, f := range cat.Fields {
				tier := cat.EffectiveTier(&f)
				if keptClear[f.Name] && (f.Category == catalog.CategoryNationalSecurity || tier == catalog.TierNotShared) {
					t.Errorf("%s/%s: %s kept in clear", p, r, f.Name)
				}
				if keptClear[f.Name] {
					continue
				}
				raw, got := column(in, f.Name), column(outRows, f.Name)
				for i, v := range raw {
					// the field's own column never carries its raw value
					if got != nil && v != "" && got[i] == v {
						t.Errorf("%s/%s: %s left in clear on row %d", p, r, f.Name, i+2)
						break
					}
					// long values (IDs, phones, cards, addresses) appear nowhere
					if len(v) >= 11 && strings.Contains(text, v) {
						t.Errorf("%s/%s: a raw value of %s appears in the output", p, r, f.Name)
						break
					}
				}
			}
		}
	}
}

func TestConditionalNeedsGrant(t *testing.T) {
	_, _, data := loadFixtures(t)
	out, rep, err := mask(t, data, catalog.PurposeAdministrativeBasis, "tax-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	if column(readCSV(t, out), "银行卡号") == nil {
		t.Errorf("granted conditional field missing: %+v", rep.Dropped)
	}
	// Same purpose, recipient without a grant: withheld, not masked.
	out, _, err = mask(t, data, catalog.PurposeAdministrativeBasis, "statistics-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	if column(readCSV(t, out), "银行卡号") != nil {
		t.Error("conditional field leaves without a grant")
	}
	// An expired grant withholds.
	out, _, err = mask(t, data, catalog.PurposeDataVerification, "civil-affairs-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	if column(readCSV(t, out), "银行卡号") != nil {
		t.Error("expired grant honoured")
	}
}

// TestVerificationTokensJoin: data_verification tokens are stable for one
// recipient (joins work), differ across recipients, and reverse.
func TestVerificationTokensJoin(t *testing.T) {
	cat, grants, data := loadFixtures(t)
	a1, rep, err := mask(t, data, catalog.PurposeDataVerification, "civil-affairs-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	a2, _, _ := mask(t, data, catalog.PurposeDataVerification, "civil-affairs-bureau", false)
	b, _, _ := mask(t, data, catalog.PurposeDataVerification, "tax-bureau", false)
	if !bytes.Equal(a1, a2) {
		t.Error("tokens for one recipient are not deterministic")
	}
	var tokenCols []string
	for _, c := range rep.Columns {
		if c.Transform == catalog.TransformToken {
			tokenCols = append(tokenCols, c.Name)
		}
	}
	if len(tokenCols) == 0 {
		t.Fatal("no token columns for data_verification")
	}
	ra, rb := readCSV(t, a1), readCSV(t, b)
	for _, name := range tokenCols {
		ca, cb := column(ra, name), column(rb, name)
		seen := map[string]bool{}
		for _, v := range ca {
			seen[v] = true
		}
		for _, v := range cb {
			if v != "" && seen[v] {
				t.Errorf("%s: a token joins across recipients", name)
				break
			}
		}
	}
	// Unmask restores the originals of token columns.
	var back bytes.Buffer
	_, err = govshare.Reverse(context.Background(), &back, govshare.Input{Reader: bytes.NewReader(a1), Name: "masked.csv"}, providerKeys(t), "civil-affairs-bureau", catalog.PurposeDataVerification, cat, &govshare.Options{Grants: grants, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	orig, rev := readCSV(t, data), readCSV(t, back.Bytes())
	for _, name := range tokenCols {
		if strings.Join(column(orig, name), "|") != strings.Join(column(rev, name), "|") {
			t.Errorf("%s: unmask did not restore the originals", name)
		}
	}
	// Another recipient's keys binding cannot reverse them.
	_, err = govshare.Reverse(context.Background(), &back, govshare.Input{Reader: bytes.NewReader(a1), Name: "masked.csv"}, providerKeys(t), "tax-bureau", catalog.PurposeDataVerification, cat, &govshare.Options{Grants: grants, Now: now})
	var re *govshare.RowError
	if !errors.As(err, &re) || re.Line != 2 {
		t.Errorf("unmask for the wrong recipient: %v", err)
	}
}

func TestOrderAndWorkers(t *testing.T) {
	_, _, data := loadFixtures(t)
	one, _, err := mask(t, data, catalog.PurposeWorkReference, "tax-bureau", false)
	if err != nil {
		t.Fatal(err)
	}
	big := append([]byte(nil), data...)
	body := data[bytes.IndexByte(data, '\n')+1:]
	for range 20 {
		big = append(big, body...)
	}
	cat, grants, _ := loadFixtures(t)
	for _, w := range []int{1, 3, 8} {
		var out bytes.Buffer
		rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: bytes.NewReader(big), Name: "big.csv"}, providerKeys(t), "tax-bureau", catalog.PurposeWorkReference, cat, &govshare.Options{Grants: grants, Now: now, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 21*200 {
			t.Fatalf("workers %d: %d rows", w, rep.Rows)
		}
		if !bytes.HasPrefix(out.Bytes(), one) {
			t.Fatalf("workers %d: order not preserved", w)
		}
	}
}

func TestBadInput(t *testing.T) {
	cat, grants, data := loadFixtures(t)
	req := policy.Request{Catalog: cat, Purpose: catalog.PurposeWorkReference, Recipient: "tax-bureau", Grants: grants, Now: now}
	lines := strings.Split(string(data), "\n")
	// A resident ID that fails its check digit, on line 3.
	bad := strings.Replace(lines[2], lines[2][strings.Index(lines[2], ",")+1:strings.Index(lines[2], ",")+19], "110105194912310021", 1)
	badData := strings.Join(append([]string{lines[0], lines[1], bad}, lines[3:]...), "\n")
	var out bytes.Buffer
	_, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(badData), Name: "p.csv"}, providerKeys(t), req.Recipient, req.Purpose, req.Catalog, &govshare.Options{Grants: req.Grants, Now: req.Now})
	var re *govshare.RowError
	if !errors.As(err, &re) || re.Line != 3 || re.Field != "身份证号" || strings.Contains(err.Error(), "110105194912310021") {
		t.Fatalf("bad value: %v", err)
	}
	// With a reject writer the row goes there and the rest goes on.
	var rej bytes.Buffer
	out.Reset()
	rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(badData), Name: "p.csv"}, providerKeys(t), req.Recipient, req.Purpose, req.Catalog, &govshare.Options{Grants: req.Grants, Now: req.Now, Rejects: &rej})
	if err != nil || rep.Rejected != 1 || rep.Rows != 199 || !strings.Contains(rej.String(), "p.csv,3,身份证号") {
		t.Fatalf("rejects: %v %+v %q", err, rep, rej.String())
	}
	// Ragged rows, unknown columns, GBK without the flag.
	for name, in := range map[string]string{
		"ragged":  lines[0] + "\n" + lines[1] + "\n1,2\n",
		"unknown": lines[0] + ",备注\n" + lines[1] + ",x\n",
		"gbk":     lines[0] + "\n\xd5\xc5\xc8\xfd" + lines[1][strings.Index(lines[1], ","):] + "\n",
	} {
		_, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "p.csv"}, providerKeys(t), req.Recipient, req.Purpose, req.Catalog, &govshare.Options{Grants: req.Grants, Now: req.Now})
		if err == nil || !strings.Contains(err.Error(), "p.csv") && !strings.Contains(err.Error(), "备注") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	// Unknown purpose: fail closed.
	bad2 := req
	bad2.Purpose = "curiosity"
	if _, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: bytes.NewReader(data), Name: "p.csv"}, providerKeys(t), bad2.Recipient, bad2.Purpose, bad2.Catalog, &govshare.Options{Grants: bad2.Grants, Now: bad2.Now}); err == nil {
		t.Error("unknown purpose accepted")
	}
}

func TestJSONLKeepsNumbersAndOrder(t *testing.T) {
	catYAML := `resource: r
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 登记日期, type: none, category: public, level: general, sensitive: false}
  - {name: amount, type: none, category: public, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
`
	cat, err := catalog.Parse([]byte(catYAML), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := `{"登记日期":"2020-01-01","amount":12345678901234567890.10,"手机号码":"13812345678"}` + "\n" +
		`{"手机号码":"13912345678","amount":1e3,"登记日期":null}` + "\n"
	var out bytes.Buffer
	_, err = govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "x.jsonl", JSONL: true}, nil, "r2", catalog.PurposeWorkReference, cat, &govshare.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"登记日期":"2020-01-01","amount":12345678901234567890.10,"手机号码":"138****5678"}` + "\n" +
		`{"登记日期":null,"amount":1e3,"手机号码":"139****5678"}` + "\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// batchCatalog has a kept free-text column, where quoted newlines, commas
// and quotes travel, between two masked ones.
const batchCatalog = `resource: r
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
`

func maskWith(t *testing.T, cat *catalog.Catalog, in string, opt govshare.Options) (string, *govshare.Report, error) {
	t.Helper()
	opt.Now = now
	var out bytes.Buffer
	rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(in), Name: "b.csv"}, nil, "tax-bureau", catalog.PurposeWorkReference, cat, &opt)
	return out.String(), rep, err
}

// TestMaskAcrossBatches: an input of many batches, with quoted newlines,
// CRLF line ends and a BOM, comes out as the row-by-row result — each
// record as encoding/csv reads it, each value as Mask transforms it alone,
// written by encoding/csv — for any number of workers; bad rows go to the
// reject file with the line encoding/csv gives them.
func TestMaskAcrossBatches(t *testing.T) {
	cat, err := catalog.Parse([]byte(batchCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"张三", "欧阳娜娜", "李四", ""}
	notes := []string{"", "普通", "含,逗号", "含\"引号\"", "多\n行\r\n备注", " 前导空格", "\\."}
	phones := []string{"13812345678", "13912345678", "", "15000000000", "1381234567x"} // the last is bad
	// Each value as Mask transforms it in a one-row input.
	single := map[string][3]string{}
	for _, n := range names {
		for _, p := range phones[:4] {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.Write([]string{"姓名", "备注", "手机号码"})
			w.Write([]string{n, "x", p})
			w.Flush()
			out, _, err := maskWith(t, cat, b.String(), govshare.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rows := readCSV(t, []byte(out))
			single[n+"\x00"+p] = [3]string{rows[1][0], "", rows[1][2]}
		}
	}
	var in bytes.Buffer
	in.WriteString("\ufeff姓名,备注,手机号码\r\n")
	w := csv.NewWriter(&in)
	w.UseCRLF = true
	const n = 12000 // about 30 batches
	for i := range n {
		w.Write([]string{names[i%len(names)], notes[i%len(notes)], phones[i%len(phones)]})
	}
	w.Flush()

	// The expectation, row by row.
	var want bytes.Buffer
	var wantRejects []string
	ww := csv.NewWriter(&want)
	ww.Write([]string{"姓名", "备注", "手机号码"})
	cr := csv.NewReader(bytes.NewReader(in.Bytes()[3:]))
	cr.Read()
	for {
		rec, err := cr.Read()
		if err != nil {
			break
		}
		if rec[2] == phones[4] {
			line, _ := cr.FieldPos(0)
			wantRejects = append(wantRejects, fmt.Sprintf("b.csv,%d,手机号码", line))
			continue
		}
		v := single[rec[0]+"\x00"+rec[2]]
		ww.Write([]string{v[0], rec[1], v[2]})
	}
	ww.Flush()

	for _, workers := range []int{1, 2, 7} {
		var rej bytes.Buffer
		got, rep, err := maskWith(t, cat, in.String(), govshare.Options{Workers: workers, Rejects: &rej})
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		if got != want.String() {
			t.Fatalf("workers %d: output differs from the row-by-row result at byte %d", workers, firstDiff(got, want.String()))
		}
		if rep.Rows != int64(n-len(wantRejects)) || rep.Rejected != int64(len(wantRejects)) {
			t.Fatalf("workers %d: report %d rows, %d rejected", workers, rep.Rows, rep.Rejected)
		}
		lines := strings.Split(strings.TrimSpace(rej.String()), "\n")[1:]
		for i, l := range lines {
			if !strings.HasPrefix(l, wantRejects[i]+",") {
				t.Fatalf("workers %d: reject %d is %q, want %s", workers, i, l, wantRejects[i])
			}
		}
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestMaskLateErrors: an error many batches into the input names its line,
// counted over quoted newlines, and everything before it was written;
// without a reject writer, a bad value does the same.
func TestMaskLateErrors(t *testing.T) {
	cat, err := catalog.Parse([]byte(batchCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("姓名,备注,手机号码\n")
	for range 5000 {
		b.WriteString("张三,\"两\n行\",13812345678\n") // two lines per row
	}
	good := b.String()
	for name, c := range map[string]struct {
		tail  string
		line  int
		field string
		msg   string
	}{
		"bare quote":   {"李四,a\"b,13812345678\n", 10002, "", `bare "`},
		"ragged":       {"李四,13812345678\n", 10002, "", "different number of fields"},
		"invalid utf8": {"李四,\"x\n\xff\",13812345678\n", 10002, "备注", "not valid UTF-8"},
		"bad value":    {"李四,ok,1381234567x\n", 10002, "手机号码", "not a valid"},
		"open quote":   {"李四,\"ok\n", 10003, "", `extraneous or missing "`}, // csv: the last line read
	} {
		out, rep, err := maskWith(t, cat, good+c.tail+"王五,x,13812345678\n", govshare.Options{Workers: 2})
		var line int
		var field string
		var re *govshare.RowError
		var pe *records.Error
		switch {
		case errors.As(err, &re):
			line, field = re.Line, re.Field
		case errors.As(err, &pe):
			line, field = pe.Line, pe.Field
		}
		if err == nil || line != c.line || field != c.field || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "b.csv") {
			t.Errorf("%s: err %v (line %d field %q), want line %d field %q", name, err, line, field, c.line, c.field)
			continue
		}
		if rep.Rows != 5000 || strings.Count(out, "\n") != 1+2*5000 {
			t.Errorf("%s: %d rows reported, %d lines written before the error", name, rep.Rows, strings.Count(out, "\n"))
		}
	}
}

// TestMaskCancel: a cancelled context stops the run with its error rather
// than a short output passed off as complete.
func TestMaskCancel(t *testing.T) {
	cat, err := catalog.Parse([]byte(batchCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := "姓名,备注,手机号码\n" + strings.Repeat("张三,x,13812345678\n", 100000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = govshare.Apply(ctx, io.Discard, govshare.Input{Reader: strings.NewReader(in), Name: "b.csv"}, nil, "tax-bureau", catalog.PurposeWorkReference, cat, &govshare.Options{Now: now})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestMaskBlankValues: a value of only spaces (any Unicode space) stays as
// it is — there is nothing in it to protect — while anything more must be
// a valid value of its column.
func TestMaskBlankValues(t *testing.T) {
	cat, err := catalog.Parse([]byte(batchCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := maskWith(t, cat, "姓名,备注,手机号码\n张三,x,\"\u3000 \t\u00a0\"\n张三,x,\"\"\n", govshare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := readCSV(t, []byte(out)); rows[1][2] != "\u3000 \t\u00a0" || rows[2][2] != "" {
		t.Fatalf("blank values changed: %q", rows[1:])
	}
	_, _, err = maskWith(t, cat, "姓名,备注,手机号码\n张三,x,\u3000x\n", govshare.Options{})
	var re *govshare.RowError
	if !errors.As(err, &re) || re.Line != 2 || re.Field != "手机号码" {
		t.Fatalf("a space and a letter passed as blank: %v", err)
	}
}

// TestMissingHeader: a file without its header row is refused without
// naming any of its values.
func TestMissingHeader(t *testing.T) {
	_, _, data := loadFixtures(t)
	body := data[bytes.IndexByte(data, '\n')+1:]
	_, _, err := mask(t, body, catalog.PurposeWorkReference, "tax-bureau", false)
	if err == nil || !strings.Contains(err.Error(), "header row is missing") {
		t.Fatalf("got %v", err)
	}
	first := strings.Split(string(body[:bytes.IndexByte(body, '\n')]), ",")
	for _, v := range first {
		if strings.Contains(err.Error(), v) {
			t.Fatal("the error names a value of the first row")
		}
	}
}
