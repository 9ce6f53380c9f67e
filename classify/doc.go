// Package classify finds out what data is: it validates and detects Chinese
// government identifiers (DOMAIN.md §6), profiles table columns into type,
// category, level, sensitivity and suggested share tier, and holds the
// catalog — the reviewed YAML that is the authority for every later stage.
//
// Start with:
//   - Detect (or a Detector) to find identifiers in free text;
//   - Profiler.ProfileColumn to classify a column from its header and a
//     sample of values, and DraftCatalog to turn profiles into a catalog
//     for review;
//   - LoadCatalog to read a reviewed catalog;
//   - Validate and the Valid* functions for single values.
//
// Checksums are decisive: a value that fails its check digit is not of that
// type, and an 18-digit string shaped like a resident ID (province prefix and
// real birth date) whose check digit fails is reported as nothing rather
// than as a bank card or credit code. Content wins over headers: a column
// named "phone" full of product codes is TypeNone.
//
// No function here puts a value it examines into an error or a String
// method: Finding and ResidentID print redacted.
package classify
