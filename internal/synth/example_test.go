package synth_test

import (
	"fmt"
	"os"

	"github.com/govshare/govshare/internal/synth"
)

func ExampleNew() {
	g := synth.New(1)
	fmt.Println(g.Now.Format("2006-01-02"))
	fmt.Println(g.ResidentID() == synth.New(1).ResidentID())
	// Output:
	// 2026-11-01
	// true
}

func ExampleGen_Value() {
	g := synth.New(7)
	for _, typ := range []string{"cn_resident_id", "cn_uscc", "cn_mobile", "hk_id", "person_name"} {
		fmt.Println(typ, g.Value(typ))
	}
	// Output:
	// cn_resident_id 350203195505066914
	// cn_uscc 53510107766048T29W
	// cn_mobile 15083939643
	// hk_id U894145(6)
	// person_name 覃亮英
}

func ExampleGen_MinorResidentID() {
	g := synth.New(7)
	fmt.Println(g.MinorResidentID())
	// Output:
	// 350203201607026911
}

func ExampleGen_Negative() {
	g := synth.New(7)
	for i := 0; i < 3; i++ {
		fmt.Println(g.Negative())
	}
	// Output:
	// bad_check_hk_id G368844(6)
	// order_number_18 202311171031098725
	// fake_11_digit 10839396437
}

func ExampleGen_Text() {
	g := synth.New(7)
	text, spans := g.Text(2, []string{"cn_mobile", "email"})
	fmt.Println(text)
	for _, s := range spans {
		fmt.Println(s.Type, s.Start, s.End, text[s.Start:s.End] == s.Value)
	}
	// Output:
	// 该事项已转交相关处室核办。另附18288447660；The request was approved under the current catalog. Tel: 15083939643 (checked).
	// cn_mobile 45 56 true
	// cn_mobile 116 127 true
}

func ExampleGen_NegativeText() {
	g := synth.New(7)
	fmt.Println(g.NegativeText(2))
	// Output:
	// 该事项已转交相关处室核办。卡号4844766048725728等信息已录入系统。item PDD412-BLU (checked).
}

func ExampleGen_WriteCSV() {
	g := synth.New(7)
	if err := g.WriteCSV(os.Stdout, synth.CompanyColumns(), 2, g.CompanyRow); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 企业名称,统一社会信用代码,组织机构代码,法定代表人,联系电话,注册地址,单位成本,网址,服务器IP
	// 厦门市嘉禾环保科技有限公司,913502036884476K46,6884476K-4,侯瑶晨,19939643789,福建省厦门市思明区长江路41号幸福里4栋6单元1604室,1187.22,https://zwfw.sh.gov.cn/,118.117.175.26
	// 杭州市星海数据服务股份有限公司,913301222454722767,24547227-6,李龙嘉,18791736125,浙江省杭州市桐庐县东风街196号和谐家园2栋2单元1302室,3632.17,https://credit.gd.gov.cn/api/?cat=85507&lang=zh,192.168.161.44
}

func ExampleGen_WriteJSONL() {
	g := synth.New(7)
	cols := synth.PopulationColumns()[:4]
	row := func() []string { return g.PopulationRow()[:4] }
	if err := g.WriteJSONL(os.Stdout, cols, 2, row); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"姓名":"龙诗","身份证号":"350203195505062593","性别":"男","出生日期":"1955-05-06"}
	// {"姓名":"梁冬晓","身份证号":"460105196611064784","性别":"女","出生日期":"1966-11-06"}
}
