package records

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// batchResult is everything a BatchReader gives for an input.
type batchResult struct {
	header []string
	rows   [][]string
	lines  []int
	kinds  [][]Kind
	err    error
	chunks int
}

// readBatches reads src with a BatchReader of the given batch size, parsing
// the chunks in order (as the pipeline's workers would, each on its own Rows).
func readBatches(t testing.TB, src io.Reader, f Format, enc string, size int) batchResult {
	t.Helper()
	br, err := NewBatchReader(src, "in", f, enc, size)
	if err != nil {
		return batchResult{err: err}
	}
	res := batchResult{header: br.Header()}
	var rs [2]Rows // alternate, so nothing depends on a Rows being fresh
	for {
		c, err := br.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		r := &rs[res.chunks%2]
		res.chunks++
		br.Parse(c, r)
		for i := range r.Len() {
			res.rows = append(res.rows, append([]string(nil), r.Row(i)...))
			res.lines = append(res.lines, r.Lines[i])
			if f == FormatJSONL {
				res.kinds = append(res.kinds, append([]Kind(nil), r.Kinds[i*r.Width:(i+1)*r.Width]...))
			}
		}
		if r.Err != nil {
			res.err = r.Err
			return res
		}
	}
}

// readSerial reads src with the one-row-at-a-time Reader (encoding/csv for
// CSV), the behaviour the batches must reproduce.
func readSerial(src []byte, f Format, enc string) batchResult {
	r, err := NewReader(bytes.NewReader(src), "in", f, enc)
	if err != nil {
		return batchResult{err: err}
	}
	res := batchResult{header: r.Header()}
	for {
		row, err := r.Next()
		if err == io.EOF {
			return res
		}
		if err != nil {
			res.err = err
			return res
		}
		res.rows = append(res.rows, row)
		res.lines = append(res.lines, r.Line())
		if f == FormatJSONL {
			res.kinds = append(res.kinds, append([]Kind(nil), r.Kinds()...))
		}
	}
}

// sameAs reports how got differs from want, in positions and counts only:
// fuzz inputs may be sensitive-looking, so no value is printed.
func sameAs(got, want batchResult) string {
	if fmt.Sprint(got.err) != fmt.Sprint(want.err) {
		var ge, we *Error
		errors.As(got.err, &ge)
		errors.As(want.err, &we)
		return fmt.Sprintf("error %+v, want %+v", ge, we)
	}
	if len(got.header) != len(want.header) {
		return fmt.Sprintf("header of %d columns, want %d", len(got.header), len(want.header))
	}
	for i := range got.header {
		if got.header[i] != want.header[i] {
			return fmt.Sprintf("header column %d differs", i+1)
		}
	}
	if len(got.rows) != len(want.rows) {
		return fmt.Sprintf("%d rows, want %d", len(got.rows), len(want.rows))
	}
	for i := range got.rows {
		if got.lines[i] != want.lines[i] {
			return fmt.Sprintf("row %d on line %d, want %d", i+1, got.lines[i], want.lines[i])
		}
		if len(got.rows[i]) != len(want.rows[i]) {
			return fmt.Sprintf("row %d has %d fields, want %d", i+1, len(got.rows[i]), len(want.rows[i]))
		}
		for j := range got.rows[i] {
			if got.rows[i][j] != want.rows[i][j] {
				return fmt.Sprintf("row %d field %d differs", i+1, j+1)
			}
		}
		if want.kinds != nil && fmt.Sprint(got.kinds[i]) != fmt.Sprint(want.kinds[i]) {
			return fmt.Sprintf("row %d kinds %v, want %v", i+1, got.kinds[i], want.kinds[i])
		}
	}
	return ""
}

// every batch size from 1 byte up cuts the input at every possible place.
func checkAllSizes(t *testing.T, src string, f Format) batchResult {
	t.Helper()
	want := readSerial([]byte(src), f, "")
	for size := 1; size <= len(src)+1; size++ {
		got := readBatches(t, strings.NewReader(src), f, "", size)
		if d := sameAs(got, want); d != "" {
			t.Fatalf("batch size %d: %s", size, d)
		}
		// A reader that hands out one byte at a time resumes the boundary
		// scan in every state.
		got = readBatches(t, iotest.OneByteReader(strings.NewReader(src)), f, "", size)
		if d := sameAs(got, want); d != "" {
			t.Fatalf("batch size %d, one byte per read: %s", size, d)
		}
	}
	return want
}

