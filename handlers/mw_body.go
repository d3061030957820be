package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/labstack/echo/v4"
)

// maxBody caps every request body (with or without Content-Length);
// Rolegate's forms are small.
const maxBody = 64 << 10

// defaultBodyTimeout is how long a client may take to send a whole body.
const defaultBodyTimeout = 10 * time.Second

// readBody reads the request's whole body before anything else looks at
// it, so that a body that does not arrive whole is answered for what it
// is instead of as an empty form: 413 when it is larger than maxBody,
// announced or not (chunked), and 408 when it takes longer than the body
// deadline, however steadily it trickles. The form parsers then read the
// copy in memory.
func (h *Handler) readBody(next echo.HandlerFunc) echo.HandlerFunc {
	timeout := h.bodyTTL
	if timeout <= 0 {
		timeout = defaultBodyTimeout
	}
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		if r.ContentLength > maxBody {
			return bodyError(c, http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes", r.ContentLength))
		}
		w := c.Response().Writer
		rc := http.NewResponseController(w)
		// Not every writer supports deadlines (httptest recorders): the
		// server's ReadTimeout still bounds the body there.
		deadline := rc.SetReadDeadline(time.Now().Add(timeout)) == nil
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if deadline {
			// Lift it again: net/http goes on reading the connection to
			// notice a client that hangs up, and a deadline left in place
			// would cancel the request while it is being handled.
			_ = rc.SetReadDeadline(time.Time{})
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			return bodyError(c, http.StatusRequestEntityTooLarge, err)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return bodyError(c, http.StatusRequestTimeout, err)
		case err != nil:
			return bodyError(c, http.StatusBadRequest, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		return next(c)
	}
}

// bodyError answers a body that could not be read whole and closes the
// connection, whose state is unknown. net/http cancels the request's
// context when reading its body fails; the answer is still rendered.
func bodyError(c echo.Context, status int, err error) error {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithoutCancel(r.Context())))
	c.Response().Header().Set(echo.HeaderConnection, "close")
	return httpError(status, "", fmt.Errorf("reading the request body: %w", err))
}
