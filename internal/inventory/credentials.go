package inventory

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// assumedCredentials are the account's role credentials for the inventory
// (one session per account, shared by its regions): stscreds' AssumeRole
// provider behind the SDK's credentials cache, renewed a CredentialWindow
// before they expire.
func (g *Gateway) assumedCredentials(client *sts.Client, a *account) aws.CredentialsProvider {
	p := stscreds.NewAssumeRoleProvider(client, a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = SweepSessionName
		if a.ExternalID != "" {
			o.ExternalID = aws.String(a.ExternalID)
		}
	})
	cache := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = g.o.CredentialWindow })
	return &renewing{cache: cache, now: g.o.Now, window: g.o.CredentialWindow, account: a}
}

// renewing asks the cache again for credentials that expire within the
// window by the gateway's clock: the cache judges expiry by the machine's
// clock, the gateway (and the tests that drive it) by its own. With the
// machine's clock, as in production, the cache has already renewed them.
type renewing struct {
	cache   *aws.CredentialsCache
	now     func() time.Time
	window  time.Duration
	account *account
}

func (r *renewing) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := r.cache.Retrieve(ctx)
	if err == nil && c.CanExpire && !r.now().Add(r.window).Before(c.Expires) {
		r.cache.Invalidate()
		c, err = r.cache.Retrieve(ctx)
	}
	if err != nil {
		return c, &AssumeRoleError{Account: r.account.ID, Name: r.account.Name, RoleARN: r.account.RoleARN, Err: err}
	}
	return c, nil
}

// AssumeRoleError is an account whose role Rolegate could not assume: no
// call in that account can be made.
type AssumeRoleError struct {
	Account, Name, RoleARN string
	Err                    error
}

func (e *AssumeRoleError) Error() string {
	return "account " + e.Account + ": AssumeRole " + e.RoleARN + ": " + e.Err.Error()
}

func (e *AssumeRoleError) Unwrap() error { return e.Err }

// Reason says in plain words why the role could not be assumed; it is
// safe to show.
func (e *AssumeRoleError) Reason() string {
	f := Classify(e.Err)
	switch f.Kind {
	case KindDenied:
		return "AWS refused to let Rolegate assume " + e.RoleARN + ": the role does not exist, its trust policy does not name Rolegate's role, or the external ID differs"
	case KindInvalidInput:
		return "AWS refused the AssumeRole request for " + e.RoleARN + " as invalid: check the role ARN and the external ID"
	case KindThrottled:
		return "AWS STS is throttling Rolegate; the account will be read again shortly"
	case KindTimeout, KindNoAnswer, KindUnavailable:
		return "AWS STS did not answer; the account will be read again shortly"
	}
	return "Rolegate could not get credentials for " + e.RoleARN
}

// Session is who a change was made as in an account reached through a
// role: the assumed-role session's ARN, its name and source identity.
type Session struct {
	AssumedRoleARN string
	SessionName    string
	SourceIdentity string
}

// Session is the session a change in the account is made in, as the
// person named as: fixed by the account's role and their sanitised name,
// whether or not the role has been assumed yet (STS names an assumed-role
// session arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE-NAME/SESSION-NAME).
// A change in an account reached with Rolegate's own credentials, or with
// nobody named, has none.
func (g *Gateway) Session(accountID, as string) Session {
	if as == "" {
		return Session{}
	}
	if a := g.lay.Load().account(accountID); a != nil && a.RoleARN != "" {
		return sessionOf(a.RoleARN, STSName(as))
	}
	return Session{}
}

// sessionOf is the session named name of the role roleARN.
func sessionOf(roleARN, name string) Session {
	s := Session{SessionName: name, SourceIdentity: name}
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) == 6 && strings.HasPrefix(parts[5], "role/") {
		role := parts[5][strings.LastIndex(parts[5], "/")+1:]
		s.AssumedRoleARN = "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + role + "/" + name
	}
	return s
}

// ApplySessionSeconds is how long an apply's session lasts: STS's minimum,
// ample for one call.
const ApplySessionSeconds = 900

// assumeAs assumes the account's role for one change made as the person
// named as: their sanitised name is the session's name and source
// identity.
func (g *Gateway) assumeAs(ctx context.Context, a *account, as string) (aws.CredentialsProvider, Session, error) {
	name := STSName(as)
	in := &sts.AssumeRoleInput{
		RoleArn: aws.String(a.RoleARN), RoleSessionName: aws.String(name), SourceIdentity: aws.String(name),
		DurationSeconds: aws.Int32(ApplySessionSeconds),
	}
	if a.ExternalID != "" {
		in.ExternalId = aws.String(a.ExternalID)
	}
	out, err := a.sts.AssumeRole(ctx, in)
	if err != nil {
		return nil, Session{}, &AssumeRoleError{Account: a.ID, Name: a.Name, RoleARN: a.RoleARN, Err: err}
	}
	sess := sessionOf(a.RoleARN, name)
	if out.AssumedRoleUser != nil && aws.ToString(out.AssumedRoleUser.Arn) != "" {
		sess.AssumedRoleARN = aws.ToString(out.AssumedRoleUser.Arn)
	}
	if si := aws.ToString(out.SourceIdentity); si != "" {
		sess.SourceIdentity = si
	}
	c := out.Credentials
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), sess, nil
}

// STSName is a username in the characters STS accepts for a role session
// name and a source identity ([A-Za-z0-9+=,.@_-], 2 to 64 of them): any
// other character becomes "-", a longer name is cut, a shorter one padded.
func STSName(username string) string {
	var b strings.Builder
	for _, r := range username {
		if b.Len() == 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("+=,.@_-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	for len(s) < 2 {
		s += "-"
	}
	return s
}