// TestBatchQuotedNewlines: newlines, commas and doubled quotes inside quoted
// fields never cut a batch, whatever the batch size, and rows keep the line
// they start on.
func TestBatchQuotedNewlines(t *testing.T) {
	src := "姓名,地址,备注\n" +
		"张三,\"北京市\n朝阳区\",\"a \"\"b\"\"\n,c\"\n" +
		"李四,\"\",x\n" +
		"\"王\n\n五\",\"\"\"\",\"\n\"\n" +
		"赵六,上海,y\n"
	want := checkAllSizes(t, src, FormatCSV)
	if want.err != nil || len(want.rows) != 4 {
		t.Fatalf("reference: %d rows, %v", len(want.rows), want.err)
	}
	if fmt.Sprint(want.lines) != "[2 5 6 10]" || want.rows[0][1] != "北京市\n朝阳区" || want.rows[0][2] != "a \"b\"\n,c" || want.rows[2][0] != "王\n\n五" {
		t.Fatalf("lines %v rows %q", want.lines, want.rows)
	}
	got := readBatches(t, strings.NewReader(src), FormatCSV, "", 1)
	if got.chunks != 4 {
		t.Errorf("batch size 1: %d batches, want one per row", got.chunks)
	}
}

// TestBatchCRLF: "\r\n" ends lines as "\n" does, inside quotes it becomes
// "\n" (as encoding/csv has it), a lone "\r" is data, a "\r" at the very end
// is dropped, and blank "\r\n" lines are skipped but counted.
func TestBatchCRLF(t *testing.T) {
	src := "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,c\rd\r\n3,\"\r\"\r\n4,e\r"
	want := checkAllSizes(t, src, FormatCSV)
	if want.err != nil || fmt.Sprint(want.lines) != "[2 5 6 7]" || want.rows[0][1] != "x\ny" || want.rows[1][1] != "c\rd" || want.rows[2][1] != "\r" || want.rows[3][1] != "e" {
		t.Fatalf("lines %v rows %q err %v", want.lines, want.rows, want.err)
	}
}

// TestBatchLongRecord: a record many times the batch size makes a batch of
// its own, and the rows after it keep their lines.
func TestBatchLongRecord(t *testing.T) {
	long := strings.Repeat("长", 50000) // 150 kB
	src := "a,b\n1,2\n\"" + long + "\n" + long + "\",x\n3,4\n" + strings.Repeat("5,6\n", 1000)
	for _, size := range []int{1, 64, 4096} {
		got := readBatches(t, strings.NewReader(src), FormatCSV, "", size)
		if got.err != nil || len(got.rows) != 1003 || len(got.rows[1][0]) != 2*len(long)+1 || got.lines[2] != 5 || got.lines[1002] != 1005 {
			t.Fatalf("size %d: %d rows, lines %v, err %v", size, len(got.rows), got.lines[:3], got.err)
		}
	}
	if d := sameAs(readBatches(t, strings.NewReader(src), FormatCSV, "", 64), readSerial([]byte(src), FormatCSV, "")); d != "" {
		t.Fatal(d)
	}
}

// TestBatchBOMAndLastLine: a UTF-8 byte order mark is not part of the first
// column's name, even when reads hand it over a byte at a time; the last
// record needs no newline; an input of only a header has no rows.
func TestBatchBOMAndLastLine(t *testing.T) {
	for _, src := range []string{"\ufeff姓名,手机\n张三,138", "\ufeff姓名,手机\r\n张三,\"138\"", "\ufeff姓名,手机"} {
		want := checkAllSizes(t, src, FormatCSV)
		if want.err != nil || want.header[0] != "姓名" {
			t.Fatalf("%q: header %q err %v", src, want.header, want.err)
		}
	}
	got := readBatches(t, strings.NewReader("\ufeff姓名,手机\n张三,138"), FormatCSV, "", 3)
	if len(got.rows) != 1 || got.rows[0][1] != "138" || got.lines[0] != 2 {
		t.Fatalf("rows %q lines %v", got.rows, got.lines)
	}
	// Only the start of the input may carry a BOM.
	got = readBatches(t, strings.NewReader("a\n\ufeffb\n"), FormatCSV, "", 1)
	if len(got.rows) != 1 || got.rows[0][0] != "\ufeffb" {
		t.Fatalf("BOM inside: %q", got.rows)
	}
}

