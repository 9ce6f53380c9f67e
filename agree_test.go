package govshare

import (
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/fpe"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/synth"
	"github.com/govshare/govshare/mask"
)

// Written forms (issue 9 §1, §4): one corpus for classify and every
// transform. Each valid value from internal/synth is also written as people
// write it — full-width, grouped, prefixed, spreadsheet-quoted, lower case —
// and the forms of classify's own canonical tests are added.

// fullWidth writes the ASCII characters of s in their full-width forms and
// spaces as ideographic spaces.
func fullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ':
			b.WriteRune('\u3000')
		case r > ' ' && r < 0x7F:
			b.WriteRune(r - '!' + 0xFF01)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// group inserts sep after each of the given group lengths (bytes).
func group(s string, sep string, sizes ...int) string {
	var b strings.Builder
	i := 0
	for _, n := range sizes {
		if i+n >= len(s) {
			break
		}
		b.WriteString(s[i : i+n])
		b.WriteString(sep)
		i += n
	}
	b.WriteString(s[i:])
	return b.String()
}

// fours groups s in fours.
func fours(s, sep string) string {
	sizes := make([]int, len(s)/4)
	for i := range sizes {
		sizes[i] = 4
	}
	return group(s, sep, sizes...)
}

func sheet(s string) []string { return []string{"'" + s, `="` + s + `"`} }

// writtenForms returns v of type t and the other ways people write it.
func writtenForms(t catalog.Type, v string) []string {
	forms := []string{v, " " + v + " ", fullWidth(v)}
	switch t {
	case catalog.TypeResidentID:
		forms = append(forms, strings.ToLower(v), group(v, " ", 6, 8), group(v, "-", 6, 8), fours(v, " "), fours(v, "－"))
		forms = append(forms, sheet(v)...)
		if !strings.HasSuffix(v, "X") {
			forms = append(forms, v+".0")
		}
	case catalog.TypeMobile:
		forms = append(forms, group(v, "-", 3, 4), group(v, " ", 3, 4), group(v, " ", 3), "+86"+v, "+86 "+group(v, " ", 3, 4),
			"+86-"+v, "86-"+v, "0086"+v, "(+86)"+v, v+".0", fullWidth(group(v, "-", 3, 4)))
		forms = append(forms, sheet(v)...)
	case catalog.TypeLandline:
		area, sub, _ := strings.Cut(v, "-")
		forms = append(forms, "("+area+")"+sub, "（"+area+"）"+sub, area+" "+sub, area+sub, v+"-8001", v+"转8001", "("+area+")"+sub+"转801")
	case catalog.TypeBankCard:
		forms = append(forms, fours(v, " "), fours(v, "-"), fullWidth(fours(v, " ")))
		forms = append(forms, sheet(v)...)
	case catalog.TypeUSCC:
		forms = append(forms, strings.ToLower(v), fours(v, " "))
	case catalog.TypeOrgCode:
		forms = append(forms, strings.Replace(v, "-", "", 1), strings.ToLower(v))
	case catalog.TypeHKID:
		if i := strings.IndexByte(v, '('); i > 0 {
			forms = append(forms, v[:i]+" "+v[i:], v[:i]+v[i+1:len(v)-1], strings.ToLower(v))
		}
	case catalog.TypeLicensePlate:
		if r := []rune(v); len(r) > 2 {
			head, tail := string(r[:2]), string(r[2:])
			for _, sep := range []string{"·", "•", "・", ".", "-", " "} {
				forms = append(forms, head+sep+tail)
			}
			forms = append(forms, string(r[:1])+strings.ToLower(string(r[1:])))
		}
	case catalog.TypePassport, catalog.TypeTravelPermit, catalog.TypeTWID:
		forms = append(forms, strings.ToLower(v))
	case catalog.TypeEmail:
		if at := strings.IndexByte(v, '@'); at > 0 {
			forms = append(forms, v[:at]+"＠"+strings.ReplaceAll(v[at+1:], ".", "．"), v[:at]+"@"+strings.ReplaceAll(v[at+1:], ".", "。"),
				v[:at]+"@"+strings.ToUpper(v[at+1:]))
		}
	case catalog.TypeGeoCoordinate:
		if lon, lat, ok := strings.Cut(v, ","); ok {
			forms = append(forms, lat+","+lon, lon+"，"+lat, lon+" "+lat, lon+", "+lat)
		}
	case catalog.TypeDateOfBirth:
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			forms = append(forms, d.Format("2006年1月2日"), d.Format("2006年1月2号"), d.Format("20060102"), d.Format("2006/1/2"),
				d.Format("2006.01.02"), fullWidth(d.Format("2006年1月2日")))
		}
	case catalog.TypeAddress:
		forms = append(forms, strings.Replace(v, "市", "市 ", 1))
	}
	return forms
}

