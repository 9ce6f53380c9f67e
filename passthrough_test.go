package govshare

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/crypto/keys"
)

var (
	ptOnce    sync.Once
	ptColumns []Column
	ptErr     error
)

// passThroughColumns builds one column per transform other than keep and
// per type (none included), as the pipeline builds them; fpe only for the
// types that have it.
func passThroughColumns(t testing.TB) []Column {
	ptOnce.Do(func() {
		kr, err := keys.New("public-security-bureau")
		if err != nil {
			ptErr = err
			return
		}
		types := append([]catalog.Type{catalog.TypeNone}, catalog.Types...)
		for _, tr := range []catalog.Transform{catalog.TransformMask, catalog.TransformRedact, catalog.TransformGeneralize,
			catalog.TransformToken, catalog.TransformPseudonym, catalog.TransformFPE} {
			for _, typ := range types {
				c := Column{Name: "f_" + string(typ), Type: typ, Transform: tr}
				if err := c.build(kr, "tax-bureau", fpeBound(time.Now(), time.Time{})); err != nil {
					if tr == catalog.TransformFPE {
						continue // not an FPE type
					}
					ptErr = err
					return
				}
				ptColumns = append(ptColumns, c)
			}
		}
	})
	if ptErr != nil {
		t.Fatal(ptErr)
	}
	return ptColumns
}

// checkNoPassThrough: for a value with anything but spaces in it, every
// transform either fails (with ErrTransform, never echoing the value) or
// outputs something other than the value, also after folding and trimming.
func checkNoPassThrough(t *testing.T, cols []Column, v string) {
	t.Helper()
	if isBlank(v) {
		return // blanks pass as they are: there is nothing in them
	}
	for _, c := range cols {
		out, err := c.fn(v)
		if err != nil && err != errNotCoarsened {
			if out != "" {
				t.Fatalf("%s/%s: output with an error", c.Transform, c.Type)
			}
			if len(v) >= 4 && strings.Contains(err.Error(), v) {
				t.Fatalf("%s/%s: the error holds the value", c.Transform, c.Type)
			}
			continue
		}
		if out == v || out == strings.TrimSpace(classify.Fold(v)) {
			t.Fatalf("%s/%s: value passed through unchanged", c.Transform, c.Type)
		}
	}
}

// FuzzTransformsNeverPassThrough (issue 9 §4): no transform other than keep
// ever outputs a non-blank input unchanged, for any type and any input.
func FuzzTransformsNeverPassThrough(f *testing.F) {
	for _, vs := range corpus(f) {
		for _, v := range vs {
			f.Add(v)
		}
	}
	for _, v := range []string{"***", "*", "34", "1200", "0", "116.40,39.90", "1990", "a****@x.cn", "138****5678",
		"1***************2X", "广东省深圳市南山区", "北京市", "＊＊＊", "x", "\xff", "市区", "艾滋病患者王小明家住这里市幸福区"} {
		f.Add(v)
	}
	cols := passThroughColumns(f)
	f.Fuzz(func(t *testing.T, v string) {
		checkNoPassThrough(t, cols, v)
	})
}

// TestTransformsNeverPassThroughRandom runs the same property on random
// strings of the characters identifiers are written with, many of them
// already-transformed outputs fed back in.
func TestTransformsNeverPassThroughRandom(t *testing.T) {
	cols := passThroughColumns(t)
	r := rand.New(rand.NewPCG(9, 4))
	const alphabet = "0123456789Xx*-. ,()+@年月日号市区省路１２＊　京A"
	rs := []rune(alphabet)
	n := 3000
	if testing.Short() {
		n = 500
	}
	var outputs []string
	for i := 0; i < n; i++ {
		var b strings.Builder
		for k := 1 + r.IntN(20); k > 0; k-- {
			b.WriteRune(rs[r.IntN(len(rs))])
		}
		checkNoPassThrough(t, cols, b.String())
		if i < 200 {
			c := cols[r.IntN(len(cols))]
			if out, err := c.fn(b.String()); err == nil {
				outputs = append(outputs, out)
			}
		}
	}
	// Outputs fed back in: already masked, already coarsened, already "***".
	for _, vs := range corpus(t) {
		for _, v := range vs[:min(len(vs), 4)] {
			for _, c := range cols {
				if out, err := c.fn(v); err == nil || errors.Is(err, errNotCoarsened) {
					outputs = append(outputs, out)
				}
			}
		}
	}
	for _, o := range outputs {
		checkNoPassThrough(t, cols, o)
	}
}

// FuzzSameValue: sameValue(out, v) is out ∈ {v, TrimSpace(v),
// TrimSpace(Fold(v))}, for out unrelated to v and for each of those forms.
func FuzzSameValue(f *testing.F) {
	for _, c := range [][2]string{{"１２３", " １２３ "}, {"123", " １２３"}, {"张*", "张三"}, {"", ""}, {"", "　"}, {"a", "\xff"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, out, v string) {
		for _, o := range []string{out, v, strings.TrimSpace(v), strings.TrimSpace(classify.Fold(v)), classify.Fold(v)} {
			want := o == v || o == strings.TrimSpace(v) || o == strings.TrimSpace(classify.Fold(v))
			if got := sameValue(o, v); got != want {
				t.Fatalf("sameValue(%x, %x) = %v", o, v, got)
			}
		}
	})
}

// BenchmarkSameValue: the check every transformed value passes, on the
// outputs of workload (a)'s transforms, against its definition (a fold of
// v and a comparison) in the same run.
func BenchmarkSameValue(b *testing.B) {
	pairs := [][2]string{{"张*", "张三"}, {"欧阳**", "欧阳娜娜"}, {"广东省深圳市南山区", "广东省深圳市南山区科技园路12号"},
		{"1990", "1990-01-02"}, {"138****5678", "13812345678"}, {"z***@example.com", "zhang@example.com"}, {"男", "男"}}
	b.Run("sameValue", func(b *testing.B) {
		for range b.N {
			for _, p := range pairs {
				sameValue(p[0], p[1])
			}
		}
	})
	b.Run("definition", func(b *testing.B) {
		for range b.N {
			for _, p := range pairs {
				_ = p[0] == p[1] || p[0] == strings.TrimSpace(p[1]) || p[0] == strings.TrimSpace(classify.Fold(p[1]))
			}
		}
	})
}
