package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/internal/fsread"
	"go.yaml.in/yaml/v3"
)

// Grant is an approved conditional-sharing grant: Resource may go to
// Recipient for Purpose, the named Fields only, through the end of
// NotAfter.
//
// Fields lists catalog field names. An empty list names no field: a grant
// must say what it covers, and "all" is never implied.
//
// NotAfter is a date, inclusive: the grant is valid through the end of that
// day in China Standard Time (Asia/Shanghai, UTC+8), whatever zone the
// caller's clock is in. Only its calendar date counts (read in NotAfter's
// own location); ParseGrants sets it to midnight UTC+8 of the date.
type Grant struct {
	ID        string          `json:"id"`
	Resource  string          `json:"resource"`
	Recipient string          `json:"recipient"`
	Purpose   catalog.Purpose `json:"purpose"`
	Fields    []string        `json:"fields"`
	NotAfter  time.Time       `json:"not_after"`
	Basis     string          `json:"basis,omitempty"`
}

// ErrInvalidGrant marks a grant that breaks the schema: a missing or
// unknown value, an unknown key, a duplicate id.
var ErrInvalidGrant = errors.New("govshare/policy: invalid grant")

// End is the first instant the grant is no longer valid: midnight China
// Standard Time after its NotAfter date, whatever zone NotAfter is in.
func (g *Grant) End() time.Time {
	y, m, d := g.NotAfter.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, catalog.ChinaTime)
}

// ValidAt reports whether now is on or before g's NotAfter date in China
// Standard Time. A grant without a NotAfter is never valid.
func (g *Grant) ValidAt(now time.Time) bool {
	return !g.NotAfter.IsZero() && now.Before(g.End())
}

// Names reports whether g names the catalog field.
func (g *Grant) Names(field string) bool {
	for _, f := range g.Fields {
		if f == field {
			return true
		}
	}
	return false
}

// Validate checks what ParseGrants checks of one grant: id, resource,
// recipient, a known purpose and NotAfter present, field names non-empty
// and listed once.
func (g *Grant) Validate() error {
	var probs []string
	for _, p := range []struct{ v, key string }{{g.ID, "id"}, {g.Resource, "resource"}, {g.Recipient, "recipient"}} {
		if p.v == "" {
			probs = append(probs, "missing "+p.key)
		}
	}
	if !g.Purpose.Valid() {
		probs = append(probs, fmt.Sprintf("unknown purpose %q (%s)", clip(string(g.Purpose)), purposeList()))
	}
	if g.NotAfter.IsZero() {
		probs = append(probs, "missing not_after")
	}
	seen := map[string]bool{}
	for i, f := range g.Fields {
		if f == "" {
			probs = append(probs, fmt.Sprintf("field %d is empty", i+1))
		} else if seen[f] {
			probs = append(probs, fmt.Sprintf("field %q listed twice", clip(f)))
		}
		seen[f] = true
	}
	if len(probs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidGrant, clip(g.ID), strings.Join(probs, "; "))
}

// GrantError is a problem at a place in a grants file.
type GrantError struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *GrantError) Error() string {
	var b strings.Builder
	b.WriteString("govshare/policy: grants ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			b.WriteString(":" + strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes every GrantError an ErrInvalidGrant for errors.Is.
func (e *GrantError) Unwrap() error { return ErrInvalidGrant }

// maxGrantsSize caps a grants file: ten thousand grants are under 4 MiB.
const maxGrantsSize = 4 << 20

// LoadGrants reads and validates a grants YAML file (see ParseGrants). It
// refuses, before reading it, a path that is not a regular file (a FIFO, a
// device such as /dev/zero, a directory), and a file over 4 MiB.
func LoadGrants(path string) ([]Grant, error) {
	data, err := fsread.ReadFile(path, maxGrantsSize)
	if err != nil {
		return nil, fmt.Errorf("govshare/policy: grants: %w", err)
	}
	return ParseGrants(data, path)
}

// ParseGrants decodes and validates grants YAML (docs/catalog.md and docs/grants.md):
//
//	grants:
//	  - id: g-2026-0042
//	    resource: population-register
//	    recipient: tax-bureau
//	    purpose: administrative_basis
//	    fields: [姓名, 身份证号]
//	    not_after: 2027-06-30
//	    basis: "…"
//
// It is strict: unknown keys, a key given twice, an unknown purpose, a
// not_after that is not a YYYY-MM-DD calendar date, a missing id, resource,
// recipient, purpose or not_after, and a grant id used twice are errors.
// Every problem is reported, each with file:line; all wrap ErrInvalidGrant.
// `grants: []` is an empty list; an empty file is an error.
func ParseGrants(data []byte, file string) ([]Grant, error) {
	p := &grantParser{file: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errAt(0, "the file is empty; expected a top-level grants: list")
		}
		return nil, p.yamlError(err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, p.yamlError(err)
		}
		return nil, p.errAt(more.Line, "more than one YAML document; a grants file holds one")
	}
	gs := p.document(&doc)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return gs, nil
}

type grantParser struct {
	file string
	errs []error
}

func (p *grantParser) errAt(line int, format string, args ...any) error {
	return &GrantError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

func (p *grantParser) add(line int, format string, args ...any) {
	p.errs = append(p.errs, p.errAt(line, format, args...))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError moves the line of a YAML syntax error into file:line form.
func (p *grantParser) yamlError(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return p.errAt(line, "%s", msg[len(m[0]):])
	}
	return p.errAt(0, "%s", strings.TrimPrefix(msg, "yaml: "))
}

func (p *grantParser) document(doc *yaml.Node) []Grant {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		p.add(doc.Line, "expected a top-level grants: list")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "expected a mapping with a top-level grants: list, found %s", kindName(root))
		return nil
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || k.Value != "grants":
			p.add(k.Line, "unknown key %q at the top level (only grants)", clip(k.Value))
		case list != nil:
			p.add(k.Line, "grants given twice")
		default:
			list = v
		}
	}
	if list == nil {
		if len(p.errs) == 0 {
			p.add(root.Line, "no grants: list")
		}
		return nil
	}
	if list.Kind == yaml.ScalarNode && list.ShortTag() == "!!null" {
		return []Grant{} // "grants:" with nothing under it
	}
	if list.Kind != yaml.SequenceNode {
		p.add(list.Line, "grants must be a list, found %s", kindName(list))
		return nil
	}
	gs := make([]Grant, 0, len(list.Content))
	firstLine := map[string]int{}
	for i, item := range list.Content {
		g, ok := p.grant(i+1, item)
		if !ok {
			continue
		}
		if at, dup := firstLine[g.ID]; dup {
			p.add(item.Line, "grant id %q used twice (first at line %d)", clip(g.ID), at)
			continue
		}
		firstLine[g.ID] = item.Line
		gs = append(gs, g)
	}
	return gs
}

