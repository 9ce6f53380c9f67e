package synth

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Column is one table column: its header and the type id of its values, or "none" for columns
// that hold no identifier.
type Column struct {
	Name string
	Type string
}

// PopulationColumns returns the columns of a population register as a public security bureau
// holds it, with Chinese headers. See [Gen.PopulationRow].
func PopulationColumns() []Column {
	return []Column{
		{"姓名", "person_name"},
		{"身份证号", "cn_resident_id"},
		{"性别", "none"},
		{"出生日期", "date_of_birth"},
		{"手机号码", "cn_mobile"},
		{"固定电话", "cn_landline"},
		{"户籍地址", "address"},
		{"电子邮箱", "email"},
		{"银行卡号", "bank_card"},
		{"车牌号", "cn_license_plate"},
		{"护照号", "cn_passport"},
		{"经纬度", "geo_coordinate"},
		{"民族", "none"},
		{"登记日期", "none"},
	}
}

// CompanyColumns returns the columns of a company registry extract. See [Gen.CompanyRow].
func CompanyColumns() []Column {
	return []Column{
		{"企业名称", "none"},
		{"统一社会信用代码", "cn_uscc"},
		{"组织机构代码", "cn_org_code"},
		{"法定代表人", "person_name"},
		{"联系电话", "cn_mobile"},
		{"注册地址", "address"},
		{"单位成本", "none"},
		{"网址", "url"},
		{"服务器IP", "ipv4"},
	}
}

// PopulationRow returns one row for [PopulationColumns]. The row is internally consistent: sex and
// birth date agree with the ID number, and the address, landline area code and coordinate are in
// the ID's region. 登记日期 (registration date) is a date after birth that is not a birth date.
// Every cell is filled.
func (g *Gen) PopulationRow() []string {
	r := pick(g, regions)
	birth := g.birthDate()
	male := g.chance(0.5)
	name := g.PersonName()
	ethnic := "汉族"
	if isMinorityName(name) {
		ethnic = "维吾尔族"
	} else if g.chance(0.08) {
		ethnic = pick(g, ethnicGroups)
	}
	sex := "女"
	if male {
		sex = "男"
	}
	landline := r.area + "-" + g.digitsFrom(8, '2')
	if len(r.area) == 4 && g.chance(0.3) {
		landline = r.area + "-" + g.digitsFrom(7, '2')
	}
	regFrom := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if birth.After(regFrom) {
		regFrom = birth
	}
	return []string{
		name,
		g.residentID(r, birth, male),
		sex,
		birth.Format(time.DateOnly),
		g.Mobile(),
		landline,
		g.addressIn(r),
		g.Email(),
		g.BankCard(),
		g.Plate(),
		g.Passport(),
		g.coordinateNear(r),
		ethnic,
		g.dateBetween(regFrom, g.Now).Format(time.DateOnly),
	}
}

func isMinorityName(s string) bool {
	for i := 0; i+len("·") <= len(s); i++ {
		if s[i:i+len("·")] == "·" {
			return true
		}
	}
	return false
}

// CompanyRow returns one row for [CompanyColumns]. The organization code is the one embedded in
// the credit code, and the registered address is in the credit code's region.
func (g *Gen) CompanyRow() []string {
	r := pick(g, regions)
	uscc := g.usccWith("91", r) // 91: enterprise registered with market regulation
	return []string{
		r.city + pick(g, companyWords) + pick(g, industryWords) + pick(g, []string{"有限公司", "有限公司", "股份有限公司"}),
		uscc,
		uscc[8:16] + "-" + uscc[16:17],
		g.PersonName(),
		g.Mobile(),
		g.addressIn(r),
		strconv.FormatFloat(1+g.r.Float64()*9999, 'f', 2, 64),
		g.URL(),
		g.IPv4(),
	}
}

// WriteCSV writes a header row of column names and then rows rows from row, via encoding/csv.
// It returns an error if a row's width differs from len(cols) or the writer fails.
func (g *Gen) WriteCSV(w io.Writer, cols []Column, rows int, row func() []string) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("govshare/synth: write csv header: %w", err)
	}
	for i := 0; i < rows; i++ {
		rec := row()
		if len(rec) != len(cols) {
			return fmt.Errorf("govshare/synth: row %d has %d fields, want %d", i, len(rec), len(cols))
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("govshare/synth: write csv row %d: %w", i, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("govshare/synth: write csv: %w", err)
	}
	return nil
}

// WriteJSONL writes rows rows from row as JSON Lines: one object per line whose keys are the
// column names in column order (encoding/json would sort map keys, so objects are built by hand).
func (g *Gen) WriteJSONL(w io.Writer, cols []Column, rows int, row func() []string) error {
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i] = jsonString(c.Name)
	}
	var buf bytes.Buffer
	for i := 0; i < rows; i++ {
		rec := row()
		if len(rec) != len(cols) {
			return fmt.Errorf("govshare/synth: row %d has %d fields, want %d", i, len(rec), len(cols))
		}
		buf.Reset()
		buf.WriteByte('{')
		for j, v := range rec {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.Write(keys[j])
			buf.WriteByte(':')
			buf.Write(jsonString(v))
		}
		buf.WriteString("}\n")
		if _, err := w.Write(buf.Bytes()); err != nil {
			return fmt.Errorf("govshare/synth: write jsonl row %d: %w", i, err)
		}
	}
	return nil
}

// jsonString encodes s as a JSON string without HTML escaping, so CJK and <>& stay readable.
func jsonString(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
