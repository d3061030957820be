package handlers

import (
	"crypto/rand"
	"encoding/base32"

	"github.com/labstack/echo/v4"
)

const ctxRequestID = "request_id"

// requestID gives every request a fresh random ID, sent back in
// X-Request-ID, shown on error pages and written to the log and the audit
// trail. An ID sent by the client is ignored: it could be forged.
func (h *Handler) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := newRequestID()
		c.Set(ctxRequestID, id)
		c.Request().Header.Set(echo.HeaderXRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// requestIDOf returns the ID given by requestID.
func requestIDOf(c echo.Context) string {
	id, _ := c.Get(ctxRequestID).(string)
	return id
}
