package audit

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// ReasonRiskExceeded is the refusal of a share whose released records
// exceed the catalog's re-identification threshold (max_prosecutor_risk or
// min_k); its RefuseRecord carries the figures and the quasi-identifiers to
// coarsen (RiskFigures).
const ReasonRiskExceeded Reason = "risk_exceeded"

// maxRiskNames bounds the quasi-identifier names of one RiskFigures: a
// record stays far below MaxRecordSize.
const maxRiskNames = 64

// maxRiskCount bounds the counts of RiskFigures: 2^53, the largest integer
// every JSON reader holds exactly.
const maxRiskCount = 1 << 53

// RiskFigures are the re-identification figures (package risk) of the
// records a share released, over their quasi-identifiers: counts, ratios
// and column names, never a value. A ShareRecord carries them when the
// share was measured; a RefuseRecord with ReasonRiskExceeded carries them
// with the quasi-identifiers to coarsen.
type RiskFigures struct {
	// QuasiIdentifiers are the columns measured, in column order; empty
	// when none left (every record is then in one class).
	QuasiIdentifiers []string
	// K is the class size RecordsInClassesBelowK counts below.
	K int
	// Records, Classes, KMin (the smallest class), Uniques (records alone
	// in their class) and RecordsInClassesBelowK count the released
	// records; KMin is 0 when there are none.
	Records, Classes, KMin, Uniques, RecordsInClassesBelowK int64
	// ProsecutorMax (1/KMin) and ProsecutorAvg (Classes/Records) are the
	// highest and the average prosecutor risk; 0 when there are no records.
	ProsecutorMax, ProsecutorAvg float64
	// MaxProsecutorRisk and MinK are the catalog's thresholds the figures
	// were held to; 0 when the catalog sets none.
	MaxProsecutorRisk float64
	MinK              int64
	// Coarsen, on a refusal only, lists the quasi-identifiers to coarsen,
	// the one whose leaving out lowers the risk most first.
	Coarsen []string
}

// riskWire is RiskFigures on the wire; field order is the canonical key
// order.
type riskWire struct {
	QuasiIdentifiers       []string `json:"quasi_identifiers"`
	K                      int64    `json:"k"`
	Records                int64    `json:"records"`
	Classes                int64    `json:"classes"`
	KMin                   int64    `json:"k_min"`
	Uniques                int64    `json:"uniques"`
	RecordsInClassesBelowK int64    `json:"records_in_classes_below_k"`
	ProsecutorMax          float64  `json:"prosecutor_max"`
	ProsecutorAvg          float64  `json:"prosecutor_avg"`
	MaxProsecutorRisk      float64  `json:"max_prosecutor_risk,omitempty"`
	MinK                   int64    `json:"min_k,omitempty"`
	Coarsen                []string `json:"coarsen,omitempty"`
}

func (f *RiskFigures) wire() *riskWire {
	if f == nil {
		return nil
	}
	qis := f.QuasiIdentifiers
	if qis == nil {
		qis = []string{} // [] on the wire, never null
	}
	return &riskWire{qis, int64(f.K), f.Records, f.Classes, f.KMin, f.Uniques, f.RecordsInClassesBelowK,
		f.ProsecutorMax, f.ProsecutorAvg, f.MaxProsecutorRisk, f.MinK, f.Coarsen}
}

func (w *riskWire) figures() *RiskFigures {
	if w == nil {
		return nil
	}
	return &RiskFigures{nonEmpty(w.QuasiIdentifiers), int(w.K), w.Records, w.Classes, w.KMin, w.Uniques,
		w.RecordsInClassesBelowK, w.ProsecutorMax, w.ProsecutorAvg, w.MaxProsecutorRisk, w.MinK, nonEmpty(w.Coarsen)}
}

// nonEmpty is s, or nil when empty: a parsed record holds nil for an
// empty list, whichever path read it.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// clone copies f with its strings, which may alias a decoded record's bytes.
func (f *RiskFigures) clone() *RiskFigures {
	if f == nil {
		return nil
	}
	c := *f
	cp := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		out := make([]string, len(s))
		for i, v := range s {
			out[i] = strings.Clone(v)
		}
		return out
	}
	c.QuasiIdentifiers, c.Coarsen = cp(f.QuasiIdentifiers), cp(f.Coarsen)
	return &c
}

