package govshare_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/policy"
)

func edgeCatalog(t testing.TB, yaml string) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Parse([]byte(yaml), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// TestHeaderlessDuplicateNoValue: a file without its header row whose first
// record holds the same value twice (one phone in two columns) fails
// without that value in the error.
func TestHeaderlessDuplicateNoValue(t *testing.T) {
	cat := edgeCatalog(t, batchCatalog)
	const phone = "13812345678"
	_, _, err := maskWith(t, cat, "张三,"+phone+","+phone+"\n李四,x,13912345678\n", govshare.Options{})
	if err == nil {
		t.Fatal("headerless input accepted")
	}
	if strings.Contains(err.Error(), phone) {
		t.Fatalf("the error carries a raw value of the first record (at byte %d of the message)", strings.Index(err.Error(), phone))
	}
}

// TestMissingHeaderLine: the missing-header error names the line of the
// record taken for the header, after blank lines.
func TestMissingHeaderLine(t *testing.T) {
	cat := edgeCatalog(t, batchCatalog)
	_, _, err := maskWith(t, cat, "\n\n张三,x,13812345678\n", govshare.Options{})
	if err == nil || !strings.Contains(err.Error(), "header row is missing") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "b.csv:3:") {
		t.Fatalf("err = %v, want it on line 3", err)
	}
}

// TestSingleColumnBlankRow: with one output column, a row whose value is
// empty still reads back as a row (csv.Writer would write a blank line,
// which every CSV reader skips).
func TestSingleColumnBlankRow(t *testing.T) {
	cat := edgeCatalog(t, `resource: r
provider: public-security-bureau
tier: unconditional
fields:
  - {name: 备注, type: none, category: public, level: general, sensitive: false}
`)
	out, rep, err := maskWith(t, cat, "备注\n\"\"\nx\n", govshare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(recs)-1) != rep.Rows {
		t.Fatalf("report says %d rows written, the output reads back as %d", rep.Rows, len(recs)-1)
	}
}

// pipeBlockingReader serves data, then blocks until unblock is closed.
type pipeBlockingReader struct {
	data    []byte
	unblock chan struct{}
}

func (r *pipeBlockingReader) Read(p []byte) (int, error) {
	if len(r.data) > 0 {
		n := copy(p, r.data)
		r.data = r.data[n:]
		return n, nil
	}
	<-r.unblock
	return 0, io.ErrUnexpectedEOF
}

// TestCancelWhileReadBlocks: cancelling the context ends Mask with
// context.Canceled even while the input's Read blocks (stdin from a stalled
// producer, a network stream).
func TestCancelWhileReadBlocks(t *testing.T) {
	cat := edgeCatalog(t, batchCatalog)
	src := &pipeBlockingReader{data: []byte("姓名,备注,手机号码\n张三,x,13812345678\n"), unblock: make(chan struct{})}
	defer close(src.unblock)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := govshare.Apply(ctx, io.Discard, govshare.Input{Reader: src, Name: "b.csv"}, nil, "tax-bureau", catalog.PurposeWorkReference, cat, &govshare.Options{Now: now})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Mask did not return within 2s of cancellation while its input blocks")
	}
}

// FuzzMask: whatever the CSV input, Mask does not panic; a run that
// succeeds wrote exactly the rows encoding/csv reads from the input, minus
// the rejected ones, and its output reads back as that many rows; input
// encoding/csv rejects fails the run.
func FuzzMask(f *testing.F) {
	f.Add([]byte("姓名,备注,手机号码\n张三,x,13812345678\n李四,\"a\nb\",\n"), uint8(2))
	f.Add([]byte("\ufeff姓名,备注,手机号码\r\n张三,\"\"\"\",1381234567x\r\n"), uint8(1))
	f.Add([]byte("姓名,备注,手机号码\n,,\n\n\"\",\"\",\"\"\n"), uint8(3))
	cat := edgeCatalog(f, batchCatalog)
	f.Fuzz(func(t *testing.T, in []byte, workers uint8) {
		var out, rej strings.Builder
		rep, err := govshare.Apply(context.Background(), &out, govshare.Input{Reader: strings.NewReader(string(in)), Name: "f.csv"}, nil, "tax-bureau", catalog.PurposeWorkReference, cat, &govshare.Options{Now: now, Workers: int(workers%4) + 1, Rejects: &rej})
		src := strings.TrimPrefix(string(in), "\ufeff")
		recs, cerr := csv.NewReader(strings.NewReader(src)).ReadAll()
		if err != nil {
			return
		}
		if cerr != nil {
			t.Fatalf("encoding/csv rejects the input, Mask succeeded")
		}
		if int64(len(recs)-1) != rep.Rows+rep.Rejected {
			t.Fatalf("%d input rows, report %d written + %d rejected", len(recs)-1, rep.Rows, rep.Rejected)
		}
		back, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		if int64(len(back)-1) != rep.Rows {
			t.Fatalf("report %d rows, output reads back as %d", rep.Rows, len(back)-1)
		}
		rrecs, err := csv.NewReader(strings.NewReader(rej.String())).ReadAll()
		if err != nil || int64(len(rrecs)-1) != rep.Rejected {
			t.Fatalf("rejects: %v, %d records for %d rejected", err, len(rrecs)-1, rep.Rejected)
		}
	})
}

// TestHeaderlessNameColumn: a headerless file whose first row has a name but
// no checksummed identifier is still refused without the name in the error.
func TestHeaderlessNameColumn(t *testing.T) {
	cat := edgeCatalog(t, batchCatalog)
	_, _, err := maskWith(t, cat, "崔俊鹤,备注一\n张伟,备注二\n", govshare.Options{})
	if !errors.Is(err, policy.ErrUnknownField) || strings.Contains(err.Error(), "崔俊鹤") || !strings.Contains(err.Error(), "person_name") {
		t.Fatalf("got %v", err)
	}
}
