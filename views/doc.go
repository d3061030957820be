// Package views holds the request-scoped values that templates read
// (signed-in user, CSRF token, CSP nonce, flashes, version). The templ
// components live in views/layout, views/components and views/pages; each
// page's view model sits beside it. Templates never query, read the clock
// or the configuration: handlers build view models.
package views
