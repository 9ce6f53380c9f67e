package parquetio_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/parquetio"
	"github.com/parquet-go/parquet-go"
)

type resident struct {
	Name   string  `parquet:"姓名"`
	Mobile *string `parquet:"手机号码,optional"`
	Born   int32   `parquet:"出生日期,date"`
}

func exampleFile() []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[resident](&buf)
	m := "13812345678"
	_, _ = w.Write([]resident{{Name: "欧阳娜娜", Mobile: &m, Born: 7306}, {Name: "张伟", Born: 7307}})
	_ = w.Close()
	return buf.Bytes()
}

func exampleCatalog() *catalog.Catalog {
	cat, err := catalog.Parse([]byte(`
resource: population-register
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 手机号码, type: cn_mobile, category: personal, level: general, sensitive: false}
  - {name: 出生日期, type: date_of_birth, category: personal, level: general, sensitive: false}
`), "catalog.yaml")
	if err != nil {
		panic(err)
	}
	return cat
}

// A Parquet file is a govshare.Records: FromRecords streams it, a row
// group at a time, into Apply (or Share). NULL is an empty field.
func ExampleReader() {
	data := exampleFile()
	r, err := parquetio.NewReader(bytes.NewReader(data), int64(len(data)), "register.parquet")
	if err != nil {
		panic(err)
	}
	_, err = govshare.Apply(context.Background(), os.Stdout, govshare.FromRecords(r, "register.parquet"),
		nil, "tax-bureau", catalog.PurposeWorkReference, exampleCatalog(), nil)
	if err != nil {
		panic(err)
	}
	// Output:
	// 姓名,手机号码,出生日期
	// 欧阳**,138****5678,1990
	// 张*,,1990
}

// Parquet in, Parquet out: Reader.CSV keeps NULLs apart from empty strings
// and the Writer gives every column a type — the birth year stays a DATE
// (at year precision), the masked columns become strings, NULL stays NULL.
func ExampleNewWriter() {
	data := exampleFile()
	r, err := parquetio.NewReader(bytes.NewReader(data), int64(len(data)), "register.parquet")
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	w := parquetio.NewWriter(&out, "masked.parquet", func(col string) parquetio.Output {
		if col == "出生日期" {
			return parquetio.Output{Date: "year"}
		}
		return parquetio.Output{} // masked: a string
	}, &parquetio.WriterOptions{Escaped: true})
	defer w.Abort()
	_, err = govshare.Apply(context.Background(), w, govshare.Input{Reader: r.CSV(true), Name: "register.parquet"},
		nil, "tax-bureau", catalog.PurposeWorkReference, exampleCatalog(), nil)
	if err != nil { // Apply committed w: the file is whole
		panic(err)
	}
	m, err := parquetio.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()), "masked.parquet")
	if err != nil {
		panic(err)
	}
	for _, c := range m.Schema() {
		fmt.Println(strings.TrimSpace(fmt.Sprint(c.Name, " ", c.Node.Type(), " ", c.Precision)))
	}
	for m.Next() {
		fmt.Println(m.Null(1))
	}
	// Output:
	// 姓名 STRING
	// 手机号码 STRING
	// 出生日期 DATE year
	// false
	// true
}

// Open reads a Parquet file from disk; Columns and Schema say what it holds.
func ExampleOpen() {
	path := filepath.Join(os.TempDir(), "govshare-example-register.parquet")
	if err := os.WriteFile(path, exampleFile(), 0o644); err != nil {
		panic(err)
	}
	defer os.Remove(path)
	r, err := parquetio.Open(path)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	fmt.Println(cols, r.NumRows())
	row := make([]string, len(cols))
	for r.Next() {
		if err := r.Text(row); err != nil {
			panic(err)
		}
		fmt.Printf("%q\n", row)
	}
	// Output:
	// [姓名 手机号码 出生日期] 2
	// ["欧阳娜娜" "13812345678" "1990-01-02"]
	// ["张伟" "" "1990-01-03"]
}
