package fpe

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/bits"
)

// Errors. Details (a position, a limit) are wrapped around these sentinels;
// no error ever carries the value being encrypted.
var (
	ErrKeySize  = errors.New("govshare/fpe: key must be 16, 24 or 32 bytes (AES-128, -192 or -256)")
	ErrRadix    = errors.New("govshare/fpe: radix must be in [2, 65536]")
	ErrLength   = errors.New("govshare/fpe: input length outside the FF1 domain")
	ErrSymbol   = errors.New("govshare/fpe: symbol outside the radix or alphabet")
	ErrTweak    = errors.New("govshare/fpe: tweak longer than 2^32-1 bytes")
	ErrAlphabet = errors.New("govshare/fpe: alphabet must have exactly radix distinct symbols")
)

const (
	// MinRadix and MaxRadix bound the radix FF1 allows.
	MinRadix = 2
	MaxRadix = 1 << 16
	// MinDomain is SP 800-38G Rev. 1's floor on radix^minlen: shorter
	// inputs are refused because small domains are open to message-recovery
	// attacks.
	MinDomain = 1_000_000
	// MaxLen is the longest input (numerals) FF1 accepts: its length is
	// encoded in four bytes of the PRF's first block.
	MaxLen = 1<<32 - 1
	// MaxTweakLen is the longest tweak FF1 accepts, for the same reason.
	MaxTweakLen = 1<<32 - 1

	rounds = 10
)

// FF1 is the FF1 format-preserving cipher of NIST SP 800-38G for one AES
// key and one radix. It holds only the expanded AES key, is immutable after
// NewFF1 and is safe for concurrent use by many goroutines.
type FF1 struct {
	block    cipher.Block
	radix    int
	minLen   int
	fastHalf int // maxFastHalf(radix), cached
}

// NewFF1 returns an FF1 cipher for radix (2 to 65536) under key, whose
// length (16, 24 or 32 bytes) selects AES-128, AES-192 or AES-256. The key
// is expanded once here; the caller may wipe its copy afterwards.
func NewFF1(key []byte, radix int) (*FF1, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, ErrKeySize
	}
	if radix < MinRadix || radix > MaxRadix {
		return nil, ErrRadix
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("govshare/fpe: aes: %w", err)
	}
	return &FF1{block: block, radix: radix, minLen: minLen(radix), fastHalf: maxFastHalf(radix)}, nil
}

// minLen is the shortest length whose domain radix^n reaches MinDomain.
func minLen(radix int) int {
	n, p := 0, 1
	for p < MinDomain {
		p *= radix
		n++
	}
	return max(n, 2)
}

// Radix returns the radix f was created with.
func (f *FF1) Radix() int { return f.radix }

// MinLen returns the shortest input f accepts: radix^MinLen ≥ 1,000,000.
func (f *FF1) MinLen() int { return f.minLen }

// String never prints key material.
func (f *FF1) String() string { return "fpe.FF1{[redacted]}" }

// GoString never prints key material, also under %#v.
func (f *FF1) GoString() string { return "fpe.FF1{[redacted]}" }

// Format makes every fmt verb (%d and %x included, which would otherwise
// walk the struct) print the redacted form.
func (f *FF1) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte("fpe.FF1{[redacted]}")) }

// LogValue keeps the key out of structured logs.
func (f *FF1) LogValue() slog.Value { return slog.StringValue("fpe.FF1{[redacted]}") }

// Encrypt enciphers the numerals x (each below the radix) under tweak and
// returns a new slice of the same length. x is not modified.
func (f *FF1) Encrypt(tweak []byte, x []uint16) ([]uint16, error) {
	out := make([]uint16, len(x))
	if err := f.crypt(true, f.radix, tweak, x, out, true); err != nil {
		return nil, err
	}
	return out, nil
}

// Decrypt reverses Encrypt under the same tweak.
func (f *FF1) Decrypt(tweak []byte, x []uint16) ([]uint16, error) {
	out := make([]uint16, len(x))
	if err := f.crypt(false, f.radix, tweak, x, out, true); err != nil {
		return nil, err
	}
	return out, nil
}

// checkArgs validates a numeral string for radix and the tweak length.
func checkArgs(radix, minLen int, tweak []byte, x []uint16) error {
	if n := len(x); n < minLen || uint64(n) > MaxLen {
		return fmt.Errorf("%w: length %d, radix %d needs at least %d", ErrLength, n, radix, minLen)
	}
	if uint64(len(tweak)) > MaxTweakLen {
		return ErrTweak
	}
	for i, c := range x {
		if int(c) >= radix {
			return fmt.Errorf("%w: position %d", ErrSymbol, i)
		}
	}
	return nil
}

