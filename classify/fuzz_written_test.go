package classify_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/synth"
)

// FuzzDetectWritten extends FuzzDetect with the written forms of issue 9: it
// is seeded with lines of the synth written-forms corpus and, besides the
// fuzzer's own byte mutations, rewrites each input the way people write
// values: ASCII characters turned full-width and separators (space, -, －, ·,
// U+3000) put between characters, at a rate chosen by the seed. For the input
// and its rewrite: no panic, every span in range, Value == text[Start:End],
// and no span end inside a UTF-8 character.
func FuzzDetectWritten(f *testing.F) {
	g := synth.New(99)
	g.Now = writtenNow
	for i, c := range g.WrittenCorpus(2) {
		f.Add(c.Text, uint64(i))
	}
	d := classify.Detector{Now: func() time.Time { return writtenNow }}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		for _, text := range []string{s, rewriteWritten(s, seed)} {
			for _, fd := range d.Detect(text) {
				if msg := findingProblem(text, fd); msg != "" {
					t.Fatalf("finding %s in a text of %d bytes: %s", fd, len(text), msg)
				}
			}
		}
	})
}

// writtenSeparators are put between characters by rewriteWritten.
var writtenSeparators = []string{" ", "-", "－", "·", "\u3000"}

// rewriteWritten converts some ASCII characters of s to full width and puts
// separators between some characters, deterministically from seed. Invalid
// bytes are copied as they are.
func rewriteWritten(s string, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, seed>>32|1))
	pWide := []float64{0, 0.1, 0.5, 1}[r.IntN(4)]
	pSep := []float64{0, 0.05, 0.2, 0.6}[r.IntN(4)]
	var sb strings.Builder
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			sb.WriteByte(s[i])
		case c > ' ' && c <= '~' && r.Float64() < pWide:
			sb.WriteRune(c + 0xFEE0)
		default:
			sb.WriteString(s[i : i+size])
		}
		i += size
		if i < len(s) && r.Float64() < pSep {
			sb.WriteString(writtenSeparators[r.IntN(len(writtenSeparators))])
		}
	}
	return sb.String()
}

func TestRewriteWritten(t *testing.T) {
	if got := rewriteWritten("", 1); got != "" {
		t.Errorf("empty input gave %d bytes", len(got))
	}
	bad := "1\xff2\xe4\xb8"
	for seed := range uint64(64) {
		out := rewriteWritten(bad, seed)
		if !strings.Contains(out, "\xff") {
			t.Fatalf("seed %d: an invalid byte was not kept", seed)
		}
		if w := rewriteWritten("身份证号11010519491231002X", seed); !utf8.ValidString(w) {
			t.Fatalf("seed %d: valid input gave invalid UTF-8", seed)
		}
	}
	if splitsRune("a身b", 2) != true || splitsRune("a身b", 1) || splitsRune("a身b", 4) || splitsRune("1\xe4\xb82", 2) {
		t.Error("splitsRune")
	}
}
