package govshare

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/synth"
)

// BenchmarkRiskGate: the pipeline of a share (work_reference: masks and
// generalizations, to io.Discard) without the risk pass (Apply's pipeline:
// the baseline) and with it (性别 and 登记日期
// marked, plus every identifier part the transforms keep: 11
// quasi-identifiers), on the bundled register repeated to about 4.5 MB
// (200 distinct records, so 200 classes) and on 20,000 distinct synthetic
// records (about as many classes: the table's worst case). Each iteration
// runs both, alternately, so the load of a shared machine weighs on both
// alike; it reports the MB/s of each and the cost of the pass (time with
// it / without).
//
//	go test -run '^$' -bench RiskGate -benchtime 20x .
func BenchmarkRiskGate(b *testing.B) {
	repeated, err := os.ReadFile("testdata/sample/population.csv")
	if err != nil {
		b.Fatal(err)
	}
	body := repeated[bytes.IndexByte(repeated, '\n')+1:]
	for range 100 {
		repeated = append(repeated, body...)
	}
	var distinct bytes.Buffer
	g := synth.New(14)
	if err := g.WriteCSV(&distinct, synth.PopulationColumns(), 20000, g.PopulationRow); err != nil {
		b.Fatal(err)
	}
	cfgs := make([]runConfig, 2)
	for i, qis := range [][]string{nil, {"性别", "登记日期"}} {
		cat, err := catalog.Load("testdata/catalog/population.yaml")
		if err != nil {
			b.Fatal(err)
		}
		for j := range cat.Fields {
			cat.Fields[j].QuasiIdentifier = slices.Contains(qis, cat.Fields[j].Name)
		}
		cfgs[i] = newRunConfig(nil, "tax-bureau", catalog.PurposeWorkReference, cat, nil)
		cfgs[i].measure = i == 1
	}
	for _, set := range []struct {
		name string
		data []byte
	}{{"repeated", repeated}, {"distinct", distinct.Bytes()}} {
		b.Run(set.name, func(b *testing.B) {
			var spent [2]time.Duration
			var rep *Report
			for b.Loop() {
				for i, cfg := range cfgs {
					start := time.Now()
					rep, err = run(context.Background(), io.Discard, Input{Reader: bytes.NewReader(set.data), Name: "b.csv"}, cfg)
					if err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
					if (rep.Risk != nil) != (i == 1) {
						b.Fatalf("config %d measured: %v", i, rep.Risk != nil)
					}
				}
			}
			mb := float64(len(set.data)) * float64(b.N) / 1e6
			b.ReportMetric(mb/spent[0].Seconds(), "MB/s-off")
			b.ReportMetric(mb/spent[1].Seconds(), "MB/s-qi")
			b.ReportMetric(spent[1].Seconds()/spent[0].Seconds(), "cost")
			b.ReportMetric(float64(len(rep.Risk.QuasiIdentifiers)), "qis")
			b.ReportMetric(float64(rep.Risk.Classes), "classes")
		})
	}
}
