package redact_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/govshare/govshare/redact"
)

// benchUser is the struct the comparisons in bench/redact use.
type benchUser struct {
	Name    string `govshare:"person_name"`
	ID      string `govshare:"cn_resident_id"`
	Mobile  string `govshare:"cn_mobile"`
	Email   string `govshare:"email"`
	Card    string `govshare:"bank_card"`
	Address string `govshare:"address"`
	Note    string
	Age     int
}

func benchValue() benchUser {
	return benchUser{Name: "欧阳娜娜", ID: "11010519491231002X", Mobile: "13812345678", Email: "nana@example.com",
		Card: "6222021234567891234", Address: "北京市朝阳区建国路88号", Note: "回电 13912345678", Age: 36}
}

func BenchmarkCopy(b *testing.B) {
	r := must(redact.New())
	v := benchValue()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := redact.Copy(r, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandler(b *testing.B) {
	r := must(redact.New())
	v := benchValue()
	l := slog.New(redact.NewHandler(slog.NewJSONHandler(io.Discard, nil), r))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("user", "user", &v, "mobile", "13812345678")
	}
}

func BenchmarkText(b *testing.B) {
	r := must(redact.New())
	s := "申请人：欧阳娜娜，身份证号11010519491231002X，手机+86 138 1234 5678。"
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Text(s)
	}
}
