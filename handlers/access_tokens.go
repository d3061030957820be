package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// routesTokens: a user makes and revokes their own API tokens on the
// account page; an admin makes service accounts and their tokens.
func (h *Handler) routesTokens(e *echo.Echo) {
	if h.tokens == nil {
		return
	}
	viewer := h.requireRole(auth.RoleViewer)
	admin := h.requireRole(auth.RoleAdmin)
	e.POST("/account/tokens", h.accountTokenCreate, viewer)
	e.POST("/account/tokens/:token/revoke", h.accountTokenRevoke, viewer)
	e.POST("/admin/service-accounts", h.adminServiceAccountCreate, admin)
	e.POST("/admin/users/:id/tokens", h.adminTokenCreate, admin)
	e.POST("/admin/users/:id/tokens/:token/revoke", h.adminTokenRevoke, admin)
}

// tokenSection is the tokens card of owner, whose forms post under base.
func (h *Handler) tokenSection(ctx context.Context, owner *auth.User, base string, form pages.NewTokenForm, loc *time.Location) (pages.TokenSection, error) {
	s := pages.TokenSection{Base: base, Owner: owner.Username, MaxDays: h.tokens.MaxDays(), Form: form}
	for _, sc := range auth.ScopesFor(owner.Role) {
		s.Scopes = append(s.Scopes, string(sc))
	}
	if s.Form.Days == "" {
		s.Form.Days = strconv.Itoa(min(30, s.MaxDays))
	}
	list, err := h.tokens.List(ctx, owner.ID)
	if err != nil {
		return s, err
	}
	now := time.Now()
	for _, t := range list {
		row := pages.TokenRow{
			ID: t.ID, Name: t.Name, Scope: string(t.Scope), Prefix: t.Prefix,
			Created: fmtWhen(t.CreatedAt, loc).Text, Expires: fmtWhen(t.ExpiresAt, loc).Text, LastUsed: "never", Status: "active",
		}
		if !t.LastUsed.IsZero() {
			row.LastUsed = fmtWhen(t.LastUsed, loc).Text
		}
		switch err := t.Usable(now); {
		case errors.Is(err, auth.ErrTokenRevoked):
			row.Status = "revoked"
		case errors.Is(err, auth.ErrTokenExpired):
			row.Status = "expired"
		default:
			row.RevokeURL = base + "/" + strconv.FormatInt(t.ID, 10) + "/revoke"
		}
		s.Tokens = append(s.Tokens, row)
	}
	return s, nil
}

// tokenForm reads the new-token form as typed.
func tokenForm(c echo.Context) (pages.NewTokenForm, auth.NewToken) {
	f := pages.NewTokenForm{Name: c.FormValue("name"), Scope: c.FormValue("scope"), Days: strings.TrimSpace(c.FormValue("days"))}
	days, err := strconv.Atoi(f.Days)
	if err != nil {
		days = 0
	}
	return f, auth.NewToken{Name: f.Name, Scope: auth.Scope(f.Scope), Days: days}
}

// createToken makes the token of the form for owner and shows its secret
// once; a refused form comes back with 422 from page(form).
func (h *Handler) createToken(c echo.Context, owner *auth.User, next string, page func(pages.NewTokenForm) error) error {
	f, n := tokenForm(c)
	secret, tk, err := h.tokens.Create(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), owner, n)
	var bad *auth.InvalidToken
	switch {
	case errors.As(err, &bad):
		f.NameError, f.ScopeError, f.DaysError = errText(bad.Name), errText(bad.Scope), errText(bad.Days)
		return page(f)
	case errors.Is(err, auth.ErrTokenForbidden):
		return httpError(http.StatusForbidden, "", err)
	case err != nil:
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return h.render(c, http.StatusOK, pages.NewToken(pages.NewTokenPage{Name: tk.Name, Scope: string(tk.Scope), Secret: secret, Next: next}))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func tokenParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("token"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpError(http.StatusNotFound, "", err)
	}
	return id, nil
}

