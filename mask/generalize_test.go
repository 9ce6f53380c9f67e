package mask

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/region"
)

func TestGeneralizeDate(t *testing.T) {
	cases := []struct {
		in          string
		year, month string // "" means malformed
	}{
		{"2024-03-05", "2024", "2024-03"},
		{"2024/3/5", "2024", "2024-03"},
		{"20240305", "2024", "2024-03"},
		{"2024年3月5日", "2024", "2024-03"},
		{"2024年12月31", "2024", "2024-12"},
		{"２０２４年１２月３１日", "2024", "2024-12"},
		{" 2000-02-29 ", "2000", "2000-02"},
		{"1900-02-29", "", ""}, // not a leap year
		{"2024-13-01", "", ""},
		{"2024-00-10", "", ""},
		{"2024-1-32", "", ""},
		{"2024-03/05", "", ""},
		{"2024年3-5", "", ""},
		{"202403", "", ""},
		{"2024030512", "", ""},
		{"0000-01-01", "", ""},
		{"24-03-05", "", ""},
		{"", "", ""},
		{"2024-03-05T10:00", "", ""},
	}
	for i, c := range cases {
		y, errY := GeneralizeDate(c.in, Year)
		m, errM := GeneralizeDate(c.in, Month)
		if c.year == "" {
			if !errors.Is(errY, ErrMalformed) || !errors.Is(errM, ErrMalformed) {
				t.Errorf("case %d: want malformed, got %q %q", i, y, m)
			}
			continue
		}
		if errY != nil || errM != nil || y != c.year || m != c.month {
			t.Errorf("case %d: got %q %q (%v %v), want %q %q", i, y, m, errY, errM, c.year, c.month)
		}
	}
	if _, err := GeneralizeDate("2024-03-05", 0); !errors.Is(err, ErrArgument) {
		t.Errorf("zero precision: %v", err)
	}
}

func TestAgeBand(t *testing.T) {
	cases := []struct {
		age, width int
		want       string
	}{
		{34, 10, "30-39"}, {30, 10, "30-39"}, {39, 10, "30-39"}, {0, 5, "0-4"},
		{17, 18, "0-17"}, {18, 18, "18-35"}, {150, 10, "150-159"}, {42, 1, "42"},
	}
	for _, c := range cases {
		if got, err := AgeBand(c.age, c.width); err != nil || got != c.want {
			t.Errorf("AgeBand(%d,%d) = %q, %v; want %q", c.age, c.width, got, err, c.want)
		}
	}
	for _, bad := range [][2]int{{-1, 10}, {151, 10}, {30, 0}, {30, -5}, {30, 151}} {
		if _, err := AgeBand(bad[0], bad[1]); !errors.Is(err, ErrArgument) {
			t.Errorf("AgeBand(%d,%d): want ErrArgument, got %v", bad[0], bad[1], err)
		}
	}
}

func TestAgeBandFromBirthAndID(t *testing.T) {
	ref := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		birth string
		want  string
	}{
		{"1949-12-31", "70-79"}, // 76
		{"1996-01-01", "30-39"}, // birthday today: 30
		{"1996-01-02", "20-29"}, // one day short of 30
		{"2000年2月29日", "20-29"},
		{"2026-01-01", "0-9"},
	}
	for _, c := range cases {
		if got, err := AgeBandFromBirth(c.birth, ref, 10); err != nil || got != c.want {
			t.Errorf("AgeBandFromBirth(%s) = %q, %v; want %q", c.birth, got, err, c.want)
		}
	}
	if _, err := AgeBandFromBirth("2026-01-02", ref, 10); !errors.Is(err, ErrMalformed) {
		t.Errorf("future birth: %v", err)
	}
	// docs/domain.md: identifier formats and validation vector, born 1949-12-31.
	if got, err := AgeBandFromID("11010519491231002X", ref, 10); err != nil || got != "70-79" {
		t.Errorf("AgeBandFromID(vector) = %q, %v", got, err)
	}
	if got, err := AgeBandFromID("11010519491231002x", ref, 5); err != nil || got != "75-79" {
		t.Errorf("AgeBandFromID(lower x) = %q, %v", got, err)
	}
	// 15-digit legacy: 1949-12-31.
	if got, err := AgeBandFromID("110105491231002", ref, 10); err != nil || got != "70-79" {
		t.Errorf("AgeBandFromID(15) = %q, %v", got, err)
	}
	for _, bad := range []string{
		"110105194912310021",           // wrong check digit
		withCheck("99010519491231002"), // no such province, valid check digit
		withCheck("11010519490231002"), // 1949-02-31
		"110105491331002",              // month 13
		"11010519491231002",
		"",
	} {
		if _, err := AgeBandFromID(bad, ref, 10); !errors.Is(err, ErrMalformed) {
			t.Errorf("AgeBandFromID(bad %d chars): %v", len(bad), err)
		}
	}
}

func withCheck(first17 string) string {
	c, _ := classify.ResidentIDCheckDigit(first17)
	return first17 + string(c)
}

