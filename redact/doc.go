// Package redact applies govshare's policy to what a Go program prints and
// logs: one decision per field, the same as a share would take, for data
// (a redacted deep copy), log records (an slog.Handler) and formatted
// output (fmt verbs and errors).
//
// # Start here
//
// Make a Redactor once with New and share it. Without options it decides
// for purpose work_reference (so personal identifiers are display-masked,
// birth dates, addresses and coordinates generalized, free-text personal
// fields redacted), no catalog, recipient DefaultRecipient:
//
//	r, err := redact.New()
//	logger := slog.New(redact.NewHandler(slog.NewJSONHandler(os.Stdout, nil), r))
//	copy, err := redact.Copy(r, applicant)          // a redacted deep copy
//	err = fmt.Errorf("saving %v: %w", redact.Value(applicant), redact.Error(cause))
//
// Options: WithCatalog (a reviewed catalog is the authority for the fields,
// keys and attributes it names), WithPurpose, WithRecipient (with the
// grants the caller holds), WithTime, WithMasker, WithoutKeyHints.
//
// # How a value is decided
//
// Each string is redacted by the first of these that applies:
//
//  1. the catalog field whose name is the struct field's JSON or Go name,
//     the map key or the slog key (exact, then case-insensitive): the
//     catalog is the authority;
//  2. a govshare struct tag (see TagKey): `govshare:"cn_mobile"`,
//     `govshare:"-"` (always left out), `govshare:"address,redact"`,
//     `govshare:"field=身份证号"`;
//  3. the type or category the name suggests, by classify's header
//     keywords: "mobile", "手机号", "身份证号", "email", "住址", "name",
//     "income" (sensitive: withheld), "密级" (national security: withheld)
//     … A hint only adds protection: where it would keep the value, the
//     value is scanned instead;
//  4. the decision of the enclosing field, key or group (a tagged struct,
//     slice or map passes its decision down to what it holds that has none
//     of its own);
//  5. otherwise the string is free text: every identifier classify.Detect
//     finds in it (resident IDs, mobiles, cards, e-mail addresses … in
//     their written forms: full-width, grouped, +86, spreadsheet-quoted) is
//     replaced as the policy decides for a value of its type.
//
// Declared fields (1–3) are decided by policy.Decide exactly as a share
// decides a catalog field, with the Redactor's purpose, recipient, grants
// and time. A tag or hint is catalogued with its type's category, level and
// sensitivity (classify.TypeDefaults) and tier unconditional, unless the
// tag says otherwise. The transform is then applied with the display
// profiles of package mask: mask (mask.Display), generalize (as shares
// do), redact ("***"); withhold and dp leave the value out (a zero field,
// a map entry or attribute not written). token, pseudonym and fpe need the
// provider's keys and a recipient's value; a Redactor applies redact, which
// is stricter. A value its type's profile cannot mask is redacted.
//
// # What is guaranteed
//
//   - The input is never modified: Struct and Copy return a deep copy
//     (structs, pointers, slices, arrays, maps including map[string]any,
//     interfaces); cycles and shared pointers are copied as such. Value and
//     the handler copy the same way but cut cycles (a back reference is nil)
//     so fmt and encoding/json terminate.
//   - Unexported fields cannot be redacted in place: those whose type can
//     hold no text (numbers, booleans, arrays and structs of them,
//     time.Time) are copied; all others (strings, pointers, slices, maps,
//     interfaces, funcs) are zero in the copy. An embedded unexported
//     struct is copied and redacted like an exported field. time.Time,
//     *time.Location and math/big numbers are kept as they are.
//   - A number, bool or time under a typed decision is zero in a struct
//     field; in an interface (map[string]any) and in slog it becomes the
//     redacted text of it (13812345678 under "phone" → "138****5678").
//   - Map keys are scanned like free text; keys that collide after masking
//     are kept apart with a "#2" suffix.
//   - Errors, in a struct, a map or an slog attribute, become Error(err):
//     their message is redacted, and errors.Is and errors.As still work.
//   - What Value prints goes through the copy and then once more through
//     Text, so what a String or Format method puts together is scanned too.
//   - A struct type with an invalid tag (ErrTag) fails Struct and Copy, and
//     prints and logs as an error naming the field, never a value.
//   - No error or message of this package holds a value it redacts.
//
// # What is not
//
//   - Free text is only as safe as classify.Detect: person names and birth
//     dates are found only after a context word (姓名, 联系人, 出生日期 …),
//     addresses only from a province-level name or after 住址; names
//     written with a middle dot (艾尔肯·吐尔逊) are not found in free text.
//     Tag or name the fields that hold them.
//   - Numbers are not scanned: an untagged int holding a mobile is kept.
//   - Text formatted before it reaches the Redactor (fmt.Sprintf("%v", x)
//     passed to slog as a string, a message built with fmt) is scanned as
//     free text; its structure and tags are gone.
//   - Error unwraps to the original: code that unwraps it and prints the
//     inner error prints it unredacted.
//   - Values nested deeper than 256 levels are zero in the copy.
//   - Attributes given to Handler.WithAttrs are redacted once, when they
//     are added; decisions that change later (a grant expiring) apply to
//     records logged after.
//   - Without WithTime a Redactor checks grants against the clock and
//     decides again when one it holds expires; with WithTime, never.
package redact
