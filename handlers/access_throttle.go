package handlers

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LoginLimits bound failed sign-ins. Each failure takes a token from the
// account's bucket and from the client IP's bucket; a sign-in is refused
// while either is empty. Burst + Every refill over an hour stays within 100
// failures per account per hour, and an account refills within minutes,
// so an attacker cannot lock the owner out for long.
type LoginLimits struct {
	AccountBurst int
	AccountEvery time.Duration
	IPBurst      int
	IPEvery      time.Duration
}

// DefaultLoginLimits allow 10 quick failures per account, then one every
// 40 s (at most 100 an hour), and 30 per client IP, then one every 10 s.
var DefaultLoginLimits = LoginLimits{AccountBurst: 10, AccountEvery: 40 * time.Second, IPBurst: 30, IPEvery: 10 * time.Second}

type loginThrottle struct {
	lim      LoginLimits
	mu       sync.Mutex
	accounts map[string]*rate.Limiter
	ips      map[string]*rate.Limiter
	lastSwp  time.Time
}

func newLoginThrottle(l LoginLimits) *loginThrottle {
	return &loginThrottle{lim: l, accounts: map[string]*rate.Limiter{}, ips: map[string]*rate.Limiter{}}
}

func (t *loginThrottle) limiters(username, ip string) (*rate.Limiter, *rate.Limiter) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if now.Sub(t.lastSwp) > 10*time.Minute {
		// Forget full buckets: they carry no information.
		for k, l := range t.accounts {
			if l.TokensAt(now) >= float64(t.lim.AccountBurst) {
				delete(t.accounts, k)
			}
		}
		for k, l := range t.ips {
			if l.TokensAt(now) >= float64(t.lim.IPBurst) {
				delete(t.ips, k)
			}
		}
		t.lastSwp = now
	}
	key := strings.ToLower(username)
	a := t.accounts[key]
	if a == nil {
		a = rate.NewLimiter(rate.Every(t.lim.AccountEvery), t.lim.AccountBurst)
		t.accounts[key] = a
	}
	i := t.ips[ip]
	if i == nil {
		i = rate.NewLimiter(rate.Every(t.lim.IPEvery), t.lim.IPBurst)
		t.ips[ip] = i
	}
	return a, i
}

// allowed reports whether a sign-in attempt may be checked at all.
func (t *loginThrottle) allowed(username, ip string) bool {
	a, i := t.limiters(username, ip)
	now := time.Now()
	return a.TokensAt(now) >= 1 && i.TokensAt(now) >= 1
}

// failed takes a token from both buckets.
func (t *loginThrottle) failed(username, ip string) {
	a, i := t.limiters(username, ip)
	a.Allow()
	i.Allow()
}
