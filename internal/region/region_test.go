package region

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLookup(t *testing.T) {
	cases := []struct {
		code                         string
		province, prefecture, county string
	}{
		{"440305", "广东省", "深圳市", "南山区"},
		{"4403", "广东省", "深圳市", ""},
		{"44", "广东省", "", ""},
		{"440300", "广东省", "深圳市", ""},
		{"110105", "北京市", "", "朝阳区"},
		{"110103", "北京市", "", "崇文区"}, // former: IDs issued before 2010 still carry it
		{"419001", "河南省", "", "济源市"},
		{"440399", "广东省", "深圳市", ""}, // unknown county: the levels above still resolve
		{"810000", "香港特别行政区", "", ""},
	}
	for _, c := range cases {
		p, ok := Lookup(c.code)
		if !ok || p.Province.Name != c.province || p.Prefecture.Name != c.prefecture || p.County.Name != c.county {
			t.Errorf("Lookup(%s) = %+v, %v", c.code, p, ok)
		}
	}
	if p, _ := Lookup("110103"); !p.County.Former {
		t.Errorf("崇文区 not marked former")
	}
	for _, bad := range []string{"", "4", "440", "4403051", "99", "000000", "44a305"} {
		if _, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) ok", bad)
		}
	}
	n := 0
	for _, d := range load().divs {
		if d.Level() == Province && !d.Former {
			n++
		}
	}
	if n != 34 {
		t.Errorf("%d province-level divisions in use, want 34", n)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		in                string
		province, pref, c string
		end               string // the text recognised
	}{
		{"北京市朝阳区建国路88号", "北京市", "", "朝阳区", "北京市朝阳区"},
		{"广东省深圳市南山区科技园", "广东省", "深圳市", "南山区", "广东省深圳市南山区"},
		{"广东深圳南山科技园", "广东省", "深圳市", "南山区", "广东深圳南山"},
		{"深圳市南山区", "广东省", "深圳市", "南山区", "深圳市南山区"},
		{"深圳南山区xx", "广东省", "深圳市", "南山区", "深圳南山区"},
		{"杭州市西湖区文三路90号", "浙江省", "杭州市", "西湖区", "杭州市西湖区"},
		{"吉林省吉林市船营区", "吉林省", "吉林市", "船营区", "吉林省吉林市船营区"},
		{"吉林市船营区", "吉林省", "吉林市", "船营区", "吉林市船营区"},
		{"广西南宁市青秀区民族大道", "广西壮族自治区", "南宁市", "青秀区", "广西南宁市青秀区"},
		{"内蒙古呼伦贝尔市鄂温克族自治旗", "内蒙古自治区", "呼伦贝尔市", "鄂温克族自治旗", "内蒙古呼伦贝尔市鄂温克族自治旗"},
		{"新疆阿克苏地区库车市", "新疆维吾尔自治区", "阿克苏地区", "库车市", "新疆阿克苏地区库车市"},
		{"延边延吉市", "吉林省", "延边朝鲜族自治州", "延吉市", "延边延吉市"},
		{" 浙江省 杭州市", "浙江省", "杭州市", "", " 浙江省 杭州市"},
		{"上海市浦东新区青年路283号", "上海市", "", "浦东新区", "上海市浦东新区"},
		{"北京朝阳", "北京市", "", "朝阳区", "北京朝阳"},
		{"海淀区中关村", "北京市", "", "海淀区", "海淀区"},
		{"江苏南京中山路", "江苏省", "南京市", "", "江苏南京"},
		{"河南省济源市", "河南省", "", "济源市", "河南省济源市"},
		{"广东省东莞市长安镇", "广东省", "东莞市", "", "广东省东莞市"}, // the prefecture in use, not the former county
		{"香港特别行政区九龙城区", "香港特别行政区", "", "", "香港特别行政区"},
	}
	for i, c := range cases {
		p, ok := Match(c.in)
		if !ok || p.Province.Name != c.province || p.Prefecture.Name != c.pref || p.County.Name != c.c || c.in[:p.End] != c.end {
			t.Errorf("case %d: Match = %+v (%q), %v", i, p, c.in[:p.End], ok)
		}
	}
}

