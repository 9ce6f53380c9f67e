package govshare_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
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
)

// memDriver is a database/sql driver over fixed tables, so that examples
// and tests share from a real *sql.Rows without a database server.
type memDriver struct{}

type memTable struct {
	cols []string
	rows [][]driver.Value
	err  error // returned after the rows, as a broken connection would
}

var (
	memMu     sync.Mutex
	memTables = map[string]memTable{}
)

func registerTable(name string, t memTable) {
	memMu.Lock()
	defer memMu.Unlock()
	memTables[name] = t
}

var registerOnce sync.Once

func memDB(t testing.TB) *sql.DB {
	registerOnce.Do(func() { sql.Register("govshare-mem", memDriver{}) })
	db, err := sql.Open("govshare-mem", "")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (memDriver) Open(string) (driver.Conn, error) { return memConn{}, nil }

type memConn struct{}

func (memConn) Prepare(q string) (driver.Stmt, error) { return memStmt{q}, nil }
func (memConn) Close() error                          { return nil }
func (memConn) Begin() (driver.Tx, error)             { return nil, errors.New("no transactions") }

type memStmt struct{ table string }

func (memStmt) Close() error                               { return nil }
func (memStmt) NumInput() int                              { return 0 }
func (memStmt) Exec([]driver.Value) (driver.Result, error) { return nil, errors.New("read only") }
func (s memStmt) Query([]driver.Value) (driver.Rows, error) {
	memMu.Lock()
	t, ok := memTables[s.table]
	memMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no table %q", s.table)
	}
	return &memRows{t: t}, nil
}

type memRows struct {
	t memTable
	i int
}

func (r *memRows) Columns() []string { return r.t.cols }
func (r *memRows) Close() error      { return nil }
func (r *memRows) Next(dest []driver.Value) error {
	if r.i == len(r.t.rows) {
		if r.t.err != nil {
			return r.t.err
		}
		return io.EOF
	}
	copy(dest, r.t.rows[r.i])
	r.i++
	return nil
}

// TestFromRows: a query result streams as records with its column names,
// every value type rendered as text, NULL as empty; a failing cursor and
// a value that is not text fail the run at their row, naming no value.
func TestFromRows(t *testing.T) {
	db := memDB(t)
	day := time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)
	registerTable("people", memTable{
		cols: []string{"姓名", "手机号码", "出生日期", "人数", "比例", "在册", "备注"},
		rows: [][]driver.Value{
			{"欧阳娜娜", []byte("13812345678"), day, int64(3), 0.25, true, nil},
			{"张伟", "13900001111", day.Add(90 * time.Minute), int64(-1), 1e21, false, "a,\"b\"\nc"},
		},
	})
	rows, err := db.Query("people")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got, err := io.ReadAll(govshare.FromRows(rows, "people").Reader)
	if err != nil {
		t.Fatal(err)
	}
	want := "姓名,手机号码,出生日期,人数,比例,在册,备注\n" +
		"欧阳娜娜,13812345678,1990-01-02,3,0.25,true,\n" +
		"张伟,13900001111,1990-01-02T01:30:00Z,-1,1e+21,false,\"a,\"\"b\"\"\nc\"\n"
	if string(got) != want {
		t.Errorf("records differ from the table (%d bytes, want %d)", len(got), len(want))
	}

	broken := errors.New("connection reset")
	registerTable("broken", memTable{cols: []string{"a"}, rows: [][]driver.Value{{"x"}}, err: broken})
	rows2, _ := db.Query("broken")
	defer rows2.Close()
	if _, err := io.ReadAll(govshare.FromRows(rows2, "broken").Reader); !errors.Is(err, broken) || !strings.Contains(err.Error(), "after row 1") {
		t.Errorf("a failing cursor: %v", err)
	}
	registerTable("binary", memTable{cols: []string{"a"}, rows: [][]driver.Value{{[]byte{0xff, 0xfe}}}})
	rows3, _ := db.Query("binary")
	defer rows3.Close()
	if _, err := io.ReadAll(govshare.FromRows(rows3, "binary").Reader); err == nil || !strings.Contains(err.Error(), "row 1, column 1") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// An ETL job shares a table straight from its database: the query's rows
// are desensitized for the recipient and purpose, and sealed, without an
// intermediate file. The recipient opens the envelope to a writer.
func ExampleFromRows() {
	registerTable("population", memTable{
		cols: []string{"姓名", "手机号码"},
		rows: [][]driver.Value{{"欧阳娜娜", "13812345678"}, {"张伟", "13900001111"}},
	})
	db := memDB(nil)
	rows, err := db.QueryContext(context.Background(), "population")
	if err != nil {
		panic(err)
	}
	defer rows.Close()

	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	var env bytes.Buffer
	res, err := govshare.Share(context.Background(), &env, govshare.FromRows(rows, "population"),
		psb, tax.Public(), catalog.PurposeWorkReference, exampleCatalog(),
		&govshare.ShareOptions{Now: exampleNow})
	if err != nil {
		panic(err)
	}
	fmt.Println("sealed", res.Rows, "rows")

	// The recipient, on its own machine, opens the envelope to a writer.
	_, err = govshare.Open(context.Background(), os.Stdout, bytes.NewReader(env.Bytes()), int64(env.Len()),
		tax, psb.Public(), catalog.PurposeWorkReference, &govshare.OpenOptions{Now: exampleNow.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	// Output:
	// sealed 2 rows
	// 姓名,手机号码
	// 欧阳**,138****5678
	// 张*,139****1111
}