func TestIDRegion(t *testing.T) {
	for digits, want := range map[int]string{2: "11", 4: "1101", 6: "110105"} {
		if got, err := IDRegion("11010519491231002X", digits); err != nil || got != want {
			t.Errorf("IDRegion(%d) = %q, %v", digits, got, err)
		}
	}
	if got, err := IDRegion("110105491231002", 4); err != nil || got != "1101" {
		t.Errorf("IDRegion(15) = %q, %v", got, err)
	}
	if _, err := IDRegion("11010519491231002X", 3); !errors.Is(err, ErrArgument) {
		t.Errorf("3 digits: %v", err)
	}
	if _, err := IDRegion("110105194912310021", 2); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad check digit: %v", err)
	}
}

func TestRoundStep(t *testing.T) {
	cases := []struct{ x, step, want string }{
		{"1234.50", "100", "1200"},
		{"1250", "100", "1300"},
		{"-1250", "100", "-1300"},
		{"1249.99", "100", "1200"},
		{"0.125", "0.01", "0.13"},
		{"2.675", "0.01", "2.68"}, // float64 would give 2.67
		{"1.005", "0.01", "1.01"},
		{"37", "5", "35"},
		{"38", "5", "40"},
		{"12.34", "0.5", "12.5"},
		{"-0.4", "1", "0"},
		{"+7", "10", "10"},
		{".5", "1", "1"},
		{"123456789012345678", "1000", "123456789012346000"},
	}
	for _, c := range cases {
		if got, err := RoundStep(c.x, c.step); err != nil || got != c.want {
			t.Errorf("RoundStep(%s, %s) = %q, %v; want %q", c.x, c.step, got, err, c.want)
		}
	}
	for _, bad := range [][2]string{{"1e3", "10"}, {"1,234", "10"}, {"12.", "1"}, {"", "1"}, {"-", "1"},
		{"1234567890123456789", "1"}} {
		if _, err := RoundStep(bad[0], bad[1]); !errors.Is(err, ErrMalformed) {
			t.Errorf("RoundStep(%q): want malformed, got %v", bad[0], err)
		}
	}
	for _, step := range []string{"0", "-10", "abc"} {
		if _, err := RoundStep("5", step); !errors.Is(err, ErrArgument) {
			t.Errorf("step %q: %v", step, err)
		}
	}
	if _, err := RoundStep("123456789012345678", "0.01"); !errors.Is(err, ErrArgument) {
		t.Errorf("overflowing scale: %v", err)
	}
}

func TestBucketAndTopBottom(t *testing.T) {
	edges := []string{"18", "35", "60"}
	for x, want := range map[string]string{
		"0": "<18", "17.99": "<18", "18": "[18,35)", "37": "[35,60)", "60": ">=60", "99.5": ">=60",
	} {
		if got, err := Bucket(x, edges); err != nil || got != want {
			t.Errorf("Bucket(%s) = %q, %v; want %q", x, got, err, want)
		}
	}
	if _, err := Bucket("5", []string{"10", "10"}); !errors.Is(err, ErrArgument) {
		t.Errorf("equal edges: %v", err)
	}
	if _, err := Bucket("5", nil); !errors.Is(err, ErrArgument) {
		t.Errorf("no edges: %v", err)
	}
	for x, want := range map[string]string{
		"5000": "<10000", "10000": "10000", "123456.70": "123456.70", "1000000": ">=1000000", "-3": "<10000",
	} {
		if got, err := TopBottom(x, "10000", "1000000"); err != nil || got != want {
			t.Errorf("TopBottom(%s) = %q, %v; want %q", x, got, err, want)
		}
	}
	if _, err := TopBottom("5", "10", "1"); !errors.Is(err, ErrArgument) {
		t.Errorf("low >= high: %v", err)
	}
	if _, err := TopBottom("five", "1", "10"); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad x: %v", err)
	}
}

