package iam

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ConfigSource gives an account's AWS configuration and the role Rolegate
// assumes there ("" for its own credentials), as the inventory's
// Gateway.AccountConfig does.
type ConfigSource func(account string) (aws.Config, string, error)

// Connect is a Connector that builds one IAM client per account and
// credentials from its configuration (IAM is global: signed for
// us-east-1), so that an account edited to another role gets a new one.
// Rolegate's principal is the role it assumes in the account; with its own
// credentials it is asked of STS once (GetCallerIdentity), an assumed-role
// session being turned into its role's ARN.
func Connect(src ConfigSource) Connector {
	type key struct {
		account, role string
		creds         aws.CredentialsProvider
	}
	var mu sync.Mutex
	reaches := map[key]Reach{}
	return func(ctx context.Context, account string) (Reach, error) {
		cfg, role, err := src(account)
		if err != nil {
			return Reach{}, err
		}
		k := key{account, role, cfg.Credentials}
		mu.Lock()
		r, ok := reaches[k]
		mu.Unlock()
		if ok {
			return r, nil
		}
		r = Reach{Client: awsiam.NewFromConfig(cfg, func(o *awsiam.Options) { o.Region = "us-east-1" }), Principal: role}
		if role == "" {
			out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				return Reach{}, fmt.Errorf("iam: who Rolegate is in account %q: %w", account, err)
			}
			r.Principal = PrincipalOf(aws.ToString(out.Arn))
		}
		mu.Lock()
		reaches[k] = r
		mu.Unlock()
		return r, nil
	}
}

// PrincipalOf is the IAM ARN whose policies decide what a caller may do:
// an assumed-role session's role (arn:aws:sts::A:assumed-role/R/S becomes
// arn:aws:iam::A:role/R; the session ARN does not carry the role's path),
// anything else as it is.
func PrincipalOf(callerARN string) string {
	parts := strings.SplitN(callerARN, ":", 6)
	if len(parts) != 6 || parts[2] != "sts" {
		return callerARN
	}
	rest, ok := strings.CutPrefix(parts[5], "assumed-role/")
	if !ok {
		return callerARN
	}
	name, _, _ := strings.Cut(rest, "/")
	return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + name
}