// TestBatchErrorLines: errors name the line encoding/csv names, also after
// quoted newlines and blank lines, and the rows before an error are all
// delivered.
func TestBatchErrorLines(t *testing.T) {
	cases := []struct {
		src   string
		line  int
		field string
		msg   string
		rows  int
	}{
		{"a,b\n\"1\n2\",3\n\n4\n", 5, "", "row has a different number of fields", 1},
		{"a,b\n\"1\n\n2\",3\nx,y\"z\n", 5, "", `bare "`, 1},
		{"a,b\n1,\"2\n3\"x\n", 3, "", `extraneous or missing "`, 0},
		{"a,b\n1,2\n3,\"4\n5\n", 4, "", `extraneous or missing "`, 1},
		{"a,b\n1,2\n3,\"4\n5\r", 4, "", `extraneous or missing "`, 1},
		{"a,b\n\"x\ny\",ok\n1,\xff\n", 4, "b", "not valid UTF-8", 1},
		{"a,b\n1,\xe4\xb8\n\"\xad\",2\n", 2, "b", "not valid UTF-8", 0},
		{"\n\r\n\"a\nb\",a\nx\n", 5, "", "row has a different number of fields", 0},
		{"\n\na,a\n", 3, "", "columns 1 and 2: duplicate column name", 0},
		{"a,\"b\n", 1, "", `extraneous or missing "`, 0},
	}
	for _, c := range cases {
		want := checkAllSizes(t, c.src, FormatCSV)
		var re *Error
		if !errors.As(want.err, &re) || re.Line != c.line || re.Field != c.field || !strings.Contains(re.Msg, c.msg) || len(want.rows) != c.rows {
			t.Errorf("%q: %d rows, err %+v; want line %d field %q %q after %d rows", c.src, len(want.rows), re, c.line, c.field, c.msg, c.rows)
		}
	}
}

// TestBatchGB18030: decoding happens before the cut, so a character whose
// bytes straddle a read or a batch boundary still decodes.
func TestBatchGB18030(t *testing.T) {
	utf := "姓名,地址\n" + strings.Repeat("张三,\"北京市\n朝阳区\"\n李四,广州市天河区\n", 50)
	src, _ := simplifiedchinese.GB18030.NewEncoder().String(utf)
	want := readSerial([]byte(src), FormatCSV, "gb18030")
	for _, size := range []int{1, 7, 100, 1 << 16} {
		got := readBatches(t, iotest.HalfReader(strings.NewReader(src)), FormatCSV, "gb18030", size)
		if d := sameAs(got, want); d != "" || len(got.rows) != 100 || got.rows[0][1] != "北京市\n朝阳区" {
			t.Fatalf("size %d: %s (%d rows)", size, d, len(got.rows))
		}
	}
}