func TestGeneralizeAddress(t *testing.T) {
	cases := []struct {
		in                       string
		province, city, district string
	}{
		{"北京市朝阳区建国路88号", "北京市", "北京市", "北京市朝阳区"},
		{"浙江省杭州市西湖区文三路90号", "浙江省", "浙江省杭州市", "浙江省杭州市西湖区"},
		{"广西南宁市青秀区民族大道", "广西壮族自治区", "广西壮族自治区南宁市", "广西壮族自治区南宁市青秀区"},
		{"内蒙古呼伦贝尔市鄂温克族自治旗", "内蒙古自治区", "内蒙古自治区呼伦贝尔市", "内蒙古自治区呼伦贝尔市鄂温克族自治旗"},
		{"新疆阿克苏地区库车市", "新疆维吾尔自治区", "新疆维吾尔自治区阿克苏地区", "新疆维吾尔自治区阿克苏地区库车市"},
		{"吉林省吉林市船营区", "吉林省", "吉林省吉林市", "吉林省吉林市船营区"},
		// GB/T 2260 lists the SARs at province level only.
		{"香港特别行政区九龙城区", "香港特别行政区", "香港特别行政区", ""},
		// The levels above a division are filled in from its code.
		{"杭州市西湖区", "浙江省", "浙江省杭州市", "浙江省杭州市西湖区"},
		{"广东深圳南山科技园", "广东省", "广东省深圳市", "广东省深圳市南山区"},
		{"北京市崇文区", "北京市", "北京市", "北京市崇文区"}, // a former district
		{"河南省济源市", "河南省", "", "河南省济源市"},    // under its province
		{"广东省", "广东省", "", ""},
		{"建国路88号", "", "", ""},
		// Text that only looks like a division is none (issue 9 §4).
		{"艾滋病患者王小明家住这里市幸福区", "", "", ""},
		{"吸毒人员张某某现居住东城区", "", "", ""},
		{"某某市幸福区和平路1号", "", "", ""},
		{"朝阳区建国路", "", "", ""}, // two 朝阳区: which one is unknown
	}
	for i, c := range cases {
		for j, want := range []string{c.province, c.city, c.district} {
			got, err := GeneralizeAddress(c.in, AddressLevel(j+1))
			if want == "" {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("case %d level %d: want malformed, got %q %v", i, j+1, got, err)
				}
				continue
			}
			if err != nil || got != want {
				t.Errorf("case %d level %d: got %q, %v; want %q", i, j+1, got, err, want)
			}
		}
	}
	for code, short := range map[string]string{"11": "北京", "15": "内蒙古", "45": "广西", "54": "西藏", "64": "宁夏", "65": "新疆", "71": "台湾", "82": "澳门"} {
		p, _ := region.Lookup(code)
		if got, err := GeneralizeAddress(short+"某某路1号", Province); err != nil || got != p.Province.Name {
			t.Errorf("short %s: %q, %v", short, got, err)
		}
	}
	if _, err := GeneralizeAddress("北京市", 0); !errors.Is(err, ErrArgument) {
		t.Errorf("zero level: %v", err)
	}
}

func TestRoundCoordinate(t *testing.T) {
	cases := []struct {
		in     string
		digits int
		want   string
	}{
		{"116.397128,39.916527", 2, "116.40,39.92"},
		{"116.397128,39.916527", 3, "116.397,39.917"},
		{"116.397128, 39.916527", 0, "116,40"},
		{"-73.98565,40.74845", 4, "-73.9857,40.7485"}, // halves away from zero
		{"116.4，39.9", 3, "116.400,39.900"},
		{"180,-90", 1, "180.0,-90.0"},
		{"179.996,89.9999", 2, "180.00,90.00"},
	}
	for _, c := range cases {
		if got, err := RoundCoordinate(c.in, c.digits); err != nil || got != c.want {
			t.Errorf("RoundCoordinate(%s, %d) = %q, %v; want %q", c.in, c.digits, got, err, c.want)
		}
	}
	for _, bad := range []string{"180.1,0", "0,-90.5", "116.4", "1,2,3", "a,b", "1e2,3", ""} {
		if _, err := RoundCoordinate(bad, 2); !errors.Is(err, ErrMalformed) {
			t.Errorf("RoundCoordinate(%q): %v", bad, err)
		}
	}
	if _, err := RoundCoordinate("1,2", 9); !errors.Is(err, ErrArgument) {
		t.Errorf("digits 9: %v", err)
	}
}

func TestGridCell(t *testing.T) {
	c, err := GridCell(116.397128, 39.916527, 0.01)
	if err != nil || c.Col != 29639 || c.Row != 12991 || c.ID() != "0.01/12991/29639" {
		t.Fatalf("GridCell = %+v, %v", c, err)
	}
	if math.Abs(c.Lon-116.395) > 1e-9 || math.Abs(c.Lat-39.915) > 1e-9 {
		t.Errorf("centre = %v,%v", c.Lon, c.Lat)
	}
	// On an edge: 116.40 is the start of column 29640 despite float64 rounding.
	if e, _ := GridCell(116.40, 39.92, 0.01); e.Col != 29640 || e.Row != 12992 {
		t.Errorf("edge cell = %+v", e)
	}
	// Corners fall in the first and last cells.
	if a, _ := GridCell(-180, -90, 1); a.Col != 0 || a.Row != 0 || a.Lon != -179.5 || a.Lat != -89.5 {
		t.Errorf("south-west corner = %+v", a)
	}
	if b, _ := GridCell(180, 90, 1); b.Col != 359 || b.Row != 179 {
		t.Errorf("north-east corner = %+v", b)
	}
	// Every point of one cell maps to the same centre.
	x, _ := GridCell(116.301, 39.901, 0.1)
	y, _ := GridCell(116.399, 39.999, 0.1)
	if x != y {
		t.Errorf("same cell differs: %+v %+v", x, y)
	}
	for _, bad := range [][3]float64{{181, 0, 1}, {0, 91, 1}, {math.NaN(), 0, 1}} {
		if _, err := GridCell(bad[0], bad[1], bad[2]); !errors.Is(err, ErrMalformed) {
			t.Errorf("GridCell(%v): %v", bad, err)
		}
	}
	for _, size := range []float64{0, -1, 91, math.NaN(), math.Inf(1)} {
		if _, err := GridCell(0, 0, size); !errors.Is(err, ErrArgument) {
			t.Errorf("size %v: %v", size, err)
		}
	}
}
