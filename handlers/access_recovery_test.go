package handlers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"rolegate/handlers"
	"rolegate/internal/auth"
)

var (
	reSecret       = regexp.MustCompile(`data-testid="mfa-secret">([A-Z2-7]+)<`)
	reRecoveryCode = regexp.MustCompile(`data-testid="recovery-code">([0-9a-z-]+)<`)
	reQR           = regexp.MustCompile(`src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*data-testid="mfa-qr"`)
)

// passwordStep signs username in with the password and expects the
// second-factor step.
func (b *browser) passwordStep(t *testing.T, username string) {
	t.Helper()
	res := b.postForm(t, "/login", url.Values{"username": {username}, "password": {testPassword(username)}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/mfa") {
		t.Fatalf("password step of %s: %d %q", username, res.StatusCode, res.Header.Get("Location"))
	}
}

// enrolAdmin creates the admin, enrols their second factor through the
// pages and returns the signed-in browser, the TOTP secret and the
// recovery codes shown.
func enrolAdmin(t *testing.T, app *testApp, username string) (*browser, string, []string) {
	t.Helper()
	app.ensureUser(t, username, auth.RoleAdmin)
	b := app.newBrowser()
	b.username = username
	b.passwordStep(t, username)
	m := reSecret.FindStringSubmatch(wantStatus(t, b.get(t, "/login/mfa"), http.StatusOK, "enrolment page"))
	if m == nil {
		t.Fatal("no key on the enrolment page")
	}
	code, _ := auth.TOTPCode(m[1], time.Now())
	res := b.postForm(t, "/login/mfa", url.Values{"code": {code}})
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("recovery codes page Cache-Control %q, want no-store", cc)
	}
	body := wantStatus(t, res, http.StatusOK, "enrolment")
	var codes []string
	for _, c := range reRecoveryCode.FindAllStringSubmatch(body, -1) {
		codes = append(codes, c[1])
	}
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	return b, m[1], codes
}

