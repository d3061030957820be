package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/change"
)

// APIOptions are the dependencies of the automation API under /api/v1.
type APIOptions struct {
	// Tokens authenticates the API's requests; nil leaves the API (and the
	// token pages) out.
	Tokens *auth.Tokens
	// Rate is each token's request budget; DefaultAPIRate when zero.
	Rate APIRate
}

type apiDeps struct {
	tokens  *auth.Tokens
	apiRate *apiLimiter
	// apiListings keeps the cluster list's answers, as listings does the
	// page's.
	apiListings *listingCache
}

const (
	ctxAPIToken = "api_token"
	// apiPrefix is where the API lives; nothing under it uses sessions.
	apiPrefix = "/api/"
	// apiMaxBody is the largest API request body (a change request).
	apiMaxBody = 64 << 10
)

func (h *Handler) setupAPI(o Options) error {
	h.tokens = o.Tokens
	h.apiRate = newAPILimiter(o.Rate, time.Now)
	h.apiListings = &listingCache{}
	return nil
}

// routesAPI: every route authenticates with a bearer token (never a
// cookie), is limited per token, and acts with the token's effective role
// (its scope, never more than its user's role). The OpenAPI document is
// public. There is no approving or rejecting here: that stays a person's
// act in the browser.
func (h *Handler) routesAPI(e *echo.Echo) {
	if h.tokens == nil {
		return
	}
	// Middleware per route, not on a group: a group's middleware makes
	// echo add catch-all routes, and unknown paths already answer with a
	// problem document (errorHandler).
	const v1 = "/api/v1"
	e.GET(v1+"/openapi.json", h.apiOpenAPI, h.apiNoStore)
	read := []echo.MiddlewareFunc{h.apiAuth, h.apiLimit, h.apiRole(auth.RoleViewer), h.apiNoStore}
	request := []echo.MiddlewareFunc{h.apiAuth, h.apiLimit, h.apiRole(auth.RoleRequester), h.apiNoStore}
	if h.inv != nil {
		e.GET(v1+"/clusters", h.apiClusterList, read...)
		e.GET(v1+"/clusters/:account/:region/:cluster", h.apiClusterShow, read...)
		e.GET(v1+"/clusters/:account/:region/:cluster/snapshot", h.apiClusterSnapshot, read...)
		e.POST(v1+"/clusters/:account/:region/:cluster/changes", h.apiChangeCreate, request...)
	}
	if h.inv != nil {
		// A set may be chosen by the cluster list's filter.
		e.POST(v1+"/bulk", h.apiBulkCreate, request...)
	}
	e.GET(v1+"/bulk", h.apiBulkList, read...)
	e.GET(v1+"/bulk/:id", h.apiBulkShow, read...)
	e.GET(v1+"/changes/:id", h.apiChangeShow, read...)
	e.POST(v1+"/changes/:id/cancel", h.apiChangeCancel, request...)
	e.GET(v1+"/audit/events", h.apiAuditList, read...)
	e.GET(v1+"/audit/events.jsonl", h.apiAuditStream, read...)
}

// isAPI reports whether the request is one of the API's.
func isAPI(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, apiPrefix) }

// apiNoStore marks every API answer as not to be cached.
func (h *Handler) apiNoStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// bearerToken is the request's Authorization bearer token, "" when none.
func bearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// apiAuth authenticates the request by its bearer token. A request that
// carries a session cookie is refused whether or not it has a token: the
// API is never reached with a browser's ambient credentials, so it needs
// no CSRF token.
func (h *Handler) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if _, err := r.Cookie(h.cookieName); err == nil {
			return apiUnauthorized(c, "The API does not accept a session cookie; send an API token as Authorization: Bearer.", nil)
		}
		secret := bearerToken(r)
		if secret == "" {
			return apiUnauthorized(c, "Send an API token as Authorization: Bearer.", nil)
		}
		if busy, wait := h.apiRate.guessing(c.RealIP()); busy {
			return tooMany(c, wait, "Too many requests with tokens that are not valid came from your address; wait for the time in Retry-After.")
		}
		tk, u, err := h.tokens.Authenticate(r.Context(), secret)
		switch {
		case errors.Is(err, auth.ErrTokenExpired), errors.Is(err, auth.ErrTokenRevoked):
			h.apiRecord(c, &apiCaller{token: tk, user: u}, audit.TokenRefused, map[string]any{
				"token_id": tk.ID, "path": r.URL.Path, "reason": err.Error(),
			})
			return apiUnauthorized(c, "This API token "+strings.TrimPrefix(err.Error(), "the token ")+".", err)
		case errors.Is(err, auth.ErrTokenInvalid):
			h.apiRate.failed(c.RealIP())
			h.log.Warn("api token refused", "request_id", requestIDOf(c), "path", r.URL.Path, "client_ip", c.RealIP())
			return apiUnauthorized(c, "This API token is not valid.", err)
		case err != nil:
			return err
		}
		c.Set(ctxAPIToken, &apiCaller{token: tk, user: u})
		return next(c)
	}
}

