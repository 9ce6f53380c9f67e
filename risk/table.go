package risk

import (
	"bytes"
	"hash/maphash"
	"math/bits"
)

// seed keys the class hash. A hash only finds a class: every match is
// confirmed against the class's stored key, so a collision costs a probe,
// never a wrong count.
var seed = maphash.MakeSeed()

func hashKey(k []byte) uint64 { return maphash.Bytes(seed, k) }

// chunkSize is the size of an arena chunk. Keys are never split across
// chunks; a longer key gets a chunk of its own.
const chunkSize = 1 << 20

// table is an open-addressing (linear probing) hash table of equivalence
// classes. Each class's encoded key (the tuple of its quasi-identifier
// values) is kept in a chunked arena, and a lookup compares a 32-bit tag
// of the hash first and then the key bytes, so grouping is exact whatever
// the hash does.
//
// A slot packs the hash's top 32 bits (the tag) with the class id + 1 (0:
// empty). The slot index is the tag's top bits, so doubling the table
// sends old slot i to new slot 2i or 2i+1: growth reads and writes in
// order and needs no stored hashes.
type table struct {
	slots  []uint64
	shift  uint // 32 - log2(len(slots))
	chunks [][]byte
	keys   []keyRef // per class
	counts []int    // per class: its records
}

type keyRef struct{ chunk, off, n uint32 }

// init empties the table, sized for about n classes.
func (t *table) init(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.slots) >= size {
		t.slots = t.slots[:size]
		clear(t.slots)
	} else {
		t.slots = make([]uint64, size)
	}
	t.shift = uint(32 - bits.TrailingZeros(uint(size)))
	for i := range t.chunks {
		t.chunks[i] = t.chunks[i][:0]
	}
	t.chunks = t.chunks[:min(len(t.chunks), 1)]
	t.keys, t.counts = t.keys[:0], t.counts[:0]
}

// key returns class c's encoded key.
func (t *table) key(c uint32) []byte {
	r := t.keys[c]
	return t.chunks[r.chunk][r.off : r.off+r.n]
}

// store copies k into the arena.
func (t *table) store(k []byte) keyRef {
	last := len(t.chunks) - 1
	if last < 0 || len(t.chunks[last])+len(k) > cap(t.chunks[last]) {
		t.chunks = append(t.chunks, make([]byte, 0, max(chunkSize, len(k))))
		last++
	}
	c := t.chunks[last]
	off := len(c)
	t.chunks[last] = append(c, k...)
	return keyRef{uint32(last), uint32(off), uint32(len(k))}
}

// add adds w records to the class of key k (hash h), creating it, and
// returns the class id.
func (t *table) add(k []byte, h uint64, w int) uint32 {
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	i := tag >> t.shift
	for {
		s := t.slots[i]
		if s == 0 {
			c := uint32(len(t.counts))
			t.slots[i] = tag<<32 | uint64(c+1)
			t.keys = append(t.keys, t.store(k))
			t.counts = append(t.counts, w)
			if 2*len(t.counts) > len(t.slots) {
				t.grow()
			}
			return c
		}
		if s>>32 == tag {
			if c := uint32(s) - 1; bytes.Equal(t.key(c), k) {
				t.counts[c] += w
				return c
			}
		}
		i = (i + 1) & mask
	}
}

// grow doubles the slots, reinserting in slot order.
func (t *table) grow() {
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s == 0 {
			continue
		}
		i := (s >> 32) >> t.shift
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}
