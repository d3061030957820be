package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/internal/store"
	"rolegate/views/pages"
)

// Error is an error with an HTTP status and a message that is safe to show;
// Err, the cause, goes only to the log.
type Error struct {
	Status int
	Safe   string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Safe + ": " + e.Err.Error()
	}
	return e.Safe
}

func (e *Error) Unwrap() error { return e.Err }

// httpError builds an Error.
func httpError(status int, safe string, err error) *Error {
	return &Error{Status: status, Safe: safe, Err: err}
}

var statusTitles = map[int]string{
	http.StatusBadRequest:            "Bad request",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusRequestTimeout:        "Too slow",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusUnprocessableEntity:   "Cannot process this input",
	http.StatusTooManyRequests:       "Too many requests",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
}

var statusMessages = map[int]string{
	http.StatusBadRequest:            "The request could not be understood.",
	http.StatusForbidden:             "You are not allowed to do this.",
	http.StatusNotFound:              "There is nothing at this address.",
	http.StatusMethodNotAllowed:      "This address does not accept that kind of request.",
	http.StatusRequestTimeout:        "What you sent arrived too slowly, so Rolegate stopped waiting for it. Nothing was changed; try again.",
	http.StatusConflict:              "This conflicts with the current state; reload the page and try again.",
	http.StatusRequestEntityTooLarge: "What you sent is larger than Rolegate accepts (64 KiB for a form).",
	http.StatusUnprocessableEntity:   "Some of what you sent is not valid.",
	http.StatusTooManyRequests:       "Too many attempts; wait a moment and try again.",
	http.StatusInternalServerError:   "Rolegate hit an unexpected error. Nothing was changed by this request unless a page says so.",
	http.StatusServiceUnavailable:    "Rolegate is busy or a dependency is unavailable; try again shortly.",
}

// classify maps any error to a status and a safe message.
func classify(err error) (int, string) {
	var he *Error
	if errors.As(err, &he) {
		msg := he.Safe
		if msg == "" {
			msg = statusMessages[he.Status]
		}
		return he.Status, msg
	}
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		if ee.Code == http.StatusBadRequest {
			return ee.Code, statusMessages[ee.Code]
		}
		if _, ok := statusMessages[ee.Code]; ok {
			return ee.Code, statusMessages[ee.Code]
		}
		return ee.Code, http.StatusText(ee.Code)
	}
	if errors.Is(err, store.ErrBusy) {
		return http.StatusServiceUnavailable, statusMessages[http.StatusServiceUnavailable]
	}
	if errors.Is(err, context.Canceled) {
		return 499, "The request was cancelled."
	}
	return http.StatusInternalServerError, statusMessages[http.StatusInternalServerError]
}

// errorHandler is echo's one HTTPErrorHandler: it renders the error page
// with a safe message and the request ID, and logs the detail.
func (h *Handler) errorHandler(err error, c echo.Context) {
	status, msg := classify(err)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	if status != http.StatusNotFound {
		h.log.Log(c.Request().Context(), level, "request failed",
			"request_id", requestIDOf(c), "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", status, "err", err)
	}
	if c.Response().Committed {
		return
	}
	title := statusTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if status == 499 {
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if isAPI(c) {
		if perr := h.writeProblem(c, status, msg, nil); perr != nil {
			h.log.Warn("writing a problem document failed", "request_id", requestIDOf(c), "err", perr)
		}
		return
	}
	if rerr := h.render(c, status, pages.Error(pages.ErrorPage{Status: status, Title: title, Message: msg})); rerr != nil {
		h.log.Error("rendering the error page failed", "request_id", requestIDOf(c), "err", rerr)
		_ = c.String(http.StatusInternalServerError, "Internal error. Request ID: "+requestIDOf(c))
	}
}
