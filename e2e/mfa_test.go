//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"rolegate/internal/auth"
)

// The two-factor tests run on the plain server (needPlain): in demo mode
// admins sign in with their password alone.

// TestEnrolmentQRCodeReadsAsTheURIShown: an admin's first sign-in shows
// the enrolment page; its QR code, decoded from the PNG the page shows,
// reads exactly as the otpauth URI printed beside it, which carries the
// key printed there too. A code from that key enrols the admin and shows
// the ten recovery codes once.
func TestEnrolmentQRCodeReadsAsTheURIShown(t *testing.T) {
	srv := needPlain(t)
	b := newTab(t, plainEnrolAdmin, onServer(srv))
	b.passwordStep(plainEnrolAdmin)
	if n := b.count(`[data-testid="mfa-qr"]`); n != 1 {
		b.fail("the enrolment page shows %d QR codes", n)
	}
	src := b.attr(tid("mfa-qr"), "src")
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(src, prefix) {
		b.fail("the QR code's src is %.40q, not a PNG data: URI", src)
	}
	decoded := decodeQR(b, strings.TrimPrefix(src, prefix))
	uri := b.textContent(tid("mfa-uri"))
	secret := b.textContent(tid("mfa-secret"))
	if decoded != uri {
		b.fail("the QR code reads %q, the page shows the URI %q", decoded, uri)
	}
	if !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) || secret == "" {
		b.fail("the URI %q does not carry the key %q shown", uri, secret)
	}
	if codes := b.enrol(secret); len(codes) != auth.RecoveryCodeCount {
		b.fail("%d recovery codes shown, want %d", len(codes), auth.RecoveryCodeCount)
	}
	b.click(tid("recovery-continue"))
	b.wantSignedIn(plainEnrolAdmin)
	b.shot("mfa-enrolled")
}

// TestRecoveryCodeSignsInOnceAndNeverAgain: after enrolling, an admin
// signs in with a recovery code in place of an authenticator code; the
// same code is refused the next time, with a message saying it was used,
// and the admin is not signed in. Another unused code still works.
func TestRecoveryCodeSignsInOnceAndNeverAgain(t *testing.T) {
	srv := needPlain(t)
	b := newTab(t, plainRecoveryAdmin, onServer(srv))
	b.passwordStep(plainRecoveryAdmin)
	codes := b.enrol(b.textContent(tid("mfa-secret")))
	if len(codes) < 2 {
		b.fail("%d recovery codes shown", len(codes))
	}
	b.click(tid("recovery-continue"))
	b.wantSignedIn(plainRecoveryAdmin)
	b.signOut()

	b.passwordStep(plainRecoveryAdmin)
	if n := b.count(`[data-testid="mfa-qr"]`); n != 0 {
		b.fail("an enrolled admin is shown the enrolment QR code again")
	}
	b.secondFactor(codes[0], 200)
	b.wantSignedIn(plainRecoveryAdmin)
	b.open("/account", 200)
	if left := b.text(tid("recovery-codes-left")); left != "9" {
		b.fail("the account page says %s recovery codes are left, want 9", left)
	}
	b.signOut()

	b.passwordStep(plainRecoveryAdmin)
	b.allowStatus(401)
	b.secondFactor(codes[0], 401)
	if msg := b.text(tid("mfa-error")); !strings.Contains(msg, "already used") {
		b.fail("a used recovery code is refused with %q", msg)
	}
	if n := b.count(`[data-testid="current-user"]`); n != 0 {
		b.fail("signed in with a used recovery code")
	}
	b.shot("mfa-recovery-code-used")
	b.secondFactor(codes[1], 200)
	b.wantSignedIn(plainRecoveryAdmin)
}

// passwordStep signs in with the plain server's password and expects the
// second-factor page.
func (b *tab) passwordStep(username string) {
	b.t.Helper()
	b.open("/login", 200)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#username"), username, chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#password"), plainPassword, chromedp.NodeVisible),
	)
	b.submit(chromedp.Click(tid("sign-in"), chromedp.NodeVisible), 200)
	if !strings.Contains(b.location(), "/login/mfa") {
		b.fail("the password of admin %s led to %s, not to the second factor", username, b.location())
	}
}

// secondFactor types code on the second-factor page (each answer is a
// new page, with the field empty) and submits it.
func (b *tab) secondFactor(code string, wantStatus int) {
	b.t.Helper()
	b.do(chromedp.SendKeys(tid("mfa-code"), code, chromedp.NodeVisible))
	b.submit(chromedp.Click(tid("mfa-submit"), chromedp.NodeVisible), wantStatus)
}

// enrol types the current code of secret on the enrolment page and
// returns the recovery codes that the next page shows.
func (b *tab) enrol(secret string) []string {
	b.t.Helper()
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		b.fail("a code from the key %q: %v", secret, err)
	}
	b.secondFactor(code, 200)
	return run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="recovery-code"]')].map(e => e.textContent.trim())`))
}

// wantSignedIn checks that the header names the user.
func (b *tab) wantSignedIn(username string) {
	b.t.Helper()
	if got := b.text(tid("current-user")); !strings.Contains(strings.ToLower(got), username) {
		b.fail("the header shows %q, want %s signed in", got, username)
	}
}

// textContent is the text of the first match as written in the page,
// whatever its wrapping on screen.
func (b *tab) textContent(sel chromedp.CSS) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Evaluate[string](`document.querySelector(`+jsString(string(sel))+`)?.textContent ?? ""`)))
}

// decodeQR reads the QR code in a base64 PNG.
func decodeQR(b *tab, b64 string) string {
	b.t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		b.fail("the QR code's data is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		b.fail("the QR code is not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		b.fail("the QR code's image: %v", err)
	}
	// A generated, unrotated code with its quiet zone: the reader's
	// finder-pattern search, meant for photos, misplaces a pattern on
	// about one key in forty.
	pure := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		b.fail("the QR code does not decode: %v", err)
	}
	return res.GetText()
}
