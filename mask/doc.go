// Package mask hides and coarsens personal values for display and sharing:
// character masking, type-aware display profiles, and generalization of
// dates, ages, numbers, addresses, coordinates and resident-ID regions
// (docs/domain.md: de-identification techniques). Every function is pure: no I/O, no clock, no mutable
// package state. Start with Display(t, s), which masks a value by its
// catalog.Type; use Redact for free text and as the fallback when Display
// returns an error.
//
// # Never pass through
//
// Masking here follows common practice (Hutool DesensitizedUtil) but never
// hands its input back by accident:
//
//   - A cover rule that would keep the whole value (KeepEnds on a value of at
//     most n+k runes, an empty Range, Before/After without the separator)
//     masks every rune instead.
//   - Display parses by type, with classify's parser: a value classify
//     accepts as its type (classify.Canonical: full-width, grouped, +86,
//     spreadsheet-quoted, lower-case x, 1990年1月2号, 39.9042,116.4074 …) is
//     always masked, on its canonical characters and in its written layout
//     (110105 19491231 002x → 1***** ******** **2x, +86 138-1234-5678 →
//     +86 138-****-5678, A123456 (3) → A****** (*)). Other values get the
//     lenient rules below (a mistyped check digit is still personal data). A
//     value without the shape of its type returns "" and an error wrapping
//     ErrMalformed; so does a value the profile would leave unchanged
//     (already masked). It never returns its input.
//   - Work is per rune (Chinese, emoji, full-width digits are one rune each;
//     full-width digits and letters count as digits and letters), invalid
//     UTF-8 bytes become U+FFFD, and output is always valid UTF-8.
//   - Lengths: by default one mask rune replaces one hidden rune, as common
//     practice does; Masker.FixedRun renders every hidden run with a fixed
//     number of mask runes so lengths do not leak. Redact is always "***".
//
// # Display profiles
//
// Separators inside codes (space, '-', '+', '(', ')', '·', '.', '/') are
// kept in place; k/m means keep the first k and last m characters.
//
//	type              rule                                       example
//	cn_resident_id    1/2 (Masker.ResidentID64: 6/4); 18 or 15   11010519491231002X → 1***************2X
//	cn_mobile         3/4, +86 / 86 / 0086 prefix kept           +86 138 1234 5678 → +86 138 **** 5678
//	cn_landline       area code (010, 02X, 0XXX) / 2, ext hidden 010-12345678 → 010-******78
//	bank_card         4/4, middle grouped in fours, 12-19 digits 6222021234567891234 → 6222 **** **** *** 1234
//	cn_license_plate  province + letter / 1, 7 or 8 characters   京AD12345 → 京A*****5
//	cn_passport       2/2, 6-15 letters and digits               E12345678 → E1*****78
//	cn_travel_permit  1/2, 8-11 letters and digits               C12345678 → C******78
//	hk_id             leading letter(s) / 0, check hidden        A123456(7) → A******(*)
//	tw_id             1/2 (sex digit hidden)                     A123456789 → A*******89
//	cn_org_code       2/0                                        D2143569-X → D2******-*
//	cn_uscc           8/0: authority, type and region code kept  91350100M000100Y43 → 91350100**********
//	email             first rune of local part + "****" @domain  alice@example.com → a****@example.com
//	ipv4              first octet                                10.1.2.3 → 10.*.*.*
//	ipv6              first group                                2001:db8::1 → 2001:*:*:*:*:*:*:*
//	url               scheme://host/ + "****"                    https://a.cn/u?id=7 → https://a.cn/****
//	person_name       whole surname (欧阳) or first "·" segment   欧阳娜娜 → 欧阳**, 买买提·艾力 → 买买提·**
//	address           GB/T 2260 divisions kept                   北京市朝阳区建国路88号 → 北京市朝阳区******
//	geo_coordinate    degrees and 2 decimals (~1.1 km)           116.397128,39.916527 → 116.39****,39.91****
//	date_of_birth     year                                       1990-05-17 → 1990-**-**
//
// Shorter-than-rule cases: a one-rune e-mail local part keeps nothing
// (****@x.cn); a name with nothing after its surname is fully masked; an
// address that is only a region keeps its first unit (北京市朝阳区 →
// 北京市***) and a one-unit address is fully masked; coordinates with two
// decimals or fewer have all decimals masked. The IP and coordinate rules
// mask per component and ignore FixedRun; e-mail and URL always hide a fixed
// four.
//
// The address region is the leading run of administrative divisions as the
// GB/T 2260 table names them (internal/region: the Ministry of Civil
// Affairs' codes and names, current and former): a province-level name,
// then a prefecture-level division within it, then a county-level one
// within that. Full names count anywhere in that order; short forms (广东,
// 深圳, 南山) only where context proves them, and never right before 路, 街,
// 道 … (中山路 is a street). Text that merely looks like a division
// (某某市幸福区) is none: an address that starts with no known division is
// masked whole if classify accepts it as an address, and an error otherwise.
//
// # Generalization
//
// GeneralizeDate (year or month), AgeBand / AgeBandFromBirth /
// AgeBandFromID, RoundStep, Bucket and TopBottom on exact decimals (parsed
// with strconv.ParseInt on the digits, never through float64),
// GeneralizeAddress and GeneralizeAddressUpTo (province, city, district, by
// their GB/T 2260 names), RoundCoordinate and GridCell, IDRegion (the 2-, 4-
// or 6-digit region prefix of a resident ID) and IDRegionName (its name).
// Each accepts every written form classify accepts for its type.
// Errors wrap ErrMalformed for bad values and ErrArgument for bad
// parameters, and never contain the value.
package mask
