package synth_test

import (
	"fmt"

	"github.com/govshare/govshare/internal/synth"
)

func ExampleGen_WrittenCase() {
	g := synth.New(7)
	for _, form := range []string{"grp_mobile_344", "prefix_mobile", "excel_formula", "neg_version"} {
		c := g.WrittenCase(form)
		fmt.Printf("%s %q\n", c.Form, c.Text)
		for _, s := range c.Spans {
			fmt.Printf("  %s [%d:%d] core [%d:%d] %q\n", s.Type, s.Start, s.End, s.CoreStart, s.CoreEnd, s.Value)
		}
	}
	// Output:
	// grp_mobile_344 "联系方式：171 2368 8447/165-8725-7283；"
	//   cn_mobile [15:28] core [15:28] "171 2368 8447"
	//   cn_mobile [29:42] core [29:42] "165-8725-7283"
	// prefix_mobile "手机:“86-17241906113”，请核实。"
	//   cn_mobile [10:24] core [13:24] "86-17241906113"
	// excel_formula "=\"330106200412087349\""
	//   cn_resident_id [2:20] core [2:20] "330106200412087349"
	// neg_version "详见1.6.12.15节"
}

func ExampleGen_WrittenCorpus() {
	corpus := synth.New(1).WrittenCorpus(10)
	fmt.Println(len(corpus) == 10*len(synth.WrittenForms), corpus[0].Form)
	// Output:
	// true fw_mobile
}