// crypt runs FF1 (enc selects the direction) on x into out, which may alias
// x. allowFast=false forces the math/big path so tests can compare both.
func (f *FF1) crypt(enc bool, radix int, tweak []byte, x, out []uint16, allowFast bool) error {
	ml, fastHalf := f.minLen, f.fastHalf
	if radix != f.radix {
		ml, fastHalf = minLen(radix), maxFastHalf(radix)
	}
	if err := checkArgs(radix, ml, tweak, x); err != nil {
		return err
	}
	n := len(x)
	u := n / 2
	v := n - u
	if v <= fastHalf && allowFast {
		var c fastFF1
		f.initFast(&c, radix, n, tweak)
		r := uint64(radix)
		var a, b uint64
		for _, d := range x[:u] {
			a = a*r + uint64(d)
		}
		for _, d := range x[u:] {
			b = b*r + uint64(d)
		}
		if enc {
			a, b = c.encrypt(a, b)
		} else {
			a, b = c.decrypt(a, b)
		}
		putNumerals(out[:u], a, r)
		putNumerals(out[u:], b, r)
		return nil
	}
	a := numBig(x[:u], radix)
	b := numBig(x[u:], radix)
	a, b = f.cryptBig(enc, radix, n, tweak, a, b)
	strBig(a, radix, out[:u])
	strBig(b, radix, out[u:])
	return nil
}

// maxFastHalf is the longest half (in numerals) whose values fit in a
// uint64, so that the fast path applies.
func maxFastHalf(radix int) int {
	k, _ := chunk(radix)
	return k
}

// putNumerals writes STR^len(dst)_r(a). Radix 10 and powers of two get
// constant divisors and shifts: a 64-bit DIV per numeral would cost more
// than the AES calls of a round.
func putNumerals(dst []uint16, a, r uint64) {
	switch {
	case r == 10:
		for i := len(dst) - 1; i >= 0; i-- {
			dst[i] = uint16(a % 10)
			a /= 10
		}
	case r&(r-1) == 0:
		shift := uint(bits.TrailingZeros64(r))
		for i := len(dst) - 1; i >= 0; i-- {
			dst[i] = uint16(a & (r - 1))
			a >>= shift
		}
	default:
		for i := len(dst) - 1; i >= 0; i-- {
			dst[i] = uint16(a % r)
			a /= r
		}
	}
}

// pow64 returns r^e and whether it fits in a uint64.
func pow64(r uint64, e int) (uint64, bool) {
	p := uint64(1)
	for range e {
		hi, lo := bits.Mul64(p, r)
		if hi != 0 {
			return 0, false
		}
		p = lo
	}
	return p, true
}

// pBlock writes FF1's fixed first PRF block P (SP 800-38G Algorithm 7 step 5).
func pBlock(p *[16]byte, radix, n, t int) {
	u := n / 2
	p[0], p[1], p[2] = 1, 2, 1
	p[3], p[4], p[5] = byte(radix>>16), byte(radix>>8), byte(radix)
	p[6] = 10
	p[7] = byte(u) // u mod 256
	binary.BigEndian.PutUint32(p[8:12], uint32(n))
	binary.BigEndian.PutUint32(p[12:16], uint32(t))
}

// macPrefix runs the CBC-MAC of P and of the leading blocks of
// Q = T || 0^pad || i || NUM(B) that hold only tweak and padding: they are
// the same in all ten rounds, so each round starts from this state. It
// returns the offset in Q where the per-round part begins.
func (f *FF1) macPrefix(state *[16]byte, radix, n, b int, tweak []byte) int {
	t := len(tweak)
	pad := (16 - (t+b+1)%16) % 16
	pBlock(state, radix, n, t)
	f.block.Encrypt(state[:], state[:])
	fixed := (t + pad) / 16 * 16 // whole blocks before the round-number byte
	for off := 0; off < fixed; off += 16 {
		var blk [16]byte
		if off < t {
			copy(blk[:], tweak[off:min(t, off+16)])
		}
		for i := range blk {
			state[i] ^= blk[i]
		}
		f.block.Encrypt(state[:], state[:])
	}
	return fixed
}

// fastFF1 is the per-call state of FF1 when radix^v fits in a uint64: the
// halves are integers, the round-dependent part of Q is one block, and
// y mod radix^m is a 128-by-64-bit remainder. It also serves as the AES
// scratch block, so one call costs one small allocation at most.
type fastFF1 struct {
	block      cipher.Block
	base       [16]byte // last Q block with the tweak tail, XORed with the MAC state
	tmp        [16]byte
	b, d       int    // byte lengths of NUM(B) and of the PRF output used
	u, v       int    // half lengths in numerals
	modU, modV uint64 // radix^u, radix^v
}

