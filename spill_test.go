package govshare

import (
	"bytes"
	"io"
	"testing"
)

// TestSpill: what goes in comes out, in order, for sizes around the chunk
// size; the file holds none of it in clear, and a changed byte fails.
func TestSpill(t *testing.T) {
	for _, n := range []int{0, 1, spillChunk - 1, spillChunk, spillChunk + 1, 3*spillChunk + 7} {
		data := bytes.Repeat([]byte("110105194912310021,"), n/19+1)[:n]
		s, err := newSpill(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		for p := data; len(p) > 0; {
			k := min(len(p), 1000)
			if _, err := s.Write(p[:k]); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		var out bytes.Buffer
		if _, err := s.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), data) || s.Size() != int64(n) {
			t.Fatalf("%d bytes: %v, got %d back", n, err, out.Len())
		}
		raw, _ := io.ReadAll(io.NewSectionReader(s.f, 0, 1<<30))
		if n > 0 && bytes.Contains(raw, []byte("110105194912310021")) {
			t.Errorf("%d bytes: clear text in the spill file", n)
		}
		if n > 0 {
			raw[len(raw)/2] ^= 1
			s.f.WriteAt(raw, 0)
			if _, err := s.WriteTo(io.Discard); err == nil {
				t.Errorf("%d bytes: a changed byte went unnoticed", n)
			}
		}
		s.Close()
	}
}
