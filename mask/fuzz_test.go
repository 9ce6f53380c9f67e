package mask

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/region"
)

// FuzzDisplay: never panics, output is valid UTF-8, an error comes with "",
// and a non-empty input never comes back unchanged. Option bits vary the
// Masker so every renderer path is reached.
func FuzzDisplay(f *testing.F) {
	for i, c := range displayCases {
		f.Add(uint8(i), uint8(0), c.in)
	}
	f.Add(uint8(0), uint8(7), "\xff\xfe")
	f.Fuzz(func(t *testing.T, ti, opts uint8, s string) {
		ty := catalog.Types[int(ti)%len(catalog.Types)]
		m := Masker{ResidentID64: opts&1 != 0}
		if opts&2 != 0 {
			m.FixedRun = 3
		}
		if opts&4 != 0 {
			m.Rune = '●'
		}
		out, err := m.Display(ty, s)
		if !utf8.ValidString(out) {
			t.Fatalf("%s: invalid UTF-8 output", ty)
		}
		if err != nil && (out != "" || !errors.Is(err, ErrMalformed)) {
			t.Fatalf("%s: error %v with output length %d", ty, err, len(out))
		}
		if s != "" && out == s {
			t.Fatalf("%s: input passed through", ty)
		}
		for _, fn := range []func() string{
			func() string { return m.KeepEnds(s, int(opts%5), int(ti%5)) },
			func() string { return m.Range(s, int(opts%7)-1, int(ti%9)) },
			func() string { return m.Before(s, '@') },
			func() string { return m.After(s, '@') },
		} {
			if c := fn(); !utf8.ValidString(c) || (c == s && s != "" && !strings.ContainsRune(s, m.maskRune())) {
				t.Fatalf("cover: invalid or pass-through output")
			}
		}
	})
}

// FuzzGeneralizeDate: never panics; success gives "YYYY" / "YYYY-MM" that
// agree with each other.
func FuzzGeneralizeDate(f *testing.F) {
	for _, s := range []string{"2024-03-05", "2024/3/5", "20240305", "2024年3月5日", "２０２４年１２月３１日", "1900-02-29", "2024-1-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, errY := GeneralizeDate(s, Year)
		m, errM := GeneralizeDate(s, Month)
		if (errY == nil) != (errM == nil) {
			t.Fatalf("year and month disagree on validity")
		}
		if errY != nil {
			return
		}
		if len(y) != 4 || len(m) != 7 || !strings.HasPrefix(m, y+"-") || !isASCIIDigits(y) || !isASCIIDigits(m[5:]) {
			t.Fatalf("bad shape %q %q", y, m)
		}
		if mm := m[5:]; mm < "01" || mm > "12" {
			t.Fatalf("bad month %q", mm)
		}
	})
}

// FuzzGeneralizeAddress: never panics; outputs are valid UTF-8, nest
// (province ⊂ city ⊂ district) and the province is a canonical name.
func FuzzGeneralizeAddress(f *testing.F) {
	for _, s := range []string{"北京市朝阳区建国路88号", "广西南宁市青秀区", "吉林市昌邑区", "新疆阿克苏地区库车市", "a\xff市区", " 浙江省 杭州市"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got [3]string
		for l := Province; l <= District; l++ {
			out, err := GeneralizeAddress(s, l)
			if !utf8.ValidString(out) || (err != nil && out != "") {
				t.Fatalf("level %d: invalid output", l)
			}
			got[l-1] = out
		}
		if got[0] != "" {
			if p, ok := region.Match(got[0]); !ok || p.End != len(got[0]) || p.Province.Name != got[0] {
				t.Fatalf("province not canonical")
			}
		}
		if got[0] != "" && got[1] != "" && !strings.HasPrefix(got[1], got[0]) {
			t.Fatalf("city does not extend province")
		}
		if got[1] != "" && got[2] != "" && !strings.HasPrefix(got[2], got[1]) {
			t.Fatalf("district does not extend city")
		}
		if out, err := Display(catalog.TypeAddress, s); !utf8.ValidString(out) || (s != "" && out == s) || (err != nil && out != "") {
			t.Fatalf("Display address: invalid or pass-through")
		}
	})
}

// FuzzRoundCoordinate: never panics; success gives "lon,lat" with exactly
// digits decimals, in range, and rounding again is a no-op.
func FuzzRoundCoordinate(f *testing.F) {
	for _, s := range []string{"116.397128,39.916527", "-73.98565, 40.74845", "180,-90", "116.4，39.9", "1e2,3", "-0.005,0.005"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, d uint8) {
		digits := int(d % 10)
		out, err := RoundCoordinate(s, digits)
		if err != nil {
			if out != "" {
				t.Fatalf("output with error")
			}
			return
		}
		lonS, latS, ok := strings.Cut(out, ",")
		if !ok || checkLonLat(lonS, latS) != nil {
			t.Fatalf("output out of range or unparsable")
		}
		for _, p := range []string{lonS, latS} {
			dd, _ := parseDec(p)
			if dd.scale != digits {
				t.Fatalf("scale %d, want %d", dd.scale, digits)
			}
		}
		if again, err := RoundCoordinate(out, digits); err != nil || again != out {
			t.Fatalf("rounding is not idempotent")
		}
	})
}
