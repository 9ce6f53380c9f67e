package catalog

import "testing"

// TestCapabilityTable: every type has a row, and the rows say what the
// package doc says.
func TestCapabilityTable(t *testing.T) {
	for _, ty := range append([]Type{TypeNone}, Types...) {
		if _, ok := capabilities[ty]; !ok {
			t.Errorf("%s has no capability row", ty)
		}
		for _, tr := range []Transform{TransformRedact, TransformWithhold, TransformToken, TransformPseudonym, TransformKeep, TransformDP, TransformGeneralize} {
			if !ty.Supports(tr) {
				t.Errorf("%s does not support %s", ty, tr)
			}
		}
	}
	fpe := map[Type]bool{TypeResidentID: true, TypeMobile: true, TypeBankCard: true, TypeUSCC: true}
	for _, ty := range Types {
		if ty.Supports(TransformFPE) != fpe[ty] {
			t.Errorf("%s: fpe support %v", ty, !fpe[ty])
		}
		if !ty.Supports(TransformMask) {
			t.Errorf("%s has no display mask", ty)
		}
	}
	if TypeNone.Supports(TransformMask) || Type("bogus").Supports(TransformKeep) {
		t.Error("none or an unknown type claims a content transform")
	}
}
