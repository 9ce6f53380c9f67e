package audit

import (
	"encoding/hex"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// RFC 6962 known answers: the Certificate Transparency reference leaves and
// tree heads (certificate-transparency merkle_tree_test, also in
// transparency-dev/merkle testonly). A log no other implementation agrees
// with proves nothing to anyone else.
var ctLeaves = []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}

var ctRoots = []string{
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", // empty tree: SHA-256("")
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

var ctInclusion = []struct {
	index, size int64
	proof       []string
}{
	{0, 1, nil},
	{0, 8, []string{
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{5, 8, []string{
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 3, []string{"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
	{1, 5, []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
}

var ctConsistency = []struct {
	old, new int64
	proof    []string
}{
	{1, 1, nil},
	{1, 8, []string{
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
	{6, 8, []string{
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	{2, 5, []string{
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hashOf(t *testing.T, s string) Hash {
	t.Helper()
	var h Hash
	copy(h[:], unhex(t, s))
	return h
}

// ctStore builds the reference tree the way commit does: tlog.StoredHashes
// through hashReader's pending overlay.
func ctStore(t *testing.T) *hashReader {
	t.Helper()
	hr := &hashReader{}
	for i, l := range ctLeaves {
		hs, err := tlog.StoredHashes(int64(i), unhex(t, l), hr)
		if err != nil {
			t.Fatal(err)
		}
		hr.pending = append(hr.pending, hs...)
	}
	return hr
}

func TestRFC6962LeafAndNodeHash(t *testing.T) {
	// Leaf: SHA-256(0x00 || data); the one-leaf tree's root is the leaf hash.
	if got := tlog.RecordHash(nil); got != hashOf(t, ctRoots[1]) {
		t.Fatalf("leaf hash of empty record is %x", got[:])
	}
	// Node: SHA-256(0x01 || left || right); the two-leaf root.
	l0, l1 := tlog.RecordHash(nil), tlog.RecordHash([]byte{0})
	if got := tlog.NodeHash(l0, l1); got != hashOf(t, ctRoots[2]) {
		t.Fatalf("node hash is %x", got[:])
	}
	if emptyRoot != hashOf(t, ctRoots[0]) {
		t.Fatalf("empty root is %x", emptyRoot[:])
	}
}

func TestRFC6962Roots(t *testing.T) {
	hr := ctStore(t)
	var fr frontier
	var viaFrontier []Hash
	for size := 0; size <= len(ctLeaves); size++ {
		if size > 0 {
			viaFrontier = append(viaFrontier, fr.add(unhex(t, ctLeaves[size-1]))...)
		}
		want := hashOf(t, ctRoots[size])
		got, err := tlog.TreeHash(int64(size), hr)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("size %d: stored-hash root %x, RFC 6962 says %s", size, got[:], ctRoots[size])
		}
		if r := fr.root(); r != want {
			t.Errorf("size %d: frontier root %x, RFC 6962 says %s", size, r[:], ctRoots[size])
		}
	}
	// Verify's frontier must produce the hashes file commit writes.
	if len(viaFrontier) != len(hr.pending) {
		t.Fatalf("frontier gave %d stored hashes, tlog %d", len(viaFrontier), len(hr.pending))
	}
	for i := range viaFrontier {
		if viaFrontier[i] != hr.pending[i] {
			t.Fatalf("stored hash %d differs between frontier and tlog", i)
		}
	}
}

func TestRFC6962InclusionVectors(t *testing.T) {
	hr := ctStore(t)
	for _, v := range ctInclusion {
		p, err := tlog.ProveRecord(v.size, v.index, hr)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != len(v.proof) {
			t.Fatalf("leaf %d of %d: proof has %d hashes, want %d", v.index, v.size, len(p), len(v.proof))
		}
		for i := range p {
			if p[i] != hashOf(t, v.proof[i]) {
				t.Fatalf("leaf %d of %d: proof[%d] = %x", v.index, v.size, i, p[i][:])
			}
		}
		leaf := tlog.RecordHash(unhex(t, ctLeaves[v.index]))
		if err := tlog.CheckRecord(p, v.size, hashOf(t, ctRoots[v.size]), v.index, leaf); err != nil {
			t.Fatalf("leaf %d of %d: %v", v.index, v.size, err)
		}
	}
}

func TestRFC6962ConsistencyVectors(t *testing.T) {
	hr := ctStore(t)
	for _, v := range ctConsistency {
		p, err := tlog.ProveTree(v.new, v.old, hr)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != len(v.proof) {
			t.Fatalf("%d→%d: proof has %d hashes, want %d", v.old, v.new, len(p), len(v.proof))
		}
		for i := range p {
			if p[i] != hashOf(t, v.proof[i]) {
				t.Fatalf("%d→%d: proof[%d] = %x", v.old, v.new, i, p[i][:])
			}
		}
		if err := tlog.CheckTree(p, v.new, hashOf(t, ctRoots[v.new]), v.old, hashOf(t, ctRoots[v.old])); err != nil {
			t.Fatalf("%d→%d: %v", v.old, v.new, err)
		}
	}
}
