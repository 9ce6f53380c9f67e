package govshare

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"os"
)

// spillChunk is the plaintext size of one sealed chunk of a spill.
const spillChunk = 64 << 10

// spill holds bytes on disk that must never be readable there: the
// desensitized payload between masking and sealing, a plaintext or an
// envelope waiting for its record. Each 64 KiB chunk is sealed with
// AES-256-GCM under a key that exists only in this process's memory, with
// the chunk's index as its nonce, and the file has no name (it is unlinked
// at once where the system cannot make it unnamed), so a crash leaves
// nothing readable and nothing named. Write everything, then read it back
// once with WriteTo or reader.
type spill struct {
	f      *os.File
	name   string // the file's name, when it has one until Close
	aead   cipher.AEAD
	buf    []byte // plaintext of the chunk being filled
	sealed []byte
	n      int64  // plaintext bytes written
	chunks uint64 // chunks on disk
	err    error  // the first write error
}

func newSpill(dir string) (*spill, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	name := ""
	f, err := openUnnamed(dir)
	if err != nil {
		if f, err = os.CreateTemp(dir, "govshare-spill-*"); err != nil {
			return nil, err
		}
		if os.Remove(f.Name()) != nil {
			name = f.Name() // a system that cannot unlink an open file: at Close
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	clear(key)
	if err != nil {
		f.Close()
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &spill{f: f, name: name, aead: aead, buf: make([]byte, 0, spillChunk)}, nil
}

func (s *spill) nonce(i uint64) []byte {
	n := make([]byte, s.aead.NonceSize())
	binary.BigEndian.PutUint64(n[len(n)-8:], i)
	return n
}

// Write seals p into the spill.
func (s *spill) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), spillChunk-len(s.buf))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		if len(s.buf) == spillChunk {
			if err := s.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	s.n += int64(n)
	return n, nil
}

func (s *spill) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	s.sealed = s.aead.Seal(s.sealed[:0], s.nonce(s.chunks), s.buf, nil)
	if _, err := s.f.Write(s.sealed); err != nil {
		s.err = err
		return err
	}
	s.chunks++
	s.buf = s.buf[:0]
	return nil
}

// Size returns the number of bytes written.
func (s *spill) Size() int64 { return s.n }

// reader returns the bytes written, in order, authenticated chunk by chunk.
func (s *spill) reader() (io.Reader, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	return &spillReader{s: s}, nil
}

// WriteTo writes the bytes written to w.
func (s *spill) WriteTo(w io.Writer) (int64, error) {
	r, err := s.reader()
	if err != nil {
		return 0, err
	}
	return io.Copy(w, r)
}

// Close releases the file; its blocks go with it.
func (s *spill) Close() error {
	clear(s.buf)
	err := s.f.Close()
	if s.name != "" {
		os.Remove(s.name)
	}
	return err
}

type spillReader struct {
	s      *spill
	i      uint64 // next chunk
	off    int64  // its offset in the file
	buf    []byte // decrypted bytes not yet read
	open   []byte
	sealed []byte
}

var errSpill = errors.New("govshare: temporary data does not authenticate")

func (r *spillReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.i == r.s.chunks {
			return 0, io.EOF
		}
		size := int64(spillChunk)
		if r.i == r.s.chunks-1 {
			size = r.s.n - int64(r.i)*spillChunk
		}
		need := int(size) + r.s.aead.Overhead()
		if cap(r.sealed) < need {
			r.sealed = make([]byte, need)
		}
		sealed := r.sealed[:need]
		if _, err := r.s.f.ReadAt(sealed, r.off); err != nil {
			return 0, err
		}
		var err error
		r.open, err = r.s.aead.Open(r.open[:0], r.s.nonce(r.i), sealed, nil)
		if err != nil {
			return 0, errSpill
		}
		r.buf = r.open
		r.off += int64(len(sealed))
		r.i++
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// randomSuffix is a random name part for a temporary file.
func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
