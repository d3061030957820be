package redshiftsim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func errSignature() *apiError {
	return senderErr(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. "+
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// authParts splits a SigV4 Authorization header into its signed header
// names and signature.
func authParts(auth string) (signedHeaders []string, signature string, ok bool) {
	rest, found := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !found {
		return nil, "", false
	}
	for _, f := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		switch k {
		case "SignedHeaders":
			signedHeaders = strings.Split(v, ";")
		case "Signature":
			signature = v
		}
	}
	return signedHeaders, signature, len(signedHeaders) > 0 && signature != ""
}

// verifySignature signs again, with the secret STS issued, what the
// request says it signed (its method, path, query, signed headers and
// body), and compares the signatures.
func verifySignature(r *http.Request, body []byte, sc scope, c *issued) *apiError {
	names, got, ok := authParts(r.Header.Get("Authorization"))
	if !ok {
		return senderErr(http.StatusForbidden, "IncompleteSignature", "The Authorization header is not a complete AWS4-HMAC-SHA256 signature.")
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return senderErr(http.StatusForbidden, "IncompleteSignature", "Authorization header requires existence of a valid 'X-Amz-Date' header.")
	}
	again := &http.Request{Method: r.Method, Host: r.Host, Header: http.Header{},
		URL: &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}}
	for _, name := range names {
		switch name {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			again.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	creds := aws.Credentials{AccessKeyID: c.who.accessKey, SecretAccessKey: c.secret, SessionToken: c.token}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hash, sc.service, sc.region, at); err != nil {
		return errSignature()
	}
	_, want, _ := authParts(again.Header.Get("Authorization"))
	if !hmac.Equal([]byte(got), []byte(want)) {
		return errSignature()
	}
	return nil
}
