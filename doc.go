// Package govshare ties the stages of a government data share together:
// classify (what each field is) → policy (what form it may leave in, for a
// declared purpose and recipient) → transform (mask, generalize, token,
// FPE, pseudonym) over a stream of records.
//
// Start with Mask, which reads CSV or JSON Lines, decides every field with
// policy.DecideAll, applies the transforms with the provider's keys on all
// cores, and writes the same format out in input order. Unmask reverses the
// token and FPE fields for the key holder.
//
// It fails closed: a field the catalog does not list, an unknown purpose, a
// value that does not parse as its catalogued type under a type-aware
// transform — each is an error naming file, line and field (never the
// value), and no row is dropped silently: a bad row fails the run, or, when
// a reject writer is given, goes there with its place and reason.
package govshare
