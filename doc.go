// Package govshare shares government data between departments: the
// provider desensitizes a record stream under its reviewed catalog and
// policy, seals it to one recipient for one declared purpose, and records
// the act; the recipient opens it and its opening is recorded too.
//
// Two calls do it. The provider calls
//
//	res, err := govshare.Share(ctx, dst, src, from, to, purpose, cat, opt)
//
// which applies the policy to every record of src (CSV or JSON Lines),
// seals the result to the recipient's public bundle to, signs it with the
// provider's keyring from, writes the envelope to dst and records the share
// in opt.Log. The recipient calls
//
//	h, err := govshare.Open(ctx, dst, src, size, as, from, purpose, opt)
//
// which verifies the envelope against the provider's public bundle and the
// purpose it declares, writes the plaintext to dst and records the open.
// Required inputs are parameters; the options (grants, clock, log, workers,
// rejects) may be nil.
//
// Nothing usable exists before it is on record: give an *Output
// (CreateOutput) as dst, and Share or Open commits it once the act is
// logged; any other writer receives the bytes only then. What waits on disk
// meanwhile is encrypted under a key held in memory, so a crash leaves
// nothing readable. An Output never replaces a file unless told to, and
// never writes over a device, a FIFO, a directory or a file the run reads.
//
// Apply is Share without the envelope: it desensitizes src to dst for a
// recipient and purpose, for callers that deliver the data themselves.
// Reverse undoes, for the provider, the reversible transforms of an Apply
// output (tokens and format-preserving encryption).
//
// It fails closed: a field the catalog does not list, an unknown purpose, a
// value that does not parse as its catalogued type under a type-aware
// transform — each is an error naming file, line and field (never the
// value), and no row is dropped silently: a bad row fails the run, or, when
// a reject writer is given, goes there with its place and reason.
package govshare
