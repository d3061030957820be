package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"

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

// userRow is u as the admin pages show them, with the time they were
// created in the reader's zone.
func (h *Handler) userRow(c echo.Context, u *auth.User) pages.UserRow {
	n, _ := h.sessions.CountUserSessions(c.Request().Context(), u.ID)
	return pages.UserRow{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		Disabled: u.Disabled, MFA: u.MFAEnrolled, BreakGlass: u.BreakGlass, Sessions: n, Created: fmtWhen(u.CreatedAt, zoneOf(c)),
	}
}

func (h *Handler) adminUsersView(c echo.Context, form pages.NewUserForm) (pages.UsersPage, error) {
	ctx := c.Request().Context()
	list, err := h.users.List(ctx)
	if err != nil {
		return pages.UsersPage{}, err
	}
	p := pages.UsersPage{Roles: roleNames(), Form: form, Service: pages.ServiceAccountForm{Role: string(auth.RoleViewer)}}
	service, err := h.users.ServiceAccounts(ctx)
	if err != nil {
		return p, err
	}
	for _, u := range list {
		row := h.userRow(c, u)
		row.Service = service[u.ID]
		p.Users = append(p.Users, row)
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
	_, err := h.directory.Create(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), auth.NewUser{
		Username: f.Username, DisplayName: f.DisplayName, Role: auth.Role(f.Role), Password: c.FormValue("password"),
	})
	errs, refused := newUserErrors(err)
	switch {
	case refused:
		f.Errors = errs
	case err != nil:
		return err
	default:
		h.addFlash(c, "success", "User "+f.Username+" created.")
		return seeOther(c, "/admin/users")
	}
	p, err := h.adminUsersView(c, f)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusUnprocessableEntity, pages.Users(p))
}

// newUserErrors puts the directory's refusal of a new user on the form's
// fields: one of username, display name or role, and the password's, or
// a taken username. It reports whether err was such a refusal.
func newUserErrors(err error) (pages.NewUserErrors, bool) {
	var e pages.NewUserErrors
	var bad *auth.InvalidUser
	if errors.Is(err, auth.ErrUsernameTaken) {
		e.Username = "This username is taken."
		return e, true
	}
	if !errors.As(err, &bad) {
		return e, false
	}
	switch {
	case bad.Username != nil:
		e.Username = bad.Username.Error()
	case bad.DisplayName != nil:
		e.DisplayName = bad.DisplayName.Error()
	case bad.Role != nil:
		e.Role = "Choose one of the roles."
	}
	if bad.Password != nil {
		e.Password = bad.Password.Error()
	}
	return e, true
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
	return h.adminUserPage(c, u, http.StatusOK, pages.NewTokenForm{})
}

// userChange asks the directory for one change to the user named by :id,
// then answers with a flash and a redirect to the user's page; a refused
// change (the last admin) answers 409 with the page and the reason, a
// refused password 422.
func (h *Handler) userChange(c echo.Context, done string,
	change func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error) error {
	u, err := h.targetUser(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = change(ctx, h.auditActor(c), h.auditOrigin(c), u.ID)
	switch {
	case errors.Is(err, auth.ErrLastAdmin):
		return h.render(c, http.StatusConflict, pages.UserDetail(pages.UserPage{User: h.userRow(c, u), Roles: roleNames(), Error: auth.ErrLastAdmin.Error()}))
	case errors.Is(err, auth.ErrServiceAccount):
		return h.render(c, http.StatusConflict, pages.UserDetail(pages.UserPage{User: h.userRow(c, u), Roles: roleNames(), Error: auth.ErrServiceAccount.Error()}))
	case errors.Is(err, auth.ErrWeakPassword):
		return h.render(c, http.StatusUnprocessableEntity, pages.UserDetail(pages.UserPage{User: h.userRow(c, u), Roles: roleNames(), PasswordError: err.Error()}))
	case errors.Is(err, auth.ErrSSOUser):
		return h.render(c, http.StatusConflict, pages.UserDetail(pages.UserPage{User: h.userRow(c, u), Roles: roleNames(), PasswordError: err.Error()}))
	case err != nil:
		return err
	}
	h.addFlash(c, "success", done)
	return seeOther(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

func (h *Handler) adminUserRole(c echo.Context) error {
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return httpError(http.StatusUnprocessableEntity, "Choose one of the roles.", err)
	}
	return h.userChange(c, "Role changed to "+string(role)+".",
		func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
			return h.directory.SetRole(ctx, by, from, id, role)
		})
}

func (h *Handler) adminUserDisable(c echo.Context) error {
	return h.userChange(c, "User disabled; their sessions have ended.", h.directory.Disable)
}

func (h *Handler) adminUserEnable(c echo.Context) error {
	return h.userChange(c, "User enabled.", h.directory.Enable)
}

func (h *Handler) adminUserPassword(c echo.Context) error {
	pw := c.FormValue("password")
	return h.userChange(c, "Password reset; their sessions have ended.",
		func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
			return h.directory.SetPassword(ctx, by, from, id, pw)
		})
}

func (h *Handler) adminUserEndSessions(c echo.Context) error {
	return h.userChange(c, "All their sessions have ended.", h.directory.EndSessions)
}

func (h *Handler) adminUserResetMFA(c echo.Context) error {
	return h.userChange(c, "Second factor reset; they enrol again at their next sign-in.", h.directory.ResetMFA)
}

// accountView is the account page of u.
func (h *Handler) accountView(c echo.Context, u *auth.User) (pages.AccountPage, error) {
	ctx := c.Request().Context()
	p := pages.AccountPage{
		User:         h.userRow(c, u),
		Password:     u.HasPassword(),
		SecondFactor: pages.SecondFactorSection{Enrolled: u.MFAEnrolled},
		TimeZone:     pages.TimeZoneSection{Zone: u.TimeZone, Zones: auth.TimeZones()},
		Notify:       h.notifyPrefsForm(ctx, u.ID),
	}
	if h.tokens != nil {
		var err error
		if p.Tokens, err = h.tokenSection(ctx, u, "/account/tokens", pages.NewTokenForm{}, u.Location()); err != nil {
			return p, err
		}
	}
	if u.MFAEnrolled {
		n, err := h.users.RecoveryCodesLeft(ctx, u.ID)
		if err != nil {
			return p, err
		}
		p.SecondFactor.RecoveryCodes = n
	}
	return p, nil
}

func (h *Handler) accountPage(c echo.Context) error {
	p, err := h.accountView(c, authUserOf(c))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.Account(p))
}

// accountPassword changes the user's own password after checking the
// current one; every session of the user ends and this one is renewed.
func (h *Handler) accountPassword(c echo.Context) error {
	u := authUserOf(c)
	ctx := c.Request().Context()
	p, err := h.accountView(c, u)
	if err != nil {
		return err
	}
	if !u.HasPassword() {
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	}
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
	err = h.directory.ChangePassword(ctx, h.auditActor(c), h.auditOrigin(c), u.ID, c.FormValue("password"))
	if errors.Is(err, auth.ErrWeakPassword) {
		p.NewError = err.Error()
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	}
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