// grantKeys are the keys a grant may have.
var grantKeys = map[string]bool{
	"id": true, "resource": true, "recipient": true, "purpose": true,
	"fields": true, "not_after": true, "basis": true,
}

var dateRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

func (p *grantParser) grant(n int, item *yaml.Node) (Grant, bool) {
	var g Grant
	before := len(p.errs)
	if item.Kind != yaml.MappingNode {
		p.add(item.Line, "grant %d: expected a mapping, found %s", n, kindName(item))
		return g, false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], item.Content[i+1]
		key := k.Value
		if k.Kind != yaml.ScalarNode || !grantKeys[key] {
			p.add(k.Line, "grant %d: unknown key %q (known: id, resource, recipient, purpose, fields, not_after, basis)", n, clip(key))
			continue
		}
		if at, dup := seen[key]; dup {
			p.add(k.Line, "grant %d: %s given twice (first at line %d)", n, key, at)
			continue
		}
		seen[key] = k.Line
		if key == "fields" {
			g.Fields = p.fields(n, v)
			continue
		}
		s, ok := p.text(n, key, v)
		if !ok {
			continue
		}
		switch key {
		case "id":
			g.ID = s
		case "resource":
			g.Resource = s
		case "recipient":
			g.Recipient = s
		case "basis":
			g.Basis = s
		case "purpose":
			g.Purpose = catalog.Purpose(s)
			if !g.Purpose.Valid() {
				p.add(v.Line, "grant %d: unknown purpose %q (%s)", n, clip(s), purposeList())
			}
		case "not_after":
			t, err := time.ParseInLocation(time.DateOnly, s, catalog.ChinaTime)
			if !dateRe.MatchString(s) || err != nil {
				p.add(v.Line, "grant %d: not_after %q is not a calendar date YYYY-MM-DD", n, clip(s))
				continue
			}
			g.NotAfter = t
		}
	}
	for _, key := range []string{"id", "resource", "recipient", "purpose", "not_after"} {
		if _, ok := seen[key]; !ok {
			p.add(item.Line, "grant %d: missing %s", n, key)
		}
	}
	return g, len(p.errs) == before
}

// text reads a scalar value: plain text, never null, a list, an alias or
// a tagged value.
func (p *grantParser) text(n int, key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		p.add(v.Line, "grant %d: %s must be text, found %s", n, key, kindName(v))
		return "", false
	}
	switch v.ShortTag() {
	case "!!str", "!!int", "!!float", "!!timestamp":
	default:
		p.add(v.Line, "grant %d: %s must be text, found %s", n, key, v.ShortTag())
		return "", false
	}
	if v.Value == "" {
		p.add(v.Line, "grant %d: %s is empty", n, key)
		return "", false
	}
	return v.Value, true
}

func (p *grantParser) fields(n int, v *yaml.Node) []string {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line, "grant %d: fields must be a list of field names, found %s", n, kindName(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	seen := map[string]bool{}
	for _, f := range v.Content {
		s, ok := p.text(n, "each of fields", f)
		if !ok {
			continue
		}
		if seen[s] {
			p.add(f.Line, "grant %d: field %q listed twice", n, clip(s))
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (aliases are not allowed)"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return "text"
	}
	return "nothing"
}

func purposeList() string {
	s := make([]string, len(catalog.Purposes))
	for i, p := range catalog.Purposes {
		s[i] = string(p)
	}
	return "one of " + strings.Join(s, ", ")
}

// clip bounds user-supplied text quoted in errors.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut-- // do not split a UTF-8 sequence
	}
	return s[:cut] + "…"
}
