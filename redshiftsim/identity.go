package redshiftsim

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// User is the IAM user that plain credentials (any access key that STS did
// not issue, with no session token) act as, in the default account.
const User = "rolegate"

// identity is who made a call.
type identity struct {
	account        string
	arn            string // the caller: an IAM user, or an STS assumed-role session
	userID         string // AIDA… for the user, AROA…:session for a session
	role           string // the assumed role's IAM ARN; "" for plain credentials
	session        string
	sourceIdentity string
	accessKey      string
}

// scope is what a request's SigV4 credential scope says: the access key,
// the region and the service the request was signed for.
type scope struct {
	accessKey, region, service string
}

// scopeOf reads the SigV4 credential scope of the Authorization header, or
// of X-Amz-Credential in a presigned URL. A request without one is for
// Redshift in DefaultRegion.
func scopeOf(r *http.Request, p params) scope {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, after, ok := strings.Cut(auth, "Credential="); ok {
			cred, _, _ = strings.Cut(after, ",")
		}
	} else {
		cred = p.str("X-Amz-Credential")
	}
	sc := scope{region: DefaultRegion, service: "redshift"}
	// AKID/date/region/service/aws4_request
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) >= 5 {
		sc.accessKey = strings.Join(parts[:len(parts)-4], "/")
		if v := parts[len(parts)-3]; v != "" {
			sc.region = v
		}
		if v := parts[len(parts)-2]; v != "" {
			sc.service = v
		}
	}
	return sc
}

// issued is a set of temporary credentials STS handed out.
type issued struct {
	who     identity
	secret  string
	token   string
	expires time.Time
}

// credStore holds the credentials STS issued, by access key ID.
type credStore struct {
	mu    sync.Mutex
	byKey map[string]*issued
}

// maxIssued bounds the credentials kept before expired ones are dropped.
const maxIssued = 10000

func (cs *credStore) add(c *issued, now time.Time) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.byKey == nil {
		cs.byKey = map[string]*issued{}
	}
	if len(cs.byKey) >= maxIssued {
		for k, v := range cs.byKey {
			if !now.Before(v.expires) {
				delete(cs.byKey, k)
			}
		}
	}
	cs.byKey[c.who.accessKey] = c
}

func (cs *credStore) get(key string) (*issued, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c, ok := cs.byKey[key]
	return c, ok
}

func errInvalidToken() *apiError {
	return senderErr(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func errExpiredToken() *apiError {
	return senderErr(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
}

// authenticate tells who made a request whose body was body. Credentials
// STS issued must come with their session token, before their expiration
// on the simulator's clock, and (in an Authorization header) signed with
// their secret. An access key declared for an IAM user (AccountSpec.Users)
// is that user. Any other access key is the default account's User, with
// or without a session token, unless Options.StrictTokens refuses a
// session token STS did not issue; their signatures are not checked.
func (s *Sim) authenticate(r *http.Request, body []byte, p params, sc scope) (identity, *apiError) {
	token := r.Header.Get("X-Amz-Security-Token")
	if token == "" {
		token = p.str("X-Amz-Security-Token")
	}
	if c, ok := s.creds.get(sc.accessKey); ok {
		if token != c.token {
			return identity{}, errInvalidToken()
		}
		if !s.clock.Now().Before(c.expires) {
			return identity{}, errExpiredToken()
		}
		if r.Header.Get("Authorization") != "" {
			if err := verifySignature(r, body, sc, c); err != nil {
				return identity{}, err
			}
		}
		return c.who, nil
	}
	if token != "" && s.o.StrictTokens {
		return identity{}, errInvalidToken()
	}
	s.mu.Lock()
	u, declared := s.users[sc.accessKey]
	s.mu.Unlock()
	if declared {
		return u, nil
	}
	arn := "arn:" + partitionOf(sc.region) + ":iam::" + Account + ":user/" + User
	return identity{account: Account, arn: arn, userID: "AIDA" + stableID(arn, 17), accessKey: sc.accessKey}, nil
}

var idAlphabet = base32.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").WithPadding(base32.NoPadding)

// stableID derives n upper-case characters from s, as IAM's unique IDs look.
func stableID(s string, n int) string {
	h := sha256.Sum256([]byte(s))
	return idAlphabet.EncodeToString(h[:])[:n]
}

// newCredentials returns a fresh ASIA access key, secret and session token.
func newCredentials() (key, secret, token string) {
	var b [16 + 30 + 96]byte
	_, _ = rand.Read(b[:])
	key = "ASIA" + idAlphabet.EncodeToString(b[:16])[:16]
	secret = base64.StdEncoding.EncodeToString(b[16:46])
	token = "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(b[46:])
	return key, secret, token
}
