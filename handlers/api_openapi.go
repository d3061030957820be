package handlers

import (
	"embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIFS holds the API's OpenAPI 3.1 description, written by hand next
// to the code; the API tests validate every request and response they see
// against it, so it cannot drift from the handlers.
//
//go:embed openapi/v1.json
var openAPIFS embed.FS

// OpenAPIDocument returns the API's OpenAPI document (for tests and tools).
func OpenAPIDocument() ([]byte, error) { return openAPIFS.ReadFile("openapi/v1.json") }

// apiOpenAPI serves the OpenAPI document; it needs no token.
func (h *Handler) apiOpenAPI(c echo.Context) error {
	doc, err := OpenAPIDocument()
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
}