// revokeToken revokes owner's token named in the path.
func (h *Handler) revokeToken(c echo.Context, owner *auth.User, back string) error {
	id, err := tokenParam(c)
	if err != nil {
		return err
	}
	err = h.tokens.Revoke(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), owner, id)
	switch {
	case errors.Is(err, auth.ErrTokenNotFound):
		return httpError(http.StatusNotFound, "There is no such token.", err)
	case errors.Is(err, auth.ErrTokenForbidden):
		return httpError(http.StatusForbidden, "", err)
	case err != nil:
		return err
	}
	h.addFlash(c, "success", "The token was revoked; it no longer works.")
	return seeOther(c, back)
}

func (h *Handler) accountTokenCreate(c echo.Context) error {
	u := authUserOf(c)
	return h.createToken(c, u, "/account", func(f pages.NewTokenForm) error {
		ctx := c.Request().Context()
		p, err := h.accountView(c, u)
		if err != nil {
			return err
		}
		if p.Tokens, err = h.tokenSection(ctx, u, "/account/tokens", f, zoneOf(c)); err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	})
}

func (h *Handler) accountTokenRevoke(c echo.Context) error {
	return h.revokeToken(c, authUserOf(c), "/account")
}

// serviceTarget is the service account named by :id (404 for a person).
func (h *Handler) serviceTarget(c echo.Context) (*auth.User, error) {
	u, err := h.targetUser(c)
	if err != nil {
		return nil, err
	}
	svc, err := h.users.IsService(c.Request().Context(), u.ID)
	if err != nil {
		return nil, err
	}
	if !svc {
		return nil, httpError(http.StatusNotFound, "Only service accounts have tokens made by an admin; people make their own on their account page.", nil)
	}
	return u, nil
}

// adminUserPage is a user's admin page, with the tokens of a service
// account.
func (h *Handler) adminUserPage(c echo.Context, u *auth.User, status int, form pages.NewTokenForm) error {
	ctx := c.Request().Context()
	p := pages.UserPage{User: h.userRow(c, u), Roles: roleNames()}
	if h.tokens != nil {
		svc, err := h.users.IsService(ctx, u.ID)
		if err != nil {
			return err
		}
		if svc {
			p.User.Service = true
			s, err := h.tokenSection(ctx, u, userPath(u.ID)+"/tokens", form, zoneOf(c))
			if err != nil {
				return err
			}
			p.Tokens = &s
		}
	}
	return h.render(c, status, pages.UserDetail(p))
}

func userPath(id int64) string { return "/admin/users/" + strconv.FormatInt(id, 10) }

func (h *Handler) adminTokenCreate(c echo.Context) error {
	u, err := h.serviceTarget(c)
	if err != nil {
		return err
	}
	return h.createToken(c, u, userPath(u.ID), func(f pages.NewTokenForm) error {
		return h.adminUserPage(c, u, http.StatusUnprocessableEntity, f)
	})
}

func (h *Handler) adminTokenRevoke(c echo.Context) error {
	u, err := h.serviceTarget(c)
	if err != nil {
		return err
	}
	return h.revokeToken(c, u, userPath(u.ID))
}

// adminServiceAccountCreate adds a service account and goes to its page,
// where its tokens are made.
func (h *Handler) adminServiceAccountCreate(c echo.Context) error {
	f := pages.ServiceAccountForm{Username: c.FormValue("username"), DisplayName: c.FormValue("display_name"), Role: c.FormValue("role")}
	u, err := h.directory.CreateServiceAccount(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), auth.NewServiceAccount{
		Username: f.Username, DisplayName: f.DisplayName, Role: auth.Role(f.Role),
	})
	errs, refused := newUserErrors(err)
	switch {
	case refused:
		f.Errors = errs
	case err != nil:
		return err
	default:
		h.addFlash(c, "success", "Service account "+u.Username+" added. Make its API tokens here.")
		return seeOther(c, userPath(u.ID))
	}
	p, err := h.adminUsersView(c, pages.NewUserForm{Role: string(auth.RoleViewer)})
	if err != nil {
		return err
	}
	p.Service = f
	return h.render(c, http.StatusUnprocessableEntity, pages.Users(p))
}
