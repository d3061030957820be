package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// problem is an RFC 9457 problem document, the body of every API error.
// Errors holds, for a refused change request, one message per field, the
// same ones the form shows next to the field. RequestID ties the answer to
// the server's log, which alone holds the details.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// problemMIME is the media type of problem documents.
const problemMIME = "application/problem+json"

// apiError is an Error for the API: the message is safe to show, err goes
// only to the log.
func apiError(status int, safe string, err error) *Error { return httpError(status, safe, err) }

// apiUnauthorized refuses a request without a usable token.
func apiUnauthorized(c echo.Context, safe string, err error) error {
	c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rolegate"`)
	return apiError(http.StatusUnauthorized, safe, err)
}

// writeProblem answers with a problem document.
func (h *Handler) writeProblem(c echo.Context, status int, detail string, fields map[string]string) error {
	title := statusTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if detail == "" {
		detail = statusMessages[status]
	}
	p := problem{
		Type: "about:blank", Title: title, Status: status, Detail: detail,
		Instance: c.Request().URL.Path, RequestID: requestIDOf(c), Errors: fields,
	}
	if len(fields) > 0 {
		p.Type = "/api/v1/openapi.json#invalid-input"
	}
	c.Response().Header().Set(echo.HeaderContentType, problemMIME)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	c.Response().WriteHeader(status)
	return jsonEncode(c.Response(), p)
}
