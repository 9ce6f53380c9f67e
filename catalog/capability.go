package catalog

// The capability table: which transforms are defined on the values of each
// type. policy reads it to choose a form a field can take, and the pipeline
// to build it, so the two cannot disagree.
//
//   - keep, redact, withhold, token, pseudonym and dp apply to any value;
//   - mask applies to every identifier type (a field of type none has no
//     rule saying which part of it is safe to show, so it is redacted);
//   - generalize coarsens dates of birth (to the year), addresses (to a
//     known administrative division), coordinates (to a grid cell),
//     resident IDs (to their region) and untyped numbers (to fewer
//     significant digits); on other identifiers it is their display mask,
//     the coarsest form they have;
//   - fpe is defined for resident IDs, mobiles, bank cards and USCCs, the
//     types with a format-preserving mode of at least 10^6 values.
type capability struct {
	fpe     bool // a format-preserving encryption mode
	coarse  bool // generalize coarsens (rather than masks)
	strict  bool // a decisive format or check digit
	display bool // a display-masking profile
}

var capabilities = map[Type]capability{
	TypeNone:          {coarse: true},
	TypeResidentID:    {fpe: true, coarse: true, strict: true, display: true},
	TypeUSCC:          {fpe: true, strict: true, display: true},
	TypeOrgCode:       {strict: true, display: true},
	TypeMobile:        {fpe: true, strict: true, display: true},
	TypeLandline:      {strict: true, display: true},
	TypeBankCard:      {fpe: true, strict: true, display: true},
	TypeLicensePlate:  {strict: true, display: true},
	TypePassport:      {strict: true, display: true},
	TypeTravelPermit:  {strict: true, display: true},
	TypeHKID:          {strict: true, display: true},
	TypeTWID:          {strict: true, display: true},
	TypeEmail:         {strict: true, display: true},
	TypeIPv4:          {strict: true, display: true},
	TypeIPv6:          {strict: true, display: true},
	TypeURL:           {display: true},
	TypePersonName:    {display: true},
	TypeAddress:       {coarse: true, display: true},
	TypeGeoCoordinate: {coarse: true, display: true},
	TypeDateOfBirth:   {coarse: true, display: true},
}

// Supports reports whether transform tr is defined on values of type t.
// An unknown type supports only the transforms that never read a value's
// content: redact, withhold, token, pseudonym.
func (t Type) Supports(tr Transform) bool {
	c, known := capabilities[t]
	switch tr {
	case TransformRedact, TransformWithhold, TransformToken, TransformPseudonym:
		return true
	case TransformKeep, TransformDP, TransformGeneralize:
		return known
	case TransformMask:
		return c.display
	case TransformFPE:
		return c.fpe
	}
	return false
}

// Coarsens reports whether generalize coarsens values of type t (a year, a
// division, a grid cell, a region, fewer digits) rather than masking them.
func (t Type) Coarsens() bool { return capabilities[t].coarse }

// Strict reports whether values of type t have a decisive format or check
// digit, so that a value failing it is bad input under a type-aware
// transform rather than something to mask by guesswork.
func (t Type) Strict() bool { return capabilities[t].strict }
