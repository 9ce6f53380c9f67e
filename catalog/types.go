package catalog

import "time"

// Type is an identifier type id from docs/domain.md: identifier formats and validation. The zero value is invalid;
// TypeNone marks a column or value that is not a known identifier.
type Type string

// Type ids. Their spellings are part of the catalog schema and the CLI's JSON.
const (
	TypeNone          Type = "none"
	TypeResidentID    Type = "cn_resident_id"
	TypeUSCC          Type = "cn_uscc"
	TypeOrgCode       Type = "cn_org_code"
	TypeMobile        Type = "cn_mobile"
	TypeLandline      Type = "cn_landline"
	TypeBankCard      Type = "bank_card"
	TypeLicensePlate  Type = "cn_license_plate"
	TypePassport      Type = "cn_passport"
	TypeTravelPermit  Type = "cn_travel_permit"
	TypeHKID          Type = "hk_id"
	TypeTWID          Type = "tw_id"
	TypeEmail         Type = "email"
	TypeIPv4          Type = "ipv4"
	TypeIPv6          Type = "ipv6"
	TypeURL           Type = "url"
	TypePersonName    Type = "person_name"
	TypeAddress       Type = "address"
	TypeGeoCoordinate Type = "geo_coordinate"
	TypeDateOfBirth   Type = "date_of_birth"
)

// Types lists every identifier type id, in a stable order. It excludes TypeNone.
var Types = []Type{
	TypeResidentID, TypeUSCC, TypeOrgCode, TypeMobile, TypeLandline, TypeBankCard,
	TypeLicensePlate, TypePassport, TypeTravelPermit, TypeHKID, TypeTWID, TypeEmail,
	TypeIPv4, TypeIPv6, TypeURL, TypePersonName, TypeAddress, TypeGeoCoordinate, TypeDateOfBirth,
}

// Known reports whether t is TypeNone or one of Types.
func (t Type) Known() bool {
	if t == TypeNone {
		return true
	}
	for _, k := range Types {
		if t == k {
			return true
		}
	}
	return false
}

// Category is what a field's content is (docs/domain.md: categories and levels). The zero value is invalid.
type Category string

// Categories.
const (
	CategoryPublic           Category = "public"
	CategoryPersonal         Category = "personal"
	CategoryTradeSecret      Category = "trade_secret"
	CategoryNationalSecurity Category = "national_security"
)

// Valid reports whether c is one of the four categories.
func (c Category) Valid() bool {
	switch c {
	case CategoryPublic, CategoryPersonal, CategoryTradeSecret, CategoryNationalSecurity:
		return true
	}
	return false
}

// Level is a data level under GB/T 43697-2024. The zero value is invalid.
type Level string

// Levels, from least to most protected.
const (
	LevelGeneral   Level = "general"
	LevelImportant Level = "important"
	LevelCore      Level = "core"
)

// Rank orders levels (general 1, important 2, core 3); an invalid level ranks 0.
func (l Level) Rank() int {
	switch l {
	case LevelGeneral:
		return 1
	case LevelImportant:
		return 2
	case LevelCore:
		return 3
	}
	return 0
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.Rank() > 0 }

// MaxLevel returns the stricter of two levels (就高从严).
func MaxLevel(a, b Level) Level {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// Tier is a share tier (共享属性, docs/domain.md: share tiers). The zero value is invalid.
type Tier string

// Tiers.
const (
	TierUnconditional Tier = "unconditional"
	TierConditional   Tier = "conditional"
	TierNotShared     Tier = "not_shared"
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool {
	switch t {
	case TierUnconditional, TierConditional, TierNotShared:
		return true
	}
	return false
}

// Purpose is a consumer's declared use (docs/domain.md: purposes and data minimization). The zero value is invalid.
type Purpose string

// Purposes.
const (
	PurposeAdministrativeBasis Purpose = "administrative_basis"
	PurposeDataVerification    Purpose = "data_verification"
	PurposeWorkReference       Purpose = "work_reference"
	PurposeStatistics          Purpose = "statistics"
)

// Purposes lists the declared purposes.
var Purposes = []Purpose{PurposeAdministrativeBasis, PurposeDataVerification, PurposeWorkReference, PurposeStatistics}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool {
	for _, k := range Purposes {
		if p == k {
			return true
		}
	}
	return false
}

// Transform names the form in which a field may leave (docs/catalog.md and docs/grants.md).
type Transform string

// Transforms.
const (
	TransformKeep       Transform = "keep"
	TransformMask       Transform = "mask"
	TransformRedact     Transform = "redact"
	TransformGeneralize Transform = "generalize"
	TransformToken      Transform = "token"
	TransformPseudonym  Transform = "pseudonym"
	TransformFPE        Transform = "fpe"
	TransformWithhold   Transform = "withhold"
	TransformDP         Transform = "dp"
)

// Transforms lists the transform names.
var Transforms = []Transform{
	TransformKeep, TransformMask, TransformRedact, TransformGeneralize, TransformToken,
	TransformPseudonym, TransformFPE, TransformWithhold, TransformDP,
}

// Valid reports whether t is a known transform name.
func (t Transform) Valid() bool {
	for _, k := range Transforms {
		if t == k {
			return true
		}
	}
	return false
}

// ChinaTime is China Standard Time (UTC+8, no daylight saving): the zone in
// which a grant's last day ends, a --not-after date ends, and "today" is
// reckoned for birth dates (one born today in Beijing is not "in the future"
// on a machine whose clock is in UTC). China has kept no daylight saving time
// since 1991, so a fixed zone is exact for every date in question and needs
// no time zone database.
var ChinaTime = time.FixedZone("CST", 8*60*60)
