package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
)

// exampleNow is the examples' clock.
var exampleNow = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// exampleCatalog is a small reviewed catalog for the examples.
func exampleCatalog() *catalog.Catalog {
	cat, err := catalog.Parse([]byte(`
resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false}
  - {name: 宗教信仰, type: none, category: personal, level: important, sensitive: true, tier: not_shared, legal_basis: "PIPL art. 28"}
`), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	return cat
}

const exampleRegister = "姓名,手机号码\n欧阳娜娜,13812345678\n张伟,13900001111\n"

// exampleShare seals a two-row register from the public security bureau to
// the tax bureau for work reference.
func exampleShare(psb, tax *keys.Keyring) []byte {
	var env bytes.Buffer
	res, err := govshare.Share(context.Background(), &env,
		govshare.Input{Reader: strings.NewReader(exampleRegister), Name: "register.csv"},
		psb, tax.Public(), catalog.PurposeWorkReference, exampleCatalog(),
		&govshare.ShareOptions{Now: exampleNow})
	if err != nil {
		panic(err)
	}
	fmt.Println("sealed", res.Rows, "rows to", res.Header.Recipient, "for", res.Header.Purpose, "suite", res.Header.Suite)
	return env.Bytes()
}

// The provider shares a register with one recipient for one purpose: the
// policy desensitizes it, the envelope is sealed and signed, and (with a
// log) the share is on record before the envelope file appears.
func ExampleShare() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	// A local log, operated by this process, accepting the records these
	// departments sign (for acts between departments, OpenAppender takes
	// the URL of one operator's "govshare log serve" instead).
	sk, _, _ := audit.GenerateKey("example.gov/share-log")
	signer, _ := audit.NewSigner(sk)
	reg, _ := audit.NewRegistry(psb.Public(), tax.Public())
	log, err := audit.OpenAppender(context.Background(), filepath.Join(dir, "log"),
		audit.AppenderOptions{Signer: signer, Registry: reg})
	if err != nil {
		panic(err)
	}
	defer log.Close()

	out, err := govshare.CreateOutput(filepath.Join(dir, "tax.gse"), false)
	if err != nil {
		panic(err)
	}
	defer out.Abort() // discards the envelope unless Share committed it
	res, err := govshare.Share(context.Background(), out,
		govshare.Input{Reader: strings.NewReader(exampleRegister), Name: "register.csv"},
		psb, tax.Public(), catalog.PurposeWorkReference, exampleCatalog(),
		&govshare.ShareOptions{Now: exampleNow, Log: log})
	if err != nil {
		panic(err)
	}
	f, _ := os.Open(out.Path())
	defer f.Close()
	h, err := envelope.Inspect(f)
	fmt.Println("sealed", res.Rows, "rows to", res.Header.Recipient, "for", res.Header.Purpose)
	fmt.Println("envelope in place:", err == nil && h.ID == res.Header.ID)
	fmt.Println("share record:", res.Receipt.Index)
	// Output:
	// sealed 2 rows to tax-bureau for work_reference
	// envelope in place: true
	// share record: 0
}

// The recipient opens an envelope with its keys, the purpose it declares
// and the provider it trusts; any other purpose is refused.
func ExampleOpen() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)
	open := func(p catalog.Purpose) error {
		_, err := govshare.Open(context.Background(), os.Stdout, bytes.NewReader(env), int64(len(env)),
			tax, psb.Public(), p, &govshare.OpenOptions{Now: exampleNow.Add(24 * time.Hour)})
		return err
	}
	fmt.Println(errors.Is(open(catalog.PurposeStatistics), envelope.ErrWrongPurpose))
	if err := open(catalog.PurposeWorkReference); err != nil {
		panic(err)
	}
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// true
	// 姓名,手机号码
	// 欧阳**,138****5678
	// 张*,139****1111
}

// Apply desensitizes records without sealing them, for a caller that
// delivers them itself.
func ExampleApply() {
	in := "姓名,手机号码,出生日期,宗教信仰\n欧阳娜娜,13812345678,1990-01-02,无\n"
	rep, err := govshare.Apply(context.Background(), os.Stdout,
		govshare.Input{Reader: strings.NewReader(in), Name: "register.csv"},
		nil, "tax-bureau", catalog.PurposeWorkReference, exampleCatalog(),
		&govshare.Options{Now: exampleNow})
	if err != nil {
		panic(err)
	}
	for _, d := range rep.Dropped {
		fmt.Println("not shared:", d.Field)
	}
	// Output:
	// 姓名,手机号码,出生日期
	// 欧阳**,138****5678,1990
	// not shared: 宗教信仰
}

// For data verification the provider sends tokens keyed to the recipient;
// only the provider can turn them back into the values.
func ExampleReverse() {
	psb, _ := keys.New("public-security-bureau")
	cat := exampleCatalog()
	var tokens bytes.Buffer
	opt := &govshare.Options{Now: exampleNow}
	if _, err := govshare.Apply(context.Background(), &tokens,
		govshare.Input{Reader: strings.NewReader(exampleRegister), Name: "register.csv"},
		psb, "civil-affairs-bureau", catalog.PurposeDataVerification, cat, opt); err != nil {
		panic(err)
	}
	fmt.Println("tokens hide the values:", !strings.Contains(tokens.String(), "13812345678"))
	// An empty purpose is data_verification, the purpose of tokens.
	if _, err := govshare.Reverse(context.Background(), os.Stdout,
		govshare.Input{Reader: &tokens, Name: "tokens.csv"},
		psb, "civil-affairs-bureau", "", cat, opt); err != nil {
		panic(err)
	}
	// Output:
	// tokens hide the values: true
	// 姓名,手机号码
	// 欧阳娜娜,13812345678
	// 张伟,13900001111
}

// An Output appears at its path whole, on Commit, and never replaces an
// existing file or one the run reads unless told to.
func ExampleCreateOutput() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "out.csv")
	out, err := govshare.CreateOutput(path, false)
	if err != nil {
		panic(err)
	}
	defer out.Abort()
	fmt.Fprintln(out, "姓名,手机号码")
	_, err = os.Stat(path)
	fmt.Println("visible before Commit:", err == nil)
	if err := out.Commit(); err != nil {
		panic(err)
	}
	b, _ := os.ReadFile(path)
	fmt.Print("after Commit: ", string(b))
	_, err = govshare.CreateOutput(path, false)
	fmt.Println(errors.Is(err, govshare.ErrOutputExists))
	_, err = govshare.CreateOutput(path, true, path) // path is also an input
	fmt.Println(errors.Is(err, govshare.ErrOutputUnsafe))
	// Output:
	// visible before Commit: false
	// after Commit: 姓名,手机号码
	// true
	// true
}
