package redact_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/redact"
)

func TestTags(t *testing.T) {
	type T struct {
		Drop     string   `govshare:"-"`
		Mobile   string   `govshare:"cn_mobile"`
		Redacted string   `govshare:"cn_mobile,redact"`
		Withheld string   `govshare:"cn_mobile,withhold"`
		Cond     string   `govshare:"cn_mobile,conditional"` // no grant can name a tag: withheld
		Public   string   `govshare:"none,public"`
		None     string   `govshare:"none"` // public by default: kept
		Personal string   `govshare:",personal"`
		Secret   string   `govshare:"none,national_security"`
		Mobiles  []string `govshare:"cn_mobile"`
		Number   int64    `govshare:"cn_mobile"` // a number cannot be masked: zero
		Born     string   `govshare:"date_of_birth"`
		ID       string   `govshare:"cn_resident_id,generalize"`
		Coord    string   `govshare:"geo_coordinate"`
		Plain    string
	}
	in := T{"x", "13812345678", "13812345678", "13812345678", "13812345678", "13812345678 as is", "kept 13812345678",
		"free text", "secret", []string{"13812345678", "13912345678"}, 13812345678, "1990-05-17", "11010519491231002X", "116.397128,39.916527", "13812345678"}
	out, err := redact.Copy(must(redact.New()), in)
	if err != nil {
		t.Fatal(err)
	}
	want := T{"", "138****5678", "***", "", "", "13812345678 as is", "kept 13812345678",
		"***", "", []string{"138****5678", "139****5678"}, 0, "1990", "北京市", "116.40,39.92", "138****5678"}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Errorf("the copy differs from the expected at byte %d", firstDiff(fmt.Sprint(out), fmt.Sprint(want)))
	}
}

