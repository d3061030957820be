package handlers

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// APIRate is each token's request budget: Burst requests at once, then
// one every Every. It uses the buckets of the sign-in throttle.
type APIRate struct {
	Burst int
	Every time.Duration
}

// DefaultAPIRate allows 60 requests at once and then 10 a second, per
// token: plenty for a pipeline polling a few requests, and a bound on one
// that loops.
func DefaultAPIRate() APIRate { return APIRate{Burst: 60, Every: 100 * time.Millisecond} }

type apiLimiter struct {
	now    func() time.Time
	mu     sync.Mutex
	tokens *bucketSet
	// failures bounds, per client address, requests with a token that is
	// not one (as the sign-in throttle's address bucket does for
	// passwords): 30, then one every 10 s.
	failures *bucketSet
	lastSwp  time.Time
}

func newAPILimiter(r APIRate, now func() time.Time) *apiLimiter {
	if r.Burst <= 0 || r.Every <= 0 {
		r = DefaultAPIRate()
	}
	return &apiLimiter{now: now, tokens: newBucketSet(r.Burst, r.Every), failures: newBucketSet(30, 10*time.Second)}
}

// guessing reports whether the address has used up its failures, and how
// long until it may try again.
func (l *apiLimiter) guessing(ip string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.failures.empty(ip, now) {
		return false, 0
	}
	return true, time.Duration((1 - l.failures.m[ip].TokensAt(now)) * float64(l.failures.every))
}

// failed takes one of the address's failures.
func (l *apiLimiter) failed(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures.take(ip, l.now())
}

// allow takes one request from the token's bucket; when it is empty it
// says how long until the next request is allowed.
func (l *apiLimiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSwp) >= time.Minute || len(l.tokens.m)+len(l.failures.m) > 100000 {
		l.tokens.sweep(now)
		l.failures.sweep(now)
		l.lastSwp = now
	}
	if l.tokens.empty(key, now) {
		have := l.tokens.m[key].TokensAt(now)
		wait := time.Duration((1 - have) * float64(l.tokens.every))
		return false, wait
	}
	l.tokens.take(key, now)
	return true, 0
}

// apiLimit refuses, with 429 and Retry-After, a token over its budget.
func (h *Handler) apiLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := callerOf(c)
		if a == nil {
			return next(c)
		}
		ok, wait := h.apiRate.allow(strconv.FormatInt(a.token.ID, 10))
		if ok {
			return next(c)
		}
		return tooMany(c, wait, "This token has sent too many requests; wait for the time in Retry-After and try again.")
	}
}

// tooMany answers 429 with Retry-After in whole seconds.
func tooMany(c echo.Context, wait time.Duration, msg string) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return apiError(http.StatusTooManyRequests, msg, nil)
}
