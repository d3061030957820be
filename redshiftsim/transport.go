package redshiftsim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// ClientTransport returns an http.RoundTripper for SDK clients of the
// simulator that reads each response body whole before returning, so the
// SDK's XML decoder never races a half-read loopback connection.
func ClientTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 100
	return bufferingTransport{next: t}
}

type bufferingTransport struct{ next http.RoundTripper }

func (b bufferingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}
