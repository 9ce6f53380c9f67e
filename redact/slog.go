package redact

import (
	"context"
	"log/slog"
	"reflect"
	"strconv"
	"time"

	"github.com/govshare/govshare/catalog"
)

// Handler is an slog.Handler that redacts every record before the handler
// it wraps sees it. Make one with NewHandler.
type Handler struct {
	next   slog.Handler
	r      *Redactor
	groups []string // WithGroup names, outermost first
}

// NewHandler wraps next so that every record is redacted by r (Default when
// r is nil) before next sees it:
//
//   - the message, as free text (Text);
//   - each attribute by its key (the catalog field of that name, else the
//     type its name suggests: "mobile", "身份证号" …; a withheld key is left
//     out), and, when the key says nothing, by the identifiers found in
//     its string value; numbers, times and durations under a typed key
//     become the redacted text of them;
//   - groups attribute by attribute, a group's key deciding for the attributes
//     in it that have no decision of their own (also for WithGroup);
//   - slog.Any values by Struct (struct tags, nested maps and slices,
//     errors by Error), after LogValuer values are resolved;
//   - keys themselves, as free text.
//
// Attributes given to WithAttrs are redacted there, once, so none reach
// next unredacted.
func NewHandler(next slog.Handler, r *Redactor) *Handler {
	if r == nil {
		r = Default()
	}
	return &Handler{next: next, r: r}
}

// Enabled reports whether the wrapped handler handles records at level l.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle redacts rec and passes the copy to the wrapped handler.
func (h *Handler) Handle(ctx context.Context, rec slog.Record) error {
	st := h.r.state()
	out := slog.NewRecord(rec.Time, rec.Level, st.text(rec.Message), rec.PC)
	w := walker{st: st, cut: true}
	in := h.groupAction(st)
	rec.Attrs(func(a slog.Attr) bool {
		if ra, ok := w.attr(a, in); ok {
			out.AddAttrs(ra)
		}
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs redacts attrs and returns a handler whose wrapped handler
// holds the redacted attributes.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	st := h.r.state()
	w := walker{st: st, cut: true}
	in := h.groupAction(st)
	out := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if ra, ok := w.attr(a, in); ok {
			out = append(out, ra)
		}
	}
	return &Handler{next: h.next.WithAttrs(out), r: h.r, groups: h.groups}
}

// WithGroup returns a handler that opens group name (redacted as free
// text) in the wrapped handler; the group's key decides for the attributes
// in it that have no decision of their own.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	st := h.r.state()
	g := make([]string, len(h.groups), len(h.groups)+1)
	copy(g, h.groups)
	return &Handler{next: h.next.WithGroup(st.text(name)), r: h.r, groups: append(g, name)}
}

// groupAction is the decision the open groups pass down.
func (h *Handler) groupAction(st *state) action {
	var a action
	for _, g := range h.groups {
		if ga, ok := st.keyAction(g); ok {
			a = ga
		}
		if a.v == vDrop {
			break
		}
	}
	return a
}

// attr redacts one attribute under the decision in inherited from its
// groups. ok is false for an attribute to leave out.
func (w *walker) attr(a slog.Attr, in action) (slog.Attr, bool) {
	st := w.st
	act := in
	if ka, ok := st.keyAction(a.Key); ok {
		act = ka
	}
	if act.v == vDrop {
		return slog.Attr{}, false
	}
	key := st.text(a.Key)
	if x, ok := a.Value.Any().(Redacted); ok && a.Value.Kind() == slog.KindLogValuer {
		// Redacted already, by its own Redactor: not masked twice.
		return slog.Attr{Key: key, Value: x.LogValue()}, true
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		out, drop := st.apply(act, s)
		if drop {
			return slog.Attr{}, false
		}
		return slog.String(key, out), true
	case slog.KindGroup:
		as := v.Group()
		out := make([]slog.Attr, 0, len(as))
		for _, ga := range as {
			if ra, ok := w.attr(ga, act); ok {
				out = append(out, ra)
			}
		}
		return slog.Attr{Key: key, Value: slog.GroupValue(out...)}, true
	case slog.KindAny, slog.KindLogValuer:
		x := v.Any()
		if x == nil {
			return slog.Attr{Key: key, Value: v}, true
		}
		c := w.copy(reflect.ValueOf(&x).Elem(), act)
		if w.err != nil {
			err := w.err
			w.err = nil
			return slog.String(key, "!REDACT-ERROR: "+err.Error()), true
		}
		if !c.IsValid() || c.IsNil() {
			return slog.Attr{Key: key, Value: slog.AnyValue(nil)}, true
		}
		return slog.Any(key, c.Interface()), true
	}
	// Int64, Uint64, Float64, Bool, Duration, Time.
	if !act.typed() {
		return slog.Attr{Key: key, Value: v}, true
	}
	out, drop := st.apply(act, scalarValueText(v, act))
	if drop {
		return slog.Attr{}, false
	}
	return slog.String(key, out), true
}

func scalarValueText(v slog.Value, a action) string {
	switch v.Kind() {
	case slog.KindInt64:
		return strconv.FormatInt(v.Int64(), 10)
	case slog.KindUint64:
		return strconv.FormatUint(v.Uint64(), 10)
	case slog.KindTime:
		if a.t == catalog.TypeDateOfBirth {
			return v.Time().Format(time.DateOnly)
		}
		return v.Time().Format(time.RFC3339Nano)
	}
	return v.String()
}