func TestTagErrors(t *testing.T) {
	r := must(redact.New())
	type Unknown struct {
		A string `govshare:"phone_number"`
	}
	type Option struct {
		A string `govshare:"cn_mobile,shiny"`
	}
	type Weaker struct {
		A string `govshare:"cn_resident_id,keep"` // the rules mask it for work_reference
	}
	type NoCatalog struct {
		A string `govshare:"field=姓名"`
	}
	for _, v := range []any{Unknown{"13812345678"}, Option{"13812345678"}, &Weaker{"11010519491231002X"}, NoCatalog{}, []any{map[string]any{"x": Unknown{}}}} {
		out, err := r.Struct(v)
		if !errors.Is(err, redact.ErrTag) || out != nil {
			t.Errorf("%T: got %v, %v; want ErrTag", v, out != nil, err)
		}
		if err != nil && strings.Contains(err.Error(), "1381234") {
			t.Errorf("the error holds a value")
		}
		// Printing fails closed, naming the problem and no value.
		if s := fmt.Sprint(r.Value(v)); strings.Contains(s, "1381234") || strings.Contains(s, "110105") || !strings.Contains(s, "redact") {
			t.Errorf("%T: Value printed something other than the tag error", v)
		}
	}
	if _, err := r.Struct(&Weaker{}); !errors.Is(err, policy.ErrOverride) {
		t.Errorf("a weaker override: %v, want policy.ErrOverride", err)
	}
	// Declared public, it is kept.
	type Public struct {
		A string `govshare:"cn_uscc,public"`
	}
	if out, err := redact.Copy(r, Public{"91350100M000100Y43"}); err != nil || out.A != "91350100M000100Y43" {
		t.Errorf("public field: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := redact.New(redact.WithPurpose("gossip")); !errors.Is(err, policy.ErrUnknownPurpose) {
		t.Errorf("unknown purpose: %v", err)
	}
	bad := &catalog.Catalog{Resource: "r", Provider: "p", Tier: catalog.TierUnconditional}
	if _, err := redact.New(redact.WithCatalog(bad)); !errors.Is(err, policy.ErrInvalidCatalog) {
		t.Errorf("invalid catalog: %v", err)
	}
	if _, err := redact.New(redact.WithRecipient("x", policy.Grant{ID: "g"})); !errors.Is(err, policy.ErrInvalidGrant) {
		t.Errorf("invalid grant: %v", err)
	}
}

func TestCatalogPurposesAndGrants(t *testing.T) {
	cat := &catalog.Catalog{Resource: "reg", Provider: "psb", Tier: catalog.TierUnconditional, Fields: []catalog.Field{
		{Name: "姓名", Type: catalog.TypePersonName, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral},
		{Name: "身份证号", Type: catalog.TypeResidentID, Category: catalog.CategoryPersonal, Level: catalog.LevelImportant, Sensitive: true},
		{Name: "Mobile", Type: catalog.TypeMobile, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral, Tier: catalog.TierConditional},
		{Name: "remark", Type: catalog.TypeNone, Category: catalog.CategoryPublic, Level: catalog.LevelGeneral},
	}}
	g := policy.Grant{ID: "g1", Resource: "reg", Recipient: "tax", Purpose: catalog.PurposeAdministrativeBasis,
		Fields: []string{"身份证号", "Mobile"}, NotAfter: time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)}
	before := time.Date(2027, 6, 30, 12, 0, 0, 0, time.UTC)
	after := time.Date(2027, 7, 1, 12, 0, 0, 0, time.UTC)
	row := map[string]any{"姓名": "欧阳娜娜", "身份证号": "11010519491231002X", "mobile": "13812345678", "remark": "13912345678"}
	type S struct {
		Name   string `govshare:"field=姓名"`
		ID     string `json:"身份证号"`
		Mobile string
		Remark string `json:"remark" govshare:"cn_mobile"` // the catalog (public) decides, not the tag
	}
	srow := S{"欧阳娜娜", "11010519491231002X", "13812345678", "13912345678"}
	for _, c := range []struct {
		name string
		opts []redact.Option
		want string
	}{
		{"work_reference, no grant", nil, "map[remark:13912345678 姓名:欧阳** 身份证号:1***************2X]"},
		{"administrative_basis, grant", []redact.Option{redact.WithPurpose(catalog.PurposeAdministrativeBasis), redact.WithRecipient("tax", g), redact.WithTime(before)},
			"map[mobile:13812345678 remark:13912345678 姓名:欧阳娜娜 身份证号:11010519491231002X]"},
		{"administrative_basis, grant expired", []redact.Option{redact.WithPurpose(catalog.PurposeAdministrativeBasis), redact.WithRecipient("tax", g), redact.WithTime(after)},
			"map[remark:13912345678 姓名:欧阳娜娜]"},
		{"statistics", []redact.Option{redact.WithPurpose(catalog.PurposeStatistics)}, "map[remark:13912345678]"},
		{"data_verification (token: redacted without keys)", []redact.Option{redact.WithPurpose(catalog.PurposeDataVerification)},
			"map[remark:13912345678 姓名:*** 身份证号:***]"},
	} {
		r, err := redact.New(append([]redact.Option{redact.WithCatalog(cat)}, c.opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		out, err := redact.Copy(r, row)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(out); got != c.want {
			t.Errorf("%s: map differs from the expected at byte %d", c.name, firstDiff(got, c.want))
		}
		// The same row as a struct, fields matched by JSON name, Go name
		// (case-insensitive) and field= tag.
		so, err := redact.Copy(r, srow)
		if err != nil {
			t.Fatal(err)
		}
		sm := map[string]any{"姓名": so.Name, "身份证号": so.ID, "mobile": so.Mobile, "remark": so.Remark}
		for k, v := range sm {
			if v == "" {
				delete(sm, k)
			}
		}
		if got := fmt.Sprint(sm); got != c.want {
			t.Errorf("%s: struct differs from the expected at byte %d", c.name, firstDiff(got, c.want))
		}
	}
}

func TestCycles(t *testing.T) {
	r := must(redact.New())
	m := map[string]any{"mobile": "13812345678"}
	m["self"] = m
	s := []any{"13812345678", nil}
	s[1] = s
	type node struct {
		Phone string
		Next  *node
		Any   any
	}
	n := &node{Phone: "13812345678"}
	n.Next = n
	n.Any = m
	for _, v := range []any{m, s, n} {
		done := make(chan string, 1)
		go func() {
			c, err := r.Struct(v)
			if err != nil {
				done <- err.Error()
				return
			}
			_ = c
			done <- fmt.Sprintf("%v %+v %#v", r.Value(v), r.Value(v), r.Value(v))
		}()
		select {
		case out := <-done:
			if strings.Contains(out, "12345678") {
				t.Errorf("%T: leaked", v)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%T: does not terminate", v)
		}
	}
	// Struct keeps the cycle, in the copy.
	c := must(redact.Copy(r, n))
	if c == n || c.Next != c || c.Phone != "138****5678" {
		t.Errorf("pointer cycle not copied as a cycle")
	}
	cm := must(redact.Copy(r, m))
	if fmt.Sprintf("%p", cm["self"]) != fmt.Sprintf("%p", cm) || fmt.Sprintf("%p", cm) == fmt.Sprintf("%p", m) {
		t.Errorf("map cycle not copied as a cycle")
	}
	// JSON of a Value terminates (the back reference is cut).
	if _, err := json.Marshal(r.Value(m)); err != nil {
		t.Errorf("json of a cyclic map: %v", err)
	}
}

func TestDeepNesting(t *testing.T) {
	var v any = "13812345678"
	for range 10000 {
		v = []any{v}
	}
	out, err := redact.Default().Struct(v)
	if err != nil || out == nil {
		t.Fatal(err)
	}
	if strings.Contains(fmt.Sprint(redact.Value(v)), "12345678") {
		t.Errorf("leaked below the depth bound")
	}
}

type inner struct {
	Mobile string
	note   string
}

type withUnexported struct {
	inner           // embedded, unexported type: its exported fields are redacted
	Public   string `govshare:"none,public"`
	count    int
	ratio    [2]float64
	text     string
	ptr      *string
	when     time.Time
	When     time.Time
	Big      *big.Int
	Loc      *time.Location
	Callback func() string
}

func TestUnexportedAndOpaque(t *testing.T) {
	raw := "13812345678"
	loc := time.FixedZone("CST", 8*3600)
	in := withUnexported{inner: inner{Mobile: raw, note: raw}, Public: "p", count: 3, ratio: [2]float64{1, 2},
		text: raw, ptr: &raw, when: time.Unix(1, 0), When: time.Date(2026, 1, 2, 3, 4, 5, 0, loc), Big: big.NewInt(42), Loc: loc,
		Callback: func() string { return "x" }}
	out := must(redact.Copy(redact.Default(), in))
	if out.Mobile != "138****5678" || out.note != "" {
		t.Errorf("embedded unexported struct: exported field not redacted or unexported text kept")
	}
	if out.count != 3 || out.ratio != in.ratio || !out.when.Equal(in.when) {
		t.Errorf("unexported numbers and times not copied")
	}
	if out.text != "" || out.ptr != nil {
		t.Errorf("unexported text survived")
	}
	if !out.When.Equal(in.When) || out.When.Location() != loc || out.Loc != loc || out.Big.Int64() != 42 || out.Callback() != "x" {
		t.Errorf("opaque values not kept")
	}
	if in.note != raw || in.text != raw || in.Mobile != raw {
		t.Errorf("input modified")
	}
}

func TestMapKeys(t *testing.T) {
	in := map[string]int{"13812345678": 1, "138****5678": 2, "plain": 3}
	out := must(redact.Copy(redact.Default(), in))
	if len(out) != 3 || out["plain"] != 3 {
		t.Fatalf("entries lost: %d", len(out))
	}
	for k := range out {
		if strings.Contains(k, "12345678") {
			t.Errorf("a key leaked")
		}
	}
	// Non-string keys are copied; struct keys redacted.
	type K struct{ Mobile string }
	km := must(redact.Copy(redact.Default(), map[K]bool{{"13812345678"}: true}))
	for k := range km {
		if k.Mobile != "138****5678" {
			t.Errorf("struct key not redacted")
		}
	}
}

func TestInterfaces(t *testing.T) {
	r := must(redact.New())
	in := map[string]any{
		"mobile":   json.Number("13812345678"),
		"phone":    int64(13812345678),
		"birthday": time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
		"err":      errors.New("no record for 13812345678"),
		"count":    7,
		"bytes":    []byte("call 13812345678"),
	}
	out := must(redact.Copy(r, in))
	got := fmt.Sprint(out)
	if want := "map[birthday:1990 bytes:[99 97 108 108 32 49 51 56 42 42 42 42 53 54 55 56] count:7 err:no record for 138****5678 mobile:138****5678 phone:138****5678]"; got != want {
		t.Errorf("the copy differs from the expected at byte %d", firstDiff(got, want))
	}
	if _, ok := out["err"].(error); !ok {
		t.Errorf("an error is no longer an error")
	}
}

func TestHandlerWithAttrsAndGroups(t *testing.T) {
	var buf bytes.Buffer
	h := redact.NewHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}), nil)
	l := slog.New(h).With("13812345678", "key is a mobile").WithGroup("身份证号").With("v", "11010519491231002X")
	l.WithGroup("inner").Info("m", "x", "11010519491231002X", "income", 100, slog.Group("address", "line", "建国路88号"), "n", 3)
	slog.New(h).Info("typed numbers", "mobile", 13812345678, "phone", uint64(13812345678), "salary", 1.5, "ok", true)
	got := buf.String()
	want := `{"level":"INFO","msg":"m","138****5678":"key is a mobile","身份证号":{"v":"1***************2X","inner":{"x":"1***************2X","address":{"line":"***"},"n":"***"}}}
{"level":"INFO","msg":"typed numbers","mobile":"138****5678","phone":"138****5678","ok":true}
`
	if got != want {
		t.Errorf("the records differ from the expected at byte %d", firstDiff(got, want))
	}
	if !h.Enabled(context.Background(), slog.LevelInfo) || h.Enabled(context.Background(), slog.LevelDebug) {
		t.Errorf("Enabled does not follow the wrapped handler")
	}
}

