package mask

import (
	"errors"
	"strings"
	"testing"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

// TestDisplayWrittenForms (issue 9 §4): values as people write them —
// full-width, grouped, prefixed, quoted, with extensions and plate
// separators — are masked on their characters and keep their layout.
func TestDisplayWrittenForms(t *testing.T) {
	cases := []displayCase{
		{catalog.TypeResidentID, "110105 19491231 002x", "1***** ******** **2x"},
		{catalog.TypeResidentID, "110105-19491231-002X", "1*****-********-**2X"},
		{catalog.TypeResidentID, "1101 0519 4912 3100 2X", "1*** **** **** **** 2X"},
		{catalog.TypeResidentID, "110105－19491231－002X", "1*****－********－**2X"},
		{catalog.TypeResidentID, "１１０１０５　１９４９１２３１　００２ｘ", "１*****　********　**２ｘ"},
		{catalog.TypeResidentID, "'11010519491231002X", "1***************2X"},
		{catalog.TypeResidentID, `="11010519491231002X"`, "1***************2X"},
		{catalog.TypeMobile, "(+86)13812345678", "(+86)138****5678"},
		{catalog.TypeMobile, "86-138-1234-5678", "86-138-****-5678"},
		{catalog.TypeMobile, "13812345678.0", "138****5678"},
		{catalog.TypeMobile, "１３８－１２３４－５６７８", "１３８－****－５６７８"},
		{catalog.TypeLandline, "(0755)23456789", "(0755)******89"},
		{catalog.TypeLandline, "（0512）41040901转8001", "（0512）******01转****"},
		{catalog.TypeLandline, "0512-41040901-8001", "0512-******01-****"},
		{catalog.TypeLandline, "０７５５－２３４５６７８９", "０７５５－******８９"},
		{catalog.TypeLandline, "075523456789", "0755******89"},
		{catalog.TypeHKID, "A123456 (3)", "A****** (*)"},
		{catalog.TypeHKID, "a123456(3)", "a******(*)"},
		{catalog.TypeHKID, "Ａ１２３４５６（３）", "Ａ******（*）"},
		{catalog.TypeLicensePlate, "粤B·D12345", "粤B·*****5"},
		{catalog.TypeLicensePlate, "粤B D12345", "粤B *****5"},
		{catalog.TypeLicensePlate, "粤B-1234学", "粤B-****学"},
		{catalog.TypeLicensePlate, "粤Ｂ·Ｄ１２３４５", "粤Ｂ·*****５"},
		{catalog.TypeOrgCode, "Ｄ２１４３５６９－Ｘ", "Ｄ２******－*"},
		{catalog.TypeUSCC, "9135 0100 M000 100Y 43", "9135 0100 **** **** **"},
		{catalog.TypeBankCard, "６２２２０２１２３４５６７８９０１２８", "6222 **** **** *** 0128"},
		{catalog.TypeEmail, "zhang.san＠example．com", "z****@example.com"},
		{catalog.TypeEmail, "zhang.san@EXAMPLE.COM", "z****@example.com"},
		{catalog.TypeIPv4, "１９２．１６８．１．１", "192.*.*.*"},
		{catalog.TypeURL, "www.beijing.gov.cn/zwgk/1.html", "www.beijing.gov.cn/****"},
		{catalog.TypeGeoCoordinate, "39.9042,116.4074", "116.40**,39.90**"},
		{catalog.TypeGeoCoordinate, "116.4074 39.9042", "116.40**,39.90**"},
		{catalog.TypeDateOfBirth, "1990年1月2号", "1990年*月*号"},
		{catalog.TypeDateOfBirth, "１９９０年１月２日", "１９９０年*月*日"},
		{catalog.TypeAddress, "广东深圳南山区科技园1栋", "广东深圳南山区*****"},
		{catalog.TypeAddress, "北京市崇文区花市大街1号", "北京市崇文区******"}, // a former district
		// An address that names no known division keeps nothing.
		{catalog.TypeAddress, "艾滋病患者王小明家住这里市幸福区和平路1号", "*********************"},
		{catalog.TypeAddress, "某某市幸福区", ""},
	}
	for i, c := range cases {
		got, err := Display(c.t, c.in)
		if c.want == "" {
			if !errors.Is(err, ErrMalformed) || got != "" {
				t.Errorf("case %d (%s): want ErrMalformed, got %v", i, c.t, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("case %d (%s): %v; want %q", i, c.t, err, c.want)
		}
		// DisplayCanonical with the canonical form classify gives agrees.
		if cv, ok := classify.Canonical(c.t, c.in); ok {
			if again, err := DisplayCanonical(c.t, c.in, cv); err != nil || again != got {
				t.Errorf("case %d (%s): DisplayCanonical differs", i, c.t)
			}
		}
	}
}

// TestFixedRunWrittenForms: with FixedRun, a hidden run is one block even
// across the separators of its written layout.
func TestFixedRunWrittenForms(t *testing.T) {
	m := Masker{FixedRun: 3}
	for in, want := range map[string]string{
		"110105 19491231 002X": "1***2X",
		"11010519491231002X":   "1***2X",
	} {
		if got, err := m.Display(catalog.TypeResidentID, in); err != nil || got != want {
			t.Errorf("FixedRun: %v; want %q", err, want)
		}
	}
	if got, err := m.Display(catalog.TypeLandline, "0512-41040901转8001"); err != nil || got != "0512-***01转***" {
		t.Errorf("FixedRun landline: %v", err)
	}
}

// TestGeneralizeWrittenForms: the generalizers take the forms classify
// takes, and name regions by GB/T 2260.
func TestGeneralizeWrittenForms(t *testing.T) {
	for in, want := range map[string]string{"1990年1月2号": "1990", "１９９０－０１－０２": "1990", " 1990/1/2 ": "1990"} {
		if got, err := GeneralizeDate(in, Year); err != nil || got != want {
			t.Errorf("GeneralizeDate: %v; want %q", err, want)
		}
	}
	for in, want := range map[string]string{"39.9042,116.4074": "116.41,39.90", "116.4074 39.9042": "116.41,39.90", "116.4074，39.9042": "116.41,39.90"} {
		if got, err := RoundCoordinate(in, 2); err != nil || got != want {
			t.Errorf("RoundCoordinate: %v; want %q", err, want)
		}
	}
	for in, want := range map[string]string{"110105 19491231 002x": "1101", "１１０１０５４９１２３１００２": "1101"} {
		if got, err := IDRegion(in, 4); err != nil || got != want {
			t.Errorf("IDRegion: %v; want %q", err, want)
		}
	}
	id := "440305199001021234"
	c, _ := classify.ResidentIDCheckDigit(id[:17])
	id = id[:17] + string(c)
	for l, want := range map[AddressLevel]string{Province: "广东省", City: "广东省深圳市", District: "广东省深圳市南山区"} {
		if got, err := IDRegionName(id, l); err != nil || got != want {
			t.Errorf("IDRegionName(%d): %v; want %q", l, err, want)
		}
	}
	if got, err := IDRegionName("11010519491231002X", City); err != nil || got != "北京市" {
		t.Errorf("IDRegionName municipality: %v", err)
	}
	if _, err := IDRegionName("110105194912310021", City); !errors.Is(err, ErrMalformed) {
		t.Errorf("IDRegionName of an invalid ID: %v", err)
	}
	for in, want := range map[string]struct {
		out string
		l   AddressLevel
	}{
		"广东省深圳市南山区科技园": {"广东省深圳市南山区", District},
		"广东省深圳市某某路1号":  {"广东省深圳市", City},
		"广东省某某路1号":     {"广东省", Province},
		"河南省济源市某某路1号":  {"河南省济源市", District},
	} {
		got, l, err := GeneralizeAddressUpTo(in, District)
		if err != nil || got != want.out || l != want.l {
			t.Errorf("GeneralizeAddressUpTo: level %d, %v; want %q at %d", l, err, want.out, want.l)
		}
	}
	if _, _, err := GeneralizeAddressUpTo("艾滋病患者王小明家住这里市幸福区", District); !errors.Is(err, ErrMalformed) {
		t.Errorf("no division: %v", err)
	} else if strings.Contains(err.Error(), "幸福") {
		t.Errorf("the error holds the value")
	}
}
