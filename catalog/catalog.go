package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare/internal/fsread"
	"go.yaml.in/yaml/v3"
)

// Catalog is a reviewed catalog entry (政务信息资源目录) for one resource:
// the authority on what each field is and how it may be shared
// (docs/catalog.md and docs/grants.md). A field the catalog does not list is never passed through.
type Catalog struct {
	Resource   string `yaml:"resource" json:"resource"`
	Provider   string `yaml:"provider" json:"provider"`
	Tier       Tier   `yaml:"tier" json:"tier"`
	LegalBasis string `yaml:"legal_basis,omitempty" json:"legal_basis,omitempty"`
	// MaxProsecutorRisk, when set, is the highest prosecutor
	// re-identification risk (1/k_min over the quasi-identifiers, package
	// risk) a share of this resource may have: 0 < r ≤ 1.
	MaxProsecutorRisk *float64 `yaml:"max_prosecutor_risk,omitempty" json:"max_prosecutor_risk,omitempty"`
	// MinK, when set, is the smallest equivalence class over the
	// quasi-identifiers a share of this resource may have: k ≥ 1.
	MinK   *Count  `yaml:"min_k,omitempty" json:"min_k,omitempty"`
	Fields []Field `yaml:"fields" json:"fields"`
}

// Field is one catalogued field.
type Field struct {
	Name      string   `yaml:"name" json:"name"`
	Type      Type     `yaml:"type" json:"type"`
	Category  Category `yaml:"category" json:"category"`
	Level     Level    `yaml:"level" json:"level"`
	Sensitive bool     `yaml:"sensitive" json:"sensitive"`
	// Tier overrides the resource's tier for this field.
	Tier Tier `yaml:"tier,omitempty" json:"tier,omitempty"`
	// LegalBasis states why a not_shared field is not shared.
	LegalBasis string `yaml:"legal_basis,omitempty" json:"legal_basis,omitempty"`
	// Transform overrides the default policy per purpose.
	Transform map[Purpose]Transform `yaml:"transform,omitempty" json:"transform,omitempty"`
	// Review is a note DraftCatalog leaves on a field a person must look
	// at (its header names an identifier type its values do not confirm).
	// A catalog with a review note does not validate: the reviewer
	// resolves it by checking the field and deleting the note.
	Review string `yaml:"review,omitempty" json:"review,omitempty"`
	// QuasiIdentifier marks a field that, combined with others, can single
	// a person out (age, sex, district, occupation …); package risk
	// measures re-identification risk over these fields.
	QuasiIdentifier bool `yaml:"quasi_identifier,omitempty" json:"quasi_identifier,omitempty"`
}

// Count is a whole number in a catalog. YAML would truncate 2.5 to 2
// when decoding it into an int; a Count refuses it instead.
type Count int

// UnmarshalYAML accepts an integer scalar only.
func (c *Count) UnmarshalYAML(n *yaml.Node) error {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		return fmt.Errorf("line %d: not a whole number", n.Line)
	}
	*c = Count(i)
	return nil
}

// EffectiveTier returns the field's tier, or the resource's when unset.
func (c *Catalog) EffectiveTier(f *Field) Tier {
	if f.Tier != "" {
		return f.Tier
	}
	return c.Tier
}

// Field returns the catalogued field with this exact name.
func (c *Catalog) Field(name string) (*Field, bool) {
	for i := range c.Fields {
		if c.Fields[i].Name == name {
			return &c.Fields[i], true
		}
	}
	return nil, false
}

// Level returns the resource's level: the maximum of its fields' levels.
func (c *Catalog) Level() Level {
	l := LevelGeneral
	for i := range c.Fields {
		l = MaxLevel(l, c.Fields[i].Level)
	}
	return l
}

