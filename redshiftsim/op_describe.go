package redshiftsim

import (
	"encoding/base64"
	"strings"
)

// describeClusters implements DescribeClusters: one cluster by identifier,
// or every cluster of the caller's account in the region in identifier order, filtered by tags and
// paged by MaxRecords (20–100, default 100) with an opaque Marker.
func (s *Sim) describeClusters(at place, p params, w *xw) *apiError {
	id := p.str("ClusterIdentifier")
	marker := p.str("Marker")
	if id != "" && marker != "" {
		return errCombination("Specify either ClusterIdentifier or Marker, but not both.")
	}
	max, set, err := p.integer("MaxRecords")
	if err != nil {
		return err.(*apiError)
	}
	if !set {
		max = 100
	} else if max < 20 || max > 100 {
		return errInvalidValue("MaxRecords must be between 20 and 100; %d was given.", max)
	}
	keys, _, lerr := p.list("TagKeys", "TagKey")
	if lerr != nil {
		return lerr.(*apiError)
	}
	values, _, lerr := p.list("TagValues", "TagValue")
	if lerr != nil {
		return lerr.(*apiError)
	}
	after := ""
	if marker != "" {
		a, ok := decodeMarker(at, marker)
		if !ok {
			return errInvalidValue("The marker %s is not valid.", marker)
		}
		after = a
	}

	s.mu.Lock()
	var page []*cluster
	next := ""
	if id != "" {
		c, ok := s.lookup(at, id)
		if !ok {
			s.mu.Unlock()
			return errClusterNotFound(id)
		}
		if tagsMatch(c, keys, values) {
			page = append(page, c)
		}
	} else {
		for _, c := range s.all(at) {
			if c.id <= after || !tagsMatch(c, keys, values) {
				continue
			}
			if len(page) == max {
				next = encodeMarker(at, page[len(page)-1].id)
				break
			}
			page = append(page, c)
		}
	}
	if len(page) == 0 {
		w.empty("Clusters")
	} else {
		size := 64
		for _, c := range page {
			size += len(s.rendered(c))
		}
		w.Grow(size)
		w.open("Clusters")
		for _, c := range page {
			w.Write(s.rendered(c))
		}
		w.close("Clusters")
	}
	s.mu.Unlock()
	if next != "" {
		w.text("Marker", next)
	}
	return nil
}

// rendered returns the cached <Cluster> XML of c. s.mu is held.
func (s *Sim) rendered(c *cluster) []byte {
	if c.xml == nil {
		snap := c.snapshot(&s.o)
		var w xw
		w.cluster(&snap)
		c.xml = w.Bytes()
	}
	return c.xml
}

// tagsMatch applies the TagKeys/TagValues filters: with both, a tag must
// match a key and a value; with one, a tag must match it; with neither,
// every cluster matches.
func tagsMatch(c *cluster, keys, values []string) bool {
	if len(keys) == 0 && len(values) == 0 {
		return true
	}
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for _, t := range c.tags {
		if in(keys, t.Key) && in(values, t.Value) {
			return true
		}
	}
	return false
}

const markerPrefix = "rs1|"

// encodeMarker names the last cluster of a page. A marker is good only in
// the account and region that gave it.
func encodeMarker(at place, after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(markerPrefix + at.account + "|" + at.region + "|" + after))
}

func decodeMarker(at place, m string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil {
		return "", false
	}
	rest, ok := strings.CutPrefix(string(b), markerPrefix)
	if !ok {
		return "", false
	}
	parts := strings.SplitN(rest, "|", 3)
	if len(parts) != 3 || parts[0] != at.account || parts[1] != at.region || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}
