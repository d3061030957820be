package handlers

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

func roleNames() []string {
	var out []string
	for _, r := range auth.Roles() {
		out = append(out, string(r))
	}
	return out
}

func (h *Handler) userRow(ctx context.Context, u *auth.User) pages.UserRow {
	n, _ := h.sessions.CountUserSessions(ctx, u.ID)
	return pages.UserRow{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		Disabled: u.Disabled, MFA: u.MFAEnrolled, Sessions: n, Created: u.CreatedAt.UTC().Format(time.DateTime) + " UTC",
	}
}

func (h *Handler) adminUsersView(c echo.Context, form pages.NewUserForm) (pages.UsersPage, error) {
	ctx := c.Request().Context()
	list, err := h.users.List(ctx)
	if err != nil {
		return pages.UsersPage{}, err
	}
	p := pages.UsersPage{Roles: roleNames(), Form: form}
	for _, u := range list {
		p.Users = append(p.Users, h.userRow(ctx, u))
	}
	return p, nil
}

func (h *Handler) adminUsers(c echo.Context) error {
	p, err := h.adminUsersView(c, pages.NewUserForm{Role: string(auth.RoleViewer)})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.Users(p))
}

func (h *Handler) adminUserCreate(c echo.Context) error {
	f := pages.NewUserForm{
		Username:    c.FormValue("username"),
		DisplayName: c.FormValue("display_name"),
		Role:        c.FormValue("role"),
	}
	password := c.FormValue("password")
	role, rerr := auth.ParseRole(f.Role)
	switch {
	case auth.CheckUsername(f.Username) != nil:
		f.Errors.Username = auth.ErrInvalidUsername.Error()
	case f.DisplayName != "" && auth.CheckDisplayName(f.DisplayName) != nil:
		f.Errors.DisplayName = auth.ErrInvalidName.Error()
	case rerr != nil:
		f.Errors.Role = "Choose one of the roles."
	}
	if err := auth.CheckPassword(password, f.Username); err != nil {
		f.Errors.Password = err.Error()
	}
	if f.Errors == (pages.NewUserErrors{}) {
		ctx := c.Request().Context()
		err := h.users.DB().Tx(ctx, func(tx *sql.Tx) error {
			u, err := h.users.Create(ctx, tx, f.Username, f.DisplayName, role, password)
			if err != nil {
				return err
			}
			return h.appendUserEvent(ctx, tx, c, h.auditActor(c), audit.UserCreated, u, map[string]any{"role": string(role)})
		})
		switch {
		case errors.Is(err, auth.ErrUsernameTaken):
			f.Errors.Username = "This username is taken."
		case err != nil:
			return err
		default:
			h.addFlash(c, "success", "User "+f.Username+" created.")
			return seeOther(c, "/admin/users")
		}
	}
	p, err := h.adminUsersView(c, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusUnprocessableEntity, pages.Users(p))
}

// targetUser is the user named by :id, re-read for every request.
func (h *Handler) targetUser(c echo.Context) (*auth.User, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, httpError(http.StatusNotFound, "", err)
	}
	u, err := h.users.ByID(c.Request().Context(), id)
	if errors.Is(err, auth.ErrNotFound) {
		return nil, httpError(http.StatusNotFound, "", err)
	}
	return u, err
}

func (h *Handler) adminUser(c echo.Context) error {
	u, err := h.targetUser(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.UserDetail(pages.UserPage{User: h.userRow(c.Request().Context(), u), Roles: roleNames()}))
}

