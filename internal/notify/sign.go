package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed webhook delivery. The scheme is Stripe's:
//
//	Rolegate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
// where the HMAC, keyed with the channel's secret, covers the timestamp, a
// dot and the raw body ("<t>.<body>"). A receiver recomputes it, compares
// in constant time, refuses a timestamp outside its tolerance (replay
// protection; Verify uses five minutes), and drops a Rolegate-Idempotency-Key
// it has already seen (a crash between sending and recording re-sends it).
const (
	HeaderSignature   = "Rolegate-Signature"
	HeaderIdempotency = "Rolegate-Idempotency-Key"
	HeaderEvent       = "Rolegate-Event"
)

// Tolerance is how old a signed timestamp Verify accepts.
const Tolerance = 5 * time.Minute

// Sign is the Rolegate-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("signature does not match")
	ErrReplayed     = errors.New("signature timestamp outside the tolerance")
)

// Verify checks a Rolegate-Signature header against body at now, as a
// receiver does.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrBadSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrReplayed
	}
	return nil
}
