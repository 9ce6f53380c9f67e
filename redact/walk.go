package redact

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/govshare/govshare/catalog"
)

// maxDepth bounds the nesting the walker follows; deeper values are zero in
// the copy.
const maxDepth = 256

// Struct returns a redacted deep copy of v, of v's dynamic type: nested
// structs, pointers, slices, arrays, maps (map[string]any included) and
// interfaces are copied, never modified. Strings are redacted by the
// field's or key's decision (tag, catalog, key hint) or, when there is
// none, by the identifiers Detect finds in them; withheld fields are zero
// and withheld map keys left out. Cycles and shared pointers are copied as
// cycles and shared pointers. An error value becomes one that redacts its
// message (see Error). It fails, returning nil, when a struct type's
// govshare tag is invalid (ErrTag).
func (r *Redactor) Struct(v any) (any, error) {
	w := walker{st: r.state()}
	out := w.copy(reflect.ValueOf(&v).Elem(), action{})
	if w.err != nil {
		return nil, w.err
	}
	return out.Interface(), nil
}

// Copy is Struct for a value of static type T. On error it returns T's
// zero value.
func Copy[T any](r *Redactor, v T) (T, error) {
	w := walker{st: r.state()}
	out := w.copy(reflect.ValueOf(&v).Elem(), action{})
	if w.err != nil {
		var zero T
		return zero, w.err
	}
	return out.Interface().(T), nil
}

type seenKey struct {
	p uintptr
	t reflect.Type
	n int
}

type seenVal struct {
	k    seenKey
	v    reflect.Value
	open bool // being copied: a visit now is a cycle
}

// seenList is how many containers are looked up by a linear scan before
// the walker builds a map: most values hold a few.
const seenList = 16

type walker struct {
	st    *state
	list  []*seenVal
	seen  map[seenKey]*seenVal
	depth int
	// cut makes a back reference (a cycle) nil in the copy, so that fmt
	// and encoding/json terminate; Struct keeps cycles.
	cut bool
	err error
}

func (w *walker) visit(k seenKey) (reflect.Value, bool) {
	var s *seenVal
	if w.seen != nil {
		s = w.seen[k]
	} else {
		for _, x := range w.list {
			if x.k == k {
				s = x
				break
			}
		}
	}
	if s == nil {
		return reflect.Value{}, false
	}
	if s.open && w.cut {
		return reflect.Zero(k.t), true
	}
	return s.v, true
}

func (w *walker) open(k seenKey, v reflect.Value) *seenVal {
	s := &seenVal{k: k, v: v, open: true}
	switch {
	case w.seen != nil:
		w.seen[k] = s
	case len(w.list) < seenList:
		w.list = append(w.list, s)
	default:
		w.seen = make(map[seenKey]*seenVal, 2*seenList)
		for _, x := range w.list {
			w.seen[x.k] = x
		}
		w.seen[k] = s
	}
	return s
}

var (
	errorType   = reflect.TypeFor[error]()
	stringerTyp = reflect.TypeFor[fmt.Stringer]()
	timeType    = reflect.TypeFor[time.Time]()
	stringType  = reflect.TypeFor[string]()
	// jsonNumberType is kept a number only when it is kept as it is: a
	// masked one becomes a string (in an interface) or zero.
	jsonNumberType = reflect.TypeFor[json.Number]()
)

// safeTypes are this package's own wrappers: already redacting.
func safeType(t reflect.Type) bool {
	return t == reflect.TypeFor[Redacted]() || t == reflect.TypeFor[*redactedError]()
}

// copy returns a redacted copy of v under action a (the decision inherited
// from the enclosing field or key; vDetect when there is none).
func (w *walker) copy(v reflect.Value, a action) reflect.Value {
	nv := reflect.New(v.Type()).Elem()
	w.into(nv, v, a)
	return nv
}

// into writes a redacted copy of src into dst: a settable, addressable
// zero value of src's type.
func (w *walker) into(dst, src reflect.Value, a action) {
	if a.v == vDrop || w.depth >= maxDepth {
		return
	}
	w.depth++
	w.kind(dst, src, a)
	w.depth--
}

