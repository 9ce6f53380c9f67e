package redact

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
)

// Redacted is a value that prints, logs and marshals redacted. Make one
// with Value or (*Redactor).Value.
type Redacted struct {
	r *Redactor
	v any
}

// Value wraps v so that every fmt verb (%v, %+v, %#v, %s, %q, %x …),
// fmt.Errorf("…: %v", redact.Value(x)), slog and encoding/json print a
// redacted copy of it (Struct, with the Default Redactor), and the printed
// text is scanned once more for identifiers (those a String or Format
// method of v's types put together).
func Value(v any) Redacted { return Default().Value(v) }

// Value is the package-level Value with r's policy.
func (r *Redactor) Value(v any) Redacted { return Redacted{r: r, v: v} }

// copyCut is the redacted copy for printing: cycles cut so fmt and
// encoding/json terminate.
func (x Redacted) copyCut() (any, error) {
	r := x.r
	if r == nil {
		r = Default()
	}
	w := walker{st: r.state(), cut: true}
	out := w.copy(reflect.ValueOf(&x.v).Elem(), action{})
	if w.err != nil {
		return nil, w.err
	}
	return out.Interface(), nil
}

func (x Redacted) redactor() *Redactor {
	if x.r == nil {
		return Default()
	}
	return x.r
}

// Format implements fmt.Formatter.
func (x Redacted) Format(f fmt.State, verb rune) {
	c, err := x.copyCut()
	if err != nil {
		// The error names a type and a tag, never a value.
		fmt.Fprintf(f, "%%!%c(redact: %v)", verb, err)
		return
	}
	s := fmt.Sprintf(fmt.FormatString(f, verb), c)
	io.WriteString(f, x.redactor().Text(s))
}

// String implements fmt.Stringer: the %v form.
func (x Redacted) String() string { return fmt.Sprint(x) }

// LogValue implements slog.LogValuer: the redacted copy, so a record is
// redacted whatever handler it reaches.
func (x Redacted) LogValue() slog.Value {
	c, err := x.copyCut()
	if err != nil {
		return slog.StringValue("!REDACT-ERROR: " + err.Error())
	}
	return slog.AnyValue(c)
}

// MarshalJSON implements json.Marshaler: the redacted copy, marshalled.
func (x Redacted) MarshalJSON() ([]byte, error) {
	c, err := x.copyCut()
	if err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Error returns err with its message redacted by the Default Redactor (see
// Text): Error() and every fmt verb (%+v of an error that prints a stack
// included) print what err prints with the identifiers found in it
// masked. errors.Is and errors.As still see err and its chain through
// Unwrap — so code that unwraps it and prints the inner error prints it
// unredacted. Error(nil) is nil.
func Error(err error) error { return Default().Error(err) }

// Error is the package-level Error with r's policy.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	if re, ok := err.(*redactedError); ok && re.r == r {
		return err
	}
	return &redactedError{r: r, err: err}
}

type redactedError struct {
	r   *Redactor
	err error
}

func (e *redactedError) Error() string { return e.r.Text(e.err.Error()) }

func (e *redactedError) Unwrap() error { return e.err }

// MarshalJSON marshals the redacted message as a JSON string.
func (e *redactedError) MarshalJSON() ([]byte, error) { return json.Marshal(e.Error()) }

// Format prints what err prints for the verb, redacted.
func (e *redactedError) Format(f fmt.State, verb rune) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), e.err)
	io.WriteString(f, e.r.Text(s))
}
