// Package fpe implements format-preserving encryption: FF1 of NIST SP
// 800-38G Rev. 1 over AES, and identifier-aware encryption that keeps a
// Chinese identifier valid for its type (DOMAIN.md §6) so that downstream
// systems which validate check digits still accept it, while the key holder
// can restore the original exactly.
//
// Start with NewFF1 and a per-field, per-recipient key. For free-form
// numeral strings use FF1.EncryptString with an alphabet such as Digits or
// Base36 (or FF1.Encrypt on numerals). For identifiers use
// EncryptResidentID, EncryptMobile, EncryptBankCard or EncryptUSCC, and the
// matching Decrypt functions; they validate their input first and fail
// rather than encrypt a value that is not a valid identifier.
//
// Like every deterministic cipher, FF1 maps equal plaintexts under the same
// key and tweak to equal ciphertexts: it hides values, not equality. Put a
// field and recipient label in the tweak (or use separate keys) so that the
// same value encrypts differently per field and per recipient. Small domains
// are weak: FF1 refuses inputs with fewer than 1,000,000 possible values,
// and the identifier functions encrypt only the parts they do not keep, so
// keeping more parts leaves fewer possible outputs.
//
// An *FF1 is immutable after NewFF1 and safe for concurrent use: every call
// keeps its state in its own scratch space. It never prints its key.
//
// Inputs whose halves fit in 64 bits (up to 38 decimal digits) take a fast
// path with no math/big: ten AES calls after the tweak prefix, and two
// allocations per string call (the AES scratch block, which escapes through
// the cipher.Block interface, and the result). Longer inputs use math/big.
package fpe
