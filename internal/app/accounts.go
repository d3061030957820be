package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"rolegate/internal/account"
	"rolegate/internal/config"
	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// accounts builds the AWS accounts service the admin pages use; each
// change it makes reaches the gateway at once.
func (a *App) accounts() *account.Service {
	return account.New(account.Options{DB: a.DB, Audit: a.Audit, Logger: a.log.With("component", "accounts"),
		Changed: func(ctx context.Context) { a.reloadAccounts(context.WithoutCancel(ctx)) }})
}

// accountsEvery is how often the gateway reads the accounts again, for
// changes made with `rolegate account` while the dashboard runs.
const accountsEvery = time.Minute

// reloadAccounts gives the gateway the accounts as stored now.
func (a *App) reloadAccounts(ctx context.Context) {
	if a.Gateway == nil {
		return
	}
	accs, err := gatewayAccounts(ctx, a.Accounts, a.cfg.Demo)
	if err == nil {
		err = a.Gateway.SetAccounts(accs)
	}
	if err != nil {
		a.log.Error("reading the AWS accounts again", "err", err)
	}
}

// watchAccounts reads the accounts again every accountsEvery until ctx
// ends.
func (a *App) watchAccounts(ctx context.Context) error {
	t := time.NewTicker(accountsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.reloadAccounts(ctx)
		}
	}
}

// gatewayAccounts are the enabled accounts as the gateway reads them. None
// stored means the account of Rolegate's own credentials, as before
// accounts existed; in demo mode it means the demo world's three.
func gatewayAccounts(ctx context.Context, svc *account.Service, demo bool) ([]inventory.Account, error) {
	list, err := svc.Enabled(ctx)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	if len(list) == 0 && demo {
		return demoAccounts(), nil
	}
	out := make([]inventory.Account, 0, len(list))
	for _, a := range list {
		out = append(out, inventory.Account{ID: a.ID, Name: a.Name, RoleARN: a.RoleARN, ExternalID: a.ExternalID, Regions: slices.Clone(a.Regions)})
	}
	return out, nil
}

// demoAccounts are the demo world's accounts, each in the regions of its
// clusters, reached as the README's "Accounts and STS" says.
func demoAccounts() []inventory.Account {
	world := redshiftsim.DemoWorld()
	role := func(id string) string { return "arn:aws:iam::" + id + ":role/" + redshiftsim.DemoAccessRole }
	out := []inventory.Account{
		{ID: redshiftsim.Account, Name: "main"},
		{ID: redshiftsim.DemoDataAccount, Name: "analytics", RoleARN: role(redshiftsim.DemoDataAccount)},
		{ID: redshiftsim.DemoPaymentsAccount, Name: "payments", RoleARN: role(redshiftsim.DemoPaymentsAccount), ExternalID: redshiftsim.DemoPaymentsExternalID},
	}
	for i := range out {
		for _, s := range world.SeedsIn(out[i].ID) {
			if !slices.Contains(out[i].Regions, s.Region) {
				out[i].Regions = append(out[i].Regions, s.Region)
			}
		}
	}
	return out
}

// accountTag is the production tag of an account that has its own, for
// the change policy; "" for the dashboard's.
func accountTag(svc *account.Service, log *slog.Logger) func(string) string {
	return func(id string) string {
		a, err := svc.Get(context.Background(), id)
		if err != nil {
			log.Debug("no production tag of its own", "account", id, "err", err)
			return ""
		}
		return a.ProductionTag
	}
}

// defaultRegions are the regions of an account without its own: the
// settings', or the demo simulator's.
func defaultRegions(cfg config.Config, simRegions []string) []string {
	if len(simRegions) > 0 {
		return simRegions
	}
	return cfg.Regions
}