// validate checks that the figures can be those of a real grouping, so
// that a log never carries figures no measurement gives; refusal says
// whether Coarsen may be set.
func (f *RiskFigures) validate(refusal bool) error {
	bad := func(msg string) error { return errors.New("govshare/audit: risk figures: " + msg) }
	if len(f.QuasiIdentifiers) > maxRiskNames || len(f.Coarsen) > maxRiskNames {
		return bad(fmt.Sprintf("more than %d quasi-identifiers", maxRiskNames))
	}
	for i, n := range f.QuasiIdentifiers {
		if err := checkName("quasi-identifier", n, false); err != nil {
			return err
		}
		if slices.Contains(f.QuasiIdentifiers[:i], n) {
			return bad(fmt.Sprintf("quasi-identifier %d named twice", i+1))
		}
	}
	if len(f.Coarsen) > 0 && !refusal {
		return bad("only a refusal names quasi-identifiers to coarsen")
	}
	for i, n := range f.Coarsen {
		if !slices.Contains(f.QuasiIdentifiers, n) || slices.Contains(f.Coarsen[:i], n) {
			return bad(fmt.Sprintf("coarsen entry %d is not a distinct quasi-identifier measured", i+1))
		}
	}
	if f.K < 1 || f.K > maxRiskCount {
		return bad("k must be at least 1")
	}
	for _, c := range []int64{f.Records, f.Classes, f.KMin, f.Uniques, f.RecordsInClassesBelowK, f.MinK} {
		if c < 0 || c > maxRiskCount {
			return bad("counts must be in [0, 2^53]")
		}
	}
	n := f.Records
	if n == 0 {
		if f.Classes != 0 || f.KMin != 0 || f.Uniques != 0 || f.RecordsInClassesBelowK != 0 || f.ProsecutorMax != 0 || f.ProsecutorAvg != 0 {
			return bad("no records, yet classes or risks")
		}
	} else {
		if f.Classes < 1 || f.Classes > n || f.KMin < 1 || f.KMin > n || f.Uniques > n || f.RecordsInClassesBelowK > n {
			return bad("counts do not fit the number of records")
		}
		if f.KMin > n/f.Classes || (f.Uniques > 0) != (f.KMin == 1) {
			return bad("smallest class does not fit the classes and uniques")
		}
		if !closeTo(f.ProsecutorMax, 1/float64(f.KMin)) || !closeTo(f.ProsecutorAvg, float64(f.Classes)/float64(n)) {
			return bad("prosecutor risks are not 1/k_min and classes/records")
		}
	}
	if f.MaxProsecutorRisk != 0 && !(f.MaxProsecutorRisk > 0 && f.MaxProsecutorRisk <= 1) || !finite(f.MaxProsecutorRisk) {
		return bad("max_prosecutor_risk must be in (0, 1], or 0 for none")
	}
	if math.Signbit(f.MaxProsecutorRisk) || math.Signbit(f.ProsecutorMax) || math.Signbit(f.ProsecutorAvg) {
		return bad("a risk is negative")
	}
	return nil
}

// closeTo compares a logged ratio with the one its counts give: both are
// computed in float64 from the same integers, so they agree to rounding.
func closeTo(a, b float64) bool { return finite(a) && math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// checkRisk validates optional figures (nil passes).
func checkRisk(f *RiskFigures, refusal bool) error {
	if f == nil {
		return nil
	}
	return f.validate(refusal)
}

// decodeRisk reads the canonical `,"risk":{…}` member when the input
// continues with it (see decodeRecord); nil when it does not.
func decodeRisk(s *scanner) *RiskFigures {
	if !s.peekLit(`,"risk":{"quasi_identifiers":[`) {
		return nil
	}
	s.lit(`,"risk":{"quasi_identifiers":[`)
	f := &RiskFigures{}
	f.QuasiIdentifiers = s.strList()
	s.lit(`,"k":`)
	f.K = int(s.count())
	s.lit(`,"records":`)
	f.Records = s.count()
	s.lit(`,"classes":`)
	f.Classes = s.count()
	s.lit(`,"k_min":`)
	f.KMin = s.count()
	s.lit(`,"uniques":`)
	f.Uniques = s.count()
	s.lit(`,"records_in_classes_below_k":`)
	f.RecordsInClassesBelowK = s.count()
	s.lit(`,"prosecutor_max":`)
	f.ProsecutorMax = s.float()
	s.lit(`,"prosecutor_avg":`)
	f.ProsecutorAvg = s.float()
	if s.peekLit(`,"max_prosecutor_risk":`) {
		s.lit(`,"max_prosecutor_risk":`)
		if f.MaxProsecutorRisk = s.float(); f.MaxProsecutorRisk == 0 {
			s.bad = true // omitted when zero
		}
	}
	if s.peekLit(`,"min_k":`) {
		s.lit(`,"min_k":`)
		if f.MinK = s.count(); f.MinK == 0 {
			s.bad = true
		}
	}
	if s.peekLit(`,"coarsen":[`) {
		s.lit(`,"coarsen":[`)
		if f.Coarsen = s.strList(); len(f.Coarsen) == 0 {
			s.bad = true // omitted when empty
		}
	}
	s.lit("}")
	return f
}

// strList reads the strings of a JSON array after its '[', and the ']'.
func (s *scanner) strList() []string {
	list := []string{}
	if s.peekLit("]") {
		s.lit("]")
		return list
	}
	for !s.bad {
		list = append(list, s.str())
		if s.peekLit("]") {
			s.lit("]")
			return list
		}
		if !s.lit(",") || len(list) > maxRiskNames {
			s.bad = true
		}
	}
	return nil
}

// count reads a decimal without leading zeros, at most 2^53.
func (s *scanner) count() int64 { return int64(s.decimal(16, maxRiskCount)) }
