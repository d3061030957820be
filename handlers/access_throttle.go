package handlers

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LoginLimits bound failed sign-ins (and re-authentications and second
// factors) after OWASP's device-cookie scheme. Each failure takes a token
// from buckets chosen by who is trying; an attempt is refused while any
// of its buckets is empty.
//
// A browser that presents a valid device cookie for the account (it
// signed in as that user before) uses only its own Device bucket, so
// guesses from anywhere else never lock the owner out.
//
// Every other client shares the Account bucket of the account it tries
// (Burst + Every refill over an hour stays within 100 failures per
// account per hour), and also uses the Pair bucket of (account, address),
// which refills more slowly than the Account bucket: one address alone
// cannot keep the account's bucket empty. The IP bucket of the address
// bounds guesses spread over many accounts.
type LoginLimits struct {
	AccountBurst int
	AccountEvery time.Duration
	PairBurst    int
	PairEvery    time.Duration
	IPBurst      int
	IPEvery      time.Duration
	DeviceBurst  int
	DeviceEvery  time.Duration
}

// DefaultLoginLimits allow, for clients without a device cookie, 10 quick
// failures per account and then one every 40 s (at most 100 an hour); 10
// per account and address and then one every 2 min; 30 per address and
// then one every 10 s. A browser with a device cookie has 10 and then one
// every 40 s of its own.
func DefaultLoginLimits() LoginLimits {
	return LoginLimits{
		AccountBurst: 10, AccountEvery: 40 * time.Second,
		PairBurst: 10, PairEvery: 2 * time.Minute,
		IPBurst: 30, IPEvery: 10 * time.Second,
		DeviceBurst: 10, DeviceEvery: 40 * time.Second,
	}
}

// withDefaults fills the limits left zero from DefaultLoginLimits.
func (l LoginLimits) withDefaults() LoginLimits {
	d := DefaultLoginLimits()
	fill := func(burst *int, every *time.Duration, db int, de time.Duration) {
		if *burst <= 0 || *every <= 0 {
			*burst, *every = db, de
		}
	}
	fill(&l.AccountBurst, &l.AccountEvery, d.AccountBurst, d.AccountEvery)
	fill(&l.PairBurst, &l.PairEvery, d.PairBurst, d.PairEvery)
	fill(&l.IPBurst, &l.IPEvery, d.IPBurst, d.IPEvery)
	fill(&l.DeviceBurst, &l.DeviceEvery, d.DeviceBurst, d.DeviceEvery)
	return l
}

// bucketSet is one kind of bucket, keyed by account, pair, address or
// device.
type bucketSet struct {
	burst int
	every time.Duration
	m     map[string]*rate.Limiter
}

func newBucketSet(burst int, every time.Duration) *bucketSet {
	return &bucketSet{burst: burst, every: every, m: map[string]*rate.Limiter{}}
}

func (b *bucketSet) empty(key string, now time.Time) bool {
	l := b.m[key]
	return l != nil && l.TokensAt(now) < 1
}

func (b *bucketSet) take(key string, now time.Time) {
	l := b.m[key]
	if l == nil {
		l = rate.NewLimiter(rate.Every(b.every), b.burst)
		b.m[key] = l
	}
	l.AllowN(now, 1)
}

// sweep forgets full buckets, which carry no information.
func (b *bucketSet) sweep(now time.Time) {
	for k, l := range b.m {
		if l.TokensAt(now) >= float64(b.burst) {
			delete(b.m, k)
		}
	}
}

type loginThrottle struct {
	now      func() time.Time
	mu       sync.Mutex
	accounts *bucketSet
	pairs    *bucketSet
	ips      *bucketSet
	devices  *bucketSet
	lastSwp  time.Time
}

func newLoginThrottle(l LoginLimits, now func() time.Time) *loginThrottle {
	l = l.withDefaults()
	return &loginThrottle{
		now:      now,
		accounts: newBucketSet(l.AccountBurst, l.AccountEvery),
		pairs:    newBucketSet(l.PairBurst, l.PairEvery),
		ips:      newBucketSet(l.IPBurst, l.IPEvery),
		devices:  newBucketSet(l.DeviceBurst, l.DeviceEvery),
	}
}

// attempt is who tries to sign in as whom: the account, the client's
// address and the device ID of a valid device cookie for that account
// ("" without one).
type attempt struct {
	username string
	ip       string
	device   string
}

func (a attempt) account() string { return strings.ToLower(a.username) }
func (a attempt) pair() string    { return a.account() + "\x00" + a.ip }

// sweep is called with mu held.
func (t *loginThrottle) sweep(now time.Time) {
	n := len(t.accounts.m) + len(t.pairs.m) + len(t.ips.m) + len(t.devices.m)
	if now.Sub(t.lastSwp) < time.Minute && n < 100000 {
		return
	}
	for _, b := range []*bucketSet{t.accounts, t.pairs, t.ips, t.devices} {
		b.sweep(now)
	}
	t.lastSwp = now
}

// allowed reports whether an attempt may be checked at all. It adds
// nothing to the maps: only failures do, so a stream of distinct usernames
// is bounded by the per-address limit.
func (t *loginThrottle) allowed(a attempt) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if a.device != "" {
		return !t.devices.empty(a.device, now)
	}
	return !t.accounts.empty(a.account(), now) && !t.pairs.empty(a.pair(), now) && !t.ips.empty(a.ip, now)
}

// failed takes a token from each of the attempt's buckets.
func (t *loginThrottle) failed(a attempt) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweep(now)
	if a.device != "" {
		t.devices.take(a.device, now)
		return
	}
	t.accounts.take(a.account(), now)
	t.pairs.take(a.pair(), now)
	t.ips.take(a.ip, now)
}
