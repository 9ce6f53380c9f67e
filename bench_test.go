package govshare_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"testing"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
)

// sampleBig repeats the bundled register to about 4.5 MB.
func sampleBig(b *testing.B) []byte {
	_, _, data := loadFixtures(b)
	big := append([]byte(nil), data...)
	body := data[bytes.IndexByte(data, '\n')+1:]
	for range 100 {
		big = append(big, body...)
	}
	return big
}

// BenchmarkCopy is the baseline: encoding/csv read and write of the same input.
func BenchmarkCopy(b *testing.B) {
	data := sampleBig(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		w := csv.NewWriter(io.Discard)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			w.Write(rec)
		}
		w.Flush()
	}
}

func benchMask(b *testing.B, purpose catalog.Purpose, recipient string) {
	cat, grants, _ := loadFixtures(b)
	data := sampleBig(b)
	opt := &govshare.Options{Grants: grants, Now: now}
	kr := providerKeys(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := govshare.Apply(context.Background(), io.Discard, govshare.Input{Reader: bytes.NewReader(data), Name: "b.csv"}, kr, recipient, purpose, cat, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMaskWorkReference: mask and generalize (no cryptography).
func BenchmarkMaskWorkReference(b *testing.B) {
	benchMask(b, catalog.PurposeWorkReference, "tax-bureau")
}

// BenchmarkMaskVerification: tokens on every personal field.
func BenchmarkMaskVerification(b *testing.B) {
	benchMask(b, catalog.PurposeDataVerification, "civil-affairs-bureau")
}
