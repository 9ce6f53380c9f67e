// Package audit is govshare's share-record log (共享记录, DOMAIN.md §1): an
// append-only RFC 6962 Merkle log of who shared what with whom, who opened
// it, who refused and who disputed it, with signed checkpoints and
// inclusion and consistency proofs, so that supervisors and providers can
// check the record without trusting the operator and without a blockchain.
//
// Start with:
//   - GenerateKey to create the log's Ed25519 note key pair;
//   - Open to open (or create) a log directory and Log.Append to record a
//     ShareRecord, OpenRecord, RefuseRecord or DisputeRecord;
//   - Log.Receipt (or Log.InclusionProof) for the receipt handed to the
//     sealer, and Log.Checkpoint for the latest signed tree head;
//   - VerifyInclusion, VerifyReceipt and VerifyConsistency for auditors, who
//     need only the verifier key, never the log's files;
//   - Verify for "govshare log verify": it re-reads a log directory and
//     recomputes every hash against the signed checkpoint;
//   - Entries for "govshare log show".
//
// Records hold identifiers and digests, never data: no field carries a
// value from a shared file. The only free text is a DisputeRecord's reason, which
// is refused if it contains an identifier (see DisputeRecord).
//
// Storage is a directory of append-only files. An append acknowledged by a
// nil error survives a crash at any point; a torn tail left by a crash is
// found and cut off on Open, never taken as data. Editing any byte of the
// files is found by Verify. Checkpoints follow the C2SP tlog-checkpoint
// format, signed with golang.org/x/mod/sumdb/note, and the tree hashing is
// golang.org/x/mod/sumdb/tlog, so proofs interoperate with Certificate
// Transparency tooling.
package audit
