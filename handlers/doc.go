// Package handlers is Rolegate's HTTP layer on echo: every route and
// middleware in routes.go, one file per use case, one error handler that
// shows safe messages and logs the detail with the request ID. Handlers
// are thin: bind, validate, call a domain package, render or redirect.
package handlers
