package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
)

// maxKeptComment bounds what the session keeps of a comment. Longer ones
// are refused by the domain anyway (change.MaxReasonLen is far below), so
// nothing typed within the limits is cut.
const maxKeptComment = 16 << 10

// keepComment keeps, in the server-side session, the comment of a POST
// that re-authentication interrupts, for the page page (where its form
// is), so that the comment is not lost on the way through /reauth. It
// never goes into a URL. A POST without a comment keeps nothing and
// forgets what an earlier one kept.
func (h *Handler) keepComment(c echo.Context, page string) error {
	s := sessionOf(c)
	if s == nil || c.Request().Method != http.MethodPost {
		return nil
	}
	comment := c.FormValue("comment")
	_, had := s.Values[auth.KeyKeptComment]
	switch {
	case comment != "" && len(comment) <= maxKeptComment:
		s.Values[auth.KeyKeptComment], s.Values[auth.KeyKeptFor] = comment, page
	case had:
		delete(s.Values, auth.KeyKeptComment)
		delete(s.Values, auth.KeyKeptFor)
	default:
		return nil
	}
	return s.Save(c.Request(), c.Response())
}

// takeKeptComment returns, once, the comment kept for page, and forgets
// it; "" when none is kept for page.
func (h *Handler) takeKeptComment(c echo.Context, page string) (string, error) {
	s := sessionOf(c)
	if s == nil {
		return "", nil
	}
	comment, _ := s.Values[auth.KeyKeptComment].(string)
	if kept, _ := s.Values[auth.KeyKeptFor].(string); comment == "" || kept != page {
		return "", nil
	}
	delete(s.Values, auth.KeyKeptComment)
	delete(s.Values, auth.KeyKeptFor)
	return comment, s.Save(c.Request(), c.Response())
}

// commentKeptFor reports whether a comment is kept for page.
func (h *Handler) commentKeptFor(c echo.Context, page string) bool {
	s := sessionOf(c)
	if s == nil {
		return false
	}
	kept, _ := s.Values[auth.KeyKeptFor].(string)
	return kept != "" && kept == page
}