// initFast prepares c for FF1 over radix and length n under tweak. The
// caller has checked that radix^ceil(n/2) fits in a uint64.
func (f *FF1) initFast(c *fastFF1, radix, n int, tweak []byte) {
	c.block = f.block
	c.u = n / 2
	c.v = n - c.u
	c.modV, _ = pow64(uint64(radix), c.v)
	c.modU = c.modV
	if c.u < c.v {
		c.modU /= uint64(radix)
	}
	// b = ceil(ceil(v·log2 radix)/8); ceil(v·log2 radix) is exactly the
	// bit length of radix^v − 1, with no floating point.
	c.b = (bits.Len64(c.modV-1) + 7) / 8
	c.d = 4*((c.b+3)/4) + 4
	fixed := f.macPrefix(&c.base, radix, n, c.b, tweak)
	// With b ≤ 8 the round byte and NUM(B) share the last block of Q with
	// whatever tweak bytes did not fill a whole block.
	var last [16]byte
	if fixed < len(tweak) {
		copy(last[:], tweak[fixed:])
	}
	for i := range last {
		c.base[i] ^= last[i]
	}
}

// prf returns y mod radix^m for round i and numeral half x, with m = u in
// even rounds and v in odd ones.
func (c *fastFF1) prf(i int, x uint64) (y, mod uint64) {
	c.tmp = c.base
	c.tmp[15-c.b] ^= byte(i)
	for j := 0; j < c.b; j++ {
		c.tmp[15-j] ^= byte(x >> (8 * j))
	}
	c.block.Encrypt(c.tmp[:], c.tmp[:])
	mod = c.modV
	if i%2 == 0 {
		mod = c.modU
	}
	if c.d == 8 {
		return binary.BigEndian.Uint64(c.tmp[:8]) % mod, mod
	}
	hi := uint64(binary.BigEndian.Uint32(c.tmp[:4]))
	return bits.Rem64(hi, binary.BigEndian.Uint64(c.tmp[4:12]), mod), mod
}

// encrypt runs the ten Feistel rounds forward on the halves (a < radix^u,
// b < radix^v).
func (c *fastFF1) encrypt(a, b uint64) (uint64, uint64) {
	for i := 0; i < rounds; i++ {
		y, mod := c.prf(i, b)
		s, carry := bits.Add64(a, y, 0)
		if carry != 0 || s >= mod {
			s -= mod
		}
		a, b = b, s
	}
	return a, b
}

// decrypt runs the rounds backward.
func (c *fastFF1) decrypt(a, b uint64) (uint64, uint64) {
	for i := rounds - 1; i >= 0; i-- {
		y, mod := c.prf(i, a)
		s := b - y
		if b < y {
			s += mod
		}
		a, b = s, a
	}
	return a, b
}

// encryptInt enciphers x < radix^n as one integer.
func (c *fastFF1) encryptInt(x uint64) uint64 {
	a, b := c.encrypt(x/c.modV, x%c.modV)
	return a*c.modV + b
}

// decryptInt reverses encryptInt.
func (c *fastFF1) decryptInt(x uint64) uint64 {
	a, b := c.decrypt(x/c.modV, x%c.modV)
	return a*c.modV + b
}

// cryptBig is FF1 on arbitrary-size halves with math/big, for inputs whose
// halves do not fit in 64 bits.
func (f *FF1) cryptBig(enc bool, radix, n int, tweak []byte, a, b *big.Int) (*big.Int, *big.Int) {
	u := n / 2
	v := n - u
	br := big.NewInt(int64(radix))
	modU := new(big.Int).Exp(br, big.NewInt(int64(u)), nil)
	modV := new(big.Int).Exp(br, big.NewInt(int64(v)), nil)
	bl := new(big.Int).Sub(modV, big.NewInt(1)).BitLen()
	bLen := (bl + 7) / 8
	d := 4*((bLen+3)/4) + 4
	t := len(tweak)
	pad := (16 - (t+bLen+1)%16) % 16

	var state [16]byte
	fixed := f.macPrefix(&state, radix, n, bLen, tweak)
	// q is the round-dependent tail of Q: tweak tail, padding, i, NUM(half).
	q := make([]byte, t+pad+1+bLen-fixed)
	if fixed < t {
		copy(q, tweak[fixed:])
	}
	iPos := t + pad - fixed
	sBuf := make([]byte, (d+15)/16*16)
	var blk [16]byte
	y, c := new(big.Int), new(big.Int)
	round := func(i int, x *big.Int) *big.Int {
		q[iPos] = byte(i)
		x.FillBytes(q[iPos+1:])
		r := state
		for off := 0; off < len(q); off += 16 {
			for k := range r {
				r[k] ^= q[off+k]
			}
			f.block.Encrypt(r[:], r[:])
		}
		copy(sBuf, r[:])
		for j := 1; j < len(sBuf)/16; j++ {
			blk = r
			binary.BigEndian.PutUint64(blk[8:], binary.BigEndian.Uint64(r[8:])^uint64(j))
			f.block.Encrypt(sBuf[16*j:16*j+16], blk[:])
		}
		return y.SetBytes(sBuf[:d])
	}
	if enc {
		for i := 0; i < rounds; i++ {
			round(i, b)
			mod := modV
			if i%2 == 0 {
				mod = modU
			}
			c.Add(a, y)
			c.Mod(c, mod)
			a, b, c = b, c, a
		}
	} else {
		for i := rounds - 1; i >= 0; i-- {
			round(i, a)
			mod := modV
			if i%2 == 0 {
				mod = modU
			}
			c.Sub(b, y)
			c.Mod(c, mod) // Euclidean: never negative
			b, a, c = a, c, b
		}
	}
	return a, b
}

