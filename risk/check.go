package risk

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/govshare/govshare/catalog"
)

// ErrExceeded matches (errors.Is) every *ExceededError.
var ErrExceeded = errors.New("govshare/risk: re-identification risk above the catalog's threshold")

// Threshold names for Exceeded.Threshold: the catalog keys.
const (
	ThresholdMaxProsecutorRisk = "max_prosecutor_risk"
	ThresholdMinK              = "min_k"
)

// Exceeded is one threshold a result fails.
type Exceeded struct {
	Threshold string  `json:"threshold"` // ThresholdMaxProsecutorRisk or ThresholdMinK
	Limit     float64 `json:"limit"`     // the catalog's value
	Value     float64 `json:"value"`     // the result's prosecutor_max or k_min
}

// ExceededError is Check's refusal: which thresholds the released records
// exceed and which quasi-identifiers to coarsen. It holds names and
// figures, never a value.
type ExceededError struct {
	Resource string     `json:"resource"`
	Exceeded []Exceeded `json:"exceeded"`
	// Coarsen lists the quasi-identifiers, the one whose leaving out
	// lowers the risk most first (Result.Ranked).
	Coarsen []string `json:"coarsen"`
	// Enough lists the quasi-identifiers whose leaving out alone (or
	// coarsening to a single value) would meet every threshold; often
	// empty.
	Enough []string `json:"enough,omitempty"`
}

func (e *ExceededError) Error() string {
	var b strings.Builder
	b.WriteString("govshare/risk: ")
	if e.Resource != "" {
		fmt.Fprintf(&b, "resource %q: ", e.Resource)
	}
	for i, x := range e.Exceeded {
		if i > 0 {
			b.WriteString("; ")
		}
		switch x.Threshold {
		case ThresholdMinK:
			fmt.Fprintf(&b, "smallest class k_min %s is below min_k %s", num(x.Value), num(x.Limit))
		default:
			fmt.Fprintf(&b, "prosecutor risk %s exceeds %s %s", num(x.Value), x.Threshold, num(x.Limit))
		}
	}
	if len(e.Coarsen) > 0 {
		fmt.Fprintf(&b, "; coarsen first: %s", strings.Join(e.Coarsen, ", "))
	}
	if len(e.Enough) > 0 {
		fmt.Fprintf(&b, " (leaving out any one of %s alone meets the thresholds)", strings.Join(e.Enough, ", "))
	}
	return b.String()
}

// Is makes errors.Is(err, ErrExceeded) hold.
func (e *ExceededError) Is(target error) bool { return target == ErrExceeded }

func num(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// Check holds r to the catalog's thresholds (max_prosecutor_risk, min_k).
// It returns nil when the catalog sets none, when r has no records (nothing
// leaves), or when r meets them; otherwise an *ExceededError. The share
// path calls it before sealing.
func Check(cat *catalog.Catalog, r *Result) error {
	if cat == nil || r == nil {
		return errors.New("govshare/risk: Check needs a catalog and a result")
	}
	if r.Records == 0 {
		return nil
	}
	exceeded := over(cat, &r.Figures)
	if len(exceeded) == 0 {
		return nil
	}
	e := &ExceededError{Resource: cat.Resource, Exceeded: exceeded, Coarsen: r.Ranked()}
	for _, c := range r.Contributions {
		if len(over(cat, &c.Figures)) == 0 {
			e.Enough = append(e.Enough, c.LeftOut)
		}
	}
	return e
}

// over returns the thresholds of cat that f fails.
func over(cat *catalog.Catalog, f *Figures) []Exceeded {
	var x []Exceeded
	if m := cat.MaxProsecutorRisk; m != nil && f.ProsecutorMax > *m {
		x = append(x, Exceeded{ThresholdMaxProsecutorRisk, *m, f.ProsecutorMax})
	}
	if m := cat.MinK; m != nil && f.KMin < int(*m) {
		x = append(x, Exceeded{ThresholdMinK, float64(*m), float64(f.KMin)})
	}
	return x
}
