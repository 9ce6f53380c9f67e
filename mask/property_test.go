package mask

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

const propertyN = 10000

// sample is a generated valid value: the part a profile must hide and the
// parts it keeps (which appear in the output verbatim).
type sample struct {
	in     string
	middle string
	kept   []string
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func pick(r *rand.Rand, alphabet string) string {
	rs := []rune(alphabet)
	return string(rs[r.IntN(len(rs))])
}

func picks(r *rand.Rand, alphabet string, n int) string {
	rs := []rune(alphabet)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rs[r.IntN(len(rs))])
	}
	return b.String()
}

func randHan(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rune(0x4E00 + r.IntN(0x9FA5-0x4E00)))
	}
	return b.String()
}

const upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"

var generators = map[catalog.Type]func(*rand.Rand) sample{
	catalog.TypeMobile: func(r *rand.Rand) sample {
		d := "1" + pick(r, "3456789") + digits(r, 9)
		s := sample{middle: d[3:7], kept: []string{"+86" + d[:3], d[7:]}}
		switch r.IntN(3) {
		case 0:
			s.in = d
		case 1:
			s.in = "+86" + d
		default:
			s.in = d[:3] + "-" + d[3:7] + "-" + d[7:]
		}
		return s
	},
	catalog.TypeResidentID: func(r *rand.Rand) sample {
		body := digits(r, 17)
		c, _ := classify.ResidentIDCheckDigit(body)
		id := body + string(c)
		return sample{in: id, middle: id[1:16], kept: []string{id[:1], id[16:]}}
	},
	catalog.TypeLandline: func(r *rand.Rand) sample {
		area := "010"
		if r.IntN(2) == 0 {
			area = "0" + pick(r, "3456789") + digits(r, 2)
		}
		sub := pick(r, "2345678") + digits(r, 7)
		return sample{in: area + "-" + sub, middle: sub[:6], kept: []string{area + "-", sub[6:]}}
	},
	catalog.TypeBankCard: func(r *rand.Rand) sample {
		d := "62" + digits(r, 14+r.IntN(4))
		return sample{in: d, middle: d[4 : len(d)-4], kept: []string{d[:4], d[len(d)-4:]}}
	},
	catalog.TypeLicensePlate: func(r *rand.Rand) sample {
		head := pick(r, plateProvinces[:len(plateProvinces)-6]) + pick(r, upper)
		body := picks(r, upper+"0123456789", 4+r.IntN(2))
		last := digits(r, 1)
		return sample{in: head + body + last, middle: body, kept: []string{head, last}}
	},
	catalog.TypePassport: func(r *rand.Rand) sample {
		p := pick(r, "EG") + digits(r, 8)
		return sample{in: p, middle: p[2:7], kept: []string{p[:2], p[7:]}}
	},
	catalog.TypeTravelPermit: func(r *rand.Rand) sample {
		p := "C" + digits(r, 8)
		return sample{in: p, middle: p[1:7], kept: []string{p[:1], p[7:]}}
	},
	catalog.TypeHKID: func(r *rand.Rand) sample {
		l, d := pick(r, upper), digits(r, 6)
		c, _ := classify.HKIDCheckDigit(l + d)
		return sample{in: l + d + "(" + string(c) + ")", middle: d, kept: []string{l}}
	},
	catalog.TypeTWID: func(r *rand.Rand) sample {
		id := pick(r, upper) + pick(r, "12") + digits(r, 8)
		return sample{in: id, middle: id[1:8], kept: []string{id[:1], id[8:]}}
	},
	catalog.TypeOrgCode: func(r *rand.Rand) sample {
		body := picks(r, "0123456789"+upper, 8)
		c, _ := classify.OrgCodeCheckDigit(body)
		return sample{in: body + "-" + string(c), middle: body[2:], kept: []string{body[:2]}}
	},
	catalog.TypeUSCC: func(r *rand.Rand) sample {
		body := "91" + digits(r, 6) + picks(r, usccAlphabet, 9)
		c, _ := classify.USCCCheckDigit(body)
		u := body + string(c)
		return sample{in: u, middle: u[8:], kept: []string{u[:8]}}
	},
	catalog.TypeEmail: func(r *rand.Rand) sample {
		local := picks(r, "abcdefghijklmnopqrstuvwxyz0123456789._", 3+r.IntN(8))
		domain := picks(r, "abcdefghijklmnopqrstuvwxyz", 2+r.IntN(6)) + ".cn"
		return sample{in: local + "@" + domain, middle: local[1:], kept: []string{local[:1], "@" + domain}}
	},
	catalog.TypeIPv4: func(r *rand.Rand) sample {
		o := [4]string{}
		for i := range o {
			o[i] = strconv.Itoa(r.IntN(256))
		}
		return sample{in: strings.Join(o[:], "."), middle: strings.Join(o[1:], "."), kept: []string{o[0]}}
	},
	catalog.TypeIPv6: func(r *rand.Rand) sample {
		g := [8]string{}
		for i := range g {
			g[i] = strconv.FormatUint(uint64(0x1000+r.IntN(0xEFFF)), 16)
		}
		return sample{in: strings.Join(g[:], ":"), middle: strings.Join(g[1:], ":"), kept: []string{g[0]}}
	},
	catalog.TypeURL: func(r *rand.Rand) sample {
		host := picks(r, "abcdefghijklmnopqrstuvwxyz", 3+r.IntN(5)) + ".gov.cn"
		path := "/" + picks(r, "abcdefghijklmnopqrstuvwxyz0123456789", 4+r.IntN(8))
		return sample{in: "https://" + host + path, middle: path, kept: []string{"https://" + host + "/"}}
	},
	catalog.TypePersonName: func(r *rand.Rand) sample {
		sur := []string{"王", "李", "张", "欧阳", "诸葛", "司马", "上官"}[r.IntN(7)]
		given := randHan(r, 1+r.IntN(2))
		return sample{in: sur + given, middle: given, kept: []string{sur}}
	},
	catalog.TypeAddress: func(r *rand.Rand) sample {
		region := []string{"北京市朝阳区", "浙江省杭州市西湖区", "广东省深圳市南山区", "四川省成都市武侯区", "上海市浦东新区"}[r.IntN(5)]
		street := randHan(r, 2+r.IntN(3)) + "路" + strconv.Itoa(1+r.IntN(300)) + "号"
		return sample{in: region + street, middle: street, kept: []string{region}}
	},
	catalog.TypeGeoCoordinate: func(r *rand.Rand) sample {
		lonI, latI := strconv.Itoa(73+r.IntN(62)), strconv.Itoa(18+r.IntN(36))
		lonF, latF := digits(r, 6), digits(r, 6)
		return sample{
			in:     lonI + "." + lonF + "," + latI + "." + latF,
			middle: lonF[2:],
			kept:   []string{lonI + "." + lonF[:2], latI + "." + latF[:2]},
		}
	},
	catalog.TypeDateOfBirth: func(r *rand.Rand) sample {
		y := strconv.Itoa(1920 + r.IntN(100))
		md := pad(1+r.IntN(12), 2) + "-" + pad(1+r.IntN(28), 2)
		return sample{in: y + "-" + md, middle: md, kept: []string{y}}
	},
}

