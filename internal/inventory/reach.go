package inventory

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// AccountConfig is the AWS configuration of calls made in accountID ("":
// the account Rolegate runs in) with that account's credentials, as the
// inventory's own calls are, and the role assumed there ("" for
// Rolegate's own credentials). Other services' clients (IAM) are built
// from it.
func (g *Gateway) AccountConfig(accountID string) (aws.Config, string, error) {
	l := g.lay.Load()
	a := l.account(accountID)
	switch {
	case a != nil:
	case l.home != nil && (accountID == "" || l.home.ID == ""):
		a = l.home
	default:
		return aws.Config{}, "", fmt.Errorf("inventory: account %q: %w", accountID, ErrUnknownRegion)
	}
	cfg := g.cfg.Copy()
	if a.creds != nil {
		cfg.Credentials = a.creds
	}
	return cfg, a.RoleARN, nil
}
