// Package store opens Rolegate's SQLite database: one writer connection
// (immediate transactions, WAL, synchronous FULL) and a read-only pool,
// applies the embedded migrations, and offers the one transaction helper
// that the domain packages use.
package store
