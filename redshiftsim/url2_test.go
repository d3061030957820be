package redshiftsim_test

import "net/url"

// url2 is a single-valued form, easy to edit in table tests.
type url2 map[string]string

func (u url2) encode() string {
	v := url.Values{}
	for k, x := range u {
		v.Set(k, x)
	}
	return v.Encode()
}