// TestBatchJSONL: one record per line, blank lines skipped and counted,
// kinds and key order as the serial reader, errors on the same line.
func TestBatchJSONL(t *testing.T) {
	src := "\n" + `{"姓名":"张三","amount":12345678901234567890.10,"ok":true,"note":null}` + "\r\n\n" +
		`{"amount":1e3,"姓名":"李四"}` + "\n" + `{"姓名":"王五"}`
	want := checkAllSizes(t, src, FormatJSONL)
	if want.err != nil || fmt.Sprint(want.lines) != "[2 4 5]" || len(want.kinds) != 3 || want.rows[0][1] != "12345678901234567890.10" {
		t.Fatalf("lines %v rows %q err %v", want.lines, want.rows, want.err)
	}
	// A key written with spaces names the trimmed column, on every line.
	want = checkAllSizes(t, `{" a ":1}`+"\n"+`{" a ":2}`, FormatJSONL)
	if want.err != nil || want.header[0] != "a" || len(want.rows) != 2 {
		t.Fatalf("padded key: header %q, %d rows, err %v", want.header, len(want.rows), want.err)
	}
	for _, src := range []string{
		`{"a":1}` + "\n\n" + `{"b":2}`,
		`{"a":1}` + "\n" + `{"a":"` + "\xff" + `"}`,
		"\n\n[1]\n",
		"\n \n",
		`{"a":1}` + "\n" + `{"a":`,
	} {
		want := checkAllSizes(t, src, FormatJSONL)
		if want.err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

// TestBatchJSONLLongLine: a line over the limit is an error on its line,
// after the rows before it, and the reader does not hold the whole line.
func TestBatchJSONLLongLine(t *testing.T) {
	long := io.MultiReader(strings.NewReader(`{"a":1}`+"\n"+`{"a":"`), &repeatReader{b: 'x', n: maxJSONLine + 10})
	got := readBatches(t, long, FormatJSONL, "", 0)
	var re *Error
	if !errors.As(got.err, &re) || re.Line != 2 || !strings.Contains(re.Msg, "line longer than") || len(got.rows) != 1 {
		t.Fatalf("%d rows, err %v", len(got.rows), got.err)
	}
}

type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), r.n)
	for i := range n {
		p[i] = r.b
	}
	r.n -= n
	return n, nil
}

// TestBatchReadError: a failing read is an error with the input's name, after
// the whole records read before it.
func TestBatchReadError(t *testing.T) {
	src := io.MultiReader(strings.NewReader("a,b\n1,2\n3,\"4\n"), iotest.ErrReader(errors.New("disk on fire")))
	got := readBatches(t, src, FormatCSV, "", 4)
	var re *Error
	if !errors.As(got.err, &re) || re.File != "in" || !strings.Contains(re.Msg, "disk on fire") || len(got.rows) != 1 || re.Line != 3 {
		t.Fatalf("%d rows, err %+v", len(got.rows), re)
	}
	// A reader that never returns anything is an error, not a hang.
	if _, err := NewBatchReader(stuckReader{}, "in", FormatCSV, "", 0); !errors.Is(err, io.ErrNoProgress) && (err == nil || !strings.Contains(err.Error(), io.ErrNoProgress.Error())) {
		t.Fatalf("stuck reader: %v", err)
	}
}

type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

