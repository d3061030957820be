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

// sweep forgets full buckets, which carry no information. Called with mu
// held.
func (t *loginThrottle) sweep(now time.Time) {
	if now.Sub(t.lastSwp) < time.Minute && len(t.accounts)+len(t.ips) < 100000 {
		return
	}
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

// allowed reports whether a sign-in attempt may be checked at all. It adds
// nothing to the maps: only failures do, so a stream of distinct usernames
// is bounded by the per-IP limit.
func (t *loginThrottle) allowed(username, ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if a := t.accounts[strings.ToLower(username)]; a != nil && a.TokensAt(now) < 1 {
		return false
	}
	if i := t.ips[ip]; i != nil && i.TokensAt(now) < 1 {
		return false
	}
	return true
}

// failed takes a token from the account's and the IP's buckets.
func (t *loginThrottle) failed(username, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.sweep(now)
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
	a.AllowN(now, 1)
	i.AllowN(now, 1)
}
