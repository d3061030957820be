package main

import (
	"context"

	"rolegate/handlers"
	"rolegate/internal/account"
)

// accounts builds the AWS accounts service for the admin pages. An account
// without regions of its own uses the gateway's (the demo's in demo mode).
func (w *wiring) accounts(_ context.Context, o *handlers.Options) error {
	regions := w.cfg.Regions
	if o.Gateway != nil {
		regions = o.Gateway.Regions()
	}
	o.AccountOptions = handlers.AccountOptions{
		Accounts:             account.New(account.Options{DB: w.db, Audit: w.audit, Logger: w.log.With("component", "accounts")}),
		DefaultRegions:       regions,
		DefaultProductionTag: w.cfg.ProductionTag,
	}
	return nil
}
