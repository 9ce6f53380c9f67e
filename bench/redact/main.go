// Command redact measures govshare's redact package side by side with
// go-masker v2 (struct tags), bytedance/godlp MaskStruct and
// m-mizutani/masq (slog ReplaceAttr) on the same values, in one run, so
// the ratios hold on a noisy machine. It also says, for each library, how
// many raw identifiers are left in what it produced. It lives in the bench
// module so none of them enters the library's dependencies.
//
//	cd bench && go run ./redact [-time 1s]
//
// Cases:
//
//   - struct: a tagged struct (name, resident ID, mobile, e-mail, bank card,
//     address, a free-text note holding a mobile) → a redacted copy:
//     redact.Copy against go-masker's (*MaskerMarshaler).Struct and godlp's
//     MaskStruct (which masks its input in place).
//   - slog struct: the same struct as one slog.Any attribute through a JSON
//     handler: redact.NewHandler against masq.New as ReplaceAttr (tag
//     masq:"secret") and against no redaction.
//   - slog map: a nested map[string]any decoded from JSON (masq issue 25)
//     with masq told the field names (WithFieldName).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	dlp "github.com/bytedance/godlp"
	masker "github.com/ggwhite/go-masker/v2"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/redact"
	"github.com/m-mizutani/masq"
)

// User carries the tags of all three libraries.
type User struct {
	Name    string `govshare:"person_name" mask:"name" masq:"secret"`
	ID      string `govshare:"cn_resident_id" mask:"id" masq:"secret"`
	Mobile  string `govshare:"cn_mobile" mask:"mobile" masq:"secret"`
	Email   string `govshare:"email" mask:"email" masq:"secret"`
	Card    string `govshare:"bank_card" mask:"credit" masq:"secret"`
	Address string `govshare:"address" mask:"addr" masq:"secret"`
	Note    string // free text; only redact looks inside it
	Age     int
}

const (
	rawName   = "欧阳娜娜"
	rawID     = "11010519491231002X"
	rawMobile = "13812345678"
	rawEmail  = "nana@example.com"
	rawAddr   = "北京市朝阳区建国路88号"
	rawNote   = "回电 13912345678"
)

// rawCard is a UnionPay number with a valid Luhn digit, so that Detect can
// find it where no tag or key names it.
var rawCard = func() string {
	c, ok := classify.LuhnCheckDigit("622202123456789123")
	if !ok {
		log.Fatal("luhn")
	}
	return "622202123456789123" + string(c)
}()

var raws = []string{rawName, rawID, rawMobile, rawEmail, rawCard, rawAddr, "13912345678"}

func user() User {
	return User{Name: rawName, ID: rawID, Mobile: rawMobile, Email: rawEmail, Card: rawCard, Address: rawAddr, Note: rawNote, Age: 36}
}

// DlpUser is User with godlp's tags (its tag key, mask, is go-masker's too).
type DlpUser struct {
	Name    string `mask:"NAME"`
	ID      string `mask:"CHINAID"`
	Mobile  string `mask:"CHINAPHONE"`
	Email   string `mask:"EMAIL"`
	Card    string `mask:"BANK"`
	Address string `mask:"ADDRESS"`
	Note    string `mask:"DEIDENTIFY"` // godlp detects in free text too
	Age     int
}

// record is a nested map[string]any as json.Unmarshal gives it.
func record() map[string]any {
	var m map[string]any
	b, _ := json.Marshal(map[string]any{"applicant": map[string]any{
		"name": rawName, "id_card": rawID, "mobile": rawMobile, "email": rawEmail,
		"bank": map[string]any{"card": rawCard}, "address": rawAddr, "note": rawNote,
	}})
	if err := json.Unmarshal(b, &m); err != nil {
		log.Fatal(err)
	}
	return m
}

// leaked counts the raw identifiers in out.
func leaked(out string) int {
	n := 0
	for _, r := range raws {
		if strings.Contains(out, r) {
			n++
		}
	}
	return n
}

type result struct {
	name   string
	ns     float64
	allocs int64
	leaks  int
	note   string
}

func bench(name string, leaks int, note string, f func()) result {
	f() // warm caches (tag plans, policy decisions)
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f()
		}
	})
	return result{name: name, ns: float64(r.T.Nanoseconds()) / float64(r.N), allocs: r.AllocsPerOp(), leaks: leaks, note: note}
}