// TestEncoderMatchesCSVWriter: the parallel serializer writes what
// encoding/csv.Writer writes.
func TestEncoderMatchesCSVWriter(t *testing.T) {
	rows := [][]string{
		{"", "a", " lead", "\u3000全角", `\.`, `\`, "a,b", "q\"q", "x\ny", "x\r\ny", "\r", "tail "},
		{"\xff", "é", "\t"},
	}
	for _, row := range rows {
		checkEncoder(t, row)
	}
	// The one difference: csv.Writer writes a row of one empty field as a
	// blank line, which readers skip; the encoder writes "" so the row stays.
	var b []byte
	if b = appendCSV(b, []string{""}); string(b) != "\"\"\n" {
		t.Errorf("one empty field: %q", b)
	}
	if rec, err := csv.NewReader(bytes.NewReader(b)).ReadAll(); err != nil || len(rec) != 1 || len(rec[0]) != 1 || rec[0][0] != "" {
		t.Errorf("one empty field reads back as %q, %v", rec, err)
	}
	// Every byte value at every place of a field that spans the encoder's
	// eight-byte steps, and every rune as the first.
	for c := range 256 {
		for pos := range 19 {
			f := []byte("abcdefghijklmnopqrs")
			f[pos] = byte(c)
			checkEncoder(t, []string{string(f), string(f[:pos+1])})
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r += 7 {
		checkEncoder(t, []string{string(r) + "x"})
	}
}

func checkEncoder(t *testing.T, row []string) {
	t.Helper()
	var want bytes.Buffer
	w := csv.NewWriter(&want)
	w.Write(row)
	w.Flush()
	if len(row) == 1 && row[0] == "" {
		want.Reset()
		want.WriteString("\"\"\n") // the encoder's one deliberate difference
	}
	enc, _ := NewEncoder(FormatCSV, row)
	if got := enc.Append(nil, row, nil); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("record of %d fields: encoder output differs from encoding/csv at byte %d", len(row), diffAt(got, want.Bytes()))
	}
	if got := enc.AppendHeader([]byte("x")); !bytes.Equal(got[1:], want.Bytes()) {
		t.Fatalf("header of %d fields differs from encoding/csv", len(row))
	}
}

func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// FuzzBatchCSV: on any input and any batch size, the batches give the same
// header, rows, lines and first error as the serial Reader, whose rows are
// encoding/csv's records; and each row re-encodes as encoding/csv.Writer
// would write it.
func FuzzBatchCSV(f *testing.F) {
	f.Add([]byte("\ufeff姓名,手机\r\n张三,13812345678\r\n"), uint16(3))
	f.Add([]byte("a,b\n\"1\n2\",3\n\"x\"\"y\",\"\n\"\n4,5"), uint16(1))
	f.Add([]byte("a,b\n\"1,2\n"), uint16(2))
	f.Add([]byte("a,b\n1,\"x\"y\"\n"), uint16(5))
	f.Add([]byte("a,b\n1,x\"y\n2,3\n"), uint16(4))
	f.Add([]byte("a,b\r\n\r\n1,2\r"), uint16(1))
	f.Add([]byte("a,b\n1,\xe4\xb8\n\"\xad\",2\n"), uint16(7))
	f.Add([]byte(""), uint16(0))
	f.Fuzz(func(t *testing.T, b []byte, size uint16) {
		want := readSerial(b, FormatCSV, "")
		got := readBatches(t, bytes.NewReader(b), FormatCSV, "", int(size%512)+1)
		if d := sameAs(got, want); d != "" {
			t.Fatalf("batch size %d: %s", int(size%512)+1, d)
		}
		got1 := readBatches(t, iotest.OneByteReader(bytes.NewReader(b)), FormatCSV, "", int(size%64)+1)
		if d := sameAs(got1, want); d != "" {
			t.Fatalf("one byte per read, batch size %d: %s", int(size%64)+1, d)
		}
		checkAgainstCSV(t, b, got)
		for _, row := range got.rows {
			checkEncoder(t, row)
		}
	})
}

// checkAgainstCSV compares with encoding/csv directly: every row is the
// matching csv record, no row is one csv rejects, and when the batches stop
// at the record csv rejects, they say so on csv's line.
func checkAgainstCSV(t *testing.T, b []byte, got batchResult) {
	t.Helper()
	if bytes.HasPrefix(b, []byte("\ufeff")) {
		b = b[3:]
	}
	cr := csv.NewReader(bytes.NewReader(b))
	for i := 0; i <= len(got.rows); i++ { // record 0 is the header
		rec, err := cr.Read()
		if err == io.EOF {
			if i > 0 || got.err == nil {
				t.Fatalf("%d rows, csv has %d records", len(got.rows), i)
			}
			return
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			var re *Error
			if i <= len(got.rows) && i > 0 {
				t.Fatalf("row %d was delivered, csv rejects it", i)
			}
			if errors.As(got.err, &re) && re.Field == "" && re.Line != pe.Line {
				t.Fatalf("record %d: csv says line %d, batches line %d", i, pe.Line, re.Line)
			}
			return
		}
		if i > 0 && strings.Join(rec, "\x00") != strings.Join(got.rows[i-1], "\x00") {
			t.Fatalf("row %d differs from csv's record", i)
		}
	}
	if _, err := cr.Read(); got.err == nil && err != io.EOF {
		t.Fatalf("%d rows, csv has more records", len(got.rows))
	}
}

// FuzzBatchJSONL: the same for JSON Lines.
func FuzzBatchJSONL(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":"x"}`+"\n\n"+`{"b":"y"}`), uint16(3))
	f.Add([]byte(`{"a":[1]}`), uint16(1))
	f.Fuzz(func(t *testing.T, b []byte, size uint16) {
		want := readSerial(b, FormatJSONL, "")
		got := readBatches(t, bytes.NewReader(b), FormatJSONL, "", int(size%512)+1)
		if d := sameAs(got, want); d != "" {
			t.Fatalf("batch size %d: %s", int(size%512)+1, d)
		}
	})
}