// canonForms are the written forms of classify/canon_test.go.
var canonForms = map[catalog.Type][]string{
	catalog.TypeResidentID: {"11010519491231002X", "11010519491231002x", "110105 19491231 002X", "110105-19491231-002x",
		"1101 0519 4912 3100 2X", "１１０１０５１９４９１２３１００２ｘ", "110105－19491231－002X", "'11010519491231002X",
		"=\"11010519491231002X\"", " 110105　19491231　002X ", "110105491231002"},
	catalog.TypeMobile: {"13812345678", "138-1234-5678", "138 1234 5678", "138 12345678", "+86 138 1234 5678", "+86-13812345678",
		"86-13812345678", "008613812345678", "(+86)13812345678", "１３８１２３４５６７８", "13812345678.0", "'13812345678"},
	catalog.TypeLandline: {"0755-23456789", "(0755)23456789", "（0755）23456789", "075523456789", "0755 2345 6789", "０７５５－２３４５６７８９",
		"(0755)12345678", "0755-12345678", "（0755） 1234 5678", "0512-41040901-8001", "0512-41040901转8001", "（0512）41040901转8001"},
	catalog.TypeBankCard:     {"6222 0212 3456 7890 128", "6222021234567890128", "６２２２０２１２３４５６７８９０１２８"},
	catalog.TypeUSCC:         {"91350100M000100Y43", "9135 0100 M000 100Y 43", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100m000100y43"},
	catalog.TypeOrgCode:      {"D2143569-X", "D2143569X", "d2143569-x", "Ｄ２１４３５６９－Ｘ"},
	catalog.TypeHKID:         {"A123456(3)", "A123456 (3)", "A1234563", "a123456(3)", "Ａ１２３４５６（３）"},
	catalog.TypeLicensePlate: {"粤BD12345", "粤B·D12345", "粤B•D12345", "粤B・D12345", "粤B.D12345", "粤B-D12345", "粤B D12345", "粤bd12345", "粤Ｂ·Ｄ１２３４５", "粤B1234学", "粤B·1234学"},
	catalog.TypeEmail:        {"zhang.san@example.com", "zhang.san＠example．com", "zhang.san@example。com", "zhang.san@EXAMPLE.COM"},
	catalog.TypeDateOfBirth:  {"1990-01-02", "1990年1月2日", "1990年1月2号", "１９９０年１月２日", "19900102"},
	catalog.TypeGeoCoordinate: {"116.4074,39.9042", "39.9042,116.4074", "116.4074，39.9042", "116.4074 39.9042",
		"116.40,39.90"}, // already at the generalization grid
	catalog.TypeAddress: {"北京市朝阳区建国路88号", "艾滋病患者王小明家住这里市幸福区和平路1号", "吸毒人员张某某现居住东城区幸福街3号",
		"广东深圳南山区科技园1栋", "杭州市西湖区文三路90号"},
	catalog.TypeURL: {"www.beijing.gov.cn/zwgk/1.html", "https://zwfw.sh.gov.cn/v1"},
}

// corpus is the written-forms corpus: per type, values some of which
// classify accepts.
func corpus(t testing.TB) map[catalog.Type][]string {
	t.Helper()
	out := map[catalog.Type][]string{}
	g := synth.New(9)
	for _, id := range synth.Types {
		typ := catalog.Type(id)
		for range 40 {
			out[typ] = append(out[typ], writtenForms(typ, g.Value(id))...)
		}
		out[typ] = append(out[typ], canonForms[typ]...)
	}
	for range 20 {
		out[catalog.TypeResidentID] = append(out[catalog.TypeResidentID], writtenForms(catalog.TypeResidentID, g.ResidentID15())...)
	}
	return out
}

// TestClassifyAndTransformsAgree (issue 9 §4): every value classify.Validate
// accepts as type T is accepted by mask.Display, by the generalize function
// the pipeline uses for T and, for the four FPE types, by the pipeline's FPE;
// none of them outputs the value unchanged; and the keyed transforms see one
// canonical value for all the ways one value is written.
func TestClassifyAndTransformsAgree(t *testing.T) {
	kr, err := keys.New("public-security-bureau")
	if err != nil {
		t.Fatal(err)
	}
	accepted := map[catalog.Type]int{}
	for typ, values := range corpus(t) {
		gen := generalizeFunc(typ)
		var enc valueFunc
		if typ.Supports(catalog.TransformFPE) {
			ciph, err := fpe.New(kr, typ, "f", "tax-bureau", nil)
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			enc, _ = fpeFuncs(ciph, typ)
		}
		for i, v := range values {
			if !classify.Validate(typ, v) {
				continue
			}
			accepted[typ]++
			c, ok := classify.Canonical(typ, v)
			if !ok {
				t.Errorf("%s value %d: Validate accepts, Canonical does not", typ, i)
				continue
			}
			if out, err := mask.Display(typ, v); err != nil || out == v || out == "" {
				t.Errorf("%s value %d: mask.Display: %v", typ, i, err)
			}
			if out, err := mask.Display(typ, c); err != nil || out == c {
				t.Errorf("%s value %d: mask.Display of the canonical form: %v", typ, i, err)
			}
			out, err := noPassThrough(gen)(v)
			if typ == catalog.TypeAddress && err == errNotCoarsened {
				if out != mask.Redact("") {
					t.Errorf("%s value %d: not coarsenable but not redacted", typ, i)
				}
			} else if err != nil || out == v || out == "" {
				t.Errorf("%s value %d: generalize: %v", typ, i, err)
			}
			if enc != nil {
				o1, err := enc(v)
				o2, err2 := enc(c)
				if err != nil || err2 != nil || o1 != o2 {
					t.Errorf("%s value %d: fpe: %v / canonical %v, same output %v", typ, i, err, err2, o1 == o2)
				}
			}
			if canonicalFunc(typ)(v) != c {
				t.Errorf("%s value %d: the keyed transforms would not see the canonical form", typ, i)
			}
		}
	}
	for _, typ := range catalog.Types {
		if accepted[typ] == 0 {
			t.Errorf("%s: the corpus has no value classify accepts", typ)
		}
	}
	// The addresses that name no known division are redacted, those that
	// do are coarsened to a GB/T 2260 name.
	gen := generalizeFunc(catalog.TypeAddress)
	for v, want := range map[string]string{
		"艾滋病患者王小明家住这里市幸福区和平路1号": "",
		"吸毒人员张某某现居住东城区幸福街3号":    "",
		"广东深圳南山区科技园1栋":          "广东省深圳市南山区",
		"宁夏银川市兴庆区黄河路216号":       "宁夏回族自治区银川市兴庆区",
	} {
		out, err := gen(v)
		switch {
		case want == "" && (err != errNotCoarsened || out != mask.Redact("")):
			t.Errorf("an address naming no division: %v", err)
		case want != "" && (err != nil || out != want):
			t.Errorf("address coarsened to %q (%v), want %q", out, err, want)
		}
	}
}
