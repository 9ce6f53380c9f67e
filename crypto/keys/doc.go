// Package keys holds a department's keyring: every key govshare uses to
// tokenize, pseudonymize, format-preserve, seal and sign data for sharing,
// kept in Tink keysets and encrypted at rest under a master key.
//
// Start with [New] to create a department's keys, [Keyring.Save] to store
// them (and the public bundle other departments need), and [Load] to open
// them again. The master key comes from [LocalMaster] (a 0600 file on this
// machine) or [Master] (a "local:DIR" path or a Tink KMS URI).
//
// A keyring holds one keyset per [Kind]:
//
//	KindToken            AES256-SIV deterministic AEAD  (crypto/token)
//	KindPseudonym        HMAC-SHA256 PRF                (crypto/pseudonym)
//	KindFPE              HMAC-SHA256 PRF deriving FF1 keys per field and recipient
//	KindKEMXWing         HPKE X-Wing, HKDF-SHA256, AES-256-GCM (general, important)
//	KindKEMMLKEM1024     HPKE ML-KEM-1024, HKDF-SHA256, AES-256-GCM (core)
//	KindSignEd25519      Ed25519                        (general)
//	KindSignMLDSA65Ed25519 composite ML-DSA-65 + Ed25519 (important)
//	KindSignMLDSA87      ML-DSA-87                      (core)
//	KindOPRF             ristretto255-SHA512 POPRF key (circl; RFC 9497), crypto/oprf
//
// Every output records the key that made it: Tink keysets use the TINK output
// prefix (0x01 ‖ 4-byte key id) and the OPRF and PRF kinds return their key id
// explicitly. [Keyring.Rotate] adds a new primary key and keeps the old ones,
// so earlier outputs still reverse or verify.
//
// Printing a keyring, key or master with any fmt verb shows ids and algorithm
// names only, never key material.
package keys
