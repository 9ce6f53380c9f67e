// Package audit is govshare's share-record log (共享记录): an append-only
// RFC 6962 Merkle log of who shared what with whom, who opened it, who
// refused and who disputed it, with signed checkpoints, inclusion and
// consistency proofs and receipts, so that supervisors and departments can
// check the record without trusting the log's operator and without a
// blockchain. docs/log.md states the trust model: who holds which key and
// what each party can prove.
//
// Start with:
//   - Sign, to sign a record (ShareRecord, OpenRecord, RefuseRecord,
//     DisputeRecord, ReleaseRecord) with its maker's key (KeyringSigner
//     adapts a keys.Keyring), and an Appender to record it: OpenAppender
//     opens a log served over HTTP ("govshare log serve"; Dial) or a local
//     directory (an Operator over Open). SignAndAppend does both; every
//     act gets a Receipt. Outcomes and Reasons list the codes of opens
//     and refusals; KeyOpener names an opener by its key when its keys do
//     not prove it the envelope's recipient.
//   - ReleaseRecord, Account and Book for the privacy budget, which lives
//     on the log: the operator refuses a release its account cannot
//     afford (ErrOverBudget), Verify recomputes every account
//     (Result.Budgets), and a BudgetReader (Operator, Client) tells an
//     account's standing before a release is computed.
//   - Operator, the one party holding the log's key: it appends only
//     records signed by their makers as registered in a Registry
//     (BundleRegistry, from departments' public bundles), within MaxSkew of
//     its clock. NewServer serves its log over HTTP as C2SP tlog-tiles, with
//     POST /add for signed records; concurrent appends share one group
//     commit.
//   - VerifyDir (and Client.Verify for a served log) for auditors: every
//     record's form, times and — with a Registry — signature, every hash,
//     the root against the signed checkpoint; with a State, that the log
//     extends the checkpoint verified before (else ErrForked or
//     ErrRollback); with Witnesses, that enough witnesses cosigned it.
//     VerifyReceipt, VerifySignedReceipt and VerifyConsistency need only
//     the log's verifier key, never its files.
//   - Witness (C2SP tlog-witness and tlog-cosignature), run by a
//     supervisory department: it cosigns a log's checkpoint only if it is
//     consistent with the last one it cosigned; Witnessing gets an
//     operator's checkpoints cosigned.
//   - Entries and Redeliveries for "govshare log show".
//
// Log.Append records a record unsigned: for logs written before records
// were signed and for one department's own local log; such a record proves
// nothing about its maker, and VerifyOptions.RequireSigned refuses it.
//
// Records hold identifiers and digests, never data: no field carries a
// value from a shared file. A DisputeRecord carries a reason code from a
// fixed list and a salted digest of the party's text, never the text (which
// goes to the other party sealed in an envelope); the operator refuses a
// dispute whose reason is not a code.
// Errors that a log, checkpoint, receipt or record does not verify wrap
// ErrNotVerified and a sentinel saying why (ErrForked, ErrRollback,
// ErrBadSignature, ErrTruncated, ErrTampered, …): test them with errors.Is.
//
// Storage is a directory of append-only files. An append acknowledged by a
// nil error survives a crash at any point; a torn tail left by a crash is
// found and cut off on Open, never taken as data. Editing any byte of the
// files is found by Verify. Checkpoints follow the C2SP tlog-checkpoint
// format with one extension line, the operator's time, signed with
// golang.org/x/mod/sumdb/note, and the tree hashing is
// golang.org/x/mod/sumdb/tlog, so proofs interoperate with Certificate
// Transparency tooling.
package audit
