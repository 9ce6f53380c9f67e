package govshare

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
)

const recordsCatalog = `resource: r
provider: p
tier: unconditional
fields:
  - {name: 姓名, type: person_name, category: personal, level: general, sensitive: false}
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`

// A CSV file through CSVRecords and FromRecords gives what Apply makes of
// the file itself: the record source changes nothing.
func TestCSVRecordsThroughFromRecords(t *testing.T) {
	cat, err := catalog.Parse([]byte(recordsCatalog), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in := "姓名,备注\n欧阳娜娜,\"a, \"\"b\"\"\"\n张伟,\n\" 李四\",\"多\n行\"\n"
	var direct, viaRecords bytes.Buffer
	if _, err := Apply(context.Background(), &direct, Input{Reader: strings.NewReader(in), Name: "in.csv"}, nil, "x", catalog.PurposeWorkReference, cat, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := NewCSVRecords(strings.NewReader(in), "in.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(context.Background(), &viaRecords, FromRecords(recs, "in.csv"), nil, "x", catalog.PurposeWorkReference, cat, nil); err != nil {
		t.Fatal(err)
	}
	if direct.String() != viaRecords.String() || direct.Len() == 0 {
		t.Errorf("FromRecords(CSVRecords) = %q, Apply on the file = %q", viaRecords.String(), direct.String())
	}
}

func TestCSVRecordsScan(t *testing.T) {
	recs, err := NewCSVRecords(strings.NewReader("a,b,c,d\nx,y,z,w\n"), "in.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	if !recs.Next() {
		t.Fatal(recs.Err())
	}
	var s string
	var b []byte
	var a any
	var n sql.NullString
	if err := recs.Scan(&s, &b, &a, &n); err != nil {
		t.Fatal(err)
	}
	if s != "x" || string(b) != "y" || a != "z" || !n.Valid || n.String != "w" {
		t.Errorf("Scan: %q %q %v %v", s, b, a, n)
	}
	var i int
	if err := recs.Scan(&s, &b, &a, &i); err == nil || !strings.Contains(err.Error(), "in.csv:2") {
		t.Errorf("Scan into *int: %v", err)
	}
	if err := recs.Scan(&s); err == nil {
		t.Error("Scan with one destination for four columns")
	}
	if recs.Next() || recs.Err() != nil {
		t.Errorf("after the last row: Next true or error %v", recs.Err())
	}
	// A damaged row ends the records with an error naming its place.
	recs, _ = NewCSVRecords(strings.NewReader("a,b\n1,2,3\n"), "bad.csv", "")
	if recs.Next() || recs.Err() == nil || !strings.Contains(recs.Err().Error(), "bad.csv:2") {
		t.Errorf("damaged row: %v", recs.Err())
	}
}
