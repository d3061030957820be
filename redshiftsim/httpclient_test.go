package redshiftsim_test

import "net/http"

type httpClient struct{ rt http.RoundTripper }

func (c *httpClient) Do(r *http.Request) (*http.Response, error) { return c.rt.RoundTrip(r) }