type valuer struct{ ID string }

func (v valuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("身份证号", v.ID), slog.String("note", "see "+v.ID))
}

func TestHandlerLogValuer(t *testing.T) {
	var buf bytes.Buffer
	slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), nil)).Info("x", "v", valuer{"11010519491231002X"})
	if strings.Contains(buf.String(), "19491231") || !strings.Contains(buf.String(), "v.身份证号=1***************2X") {
		t.Errorf("LogValuer not redacted")
	}
}

func TestKeyHintsOff(t *testing.T) {
	r := must(redact.New(redact.WithoutKeyHints()))
	out := must(redact.Copy(r, map[string]any{"name": "report.csv", "mobile": "13812345678", "income": 5}))
	if fmt.Sprint(out) != "map[income:5 mobile:138****5678 name:report.csv]" {
		t.Errorf("with hints off, a key was typed by its name")
	}
	out = must(redact.Copy(must(redact.New()), map[string]any{"name": "report.csv"}))
	if out["name"] == "report.csv" {
		t.Errorf("with hints, a key \"name\" is a person name")
	}
}

func TestNilAndEmpty(t *testing.T) {
	r := redact.Default()
	for _, v := range []any{nil, (*withUnexported)(nil), map[string]any(nil), []string(nil), "", 0, struct{}{}} {
		if _, err := r.Struct(v); err != nil {
			t.Errorf("%T: %v", v, err)
		}
		_ = fmt.Sprintf("%v %+v", r.Value(v), r.Value(v))
	}
	if redact.Error(nil) != nil {
		t.Errorf("Error(nil) is not nil")
	}
	e := redact.Error(errors.New("x"))
	if redact.Default().Error(e) != e {
		t.Errorf("Error wraps twice")
	}
}

func TestConcurrent(t *testing.T) {
	r := must(redact.New())
	p, s := fixture(3)
	done := make(chan string, 8)
	for range 8 {
		go func() {
			var b strings.Builder
			for range 20 {
				c := must(redact.Copy(r, p))
				b.WriteString(fmt.Sprintf("%+v %v", *c, r.Value(p.Extra)))
			}
			done <- b.String()
		}()
	}
	for range 8 {
		s.check(t, "concurrent", <-done)
	}
}

func TestHandlerRedactedNotTwice(t *testing.T) {
	var buf bytes.Buffer
	r := must(redact.New())
	slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), r)).Info("x", "mobile", r.Value("13812345678"), "income", r.Value(5))
	if !strings.Contains(buf.String(), "mobile=138****5678") || strings.Contains(buf.String(), "income") {
		t.Errorf("a Redacted value was masked again or a withheld key kept")
	}
}

// firstDiff is where got and want first differ: failure messages say where,
// never what (they would print identifiers).
func firstDiff(got, want string) int {
	n := min(len(got), len(want))
	for i := range n {
		if got[i] != want[i] {
			return i
		}
	}
	return n
}
