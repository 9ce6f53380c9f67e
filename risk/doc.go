// Package risk measures how identifiable a set of records is over its
// quasi-identifiers: the columns that, combined, can single a person out
// (age, sex, district, occupation, the region a format-preserving
// encryption keeps …).
//
// Records with equal quasi-identifier values form an equivalence class. An
// attacker who knows a target is in the data and knows the target's
// quasi-identifiers (the prosecutor model of ARX and of El Emam) picks the
// target out of its class with probability 1/|class|. The figures:
//
//   - classes: the number of equivalence classes;
//   - k_min: the size of the smallest class (the data are k_min-anonymous);
//   - uniques: records alone in their class (sample uniques), and their share;
//   - records_in_classes_below_k: records in classes smaller than k (default 5);
//   - prosecutor_max: the highest risk of a record, 1/k_min;
//   - prosecutor_avg: the average risk over the records, classes/records;
//   - l_diversity: per sensitive column, the fewest distinct sensitive values
//     in a class (distinct l-diversity);
//   - contributions: per quasi-identifier, the figures with it left out, so
//     a report can say which quasi-identifiers to coarsen.
//
// An [Analyzer] computes them in one streaming pass ([New], [Analyzer.Add],
// [Analyzer.Result]); it groups records exactly (a class's key is hashed,
// and a hash match is confirmed against the class's stored key, so two
// tuples never share a class). With [Options].Fingerprints it keeps a
// 128-bit keyed fingerprint per class instead of the key — about 40 bytes
// a class however long the values, at a collision probability near
// n²/2¹²⁹ — and gives every figure but the contributions and l-diversity:
// what a share's gate needs when its rows are nearly all unique. [Released] maps a catalog and the transform
// each field leaves under to the quasi-identifiers of the released records,
// and [Check] holds a [Result] to the catalog's thresholds (max_prosecutor_risk,
// min_k), returning an [*ExceededError] that names the thresholds and the
// quasi-identifiers to coarsen — names and figures, never values.
//
// [Hierarchy] and [AtLevels] measure the same figures after generalizing
// each quasi-identifier along a value hierarchy (ARX's hierarchy files), for
// risk-against-generalization curves.
package risk
