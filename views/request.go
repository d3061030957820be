package views

import (
	"context"
	"time"
)

// User is the signed-in person as the views see them. What they may do is
// decided by their role in the domain; the handler that builds the User
// fills it in.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Role        string // the role's name, as shown
	Rights      Rights
	// Zone is where the user reads times (UTC when nil).
	Zone *time.Location
}

// Rights are what the user's role allows, as the pages need to know it.
type Rights struct {
	Request    bool // propose changes
	Approve    bool // approve or reject other people's changes
	Administer bool // administer users
}

// CanRequest reports whether the user may propose changes.
func (u *User) CanRequest() bool { return u != nil && u.Rights.Request }

// CanApprove reports whether the user may approve other people's changes.
func (u *User) CanApprove() bool { return u != nil && u.Rights.Approve }

// IsAdmin reports whether the user administers users.
func (u *User) IsAdmin() bool { return u != nil && u.Rights.Administer }

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // success, error or info
	Message string
}

// Request carries the request-scoped values every page needs. Handlers
// build it; templates only read it.
type Request struct {
	Nonce     string
	CSRFToken string
	RequestID string
	Version   string
	Path      string
	User      *User
	Flashes   []Flash
	Demo      bool
	// ReadOnly is the banner shown while the audit chain is damaged and
	// the dashboard refuses changes; "" otherwise.
	ReadOnly string
	// Asset maps a static file name (css/app.css) to its content-hash URL.
	Asset func(name string) string
}

type requestKey struct{}

// WithRequest stores r in ctx for the templates.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// Req returns the request values stored by WithRequest, or an empty
// Request (never nil) so that components render in isolation.
func Req(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok && r != nil {
		return r
	}
	return &Request{Asset: func(name string) string { return "/static/_/" + name }}
}