func TestEnrolmentShowsTheKeyAsAQRCodeAndLetsYouSignOut(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.adminMFA = true })
	app.ensureUser(t, "ada", auth.RoleAdmin)
	b := app.newBrowser()
	b.passwordStep(t, "ada")
	body := wantStatus(t, b.get(t, "/login/mfa"), http.StatusOK, "enrolment page")
	m := reQR.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no QR code image on the enrolment page")
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the QR code is no PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// The image is a generated, unrotated code with its quiet zone, so
	// the reader is told so: its finder-pattern search, meant for
	// photos, misplaces a pattern on about one key in forty.
	pure := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
	decoded, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		t.Fatalf("the QR code does not decode: %v", err)
	}
	secret := reSecret.FindStringSubmatch(body)[1]
	if uri := auth.TOTPURI(secret, "ada"); decoded.GetText() != uri || !strings.Contains(html.UnescapeString(body), uri) {
		t.Fatalf("the QR code reads %q, the page's URI is %q", decoded.GetText(), uri)
	}
	if !strings.Contains(body, `data-testid="mfa-sign-out"`) {
		t.Fatal("no way to sign out from the enrolment page")
	}
	res := b.postForm(t, "/logout", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?signed_out=1" {
		t.Fatalf("sign out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	res = b.get(t, "/login/mfa")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("the enrolment page after signing out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	code, _ := auth.TOTPCode(secret, time.Now())
	res = b.postForm(t, "/login/mfa", url.Values{"code": {code}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" || app.auditCount(t, "auth.mfa_enrolled") != 0 {
		t.Fatalf("enrolling after signing out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestARecoveryCodeSignsInOnceAndNeverAgain(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.adminMFA = true })
	_, _, codes := enrolAdmin(t, app, "ada")

	b := app.newBrowser()
	b.passwordStep(t, "ada")
	res := b.postForm(t, "/login/mfa", url.Values{"code": {strings.ToUpper(codes[2])}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("a recovery code: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	wantStatus(t, b.get(t, "/admin/users"), http.StatusOK, "signed in with a recovery code")
	if n := app.auditCount(t, "user.recovery_code_used"); n != 1 {
		t.Fatalf("%d recovery-code uses recorded, want 1", n)
	}
	body := wantStatus(t, b.get(t, "/account"), http.StatusOK, "account page")
	if !strings.Contains(body, `data-testid="recovery-codes-left">9<`) {
		t.Fatal("the account page does not say 9 codes are left")
	}

	again := app.newBrowser()
	again.passwordStep(t, "ada")
	body = wantStatus(t, again.postForm(t, "/login/mfa", url.Values{"code": {codes[2]}}), http.StatusUnauthorized, "a used recovery code")
	if !strings.Contains(body, "already used") {
		t.Fatal("no message for a used recovery code")
	}
	wantSignInRedirect(t, again.get(t, "/admin/users"), "after a used recovery code")
	if n := app.auditCount(t, "user.recovery_code_used"); n != 1 {
		t.Fatalf("%d recovery-code uses recorded, want still 1", n)
	}
	if strings.Contains(app.auditText(t), codes[2]) {
		t.Fatal("the audit log holds a recovery code")
	}
}

func TestRecoveryCodeGuessesAreThrottled(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) {
		o.adminMFA = true
		o.now = clock.now
		o.limits = handlers.LoginLimits{AccountBurst: 3, AccountEvery: time.Hour, PairBurst: 3, PairEvery: time.Hour, IPBurst: 100, IPEvery: time.Second}
	})
	_, _, codes := enrolAdmin(t, app, "ada")
	// A browser that never signed in as ada: the account's budget.
	b := app.newBrowser()
	b.passwordStep(t, "ada")
	for i := range 3 {
		wantStatus(t, b.postForm(t, "/login/mfa", url.Values{"code": {"0000-0000-0000-000" + string(rune('a'+i))}}), http.StatusUnauthorized, "a wrong recovery code")
	}
	wantStatus(t, b.postForm(t, "/login/mfa", url.Values{"code": {"0000-0000-0000-000z"}}), http.StatusTooManyRequests, "guessing on")
	// Even a right code waits once the budget is spent, and is not spent.
	wantStatus(t, b.postForm(t, "/login/mfa", url.Values{"code": {codes[0]}}), http.StatusTooManyRequests, "a right code while throttled")
	if n := app.auditCount(t, "user.recovery_code_used"); n != 0 {
		t.Fatalf("%d recovery codes spent while throttled", n)
	}
}

func TestNewRecoveryCodesNeedARecentPasswordAndReplaceTheOld(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.adminMFA = true; o.now = clock.now })
	b, _, old := enrolAdmin(t, app, "ada")
	clock.advance(20 * time.Minute)
	res := b.postForm(t, "/account/recovery-codes", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/reauth") {
		t.Fatalf("new codes without a recent password: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.auditCount(t, "user.recovery_codes_generated"); n != 1 {
		t.Fatalf("%d code sets recorded, want the enrolment's only", n)
	}
	res = b.postForm(t, "/reauth", url.Values{"password": {testPassword("ada")}, "next": {"/account"}})
	res.Body.Close()
	body := wantStatus(t, b.postForm(t, "/account/recovery-codes", nil), http.StatusOK, "new codes")
	fresh := reRecoveryCode.FindAllStringSubmatch(body, -1)
	if len(fresh) != auth.RecoveryCodeCount || fresh[0][1] == old[0] {
		t.Fatalf("new codes %q", fresh)
	}
	if n := app.auditCount(t, "user.recovery_codes_generated"); n != 2 {
		t.Fatalf("%d code sets recorded, want 2", n)
	}
	// A stale page's form (no CSRF token) makes nothing.
	wantStatus(t, b.postRaw(t, "/account/recovery-codes", url.Values{}, nil), http.StatusForbidden, "no CSRF token")

	other := app.newBrowser()
	other.passwordStep(t, "ada")
	wantStatus(t, other.postForm(t, "/login/mfa", url.Values{"code": {old[0]}}), http.StatusUnauthorized, "an old code")
	res = other.postForm(t, "/login/mfa", url.Values{"code": {fresh[0][1]}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a new code: %d", res.StatusCode)
	}
}

func TestRecoveryCodesAreOnlyForSecondFactors(t *testing.T) {
	app := newTestApp(t)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	body := wantStatus(t, vera.get(t, "/account"), http.StatusOK, "account page")
	if strings.Contains(body, `data-testid="recovery-regenerate"`) {
		t.Fatal("a user without a second factor is offered recovery codes")
	}
	wantStatus(t, vera.postForm(t, "/account/recovery-codes", nil), http.StatusConflict, "codes without a second factor")
}

// auditText is every event's parameters, for tests that look for what must
// never be recorded.
func (a *testApp) auditText(t *testing.T) string {
	t.Helper()
	rows, err := a.db.Reader().QueryContext(context.Background(), `SELECT params FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sb strings.Builder
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		sb.WriteString(p + "\n")
	}
	return sb.String()
}
