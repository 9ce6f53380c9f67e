package risk

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/internal/synth"
)

const benchRows = 1_000_000

type benchSet struct {
	rows []([]string)
	qis  []QI
}

var (
	benchOnce sync.Once
	benchSets map[string]benchSet
)

// benchData builds two 1,000,000-row inputs: Adult resampled (its 8
// quasi-identifiers, about 18,000 classes) and a generated population
// register over ID region, full birth date, sex and ethnic group (most
// records unique: a table of about 10^6 classes).
func benchData(b *testing.B) map[string]benchSet {
	benchOnce.Do(func() {
		header, rows := loadAdult(b)
		qis, err := Lookup(header, adultQIs)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		// Each row is a copy, laid out one after another as a reader's
		// batch would be, not 1,000,000 references to 30,162 rows.
		adult := make([][]string, benchRows)
		for i := range adult {
			src := rows[rng.IntN(len(rows))]
			var b strings.Builder
			for _, v := range src {
				b.WriteString(v)
			}
			all := b.String()
			row := make([]string, len(src))
			off := 0
			for j, v := range src {
				row[j] = all[off : off+len(v)]
				off += len(v)
			}
			adult[i] = row
		}
		g := synth.New(7)
		reg := make([][]string, benchRows)
		for i := range reg {
			r := g.PopulationRow()
			reg[i] = []string{r[1], r[3], r[2], r[12]}
		}
		benchSets = map[string]benchSet{
			"adult-8qi": {adult, qis},
			"register-4qi": {reg, []QI{{Name: "id", Column: 0, Prefix: 6}, {Name: "birth", Column: 1},
				{Name: "sex", Column: 2}, {Name: "ethnic", Column: 3}}},
		}
	})
	return benchSets
}

// BenchmarkPass times the single pass over 1,000,000 rows against a
// same-run baseline, a plain map[string]int over the joined values. Each
// iteration runs one pass of each, alternately, so that the load of a
// shared machine weighs on both alike; it reports the rows/s of each and
// their ratio (analyzer over baseline), keeping the values of each class
// and with Options.Fingerprints. Run with -benchtime=3x -cpu 1.
func BenchmarkPass(b *testing.B) {
	sets := benchData(b)
	for _, name := range []string{"adult-8qi", "register-4qi", "adult-8qi-fingerprints", "register-4qi-fingerprints"} {
		set, fp := sets[strings.TrimSuffix(name, "-fingerprints")], strings.HasSuffix(name, "-fingerprints")
		b.Run(name, func(b *testing.B) {
			var ours, base time.Duration
			parts := make([]string, len(set.qis))
			for b.Loop() {
				start := time.Now()
				a, err := New(set.qis, nil, Options{Fingerprints: fp})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range set.rows {
					if err := a.Add(r); err != nil {
						b.Fatal(err)
					}
				}
				classes := a.Classes()
				mid := time.Now()
				m := map[string]int{}
				for _, r := range set.rows {
					for i, q := range set.qis {
						v := r[q.Column]
						if q.Prefix > 0 && len(v) > q.Prefix {
							v = v[:q.Prefix] // ASCII here
						}
						parts[i] = v
					}
					m[strings.Join(parts, "\x1f")]++
				}
				end := time.Now()
				ours, base = ours+mid.Sub(start), base+end.Sub(mid)
				if len(m) != classes {
					b.Fatalf("%d classes, baseline %d", classes, len(m))
				}
			}
			rows := float64(len(set.rows)) * float64(b.N)
			b.ReportMetric(rows/ours.Seconds(), "rows/s")
			b.ReportMetric(rows/base.Seconds(), "baseline-rows/s")
			b.ReportMetric(base.Seconds()/ours.Seconds(), "ratio")
		})
	}
}

// BenchmarkResult times Result (figures, and the regrouping for every
// quasi-identifier's contribution) after a 1,000,000-row pass.
func BenchmarkResult(b *testing.B) {
	for _, name := range []string{"adult-8qi", "register-4qi"} {
		set := benchData(b)[name]
		a, _ := New(set.qis, nil, Options{})
		for _, r := range set.rows {
			_ = a.Add(r)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_ = a.Result()
			}
		})
	}
}

// BenchmarkPassSensitive is the pass with one sensitive column (Adult's
// salary-class) for l-diversity.
func BenchmarkPassSensitive(b *testing.B) {
	set := benchData(b)["adult-8qi"]
	for b.Loop() {
		a, _ := New(set.qis, []Sensitive{{Name: "salary-class", Column: 8}}, Options{})
		for _, r := range set.rows {
			_ = a.Add(r)
		}
	}
	b.ReportMetric(float64(len(set.rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