// ValidationError is a validation problem at a place in a catalog file.
type ValidationError struct {
	File  string
	Line  int    // 0 when unknown
	Field string // "" for resource-level problems
	Msg   string
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("govshare/classify: catalog ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxFileSize caps a catalog file: a catalog of thousands of fields is well
// under 1 MiB.
const maxFileSize = 4 << 20

// Load reads and validates a catalog YAML file. It refuses, before reading
// it, a path that is not a regular file (a FIFO, a device such as
// /dev/zero, a directory), and a file over 4 MiB.
func Load(path string) (*Catalog, error) {
	data, err := fsread.ReadFile(path, maxFileSize)
	if err != nil {
		return nil, errorf("catalog: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes and validates catalog YAML. Unknown keys, unknown
// type ids, categories, levels, tiers, purposes and transforms are errors;
// file names the source in error messages.
func Parse(data []byte, file string) (*Catalog, error) {
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &ValidationError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	// A second document ("---") would be a catalog no one reviewed, or
	// fields the reviewer believes are in this one: refuse it.
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, &ValidationError{File: file, Line: more.Line, Msg: "more than one YAML document (\"---\"); a catalog file holds one"}
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // decoded above; only for line numbers
	if err := c.validate(file, fieldLines(&root)); err != nil {
		return nil, err
	}
	return &c, nil
}

// fieldLines maps field index to its line in the file.
func fieldLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "fields" && m.Content[i+1].Kind == yaml.SequenceNode {
			var lines []int
			for _, f := range m.Content[i+1].Content {
				lines = append(lines, f.Line)
			}
			return lines
		}
	}
	return nil
}

// Validate checks the catalog's rules: every enum known, field names unique
// and non-empty, a provider and resource named, and a legal basis wherever
// a tier is not_shared (docs/domain.md: share tiers).
func (c *Catalog) Validate() error { return c.validate("", nil) }

func (c *Catalog) validate(file string, lines []int) error {
	var errs []error
	add := func(line int, field, format string, args ...any) {
		errs = append(errs, &ValidationError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if c.Resource == "" {
		add(0, "", "resource is required")
	}
	if c.Provider == "" {
		add(0, "", "provider is required (the department that answers for this data)")
	}
	if !c.Tier.Valid() {
		add(0, "", "tier %q is not one of unconditional, conditional, not_shared", c.Tier)
	}
	if c.Tier == TierNotShared && c.LegalBasis == "" {
		add(0, "", "tier not_shared requires legal_basis")
	}
	if len(c.Fields) == 0 {
		add(0, "", "no fields listed")
	}
	if r := c.MaxProsecutorRisk; r != nil && !(*r > 0 && *r <= 1) {
		add(0, "", "max_prosecutor_risk must be greater than 0 and at most 1")
	}
	if k := c.MinK; k != nil && *k < 1 {
		add(0, "", "min_k must be at least 1")
	}
	seen := map[string]bool{}
	for i := range c.Fields {
		f := &c.Fields[i]
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		if f.Name == "" {
			add(line, "", "field %d has no name", i+1)
		}
		if seen[f.Name] {
			add(line, f.Name, "listed twice")
		}
		seen[f.Name] = true
		if f.Type == "" || !f.Type.Known() {
			add(line, f.Name, "unknown type id %q (see docs/domain.md: identifier formats and validation, or \"none\")", f.Type)
		}
		if !f.Category.Valid() {
			add(line, f.Name, "category %q is not one of public, personal, trade_secret, national_security", f.Category)
		}
		if !f.Level.Valid() {
			add(line, f.Name, "level %q is not one of general, important, core", f.Level)
		}
		if f.Tier != "" && !f.Tier.Valid() {
			add(line, f.Name, "tier %q is not one of unconditional, conditional, not_shared", f.Tier)
		}
		if c.EffectiveTier(f) == TierNotShared && f.LegalBasis == "" && c.LegalBasis == "" {
			add(line, f.Name, "tier not_shared requires legal_basis")
		}
		if f.Review != "" {
			add(line, f.Name, "marked for review by the draft (see its review note): check the field, then delete the review key")
		}
		for p, t := range f.Transform {
			if !p.Valid() {
				add(line, f.Name, "transform override for unknown purpose %q", p)
			}
			if !t.Valid() {
				add(line, f.Name, "unknown transform %q", t)
			}
		}
	}
	return errors.Join(errs...)
}

// Marshal encodes the catalog as YAML.
func (c *Catalog) Marshal() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, errorf("catalog: %w", err)
	}
	return b.Bytes(), enc.Close()
}

// MarshalCommented is Marshal with a leading YAML comment, one line per
// element of comment: the file Save writes.
func (c *Catalog) MarshalCommented(comment ...string) ([]byte, error) {
	data, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, line := range comment {
		b.WriteString("# " + line + "\n")
	}
	b.Write(data)
	return b.Bytes(), nil
}

// Save writes the catalog to path atomically, with an optional
// leading comment (one line per element).
func Save(path string, c *Catalog, comment ...string) error {
	data, err := c.MarshalCommented(comment...)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".catalog-*")
	if err != nil {
		return errorf("catalog: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return errorf("catalog: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return errorf("catalog: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return errorf("catalog: %w", err)
	}
	return nil
}

// errorf prefixes errors from this package.
func errorf(format string, args ...any) error {
	return fmt.Errorf("govshare/catalog: "+format, args...)
}
