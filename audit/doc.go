// Package audit owns Rolegate's audit log: an append-only, hash-chained
// table in SQLite. Append writes an event inside the caller's transaction,
// so a state change and its event commit together or not at all. The
// package also queries, verifies, anchors and exports the log. Nothing
// else writes to the audit tables, and nothing updates or deletes their
// rows: triggers refuse it.
package audit
