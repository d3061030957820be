package handlers

import "sync"

// listingCacheSize bounds how many rendered listings (one per distinct
// query) are kept for the current data version.
const listingCacheSize = 256

// listingCache keeps the rendered filters, table and pager of the cluster
// list per query, for one data version at a time: a new version empties
// it, so that nothing stale is ever served.
type listingCache struct {
	mu      sync.Mutex
	version uint64
	m       map[string]string
}

func (lc *listingCache) get(version uint64, key string) (string, bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.version != version {
		return "", false
	}
	b, ok := lc.m[key]
	return b, ok
}

func (lc *listingCache) put(version uint64, key string, b string) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.version != version || lc.m == nil || len(lc.m) >= listingCacheSize {
		if version < lc.version {
			return
		}
		lc.version, lc.m = version, map[string]string{}
	}
	lc.m[key] = b
}