func main() {
	benchtime := flag.Duration("time", time.Second, "time per case (testing.Benchmark's -test.benchtime)")
	flag.Parse()
	testing.Init()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		log.Fatal(err)
	}

	r, err := redact.New()
	if err != nil {
		log.Fatal(err)
	}
	u := user()

	// struct → redacted copy
	ours, err := redact.Copy(r, &u)
	if err != nil {
		log.Fatal(err)
	}
	gm := masker.NewMaskerMarshaler()
	theirs, err := gm.Struct(&u)
	if err != nil {
		log.Fatal(err)
	}
	eng, err := dlp.NewEngine("govshare.bench")
	if err != nil {
		log.Fatal(err)
	}
	if err := eng.ApplyConfigDefault(); err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	du := DlpUser(u)
	dcopy := du
	if _, err := eng.MaskStruct(&dcopy); err != nil {
		log.Fatal(err)
	}
	structRows := []result{
		bench("redact.Copy", leaked(fmt.Sprintf("%+v", *ours)), "type-aware masks; note scanned", func() {
			if _, err := redact.Copy(r, &u); err != nil {
				log.Fatal(err)
			}
		}),
		bench("go-masker v2 Struct", leaked(fmt.Sprintf("%+v", theirs)), "tags only; note left as is", func() {
			if _, err := gm.Struct(&u); err != nil {
				log.Fatal(err)
			}
		}),
		bench("godlp MaskStruct", leaked(fmt.Sprintf("%+v", dcopy)), "masks in place: timed on a fresh copy each time", func() {
			c := du
			if _, err := eng.MaskStruct(&c); err != nil {
				log.Fatal(err)
			}
		}),
	}

	// slog: one struct attribute through a JSON handler
	ourLog := slog.New(redact.NewHandler(slog.NewJSONHandler(io.Discard, nil), r))
	masqLog := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{ReplaceAttr: masq.New(masq.WithTag("secret"))}))
	plainLog := slog.New(slog.NewJSONHandler(io.Discard, nil))
	capture := func(h func(io.Writer) *slog.Logger, args ...any) string {
		var b bytes.Buffer
		h(&b).Info("user", args...)
		return b.String()
	}
	ourFor := func(w io.Writer) *slog.Logger {
		return slog.New(redact.NewHandler(slog.NewJSONHandler(w, nil), r))
	}
	masqFor := func(opts ...masq.Option) func(io.Writer) *slog.Logger {
		return func(w io.Writer) *slog.Logger {
			return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: masq.New(opts...)}))
		}
	}
	plainFor := func(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
	slogRows := []result{
		bench("redact.NewHandler", leaked(capture(ourFor, "user", u)), "", func() { ourLog.Info("user", "user", u) }),
		bench("masq WithTag", leaked(capture(masqFor(masq.WithTag("secret")), "user", u)), "[REDACTED] per tagged field; note left", func() { masqLog.Info("user", "user", u) }),
		bench("no redaction", leaked(capture(plainFor, "user", u)), "baseline", func() { plainLog.Info("user", "user", u) }),
	}

	// slog: nested map[string]any
	rec := record()
	names := []masq.Option{}
	for _, k := range []string{"name", "id_card", "mobile", "email", "card", "address", "note"} {
		names = append(names, masq.WithFieldName(k))
	}
	masqMapLog := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{ReplaceAttr: masq.New(names...)}))
	mapRows := []result{
		bench("redact.NewHandler", leaked(capture(ourFor, "record", rec)), "keys typed by name, values scanned", func() { ourLog.Info("user", "record", rec) }),
		bench("masq WithFieldName", leaked(capture(masqFor(names...), "record", rec)), "told the 7 key names; values become null", func() { masqMapLog.Info("user", "record", rec) }),
		bench("no redaction", leaked(capture(plainFor, "record", rec)), "baseline", func() { plainLog.Info("user", "record", rec) }),
	}

	fmt.Printf("redact vs go-masker v2.2.0, godlp v1.2.15 and masq v0.2.1, same values, same run (%d raw identifiers per value)\n\n", len(raws))
	table("struct → redacted copy", structRows)
	table("slog JSON, one struct attribute", slogRows)
	table("slog JSON, nested map[string]any (masq issue 25)", mapRows)
	fmt.Fprintln(os.Stderr, "masq output for the nested map:", strings.TrimSpace(capture(masqFor(names...), "record", rec)))
	fmt.Fprintln(os.Stderr, "redact output for the nested map:", strings.TrimSpace(capture(ourFor, "record", rec)))
}

func table(title string, rows []result) {
	fmt.Printf("%s\n\n| library | ns/op | allocs/op | × first row | raw identifiers left | note |\n|---|---:|---:|---:|---:|---|\n", title)
	for _, r := range rows {
		fmt.Printf("| %s | %.0f | %d | %.2f | %d of %d | %s |\n", r.name, r.ns, r.allocs, r.ns/rows[0].ns, r.leaks, len(raws), r.note)
	}
	fmt.Println()
}
