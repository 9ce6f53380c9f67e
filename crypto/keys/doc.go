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
// # Key lifecycle and the public bundle
//
// Every published key (KEM and signing kinds) has a state — active, retired
// or revoked — and a validity period ([KeyInfo]). [Keyring.RotateAt] makes the
// new key valid from the rotation time and retires the previous primary at
// that time; [Keyring.Retire] and [Keyring.Revoke] end a non-primary key's
// validity (a revoked key is invalid from its revocation time, which may be
// in the past). Signing key ids are unique across the signing kinds, so an id
// alone names a signing key. A signature dated when its key was not valid is
// refused: envelope.Open checks an envelope's issue time with
// [PublicBundle.KeyValidAt], and a share-record log can check a record's time
// with [PublicBundle.SigningKeyValidAt] and its signature with
// [PublicBundle.VerifySignature].
//
// The public bundle (<dept>.pub, format "govshare-public/v2") carries the
// public keysets, the OPRF public keys, every key's lifecycle and a version
// that rises with every change, and is signed by the department's root key:
// an ML-DSA-87 key kept in the keyring that signs nothing but bundles and does
// not change with rotations. Each version is signed by the root (not by the
// previous version's keys), so a leaked operational key, old or current,
// cannot publish a bundle that undoes its own revocation. Trust is
// established once, by comparing [PublicBundle.Fingerprint] (a digest of the
// department and its root public key) out of band; after that a party keeps
// the latest bundle it accepted and checks each new one with [VerifyUpdate],
// which refuses another root, an older version (rollback), a different bundle
// of the same version, and a later one that drops or changes a key or undoes
// a retirement or revocation (fork). Root rotation is not supported: a new
// root is a new fingerprint to compare out of band. The root is stored in the
// keyring file under the master key like every other key, so whoever steals
// the keyring file with its master key (or an old backup of both) holds the
// root too; only a party that kept the latest bundle, or a log of bundles,
// notices what such a thief signs.
//
// Version-1 files keep working. A version-1 keyring file loads with every key
// active and unbounded, bundle version 1, and a root key made at load time;
// [Keyring.Save] writes it in the current format, keeping that root (until
// saved, every load makes another). A version-1 bundle ("govshare-public/v1")
// parses as an unsigned version 1 with every key active and unbounded
// ([PublicBundle.Signed] is false): it can be trusted only as a whole, by the
// way it was obtained, and [VerifyUpdate] neither accepts it nor accepts a
// signed bundle on its word.
//
// Printing a keyring, key or master with any fmt verb shows ids and algorithm
// names only, never key material.
package keys
