package redshiftsim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// maxListMembers bounds the index of a list member so a hostile request
// cannot make the parser allocate without limit.
const maxListMembers = 1000

// params are the Query-protocol parameters of one request.
type params struct {
	v url.Values
}

// parseQuery parses a form-encoded Query-protocol request. Repeated keys are
// refused: AWS clients never send them and their meaning would be a guess.
func parseQuery(raw string) (params, error) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return params{}, senderErr(400, "MalformedQueryString", "The query string is malformed: %v", err)
	}
	for k, vs := range v {
		if len(vs) > 1 {
			return params{}, errInvalidValue("The parameter %s is given more than once.", k)
		}
	}
	return params{v: v}, nil
}

// str returns the value of key ("" when absent).
func (p params) str(key string) string { return p.v.Get(key) }

// boolean parses an optional boolean parameter.
func (p params) boolean(key string) (val, set bool, err error) {
	s := p.str(key)
	if s == "" {
		return false, false, nil
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true, nil
	case "false":
		return false, true, nil
	}
	return false, false, errInvalidValue("Invalid value for %s: %q is not a boolean.", key, s)
}

// integer parses an optional integer parameter.
func (p params) integer(key string) (val int, set bool, err error) {
	s := p.str(key)
	if s == "" {
		return 0, false, nil
	}
	n, perr := strconv.Atoi(s)
	if perr != nil || n < -2147483648 || n > 2147483647 {
		return 0, false, errInvalidValue("Invalid value for %s: %q is not an integer.", key, s)
	}
	return n, true, nil
}

// list reads a list encoded as prefix.member.N (N from 1, in any order, no
// gaps allowed). "prefix=" with an empty value is an empty list. present
// reports whether the list was sent at all.
func (p params) list(prefix, member string) (items []string, present bool, err error) {
	if vs, ok := p.v[prefix]; ok {
		if len(vs) > 0 && vs[0] != "" {
			return nil, false, errInvalidValue("Invalid value for %s: a list is expected.", prefix)
		}
		present = true
	}
	base := prefix + "." + member + "."
	byIndex := map[int]string{}
	for k, vs := range p.v {
		if !strings.HasPrefix(k, prefix+".") {
			continue
		}
		if !strings.HasPrefix(k, base) {
			return nil, false, errInvalidValue("Unknown parameter %s.", k)
		}
		n, perr := strconv.Atoi(k[len(base):])
		if perr != nil || n < 1 || n > maxListMembers || strconv.Itoa(n) != k[len(base):] {
			return nil, false, errInvalidValue("Invalid list index in parameter %s.", k)
		}
		byIndex[n] = vs[0]
	}
	if len(byIndex) == 0 {
		if present {
			return []string{}, true, nil
		}
		return nil, false, nil
	}
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	if idx[len(idx)-1] != len(idx) {
		return nil, false, errInvalidValue("The members of %s must be numbered from 1 without gaps.", prefix)
	}
	items = make([]string, len(idx))
	for i, n := range idx {
		items[i] = byIndex[n]
	}
	return items, true, nil
}

// tags reads Tags.Tag.N.Key / Tags.Tag.N.Value.
func (p params) tags(prefix string) ([]tag, error) {
	base := prefix + ".Tag."
	type kv struct {
		key, value string
		hasK       bool
	}
	byIndex := map[int]*kv{}
	for k, vs := range p.v {
		if k == prefix && vs[0] == "" {
			continue
		}
		if k != prefix && !strings.HasPrefix(k, prefix+".") {
			continue
		}
		rest, ok := strings.CutPrefix(k, base)
		if !ok {
			return nil, errInvalidValue("Unknown parameter %s.", k)
		}
		num, field, ok := strings.Cut(rest, ".")
		n, perr := strconv.Atoi(num)
		if !ok || perr != nil || n < 1 || n > maxListMembers || strconv.Itoa(n) != num {
			return nil, errInvalidValue("Invalid list index in parameter %s.", k)
		}
		e := byIndex[n]
		if e == nil {
			e = &kv{}
			byIndex[n] = e
		}
		switch field {
		case "Key":
			e.key, e.hasK = vs[0], true
		case "Value":
			e.value = vs[0]
		default:
			return nil, errInvalidValue("Unknown parameter %s.", k)
		}
	}
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	sort.Ints(idx)
	out := make([]tag, 0, len(idx))
	for _, n := range idx {
		e := byIndex[n]
		if !e.hasK || e.key == "" {
			return nil, senderErr(400, "InvalidTagFault", "Tag %d has no key.", n)
		}
		out = append(out, tag{Key: e.key, Value: e.value})
	}
	return out, nil
}
