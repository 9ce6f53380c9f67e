// Package envelope is govshare's usage-bound envelope (envelope/v2): it seals
// a desensitized extract to ONE recipient department for ONE declared purpose
// and a time window, signed by its provider, so that the provider answers for
// exactly what it sent and the recipient can open it only as declared
// (docs/domain.md; docs/envelope.md; the byte-level spec is docs/envelope.md).
//
// Start with [Seal] on the provider's side and [Open] on the recipient's;
// [Inspect] shows a header without keys, and [Reshare] is the refusal every
// attempt to pass an envelope on meets.
//
// What it binds: the header (recipient, purpose, window, grant, resource,
// field manifest, payload length, and a commitment to the data key) is hashed
// into H; the data key is wrapped to the recipient with HPKE under H; every
// 64 KiB payload chunk is AES-256-GCM under a key derived from the data key,
// H and the purpose; the provider signs H, the key stanza and a digest over
// every ciphertext chunk. A recipient holding the data key therefore cannot
// substitute a payload that still verifies as the provider's, and the
// provider cannot later claim another data key, hence another plaintext, for
// the same signature. Open checks the signing key's state in the trusted
// bundle at the envelope's issue time, so a retired or revoked key cannot
// sign new envelopes ([ErrKeyNotValid]), and checks every chunk it decrypts
// against the hash the signature covered, so an input that changes between
// its two passes cannot slip in unsigned content.
//
// What it cannot do: stop a recipient from copying plaintext it has opened.
// The window is checked at Open, which is enforcement only where keys are
// released online; elsewhere accountability (the share-record log and
// per-recipient tokens) is the deterrent.
//
// The suite follows the highest field level and is never negotiated:
// general → X-Wing + Ed25519, important → X-Wing + ML-DSA-65/Ed25519,
// core → ML-KEM-1024 + ML-DSA-87.
package envelope
