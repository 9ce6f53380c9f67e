package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
)

// TestProjectRows: only the requested fields are read out of a CSV or
// JSON Lines source, in the requested order.
func TestProjectRows(t *testing.T) {
	for name, src := range map[string]struct {
		text  string
		jsonl bool
	}{
		"csv":   {"\ufeffa,b,c\n1,2,3\n4,5,6\n", false},
		"jsonl": {`{"a":"1","b":2,"c":"3"}` + "\n" + `{"a":"4","b":5,"c":null}` + "\n", true},
	} {
		rows, err := projectRows(strings.NewReader(src.text), src.jsonl, []string{"c", "a"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got [][]string
		for rows.Next() {
			var c, a any
			if err := rows.Scan(&c, &a); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			s := func(v any) string {
				if v == nil {
					return "<nil>"
				}
				return v.(string)
			}
			got = append(got, []string{s(c), s(a)})
		}
		if rows.Err() != nil {
			t.Fatalf("%s: %v", name, rows.Err())
		}
		want := "[[3 1] [6 4]]"
		if src.jsonl {
			want = "[[3 1] [<nil> 4]]"
		}
		if g := fmtRows(got); g != want {
			t.Errorf("%s: %s, want %s", name, g, want)
		}
	}
	if _, err := projectRows(strings.NewReader("a,b\n1,2\n"), false, []string{"z"}); err == nil {
		t.Error("a missing column was not refused")
	}
	rows, _ := projectRows(strings.NewReader(`{"a":{"x":1}}`+"\n"), true, []string{"a"})
	var v any
	if !rows.Next() || rows.Scan(&v) == nil {
		t.Error("a nested JSON value was not refused")
	}
}

func fmtRows(r [][]string) string {
	var b strings.Builder
	b.WriteString("[")
	for i, x := range r {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString("[" + strings.Join(x, " ") + "]")
	}
	b.WriteString("]")
	return b.String()
}

// TestJSONLResource: a JSON Lines source is delivered like a CSV one.
func TestJSONLResource(t *testing.T) {
	f := newFixture(t, "")
	jl := `{"姓名":"张伟","性别":"男","出生日期":"1990-01-02","银行卡号":"6222021234567890128"}` + "\n" +
		`{"姓名":"李娜","性别":"女","出生日期":"1985-11-30","银行卡号":"6222021234567890128"}` + "\n"
	os.WriteFile(filepath.Join(f.cfg.SourcesDir, "people.jsonl"), []byte(jl), 0o600)
	m := f.json("POST", "/api/v1/resources", psbDept+"/provider", map[string]string{"catalog": f.catalog, "source": "people.jsonl"}, 201)
	app := f.apply(m["id"].(string), "姓名", "出生日期")
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	d := f.waitDelivery(app)
	env := f.do("GET", d["download"].(string), taxDept+"/recipient", nil, 200)
	var plain bytes.Buffer
	if _, err := govshare.Open(context.Background(), &plain, bytes.NewReader(env), int64(len(env)), f.tax, f.psb.Public(), catalog.PurposeAdministrativeBasis, nil); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&plain).ReadAll()
	if err != nil || len(recs) != 3 || strings.Join(recs[0], ",") != "姓名,出生日期" {
		t.Fatalf("opened %v %v", len(recs), err)
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add(hashPassword("pw"), "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA", "")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		if len(encoded) > 200 {
			return
		}
		// A hash not made by hashPassword with parameters in range never
		// panics; whatever it says, it says it in bounded time.
		checkPassword(encoded, pw)
	})
}
