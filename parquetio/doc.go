// Package parquetio reads and writes flat Parquet files as records of text,
// row group by row group, never a whole file in memory, for the pipeline
// that desensitizes them.
//
// A Reader is a record source: govshare.FromRecords streams it as CSV
// (its Text method renders every value as the library renders a database
// value: integers in decimal, floats in Go's shortest form, DATE as
// YYYY-MM-DD, TIMESTAMP in RFC 3339, NULL as an empty field). Reader.CSV
// streams it with nulls kept apart from empty strings, for a Writer that
// writes Parquet again.
//
// A Writer takes the CSV a run writes (it is an io.Writer) and writes
// Parquet row groups as rows arrive. Each output column says how it leaves
// (Column): a column whose values pass unchanged keeps its input Parquet
// type and repetition; a generalized date stays a DATE; any other column
// becomes an optional UTF-8 string column.
//
// Only flat schemas are read: every top-level field a primitive column,
// not repeated. A nested or repeated field is an error naming it. A
// damaged file is an error naming it and, past the footer, the row group:
// before parquet-go decodes anything, the footer and every page header are
// walked and refused when a length or count overruns the bytes there, a
// page is over 256 MiB or 64 Mi values, or a v2 page's levels claim more
// values than the page (parquet-go allocates what such fields claim).
// Chunks compressed with LZ4 are refused (parquet-go's decoder does not
// stop on damaged data).
package parquetio
