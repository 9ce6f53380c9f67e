package risk

import (
	"fmt"

	"github.com/govshare/govshare/catalog"
)

// fpeKept is, per type, the plaintext prefix that its FPE mode leaves in
// the clear (crypto/fpe): a resident ID's 6-digit region code (the
// pipeline's first mode; where the domain is too small it encrypts the
// whole ID, and the region then measured is pseudo-random, so the estimate
// errs high), a mobile's 3-digit network prefix, a bank card's 6-digit
// issuer number, a credit code's first 8 characters (authority, type,
// region).
var fpeKept = map[catalog.Type]struct {
	n    int
	part string
}{
	catalog.TypeResidentID: {6, "region"},
	catalog.TypeMobile:     {3, "network prefix"},
	catalog.TypeBankCard:   {6, "issuer"},
	catalog.TypeUSCC:       {8, "authority, type and region"},
}

// Marked returns the catalog's quasi-identifiers (quasi_identifier: true)
// that header holds, as whole-value columns, in header order. A marked
// field header lacks (withheld, or not in this extract) is left out.
func Marked(cat *catalog.Catalog, header []string) []QI {
	var qis []QI
	for i, h := range header {
		if f, ok := cat.Field(h); ok && f.QuasiIdentifier {
			qis = append(qis, QI{Name: h, Column: i})
		}
	}
	return qis
}

// Released returns the quasi-identifiers and sensitive columns of records
// released under transforms (field name → the transform it leaves under,
// as policy decided), whose columns are header. It is what the share path
// measures after the transforms, before sealing. For each column of header
// that the catalog lists:
//
//   - withhold, redact, dp, token, pseudonym: nothing readable is left (a
//     token or pseudonym keeps equality, but cannot be linked to outside
//     data without the key), so the column is no quasi-identifier;
//   - keep, generalize, mask: the released value is what is left readable
//     (a generalized date is its year, an address its district, a resident
//     ID its prefecture; a masked value its kept characters), so the whole
//     released value counts, for a field marked quasi_identifier and for
//     any field of an identifier type (its visible part identifies);
//   - fpe: the plaintext part the FPE mode keeps counts: a resident ID's
//     first 6 digits (region), a mobile's first 3, a bank card's first 6,
//     a credit code's first 8.
//
// extra names further columns of header to count whole (from the command
// line); one the rules already count is not counted twice. Sensitive
// columns are the fields marked sensitive, of type none and released
// readable (keep or generalize) that are no quasi-identifier. A field of
// header the catalog does not list, or with no transform in transforms, is
// an error: nothing uncatalogued leaves. Errors name columns, never values.
func Released(cat *catalog.Catalog, header []string, transforms map[string]catalog.Transform, extra []string) ([]QI, []Sensitive, error) {
	if cat == nil {
		return nil, nil, fmt.Errorf("govshare/risk: no catalog")
	}
	var qis []QI
	var sens []Sensitive
	seen := map[string]bool{}
	for i, h := range header {
		f, ok := cat.Field(h)
		if !ok {
			return nil, nil, fmt.Errorf("govshare/risk: column %q is not in the catalog", h)
		}
		t, ok := transforms[h]
		if !ok {
			return nil, nil, fmt.Errorf("govshare/risk: column %q has no transform", h)
		}
		identifier := f.Type != catalog.TypeNone && f.Type != ""
		switch t {
		case catalog.TransformKeep, catalog.TransformGeneralize, catalog.TransformMask:
			if f.QuasiIdentifier || identifier {
				qis = append(qis, QI{Name: h, Column: i})
				seen[h] = true
			} else if f.Sensitive && t != catalog.TransformMask {
				sens = append(sens, Sensitive{Name: h, Column: i})
			}
		case catalog.TransformFPE:
			if k, ok := fpeKept[f.Type]; ok {
				qis = append(qis, QI{Name: h, Column: i, Prefix: k.n, Part: k.part})
				seen[h] = true
			}
		case catalog.TransformWithhold, catalog.TransformRedact, catalog.TransformDP,
			catalog.TransformToken, catalog.TransformPseudonym:
		default:
			return nil, nil, fmt.Errorf("govshare/risk: column %q: unknown transform %q", h, t)
		}
	}
	more, err := Lookup(header, extra)
	if err != nil {
		return nil, nil, err
	}
	for _, q := range more {
		if !seen[q.Name] {
			qis = append(qis, q)
			seen[q.Name] = true
		}
	}
	// a column counted as a quasi-identifier is not also a sensitive one
	out := sens[:0]
	for _, s := range sens {
		if !seen[s.Name] {
			out = append(out, s)
		}
	}
	return qis, out, nil
}