// apiCaller is who calls the API: the token and its user.
type apiCaller struct {
	token *auth.Token
	user  *auth.User
}

// role is what the caller may do: the token's scope within the user's role.
func (a *apiCaller) role() auth.Role { return a.token.Scope.Role(a.user.Role) }

func callerOf(c echo.Context) *apiCaller {
	a, _ := c.Get(ctxAPIToken).(*apiCaller)
	return a
}

// apiRole refuses, with 403 and an audit event, a token whose effective
// role does not include min.
func (h *Handler) apiRole(min auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := callerOf(c)
			if a == nil {
				return apiUnauthorized(c, "Send an API token as Authorization: Bearer.", nil)
			}
			if !a.role().AtLeast(min) {
				h.apiRecord(c, a, audit.AccessDenied, map[string]any{
					"method": c.Request().Method, "path": c.Request().URL.Path, "route": c.Path(), "needs": string(min),
					"token_id": a.token.ID, "scope": string(a.token.Scope),
				})
				msg := "This token's scope does not allow this: it needs a request token of a user who may request changes."
				return apiError(http.StatusForbidden, msg, fmt.Errorf("token %d acts as %s, below %s", a.token.ID, a.role(), min))
			}
			return next(c)
		}
	}
}

// apiActor is the caller as the change service sees them, with the
// token's effective role.
func apiActor(c echo.Context) change.Actor {
	a := callerOf(c)
	if a == nil {
		return change.Actor{}
	}
	return change.Actor{ID: a.user.ID, Username: a.user.Username, Name: a.user.DisplayName, Role: a.role(), TokenID: a.token.ID}
}

// apiAuditOrigin is auditOrigin for an API request: the token (which
// the actor names too) stands where a browser's session hash goes.
func (h *Handler) apiAuditOrigin(c echo.Context) audit.Origin {
	o := h.auditOrigin(c)
	if a := callerOf(c); a != nil {
		o.SessionHash = a.token.AuditRef()
	}
	return o
}

// apiAuditActor is the caller as an audit actor, with the token's
// effective role.
func apiAuditActor(a *apiCaller) audit.Actor {
	return audit.Actor{UserID: a.user.ID, Username: a.user.Username, Role: string(a.role()), TokenID: a.token.ID}
}

// apiRecord writes a refusal of the caller's request to the audit log,
// naming the token; a failure to record is logged.
func (h *Handler) apiRecord(c echo.Context, a *apiCaller, action audit.Action, params map[string]any) {
	o := h.auditOrigin(c)
	o.SessionHash = a.token.AuditRef()
	_, err := h.audit.Record(context.WithoutCancel(c.Request().Context()), audit.Event{
		Actor: apiAuditActor(a), Origin: o, Action: action, Outcome: audit.Failure, Params: audit.Params(params),
	})
	if err != nil {
		h.log.Error("audit record failed", "request_id", requestIDOf(c), "action", string(action), "err", err)
	}
}

// refuseTokenOnPages refuses a page request that carries an API token:
// tokens work only under /api/, and a page never acts on one.
func (h *Handler) refuseTokenOnPages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if skipAccess(c) || bearerToken(c.Request()) == "" {
			return next(c)
		}
		h.record(c, audit.AccessDenied, audit.Failure, map[string]any{
			"method": c.Request().Method, "path": c.Request().URL.Path, "reason": "api token on a page",
		})
		return httpError(http.StatusForbidden, "API tokens work only under /api/v1; pages need a sign-in.", nil)
	}
}

// apiBind decodes a JSON body into v, refusing another media type,
// unknown members and trailing data.
func apiBind(c echo.Context, v any) error {
	r := c.Request()
	if r.ContentLength > apiMaxBody {
		return apiError(http.StatusRequestEntityTooLarge, "The request body is larger than 64 KiB.", nil)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return apiError(http.StatusUnsupportedMediaType, "Send the request body as application/json.", err)
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, apiMaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError(http.StatusBadRequest, "The request body is not the JSON object this endpoint takes: "+jsonProblem(err)+".", err)
	}
	if dec.More() {
		return apiError(http.StatusBadRequest, "The request body holds more than one JSON value.", nil)
	}
	return nil
}

// jsonProblem says what is wrong with a body without echoing it.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("member %q should be %s", te.Field, te.Type.Kind())
	}
	return "not an object of the members it takes"
}

// apiJSONResponse writes v as JSON.
func apiJSONResponse(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(status)
	return jsonEncode(c.Response(), v)
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