// TestPropertyNoPassThrough: for every profile and 10,000 generated valid
// values, Display succeeds, never returns its input, and never contains the
// hidden middle (unless a kept part happens to contain it too, which is
// counted and must stay rare).
func TestPropertyNoPassThrough(t *testing.T) {
	for _, ty := range catalog.Types {
		gen := generators[ty]
		if gen == nil {
			t.Errorf("no generator for %s", ty)
			continue
		}
		r := rand.New(rand.NewPCG(1, uint64(len(ty))))
		skipped := 0
		for i := 0; i < propertyN; i++ {
			s := gen(r)
			out, err := Display(ty, s.in)
			if err != nil {
				t.Fatalf("%s sample %d: %v", ty, i, err)
			}
			if out == s.in || !utf8.ValidString(out) {
				t.Fatalf("%s sample %d: output equals input or is invalid UTF-8", ty, i)
			}
			ambiguous := false
			for _, k := range s.kept {
				ambiguous = ambiguous || strings.Contains(k, s.middle)
			}
			if ambiguous {
				skipped++
				continue
			}
			if strings.Contains(out, s.middle) {
				t.Fatalf("%s sample %d: output contains the hidden middle (len %d)", ty, i, len(s.middle))
			}
		}
		if skipped > propertyN/20 {
			t.Errorf("%s: %d of %d samples ambiguous; generator too narrow", ty, skipped, propertyN)
		}
	}
}

// anyAlphabet mixes what real columns hold: digits, Latin, Han, full-width,
// emoji, separators and the mask rune itself.
const anyAlphabet = "0123456789abcXYZ张王欧阳市区路号１２Ｘ😀*@.:-·, 　\u00ff"

// TestPropertyArbitraryInput: for every profile and 10,000 random strings
// (valid or not), the output is "" with an error or a different valid
// UTF-8 string; never the input.
func TestPropertyArbitraryInput(t *testing.T) {
	for _, ty := range catalog.Types {
		r := rand.New(rand.NewPCG(2, uint64(len(ty))))
		for i := 0; i < propertyN; i++ {
			in := picks(r, anyAlphabet, 1+r.IntN(24))
			if r.IntN(8) == 0 {
				in += "\xff" // invalid UTF-8 too
			}
			out, err := Display(ty, in)
			if err != nil && out != "" {
				t.Fatalf("%s input %d: non-empty output with error", ty, i)
			}
			if out == in || !utf8.ValidString(out) {
				t.Fatalf("%s input %d: pass-through or invalid UTF-8", ty, i)
			}
		}
	}
}

// TestPropertyCover: KeepEnds, Range, Before and After hide every rune they
// are asked to hide and never return a non-empty input unchanged when the
// input holds no mask rune.
func TestPropertyCover(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const alphabet = "0123456789abcXYZ张王欧阳市区路号１２Ｘ😀@.:-·"
	for i := 0; i < propertyN; i++ {
		in := picks(r, alphabet, 1+r.IntN(20))
		rs := []rune(in)
		n, k := r.IntN(5), r.IntN(5)
		out := KeepEnds(in, n, k)
		or := []rune(out)
		if out == in || len(or) != len(rs) {
			t.Fatalf("KeepEnds case %d: pass-through or length changed", i)
		}
		for j := range rs {
			kept := len(rs) > n+k && (j < n || j >= len(rs)-k)
			if (kept && or[j] != rs[j]) || (!kept && or[j] != '*') {
				t.Fatalf("KeepEnds case %d: rune %d wrong", i, j)
			}
		}
		from, to := r.IntN(len(rs)+2)-1, r.IntN(len(rs)+2)
		if out := Range(in, from, to); out == in {
			t.Fatalf("Range case %d: pass-through", i)
		}
		if out := Before(in, '@'); out == in {
			t.Fatalf("Before case %d: pass-through", i)
		}
		if out := After(in, '@'); out == in {
			t.Fatalf("After case %d: pass-through", i)
		}
	}
}