func (w *walker) kind(dst, src reflect.Value, a action) {
	t := src.Type()
	switch src.Kind() {
	case reflect.String:
		s := src.String()
		out, drop := w.st.apply(a, s)
		if drop || t == jsonNumberType && out != s { // a masked number is no JSON number
			return
		}
		dst.SetString(out)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		if !a.typed() { // a number cannot carry a masked form: zero under a decision
			dst.Set(src)
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		if t.Elem().Kind() == reflect.Uint8 {
			if out, drop := w.st.apply(a, string(src.Bytes())); !drop {
				dst.SetBytes([]byte(out))
			}
			return
		}
		k := seenKey{src.Pointer(), t, src.Len()}
		if c, ok := w.visit(k); ok {
			dst.Set(c)
			return
		}
		ns := reflect.MakeSlice(t, src.Len(), src.Len())
		s := w.open(k, ns)
		w.elems(ns, src, a)
		s.open = false
		dst.Set(ns)
	case reflect.Array:
		if !a.typed() && textless(t, 0) {
			dst.Set(src)
			return
		}
		w.elems(dst, src, a)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		if opaqueTypes[t.Elem()] {
			dst.Set(src)
			return
		}
		k := seenKey{src.Pointer(), t, 0}
		if c, ok := w.visit(k); ok {
			dst.Set(c)
			return
		}
		np := reflect.New(t.Elem())
		s := w.open(k, np)
		w.into(np.Elem(), src.Elem(), a)
		s.open = false
		dst.Set(np)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		k := seenKey{src.Pointer(), t, 0}
		if c, ok := w.visit(k); ok {
			dst.Set(c)
			return
		}
		nm := reflect.MakeMapWithSize(t, src.Len())
		s := w.open(k, nm)
		w.mapEntries(nm, src, a)
		s.open = false
		dst.Set(nm)
	case reflect.Interface:
		if !src.IsNil() {
			w.iface(dst, src, a)
		}
	case reflect.Struct:
		w.structInto(dst, src, a)
	default:
		// Func, Chan, UnsafePointer: kept; they hold no text to print.
		dst.Set(src)
	}
}

func (w *walker) elems(dst, src reflect.Value, a action) {
	n := src.Len()
	if src.Type().Elem().Kind() == reflect.String && src.Type().Elem() != jsonNumberType {
		for i := range n {
			if out, drop := w.st.apply(a, src.Index(i).String()); !drop {
				dst.Index(i).SetString(out)
			}
		}
		return
	}
	for i := range n {
		w.into(dst.Index(i), src.Index(i), a)
	}
}

func (w *walker) mapEntries(dst, src reflect.Value, a action) {
	kt := dst.Type().Key()
	strKey := kt.Kind() == reflect.String
	renamed := false
	it := src.MapRange()
	for it.Next() {
		k, val := it.Key(), it.Value()
		ca := a
		var nk reflect.Value
		if strKey {
			ks := k.String()
			if ka, ok := w.st.keyAction(ks); ok {
				ca = ka
			}
			if ca.v == vDrop {
				continue
			}
			masked := w.st.text(ks) // a key may itself be an identifier
			if masked != ks || renamed {
				// Keep entries apart when masked keys collide.
				base := masked
				for n := 2; dst.MapIndex(reflect.ValueOf(masked).Convert(kt)).IsValid(); n++ {
					masked = base + "#" + strconv.Itoa(n)
				}
				renamed = true
			}
			nk = reflect.New(kt).Elem()
			nk.SetString(masked)
		} else {
			if ca.v == vDrop {
				continue
			}
			nk = w.copy(k, action{})
		}
		dst.SetMapIndex(nk, w.copy(val, ca))
	}
}

// iface copies an interface value into dst: its dynamic value, redacted;
// an error becomes one that redacts its message; a number, time or
// Stringer under a typed decision becomes the redacted text of it where
// the interface can hold a string.
func (w *walker) iface(dst, src reflect.Value, a action) {
	t := src.Type()
	e := src.Elem()
	et := e.Type()
	if safeType(et) {
		dst.Set(src)
		return
	}
	if et.Implements(errorType) {
		re := reflect.ValueOf(&redactedError{r: w.st.r, err: e.Interface().(error)})
		if re.Type().AssignableTo(t) {
			dst.Set(re)
			return
		}
	}
	if et == jsonNumberType && stringType.AssignableTo(t) {
		s := e.String()
		out, drop := w.st.apply(a, s)
		switch {
		case drop:
		case out == s:
			dst.Set(src)
		default:
			dst.Set(reflect.ValueOf(out)) // masked: no longer a number
		}
		return
	}
	if a.typed() && stringType.AssignableTo(t) && (isScalar(et.Kind()) || et == timeType || et.Implements(stringerTyp)) {
		if out, drop := w.st.apply(a, scalarText(e, a)); !drop {
			dst.Set(reflect.ValueOf(out))
		}
		return
	}
	ne := reflect.New(et).Elem()
	w.into(ne, e, a)
	dst.Set(ne)
}

func isScalar(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	}
	return false
}

// scalarText is the text a typed decision applies to: a birth date as a
// date, other values as fmt prints them.
func scalarText(e reflect.Value, a action) string {
	if e.Type() == timeType {
		tm := e.Interface().(time.Time)
		if a.t == catalog.TypeDateOfBirth {
			return tm.Format(time.DateOnly)
		}
		return tm.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(e.Interface())
}

func (w *walker) structInto(dst, src reflect.Value, a action) {
	t := src.Type()
	if opaqueTypes[t] || safeType(t) {
		if !a.typed() {
			dst.Set(src)
		}
		return
	}
	p := w.st.plan(t)
	if p.err != nil {
		if w.err == nil {
			w.err = p.err
		}
		return
	}
	if p.unsafeRd && !src.CanAddr() {
		tmp := reflect.New(t).Elem()
		tmp.Set(src)
		src = tmp
	}
	for _, f := range p.fields {
		fa := a
		if f.hasAct {
			fa = f.act
		}
		switch f.mode {
		case fieldWalk:
			w.into(dst.Field(f.index), src.Field(f.index), fa)
		case fieldRaw:
			if !fa.typed() {
				open(dst.Field(f.index)).Set(open(src.Field(f.index)))
			}
		case fieldInner:
			w.into(open(dst.Field(f.index)), open(src.Field(f.index)), fa)
		}
	}
}

// open returns an addressable unexported field as a settable value. It is
// used on the walker's own copy (to write) and on an addressable source
// (to read a field that holds no text, or an embedded struct walked like
// any other).
func open(f reflect.Value) reflect.Value {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
