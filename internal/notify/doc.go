// Package notify tells the right people about change requests, and loses
// nothing on the way. The change service calls Service.Notify (or, for an
// event of a bulk request, Service.NotifyBulk, once per set) inside the
// transaction that records each audit event, so the notifications an event
// causes commit with it into the outbox; the worker delivers them with
// retries and backoff, each with an idempotency key, in order per request
// and destination.
//
// Who hears what is one pure function, Recipients, over the event, the
// request and the users. Channels are Slack-compatible incoming webhooks,
// a generic JSON webhook signed with HMAC-SHA256 (see Sign), and email
// over SMTP with STARTTLS. Every query of the package is in store.go.
package notify
