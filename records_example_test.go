package govshare_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
)

// A CSV file is a record source like a database result: FromRecords
// streams it to Apply.
func ExampleFromRecords() {
	recs, err := govshare.NewCSVRecords(strings.NewReader("姓名,手机号码\n欧阳娜娜,13812345678\n"), "register.csv", "")
	if err != nil {
		panic(err)
	}
	_, err = govshare.Apply(context.Background(), os.Stdout, govshare.FromRecords(recs, "register.csv"),
		nil, "tax-bureau", catalog.PurposeWorkReference, exampleCatalog(), &govshare.Options{Now: exampleNow})
	if err != nil {
		panic(err)
	}
	// Output:
	// 姓名,手机号码
	// 欧阳**,138****5678
}

// A database/sql result is a govshare.Records: an ETL job shares a query's
// rows as they arrive, without a file in between (examples/etl-job does it
// with PostgreSQL). The driver is the program's choice.
func ExampleFromRecords_databaseSQL() {
	db, err := sql.Open("pgx", "postgres://postgres@127.0.0.1:5432/test")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `SELECT "姓名", "手机号码" FROM register`)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rows.Close()
	_, err = govshare.Apply(context.Background(), os.Stdout, govshare.FromRecords(rows, "register"),
		nil, "tax-bureau", catalog.PurposeWorkReference, exampleCatalog(), nil)
	if err != nil {
		fmt.Println(err)
	}
}

// Code written for a database result reads a CSV file the same way.
func ExampleCSVRecords_Scan() {
	recs, err := govshare.NewCSVRecords(strings.NewReader("姓名,手机号码\n欧阳娜娜,13812345678\n张伟,13900001111\n"), "register.csv", "")
	if err != nil {
		panic(err)
	}
	cols, _ := recs.Columns()
	for recs.Next() {
		var name, mobile sql.NullString
		if err := recs.Scan(&name, &mobile); err != nil {
			panic(err)
		}
		fmt.Println(cols[0], name.String, cols[1], mobile.String)
	}
	if err := recs.Err(); err != nil {
		panic(err)
	}
	// Output:
	// 姓名 欧阳娜娜 手机号码 13812345678
	// 姓名 张伟 手机号码 13900001111
}