func TestMatchRefuses(t *testing.T) {
	for i, s := range []string{
		"艾滋病患者王小明家住这里市幸福区", "吸毒人员张某某现居住东城区", "朝阳区建国路", "中山路100号",
		"南京东路123号", "建国路88号", "广州天河路", "深圳大道", "", "市", "城区", "a\xff市区",
	} {
		if p, ok := Match(s); ok {
			t.Errorf("input %d matched %s", i, p.Name(County))
		}
	}
}

func TestPlaceName(t *testing.T) {
	p, _ := Lookup("440305")
	if p.Name(Province) != "广东省" || p.Name(Prefecture) != "广东省深圳市" || p.Name(County) != "广东省深圳市南山区" {
		t.Errorf("names %q %q %q", p.Name(Province), p.Name(Prefecture), p.Name(County))
	}
	b, _ := Lookup("110105")
	if b.Name(Prefecture) != "北京市" || b.Name(County) != "北京市朝阳区" {
		t.Errorf("municipality names %q %q", b.Name(Prefecture), b.Name(County))
	}
	j, _ := Lookup("419001")
	if j.Name(Prefecture) != "" || j.Name(County) != "河南省济源市" {
		t.Errorf("county under its province: %q %q", j.Name(Prefecture), j.Name(County))
	}
	if (Place{}).Name(Province) != "" {
		t.Errorf("zero place has a name")
	}
}

func TestShortName(t *testing.T) {
	for name, want := range map[string]string{
		"深圳市": "深圳", "延边朝鲜族自治州": "延边", "双江拉祜族佤族布朗族傣族自治县": "双江", "浦东新区": "浦东",
		"城区": "", "阿克苏地区": "阿克苏", "锡林郭勒盟": "锡林郭勒", "鄂温克族自治旗": "鄂温克族", "北京": "",
	} {
		if got := shortName(name); got != want {
			t.Errorf("shortName(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestTableWellFormed(t *testing.T) {
	x := load()
	if len(x.divs) < 3000 {
		t.Fatalf("only %d divisions", len(x.divs))
	}
	for _, d := range x.divs {
		if d.Level() == 0 || !utf8.ValidString(d.Name) || d.Name == "" || strings.ContainsAny(d.Name, " *") {
			t.Fatalf("bad division %+v", d)
		}
		if _, ok := x.codes[d.Code[:2]+"0000"]; !ok {
			t.Fatalf("division %s has no province", d.Code)
		}
	}
	if len(table) > 300<<10 {
		t.Errorf("table is %d bytes", len(table))
	}
	// find keys names by their first 6 bytes: every name must be at least
	// two 3-byte characters.
	for name := range x.names {
		r1, n1 := utf8.DecodeRuneInString(name)
		_, n2 := utf8.DecodeRuneInString(name[n1:])
		if r1 == utf8.RuneError || n1 != 3 || n2 != 3 {
			t.Errorf("name %q does not start with two 3-byte characters", name)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"北京市朝阳区建国路88号", "广东深圳南山", "吉林市船营区", " 浙江省 杭州市", "a\xff市区"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := Match(s)
		if !ok {
			return
		}
		if p.End <= 0 || p.End > len(s) || p.First <= 0 || p.First > p.End || !utf8.ValidString(s[:p.End]) {
			t.Fatalf("bad span")
		}
		if p.Province.Code == "" {
			t.Fatalf("no province")
		}
		if p.Prefecture.Code != "" && p.Prefecture.Code[:2] != p.Province.Code[:2] {
			t.Fatalf("prefecture outside its province")
		}
		if p.County.Code != "" && p.County.Code[:2] != p.Province.Code[:2] {
			t.Fatalf("county outside its province")
		}
	})
}
