package dp

import "testing"

// Known answers for the binomial helper the statistical tests rely on.
func TestBinomTails(t *testing.T) {
	// Binomial(10, 0.5): P(X=0)=P(X=10)=1/1024≈0.000977, P(X≤1)=11/1024≈0.0107.
	lo, hi := binomTails(10, 0.5, 0.002) // α/2 = 0.001 > 1/1024, < 11/1024
	if lo != 1 || hi != 9 {
		t.Fatalf("binomTails(10, .5, .002) = %d, %d; want 1, 9", lo, hi)
	}
	lo, hi = binomTails(10, 0.5, 0.0001)
	if lo != 0 || hi != 10 {
		t.Fatalf("binomTails(10, .5, .0001) = %d, %d; want 0, 10", lo, hi)
	}
}
