package redact_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/mask"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/redact"
)

type Applicant struct {
	Name     string `govshare:"person_name"`
	ID       string `govshare:"cn_resident_id"`
	Mobile   string // typed by its name: a mobile
	Address  string `govshare:"address"`
	Password string `govshare:"-"`
	Note     string // free text: identifiers found in it are masked
	Unit     string `govshare:"none,public"` // declared public: kept
}

func sample() *Applicant {
	return &Applicant{
		Name: "欧阳娜娜", ID: "11010519491231002X", Mobile: "138-1234-5678",
		Address: "北京市朝阳区建国路88号", Password: "hunter2",
		Note: "回电 13912345678，邮箱 nana@example.com", Unit: "朝阳区政务服务中心",
	}
}

func ExampleRedactor_Struct() {
	r, err := redact.New() // purpose work_reference
	if err != nil {
		panic(err)
	}
	in := sample()
	out, err := r.Struct(in)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", *out.(*Applicant))
	fmt.Println(in.Mobile) // the input is not modified
	// Output:
	// {Name:欧阳** ID:1***************2X Mobile:138-****-5678 Address:北京市朝阳区 Password: Note:回电 139****5678，邮箱 n****@example.com Unit:朝阳区政务服务中心}
	// 138-1234-5678
}

func ExampleCopy() {
	// Nested map[string]any, as decoded JSON gives it: keys name types
	// ("mobile", "身份证号"), and strings under other keys are scanned.
	in := map[string]any{
		"applicant": map[string]any{"mobile": "13812345678", "身份证号": "11010519491231002X", "income": 8000},
		"history":   []any{"2026-03-01 致电 +86 139 1234 5678", map[string]any{"phone": 13700001111}},
	}
	out, err := redact.Copy(redact.Default(), in)
	if err != nil {
		panic(err)
	}
	fmt.Println(out["applicant"])
	fmt.Println(out["history"])
	// Output:
	// map[mobile:138****5678 身份证号:1***************2X]
	// [2026-03-01 致电 +86 139 **** 5678 map[phone:137****1111]]
}

func ExampleNewHandler() {
	drop := func(_ []string, a slog.Attr) slog.Attr { // no time, for a stable output
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: drop}), nil))
	logger = logger.With("mobile", "13812345678")
	logger.WithGroup("req").Info("lookup by 11010519491231002X",
		"applicant", sample(),
		"身份证号", "11010519491231002X",
		"note", "请致电 139-1234-5678",
		"income", 8000) // a sensitive key: left out
	// Output:
	// level=INFO msg="lookup by 1***************2X" mobile=138****5678 req.applicant="&{Name:欧阳** ID:1***************2X Mobile:138-****-5678 Address:北京市朝阳区 Password: Note:回电 139****5678，邮箱 n****@example.com Unit:朝阳区政务服务中心}" req.身份证号=1***************2X req.note="请致电 139-****-5678"
}

func ExampleValue() {
	a := sample()
	err := fmt.Errorf("cannot save %v", redact.Value(a.Mobile))
	fmt.Println(err)
	fmt.Printf("%+v\n", redact.Value(a))
	fmt.Printf("%q\n", redact.Value([]string{"13812345678", "li@example.com"}))
	// Output:
	// cannot save 138-****-5678
	// &{Name:欧阳** ID:1***************2X Mobile:138-****-5678 Address:北京市朝阳区 Password: Note:回电 139****5678，邮箱 n****@example.com Unit:朝阳区政务服务中心}
	// ["138****5678" "l****@example.com"]
}

func ExampleError() {
	base := fmt.Errorf("open record of 11010519491231002X: %w", fs.ErrNotExist)
	err := redact.Error(base)
	fmt.Println(err)
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// open record of 1***************2X: file does not exist
	// true
}

func ExampleRedactor_Text() {
	r, _ := redact.New()
	fmt.Println(r.Text("申请人：欧阳娜娜，身份证号11010519491231002X，手机+86 138 1234 5678，住址：北京市朝阳区建国路88号，单位代码91350100M000100Y43。"))
	// Output:
	// 申请人：欧阳**，身份证号1***************2X，手机+86 138 **** 5678，住址：北京市朝阳区，单位代码91350100M000100Y43。
}

func ExampleWithCatalog() {
	cat, err := catalog.Parse([]byte(`resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 银行卡号, type: bank_card, category: personal, level: important, sensitive: true, tier: conditional}
  - {name: 登记日期, type: none, category: public, level: general, sensitive: false}
`), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	grants, err := policy.ParseGrants([]byte(`grants:
  - {id: g-1, resource: population-register, recipient: tax-bureau, purpose: work_reference, fields: [银行卡号], not_after: 2027-06-30}
`), "grants.yaml")
	if err != nil {
		panic(err)
	}
	at := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	row := map[string]string{"姓名": "欧阳娜娜", "银行卡号": "6222021234567891234", "登记日期": "2026-05-01"}

	// Conditional: withheld without a grant naming it.
	r, _ := redact.New(redact.WithCatalog(cat), redact.WithTime(at))
	out, _ := redact.Copy(r, row)
	fmt.Println(out)

	// The same catalog for the grant's recipient: masked.
	r, _ = redact.New(redact.WithCatalog(cat), redact.WithRecipient("tax-bureau", grants...), redact.WithTime(at))
	out, _ = redact.Copy(r, row)
	fmt.Println(out)
	// Output:
	// map[姓名:欧阳** 登记日期:2026-05-01]
	// map[姓名:欧阳** 登记日期:2026-05-01 银行卡号:6222 **** **** *** 1234]
}

func ExampleWithPurpose() {
	// statistics: record-level personal data does not leave; a typed field
	// is withheld (zero), and identifiers in text are redacted.
	r, _ := redact.New(redact.WithPurpose(catalog.PurposeStatistics))
	out, _ := r.Struct(sample())
	fmt.Printf("%+v\n", *out.(*Applicant))
	// Output:
	// {Name: ID: Mobile: Address: Password: Note:回电 ***，邮箱 *** Unit:朝阳区政务服务中心}
}

func ExampleWithMasker() {
	// Fixed-length runs hide how long the hidden part was.
	r, _ := redact.New(redact.WithMasker(mask.Masker{FixedRun: 4, ResidentID64: true}))
	fmt.Println(r.Text("身份证号11010519491231002X，手机13812345678"))
	// Output:
	// 身份证号110105****002X，手机138****5678
}

func ExampleRedactor_Value() {
	// A Redacted value is an slog.LogValuer: redacted whatever handler the
	// record reaches.
	r, _ := redact.New()
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	logger.Info("saved", "record", r.Value(map[string]any{"mobile": "13812345678", "memo": "住址：北京市朝阳区建国路88号"}))
	// Output:
	// {"level":"INFO","msg":"saved","record":{"memo":"住址：北京市朝阳区","mobile":"138****5678"}}
}
