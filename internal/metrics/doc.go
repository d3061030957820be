// Package metrics exposes Rolegate's metrics in the Prometheus text format
// from a registry of its own (never the global one): HTTP requests by
// route and status, AWS calls by service, operation, account, region and
// outcome, inventory sweeps, and figures read from the database at each
// scrape (change requests by state, audit events appended by action with
// the apply attempts, outcomes and reconciler actions they record, the
// chain's length and the age of the newest anchor, and the notification
// outbox: its backlog by channel kind, deliveries by outcome and the age
// of the oldest waiting one). Its endpoint is served on a listener of its
// own or behind a bearer token.
package metrics
