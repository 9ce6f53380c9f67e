package envelope

import (
	"bytes"
	"io"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/envelope/internal/format"
)

// eofAtEnd is a conforming io.ReaderAt that reports io.EOF with a full read
// ending exactly at the end of the input, as the io.ReaderAt contract allows
// ("If the n = len(p) bytes returned by ReadAt are at the end of the input
// source, ReadAt may return either err == EOF or err == nil").
type eofAtEnd struct{ b []byte }

func (r eofAtEnd) ReadAt(p []byte, off int64) (int, error) {
	n, err := bytes.NewReader(r.b).ReadAt(p, off)
	if err == nil && off+int64(n) == int64(len(r.b)) {
		err = io.EOF
	}
	return n, err
}

// TestOpenReaderAtEOFAtEnd: an intact envelope must open from any
// conforming ReaderAt. readBlock treats the EOF that accompanies the full
// read of the signature block (the last bytes of the file) as truncation, so
// Open refuses it as ErrMalformed, which govshare.Open logs as "tampered".
func TestOpenReaderAtEOFAtEnd(t *testing.T) {
	tk := fixedKeys(t)
	for _, n := range []int{0, format.ChunkSize, 3*format.ChunkSize + 1} {
		pt := samplePlaintext(n)
		env := seal(t, tk, sampleOptions(catalog.LevelGeneral, n), pt)
		var got bytes.Buffer
		if _, err := Open(&got, eofAtEnd{env}, int64(len(env)), openOpts(tk)); err != nil {
			t.Fatalf("size %d: intact envelope refused: %v", n, err)
		}
		if !bytes.Equal(got.Bytes(), pt) {
			t.Fatalf("size %d: plaintext differs", n)
		}
	}
}
