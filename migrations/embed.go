// Package migrations holds the SQL schema as goose migrations, embedded in
// the binary and applied at start by internal/store. Never edit a migration
// that has been released; add a new one.
package migrations

import "embed"

// FS holds every NNNNN_name.sql file of this directory.
//
//go:embed *.sql
var FS embed.FS
