package records

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var errEndless = errors.New("test reader gave up")

// TestCSVRecordSizeBounded: one unterminated quote does not make the reader
// buffer the whole rest of the input: a record longer than maxJSONLine is an
// error, as a JSON line is.
func TestCSVRecordSizeBounded(t *testing.T) {
	const limit = 3 * maxJSONLine
	// A header, then one quoted field that never closes.
	src := &repeatUntil{head: []byte("a,b\n1,\""), unit: []byte("x"), limit: limit}
	br, err := NewBatchReader(src, "in.csv", FormatCSV, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := br.Next()
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	var rs Rows
	br.Parse(c, &rs)
	if src.n > maxJSONLine+2*DefaultBatchSize {
		t.Fatalf("read %d MiB of one record before stopping (err %v); want a 'record too long' error after at most ~%d MiB",
			src.n>>20, rs.Err, maxJSONLine>>20)
	}
	if rs.Err == nil || strings.Contains(rs.Err.Error(), errEndless.Error()) {
		t.Fatalf("err = %v, want a record-too-long error", rs.Err)
	}
}

// TestGB18030InvalidBytes: with --encoding gb18030, bytes that are not
// GB18030 fail with file, line and field, as invalid UTF-8 does, instead of
// passing on as U+FFFD.
func TestGB18030InvalidBytes(t *testing.T) {
	head, _ := simplifiedchinese.GB18030.NewEncoder().String("姓名,备注\n张三,")
	src := append([]byte(head), 0x81, 0x20, 'x', '\n') // 0x81 needs a second byte in 0x30-0x39 or 0x40-0xFE
	for _, rd := range []io.Reader{bytes.NewReader(src), iotest.OneByteReader(bytes.NewReader(src))} {
		got := readBatches(t, rd, FormatCSV, "gb18030", 4)
		if got.err == nil {
			t.Fatalf("invalid GB18030 accepted: %d rows, row 1 field 2 has U+FFFD: %v", len(got.rows),
				len(got.rows) > 0 && strings.ContainsRune(got.rows[0][1], '\uFFFD'))
		}
		var e *Error
		if !errors.As(got.err, &e) || e.Line != 2 || e.Field != "备注" {
			t.Fatalf("err = %v, want line 2 field 备注", got.err)
		}
	}
}

// TestJSONLLoneSurrogate: a JSON string with a lone surrogate escape
// (\ud800) is an error, not a value silently changed to U+FFFD.
func TestJSONLLoneSurrogate(t *testing.T) {
	got := readBatches(t, strings.NewReader(`{"a":"x\ud800y"}`+"\n"), FormatJSONL, "", 0)
	if got.err == nil {
		t.Fatalf("lone surrogate accepted; U+FFFD in the value: %v", strings.ContainsRune(got.rows[0][0], '\uFFFD'))
	}
}

// TestJSONLUnknownKeyNotInError: a later line's key that is not a column is
// named by position, since it may be a value (a record keyed by phone or ID
// number).
func TestJSONLUnknownKeyNotInError(t *testing.T) {
	const phone = "13812345678"
	in := `{"姓名":"张三"}` + "\n" + `{"` + phone + `":"张三"}` + "\n"
	for _, size := range []int{1, 0} {
		got := readBatches(t, strings.NewReader(in), FormatJSONL, "", size)
		if got.err == nil {
			t.Fatal("unknown key accepted")
		}
		if strings.Contains(got.err.Error(), phone) {
			t.Fatalf("batch size %d: the error carries the line's key, a raw value (at byte %d)", size, strings.Index(got.err.Error(), phone))
		}
	}
}

// repeatUntil serves head, then unit over and over until limit bytes, then
// errEndless.
type repeatUntil struct {
	head, unit []byte
	off        int
	n, limit   int64
}

func (r *repeatUntil) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		k := copy(p, r.head)
		r.head = r.head[k:]
		r.n += int64(k)
		return k, nil
	}
	if r.n >= r.limit {
		return 0, errEndless
	}
	k := 0
	for k < len(p) && r.n < r.limit {
		c := copy(p[k:], r.unit[r.off:])
		k += c
		r.n += int64(c)
		r.off = (r.off + c) % len(r.unit)
	}
	return k, nil
}

// TestCSVErrorDoesNotBufferRest: after a record encoding/csv rejects on line
// 2 (text after a closing quote, or a bare quote, followed later on the
// line by ,"), the error is reported without reading the rest of the input
// into one buffer.
func TestCSVErrorDoesNotBufferRest(t *testing.T) {
	for name, head := range map[string]string{
		"text after quote": "a,b\n\"x\"y,\"z\n",
		"bare quote":       "a,b\nx\"y,\"z\n",
	} {
		src := &repeatUntil{head: []byte(head), unit: []byte("1,2\n"), limit: 48 << 20}
		br, err := NewBatchReader(src, "in.csv", FormatCSV, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := br.Next()
		if err != nil {
			t.Fatalf("%s: Next: %v", name, err)
		}
		var rs Rows
		br.Parse(c, &rs)
		var e *Error
		if !errors.As(rs.Err, &e) || e.Line != 2 {
			t.Errorf("%s: err = %v, want the csv error on line 2", name, rs.Err)
		}
		if src.n > 4*DefaultBatchSize {
			t.Errorf("%s: read %d MiB before reporting the error on line 2", name, src.n>>20)
		}
	}
}

// TestGB18030ParallelDecode: GB18030 input is decoded batch by batch by
// Parse; at every batch size the rows equal those of the UTF-8 text, and a
// GB18030 byte order mark is dropped like a UTF-8 one.
func TestGB18030ParallelDecode(t *testing.T) {
	utf := "姓名,备注\n欧阳娜娜,\"住址：北京市\n朝阳区，\"\"东三环\"\"\"\n张伟,𠀀 four-byte\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(utf)
	if err != nil {
		t.Fatal(err)
	}
	want := readBatches(t, strings.NewReader(utf), FormatCSV, "", 1<<10)
	for _, src := range []string{gb, "\x84\x31\x95\x33" + gb} {
		for size := 1; size < len(src)+2; size++ {
			got := readBatches(t, strings.NewReader(src), FormatCSV, "gb18030", size)
			if got.err != nil || !reflect.DeepEqual(got.rows, want.rows) || !reflect.DeepEqual(got.header, want.header) {
				t.Fatalf("batch size %d (BOM %v): %q %v, want %q", size, len(src) > len(gb), got.rows, got.err, want.rows)
			}
		}
	}
}