// chunk returns how many radix numerals fit in one uint64 and radix^that.
func chunk(radix int) (int, uint64) {
	k, p := 0, uint64(1)
	for {
		hi, lo := bits.Mul64(p, uint64(radix))
		if hi != 0 {
			return k, p
		}
		k, p = k+1, lo
	}
}

// leafNumerals is the length below which numeral conversion runs in 64-bit
// chunks; above it, divide and conquer keeps the cost near one big
// multiplication or division instead of quadratic.
const leafNumerals = 512

// powCache memoizes radix^e for one conversion.
type powCache struct {
	radix *big.Int
	m     map[int]*big.Int
}

func newPowCache(radix int) *powCache {
	return &powCache{radix: big.NewInt(int64(radix)), m: map[int]*big.Int{}}
}

func (c *powCache) pow(e int) *big.Int {
	if p, ok := c.m[e]; ok {
		return p
	}
	p := new(big.Int).Exp(c.radix, big.NewInt(int64(e)), nil)
	c.m[e] = p
	return p
}

// numBig is NUM_radix(x).
func numBig(x []uint16, radix int) *big.Int {
	if len(x) <= leafNumerals {
		return numLeaf(x, radix)
	}
	return numSplit(x, radix, newPowCache(radix))
}

func numSplit(x []uint16, radix int, pc *powCache) *big.Int {
	if len(x) <= leafNumerals {
		return numLeaf(x, radix)
	}
	mid := len(x) / 2
	hi := numSplit(x[:mid], radix, pc)
	lo := numSplit(x[mid:], radix, pc)
	hi.Mul(hi, pc.pow(len(x)-mid))
	return hi.Add(hi, lo)
}

// numLeaf consumes 64-bit chunks to keep big.Int work small.
func numLeaf(x []uint16, radix int) *big.Int {
	k, pk := chunk(radix)
	z := new(big.Int)
	w := new(big.Int)
	bpk := new(big.Int).SetUint64(pk)
	for len(x) > 0 {
		m := min(k, len(x))
		var acc uint64
		for _, d := range x[:m] {
			acc = acc*uint64(radix) + uint64(d)
		}
		if m == k {
			z.Mul(z, bpk)
		} else {
			p, _ := pow64(uint64(radix), m)
			z.Mul(z, w.SetUint64(p))
		}
		z.Add(z, w.SetUint64(acc))
		x = x[m:]
	}
	return z
}

// strBig writes STR^len(out)_radix(z) into out; z < radix^len(out).
func strBig(z *big.Int, radix int, out []uint16) {
	if len(out) <= leafNumerals {
		strLeaf(z, radix, out)
		return
	}
	strSplit(new(big.Int).Set(z), radix, out, newPowCache(radix))
}

func strSplit(z *big.Int, radix int, out []uint16, pc *powCache) {
	if len(out) <= leafNumerals {
		strLeaf(z, radix, out)
		return
	}
	mid := len(out) / 2
	lo := new(big.Int)
	z.QuoRem(z, pc.pow(len(out)-mid), lo)
	strSplit(z, radix, out[:mid], pc)
	strSplit(lo, radix, out[mid:], pc)
}

func strLeaf(z *big.Int, radix int, out []uint16) {
	k, pk := chunk(radix)
	q := new(big.Int).Set(z)
	rem := new(big.Int)
	bpk := new(big.Int).SetUint64(pk)
	for i := len(out); i > 0; {
		q.QuoRem(q, bpk, rem)
		r := rem.Uint64()
		for j := 0; j < k && i > 0; j++ {
			i--
			out[i] = uint16(r % uint64(radix))
			r /= uint64(radix)
		}
	}
}
