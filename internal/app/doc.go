// Package app assembles Rolegate in one place: New builds the database,
// the audit log and its anchors, the user directory and sessions, the
// Redshift gateway (in demo mode on the embedded simulator), the change
// service and the HTTP handler, each from the parts it uses; Run and Serve
// run the background work (and the HTTP server) under one context with
// one error path; Close releases the rest.
//
// cmd/web builds it for the dashboard and the handler tests build the
// same app, so that what is tested is what is served. Imports flow
// cmd/web → app → handlers → the domain packages (audit, internal/auth,
// internal/change, internal/inventory) → internal/store.
package app
