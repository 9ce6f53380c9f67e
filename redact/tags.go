package redact

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
)

// TagKey is the struct tag the Redactor reads.
//
//	`govshare:"-"`                      always left out (zero in the copy)
//	`govshare:"cn_mobile"`              a catalog.Type id
//	`govshare:"none"`                   no identifier: public, so kept as it is
//	`govshare:",personal"`              no identifier, personal: redacted
//	`govshare:"cn_mobile,conditional"`  with category, level, tier or "sensitive"
//	`govshare:"address,redact"`         a transform for the Redactor's purpose (an override)
//	`govshare:"field=身份证号"`           the catalog field of that name (WithCatalog)
//
// A typed field is catalogued with its type's category, level and
// sensitivity (classify.TypeDefaults) and tier unconditional, unless the
// tag says otherwise, and decided by policy.Decide like a catalog field. An
// override weaker than the rules (cn_resident_id,keep under
// work_reference) is an error wrapping policy.ErrOverride; to show a value
// as it is, declare it public: `govshare:"none,public"` or
// `govshare:"cn_uscc,public"`. Where the Redactor's catalog names the field
// (by JSON or Go name), the catalog decides and the tag is only checked.
const TagKey = "govshare"

// fieldMode is how a struct field is copied.
type fieldMode uint8

const (
	fieldWalk  fieldMode = iota // exported: redacted copy
	fieldRaw                    // unexported, cannot hold text: copied as it is
	fieldInner                  // embedded unexported struct: redacted copy (through unsafe)
	fieldZero                   // unexported that can hold text, or dropped: zero
)

type fieldPlan struct {
	index  int
	mode   fieldMode
	act    action
	hasAct bool
}

type structPlan struct {
	fields   []fieldPlan
	unsafeRd bool // some field is read through unsafe
	err      error
}

// opaque types are copied as they are: values whose unexported state is
// not text and whose identity matters (time zones).
var opaqueTypes = map[reflect.Type]bool{
	reflect.TypeFor[time.Time]():     true,
	reflect.TypeFor[time.Location](): true,
	reflect.TypeFor[big.Int]():       true,
	reflect.TypeFor[big.Float]():     true,
	reflect.TypeFor[big.Rat]():       true,
}

// plan compiles a struct type's tags, once per Redactor state.
func (st *state) plan(t reflect.Type) *structPlan {
	if p, ok := st.plans.Load(t); ok {
		return p.(*structPlan)
	}
	p := st.compile(t)
	st.plans.Store(t, p)
	return p
}

func (st *state) compile(t reflect.Type) *structPlan {
	p := &structPlan{fields: make([]fieldPlan, 0, t.NumField())}
	for i := range t.NumField() {
		sf := t.Field(i)
		fp := fieldPlan{index: i}
		tag, tagged := sf.Tag.Lookup(TagKey)
		switch {
		case tag == "-":
			fp.mode = fieldZero
		case !sf.IsExported() && sf.Anonymous && (sf.Type.Kind() == reflect.Struct || sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct):
			fp.mode = fieldInner
			p.unsafeRd = true
		case !sf.IsExported():
			if textless(sf.Type, 0) {
				fp.mode = fieldRaw
				p.unsafeRd = true
			} else {
				fp.mode = fieldZero
			}
		}
		if fp.mode == fieldZero {
			p.fields = append(p.fields, fp)
			continue
		}
		// The catalog, where it names the field, is the authority; then
		// the tag (still parsed, so a bad one is an error); then the
		// field's name as a header keyword.
		if tagged && tag != "" {
			a, err := st.tagAction(tag)
			if err != nil {
				p.err = fmt.Errorf("%w: %s.%s: %w", ErrTag, t, sf.Name, err)
				return p
			}
			fp.act, fp.hasAct = a, true
		}
		if !sf.Anonymous {
			if a, ok := st.catalogField(fieldNames(sf)); ok {
				fp.act, fp.hasAct = a, true
			} else if !fp.hasAct {
				for _, name := range fieldNames(sf) {
					if a, ok := st.hint(name); ok {
						fp.act, fp.hasAct = a, true
						break
					}
				}
			}
		}
		if fp.hasAct && fp.act.v == vDrop {
			fp.mode = fieldZero
		}
		p.fields = append(p.fields, fp)
	}
	return p
}

// catalogField is the catalog field of the first of names it lists.
func (st *state) catalogField(names []string) (action, bool) {
	if st.fields == nil {
		return action{}, false
	}
	for _, n := range names {
		if a, ok := st.fields[n]; ok {
			return a, true
		}
	}
	for _, n := range names {
		if a, ok := st.folded[strings.ToLower(n)]; ok {
			return a, true
		}
	}
	return action{}, false
}

// fieldNames are the names a field is looked up by: its JSON name, then
// its Go name.
func fieldNames(sf reflect.StructField) []string {
	if j, ok := sf.Tag.Lookup("json"); ok {
		if name, _, _ := strings.Cut(j, ","); name != "" && name != "-" && name != sf.Name {
			return []string{name, sf.Name}
		}
	}
	return []string{sf.Name}
}

// tagAction parses and decides one govshare tag.
func (st *state) tagAction(tag string) (action, error) {
	parts := strings.Split(tag, ",")
	var sp spec
	first := strings.TrimSpace(parts[0])
	if name, ok := strings.CutPrefix(first, "field="); ok {
		if len(parts) > 1 {
			return action{}, fmt.Errorf("field=%s takes no options", name)
		}
		if st.fields == nil {
			return action{}, fmt.Errorf("field=%s: the Redactor has no catalog (WithCatalog)", name)
		}
		a, ok := st.fields[name]
		if !ok {
			return action{}, fmt.Errorf("field=%s: not in the catalog", name)
		}
		return a, nil
	}
	t := catalog.Type(first)
	if first == "" {
		t = catalog.TypeNone
	}
	if !t.Known() {
		return action{}, fmt.Errorf("unknown type %q (a catalog.Type id, or none)", first)
	}
	sp = defaultSpec(t)
	for _, o := range parts[1:] {
		o = strings.TrimSpace(o)
		switch {
		case o == "sensitive":
			sp.sensitive = true
		case catalog.Category(o).Valid():
			sp.cat = catalog.Category(o)
		case catalog.Level(o).Valid():
			sp.level = catalog.Level(o)
		case catalog.Tier(o).Valid():
			sp.tier = catalog.Tier(o)
		case catalog.Transform(o).Valid():
			sp.override = catalog.Transform(o)
		default:
			return action{}, fmt.Errorf("unknown option %q (a category, level, tier, transform or sensitive)", o)
		}
	}
	return st.decide(sp)
}

// textless reports whether values of t cannot hold text or a reference to
// it: booleans, numbers, and arrays and structs of them.
func textless(t reflect.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return textless(t.Elem(), depth+1)
	case reflect.Struct:
		if opaqueTypes[t] {
			return true
		}
		for i := range t.NumField() {
			if !textless(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
