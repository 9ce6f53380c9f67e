package region

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

// addressLike builds inputs from the table's names, as addresses and as
// near misses: names in and out of order, short names before street words,
// spaces, and tails that extend one name into another.
func addressLike(n int, seed uint64) []string {
	x := load()
	names := make([]string, 0, len(x.names))
	for name := range x.names {
		names = append(names, name)
	}
	slices.Sort(names)
	r := rand.New(rand.NewPCG(seed, 1))
	tails := []string{"", "路88号", "大道1号", "街3号", "镇", "村", "南路", "区", "市", "县", " ", "\u3000", "中山路", "a", "\xff"}
	out := make([]string, 0, n)
	for range n {
		var b strings.Builder
		for range 1 + r.IntN(4) {
			b.WriteString(names[r.IntN(len(names))])
			if r.IntN(6) == 0 {
				b.WriteString(" ")
			}
		}
		b.WriteString(tails[r.IntN(len(tails))])
		out = append(out, b.String())
	}
	return out
}

// TestReadsBound: Match reads no more of its input than it reports, so any
// input with the same first bytes has the same answer — what Matcher
// relies on.
func TestReadsBound(t *testing.T) {
	x := load()
	r := rand.New(rand.NewPCG(7, 7))
	tails := []string{"", "路", "区", "市西湖区", "南山", "县城", " 1", "\u3000朝阳区"}
	for i, s := range addressLike(40000, 3) {
		p, ok, read := x.match(s)
		if read > len(s) {
			continue // depended on where s ends
		}
		t2 := s[:read] + tails[r.IntN(len(tails))] + tails[r.IntN(len(tails))]
		if p2, ok2 := Match(t2); p2 != p || ok2 != ok {
			t.Fatalf("input %d: the answer changed past the %d bytes read", i, read)
		}
	}
}

// TestMatcherSameAsMatch: a Matcher's answers are Match's, remembered or
// not, from several goroutines at once.
func TestMatcherSameAsMatch(t *testing.T) {
	in := addressLike(60000, 5)
	want := make([]Place, len(in))
	wantOK := make([]bool, len(in))
	for i, s := range in {
		want[i], wantOK[i] = Match(s)
	}
	m := NewMatcher()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 2 {
				for i := g; i < len(in); i += 2 {
					if p, ok := m.Match(in[i]); p != want[i] || ok != wantOK[i] {
						t.Errorf("input %d (round %d): Matcher and Match disagree", i, round)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func FuzzMatcher(f *testing.F) {
	for _, s := range []string{"北京市朝阳区建国路88号", "广东深圳南山", "吉林市船营区", " 浙江省 杭州市", "a\xff市区", "南京东路", "深圳"} {
		f.Add(s, s+"市")
	}
	m := NewMatcher()
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, s := range []string{a, b, a + b, b + a} {
			p1, ok1 := Match(s)
			if p2, ok2 := m.Match(s); p1 != p2 || ok1 != ok2 {
				t.Fatalf("Matcher and Match disagree")
			}
		}
	})
}

// BenchmarkMatch: the search alone, on addresses as a register holds them.
func BenchmarkMatch(b *testing.B) {
	in := registerAddresses()
	for i := 0; b.Loop(); i++ {
		Match(in[i%len(in)])
	}
}

// BenchmarkMatcher: the same addresses through one Matcher.
func BenchmarkMatcher(b *testing.B) {
	in := registerAddresses()
	m := NewMatcher()
	for i := 0; b.Loop(); i++ {
		m.Match(in[i%len(in)])
	}
}

// registerAddresses are 20,000 addresses of the form a register holds:
// province, prefecture and county in full, then a street and number.
func registerAddresses() []string {
	x := load()
	var counties []Place
	for _, d := range x.divs {
		if d.Level() == County && !d.Former {
			if p, ok := Lookup(d.Code); ok && p.Prefecture.Code != "" {
				counties = append(counties, p)
			}
		}
	}
	r := rand.New(rand.NewPCG(11, 11))
	streets := []string{"人民路", "解放路", "中山路", "建设路", "学府路", "黄河路", "文化路", "和平街"}
	// A register's addresses come from a few hundred counties.
	counties = counties[:300]
	out := make([]string, 20000)
	for i := range out {
		p := counties[r.IntN(len(counties))]
		out[i] = p.Province.Name + p.Prefecture.Name + p.County.Name + streets[r.IntN(len(streets))] + "1号"
	}
	return out
}
