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

// fpSeed keys the second half of a fingerprint (Options.Fingerprints): the
// first is hashKey's, under an independent seed.
var fpSeed = maphash.MakeSeed()

// fingerprint is a key's 128-bit keyed fingerprint: its class, when
// classes are counted without their keys.
type fingerprint [2]uint64

func fingerprintOf(k []byte, h uint64) fingerprint {
	return fingerprint{h, maphash.Bytes(fpSeed, k)}
}

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

	// fps is, per class, its fingerprint instead of its key (keys and
	// chunks stay empty) when the table counts by fingerprint.
	fps []fingerprint

	touched uint64 // addGroup's sum of slot reads: read by no one
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
	t.keys, t.counts, t.fps = t.keys[:0], t.counts[:0], t.fps[:0]
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
			t.keys = append(t.keys, t.store(k))
			return t.newClass(i, tag, w)
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

// newClass makes the next class, with w records, in the empty slot i, once
// its key or fingerprint is stored, and returns its id.
func (t *table) newClass(i, tag uint64, w int) uint32 {
	c := uint32(len(t.counts))
	t.slots[i] = tag<<32 | uint64(c+1)
	t.counts = append(t.counts, w)
	if 2*len(t.counts) > len(t.slots) {
		t.grow()
	}
	return c
}

// addGroup adds a group of keys, back to back in keys with key i ending at
// ends[i], each with counts[i] records (1 each when counts is nil); hs is
// scratch for their hashes. It reads every key's first slot before adding
// any: those reads do not depend on one another, so the processor has them
// in flight together, where one add at a time waits for each in turn once
// the table is larger than the caches.
func (t *table) addGroup(keys []byte, ends []int, hs *[]uint64, counts []int) {
	h := (*hs)[:0]
	start := 0
	for _, e := range ends {
		h = append(h, hashKey(keys[start:e]))
		start = e
	}
	*hs = h
	var touch uint64
	for _, x := range h {
		touch += t.slots[(x>>32)>>t.shift]
	}
	t.touched += touch // kept, so that the reads are not left out
	start = 0
	for i, e := range ends {
		w := 1
		if counts != nil {
			w = counts[i]
		}
		t.add(keys[start:e], h[i], w)
		start = e
	}
}

// addFP is add for a table that counts by fingerprint: fp is the class.
func (t *table) addFP(fp fingerprint, w int) {
	tag := fp[0] >> 32
	mask := uint64(len(t.slots) - 1)
	i := tag >> t.shift
	for {
		s := t.slots[i]
		if s == 0 {
			t.fps = append(t.fps, fp)
			t.newClass(i, tag, w)
			return
		}
		if s>>32 == tag && t.fps[uint32(s)-1] == fp {
			t.counts[uint32(s)-1] += w
			return
		}
		i = (i + 1) & mask
	}
}

// addGroupFP is addGroup for a table that counts by fingerprint: fps and
// counts (nil: 1 each) side by side.
func (t *table) addGroupFP(fps []fingerprint, counts []int) {
	var touch uint64
	for _, fp := range fps {
		touch += t.slots[(fp[0]>>32)>>t.shift]
	}
	t.touched += touch
	for i, fp := range fps {
		w := 1
		if counts != nil {
			w = counts[i]
		}
		t.addFP(fp, w)
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
