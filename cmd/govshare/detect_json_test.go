package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/synth"
)

// bareValues is 100,000 bare values, mobiles and resident IDs in turn, one
// a line: the corpus of `cd bench && go run ./godlp -cli`.
func bareValues(n int) string {
	g := synth.New(42)
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			b.WriteString(g.Mobile())
		} else {
			b.WriteString(g.ResidentID())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// BenchmarkDetectJSON is `govshare detect --json` on 100,000 bare values,
// output discarded, without process start-up.
func BenchmarkDetectJSON(b *testing.B) {
	in := bareValues(100_000)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if code := run(&env{stdin: strings.NewReader(in), stdout: io.Discard, stderr: io.Discard}, []string{"detect", "--json"}); code != 0 {
			b.Fatal(code)
		}
	}
	b.ReportMetric(100_000*float64(b.N)/b.Elapsed().Seconds(), "values/s")
}

// jsonFinding is the schema of `detect --json`, for encoding/json.
type jsonFinding struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Value string `json:"value"`
}

// checkFindingJSON checks appendFindingJSON against encoding/json, byte for
// byte, and that the text output keeps the value as it is.
func checkFindingJSON(t *testing.T, f classify.Finding) {
	t.Helper()
	want, err := json.Marshal(jsonFinding{string(f.Type), f.Start, f.End, f.Value})
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte("x,")
	got := appendFindingJSON(prefix, f)
	if !bytes.Equal(got[len(prefix):], want) || !bytes.Equal(got[:len(prefix)], []byte("x,")) {
		t.Fatalf("%q:\n got %s\nwant %s", f.Value, got[len(prefix):], want)
	}
	if !json.Valid(got[len(prefix):]) {
		t.Fatalf("%q: not valid JSON: %s", f.Value, got)
	}
	text := fmt.Sprintf("%s\t%d\t%d\t%s\n", f.Type, f.Start, f.End, f.Value)
	if got := appendFindingText(nil, f); string(got) != text {
		t.Fatalf("text: got %q want %q", got, text)
	}
}

var adversarialValues = []string{
	"", "13812345678", "11010519491231002X", `a"b\c`, "<script>&amp;</script>",
	"\x00\x01\x07\b\t\n\v\f\r\x1b\x1f\x7f", "\u2027\u2028\u2029\u202a", "\xff", "\xe2\x80", "\xe2\x80\xa8\xa9",
	"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "a\xffb\xfe\xfdc", "手机１３８１２３４５６７８", "\U0001F600😀",
	"\uFFFD", "\uFEFF", "粤B·D12345", "x\x80", string([]byte{0xf0, 0x9f, 0x98}),
}

func TestFindingJSON(t *testing.T) {
	for _, v := range adversarialValues {
		checkFindingJSON(t, classify.Finding{Type: catalog.Type("cn_mobile"), Start: 0, End: len(v), Value: v})
	}
	checkFindingJSON(t, classify.Finding{Type: catalog.Type("we\"ird\n<type>"), Start: 1 << 40, End: -1, Value: "v"})
	// Random strings: bytes biased towards the ones that need escaping and
	// towards the pieces of multi-byte sequences.
	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "\xe2", "\x80", "\xa8", "\xa9", "\u2028", "\u2029", "é", "中", "😀", "a", "1", "\xff", "\xf0\x9f"}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			if r.IntN(3) == 0 {
				b.WriteByte(byte(r.IntN(256)))
			} else {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
		}
		checkFindingJSON(t, classify.Finding{Type: catalog.Type("email"), Start: r.IntN(1 << 30), End: r.IntN(1 << 30), Value: b.String()})
	}
}

func FuzzFindingJSON(f *testing.F) {
	for _, v := range adversarialValues {
		f.Add("cn_resident_id", 3, 21, v)
	}
	f.Fuzz(func(t *testing.T, typ string, start, end int, value string) {
		checkFindingJSON(t, classify.Finding{Type: catalog.Type(typ), Start: start, End: end, Value: value})
	})
}

// TestDetectOutputEncoded runs detect over values that need escaping and
// over invalid UTF-8, in both formats, and checks the JSON against
// encoding/json's encoding of the findings Detect returns.
func TestDetectOutputEncoded(t *testing.T) {
	in := "a\"b 13812345678\x00\n<x>&\xff11010519491231002X\u2028 邮箱 a.b@example.com\t\n" + bareValues(1000)
	var d classify.Detector
	found := d.AppendDetect(nil, in)
	if len(found) < 1003 {
		t.Fatalf("%d findings", len(found))
	}
	want := []byte(`{"findings":[`)
	var text strings.Builder
	for i, f := range found {
		if i > 0 {
			want = append(want, ',')
		}
		b, _ := json.Marshal(jsonFinding{string(f.Type), f.Start, f.End, f.Value})
		want = append(want, b...)
		fmt.Fprintf(&text, "%s\t%d\t%d\t%s\n", f.Type, f.Start, f.End, f.Value)
	}
	want = append(want, "]}\n"...)
	if code, out, errs := runCLI(t, in, "detect", "--json"); code != 0 || out != string(want) {
		t.Errorf("json: exit %d %s\n got %.300s\nwant %.300s", code, errs, out, want)
	}
	if code, out, errs := runCLI(t, in, "detect"); code != 0 || out != text.String() {
		t.Errorf("text: exit %d %s\n got %.300s\nwant %.300s", code, errs, out, text.String())
	}
}

// BenchmarkFindingJSON is the JSON encoding alone of the findings in
// 100,000 bare values.
func BenchmarkFindingJSON(b *testing.B) {
	var d classify.Detector
	found := d.AppendDetect(nil, bareValues(100_000))
	var fw findingWriter
	fw.json = true
	var out []byte
	for b.Loop() {
		out = out[:0]
		for _, f := range found {
			out = fw.encode(out, f)
		}
	}
	b.SetBytes(int64(len(out)))
	b.ReportMetric(float64(len(found))*float64(b.N)/b.Elapsed().Seconds(), "findings/s")
}