// userChange runs change and its audit event in one transaction, then
// answers with a flash and a redirect to the user's page; a refused change
// (the last admin) answers 409 with the page and the reason.
func (h *Handler) userChange(c echo.Context, action audit.Action, done string, extra map[string]any,
	change func(ctx context.Context, tx *sql.Tx, u *auth.User) error) error {
	u, err := h.targetUser(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = h.users.DB().Tx(ctx, func(tx *sql.Tx) error {
		if err := change(ctx, tx, u); err != nil {
			return err
		}
		return h.appendUserEvent(ctx, tx, c, h.auditActor(c), action, u, extra)
	})
	var pe passwordErr
	switch {
	case errors.Is(err, auth.ErrLastAdmin):
		return h.render(c, http.StatusConflict, pages.UserDetail(pages.UserPage{User: h.userRow(ctx, u), Roles: roleNames(), Error: auth.ErrLastAdmin.Error()}))
	case errors.As(err, &pe):
		return h.render(c, http.StatusUnprocessableEntity, pages.UserDetail(pages.UserPage{User: h.userRow(ctx, u), Roles: roleNames(), PasswordError: pe.msg}))
	case err != nil:
		return err
	}
	h.addFlash(c, "success", done)
	return seeOther(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

type passwordErr struct{ msg string }

func (e passwordErr) Error() string { return e.msg }

func (h *Handler) adminUserRole(c echo.Context) error {
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return httpError(http.StatusUnprocessableEntity, "Choose one of the roles.", err)
	}
	return h.userChange(c, audit.UserRoleChanged, "Role changed to "+string(role)+".", map[string]any{"role": string(role)},
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			return h.users.SetRole(ctx, tx, u.ID, role)
		})
}

func (h *Handler) adminUserDisable(c echo.Context) error {
	return h.userChange(c, audit.UserDisabled, "User disabled; their sessions have ended.", nil,
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			return h.users.SetDisabled(ctx, tx, u.ID, true)
		})
}

func (h *Handler) adminUserEnable(c echo.Context) error {
	return h.userChange(c, audit.UserEnabled, "User enabled.", nil,
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			return h.users.SetDisabled(ctx, tx, u.ID, false)
		})
}

func (h *Handler) adminUserPassword(c echo.Context) error {
	pw := c.FormValue("password")
	return h.userChange(c, audit.UserPasswordReset, "Password reset; their sessions have ended.", nil,
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			if err := auth.CheckPassword(pw, u.Username); err != nil {
				return passwordErr{err.Error()}
			}
			return h.users.SetPassword(ctx, tx, u.ID, pw)
		})
}

func (h *Handler) adminUserEndSessions(c echo.Context) error {
	return h.userChange(c, audit.SessionsEnded, "All their sessions have ended.", nil,
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			return auth.EndSessions(ctx, tx, u.ID)
		})
}

func (h *Handler) adminUserResetMFA(c echo.Context) error {
	return h.userChange(c, audit.UserMFAReset, "Second factor reset; they enrol again at their next sign-in.", nil,
		func(ctx context.Context, tx *sql.Tx, u *auth.User) error {
			if err := h.users.SetMFASecret(ctx, tx, u.ID, ""); err != nil {
				return err
			}
			return auth.EndSessions(ctx, tx, u.ID)
		})
}

func (h *Handler) accountPage(c echo.Context) error {
	u := authUserOf(c)
	ctx := c.Request().Context()
	return h.render(c, http.StatusOK, pages.Account(pages.AccountPage{User: h.userRow(ctx, u), Notify: h.notifyPrefsForm(ctx, u.ID)}))
}

// accountPassword changes the user's own password after checking the
// current one; every session of the user ends and this one is renewed.
func (h *Handler) accountPassword(c echo.Context) error {
	u := authUserOf(c)
	ctx := c.Request().Context()
	p := pages.AccountPage{User: h.userRow(ctx, u), Notify: h.notifyPrefsForm(ctx, u.ID)}
	try := h.signInAttempt(c, u.Username)
	if !h.throttle.allowed(try) {
		p.CurrentError = msgThrottled
		return h.render(c, http.StatusTooManyRequests, pages.Account(p))
	}
	if !u.CheckPassword(c.FormValue("current")) {
		h.throttle.failed(try)
		p.CurrentError = "Wrong password."
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	}
	pw := c.FormValue("password")
	if err := auth.CheckPassword(pw, u.Username); err != nil {
		p.NewError = err.Error()
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	}
	err := h.users.DB().Tx(ctx, func(tx *sql.Tx) error {
		if err := h.users.SetPassword(ctx, tx, u.ID, pw); err != nil {
			return err
		}
		return h.appendUserEvent(ctx, tx, c, h.auditActor(c), audit.UserPasswordChanged, u, nil)
	})
	if err != nil {
		return err
	}
	s := h.newSession(c)
	s.Values[auth.KeyUserID] = u.ID
	s.Values[auth.KeyAuthTime] = h.sessions.Now().Unix()
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	h.addFlash(c, "success", "Password changed. Your other sessions have ended.")
	return seeOther(c, "/account")
}
