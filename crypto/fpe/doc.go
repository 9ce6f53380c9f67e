// Package fpe implements format-preserving encryption: FF1 of NIST SP
// 800-38G Rev. 1 over AES, and identifier-aware encryption that keeps a
// Chinese identifier valid for its type (docs/domain.md: identifier formats and validation) so that downstream
// systems which validate check digits still accept it, while the key holder
// can restore the original exactly.
//
// Start with New: a Cipher for one identifier type, field and recipient,
// with its key derived from the department's keyring (the raw key never
// leaves it), and Encrypt/Decrypt — the shape of crypto/token. Below it,
// NewFF1 takes a raw key, for callers with their own key management. For free-form
// numeral strings use FF1.EncryptString with an alphabet such as Digits or
// Base36 (or FF1.Encrypt on numerals). For identifiers use
// EncryptResidentID, EncryptMobile, EncryptBankCard or EncryptUSCC, and the
// matching Decrypt functions; they validate their input first and fail
// rather than encrypt a value that is not a valid identifier.
//
// The identifier functions take every written form classify.Validate
// accepts (groups, full-width digits, lower-case letters, +86, spreadsheet
// quoting; a legacy 15-digit resident ID is taken as its 18-character form)
// and encrypt its canonical value (classify.Canonical), so one identifier
// written three ways gives one output, always in canonical form.
//
// Like every deterministic cipher, FF1 maps equal plaintexts under the same
// key and tweak to equal ciphertexts: it hides values, not equality. Put a
// field and recipient label in the tweak (or use separate keys) so that the
// same value encrypts differently per field and per recipient.
//
// # Domains
//
// Small domains are weak: a codebook of the whole domain costs as many
// encryptions, and NIST SP 800-38G Rev. 1 requires at least 1,000,000
// values (MinDomain). FF1 refuses shorter numeral strings, and the
// identifier functions, which encrypt only the parts they do not keep,
// refuse with ErrSmallDomain any mode, and any value, that leaves fewer:
//
//	type             encrypted part                          values
//	cn_mobile        last 8 digits (prefix kept)             10^8
//	bank_card        digits between BIN and check digit      10^(n−7) for n = 13…19 digits: 10^6 … 10^12
//	cn_uscc          chars 9–16 (char 17 is their check)     31^8 ≈ 8.5×10^11
//	                 chars 9–17 (char 17 not their check)    31^8 × 30 ≈ 2.6×10^13
//	cn_resident_id   region × birth date × sequence          R × D × S, where
//	                   R = 350,000 (35 province prefixes × 10,000), or 1 with KeepRegion
//	                   D = days from 1900-01-01 to the bound (46,021 to 2025-12-31),
//	                       or, with KeepBirthYear, the days of the birth year up to the
//	                       bound (365 or 366; fewer in the bound's own year)
//	                   S = 1,000, or 500 with KeepSex
//
// So the resident-ID modes that keep region and birth year (at most
// 366,000 values, 183,000 with the sex kept) are always refused; keeping
// the region alone leaves about 4.6×10^7 (2.3×10^7 with the sex kept) and
// is refused only under a bound that leaves fewer than 1,000 (2,000) birth
// dates; every mode that encrypts the region has over 10^8. ResidentIDDomain
// computes the count for one ID and ResidentIDOptions.Check for a mode.
//
// The resident-ID birth-date bound (ResidentIDOptions.MaxBirthDate) is by
// default today in China Standard Time (UTC+8, a fixed zone: no time zone
// database needed), so everyone born so far can be encrypted. The bound is
// part of the permutation: record ResidentIDOptions.BirthBound with outputs
// you will decrypt on a later day and pass it as MaxBirthDate.
//
// An *FF1 is immutable after NewFF1 and safe for concurrent use: every call
// keeps its state in its own scratch space. It never prints its key.
//
// Inputs whose halves fit in 64 bits (up to 38 decimal digits) take a fast
// path with no math/big: ten AES calls after the tweak prefix, and two
// allocations per string call (the AES scratch block, which escapes through
// the cipher.Block interface, and the result). Longer inputs use math/big.
package fpe
