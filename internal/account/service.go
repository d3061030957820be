package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

// Errors the handlers and commands map to answers.
var (
	ErrNotFound = errors.New("account not found")
	ErrConflict = errors.New("conflict")
)

// Options configure a Service.
type Options struct {
	DB     *store.DB
	Audit  *audit.Log
	Logger *slog.Logger
	Now    func() time.Time
	// Changed, when set, is called after each committed change, so that
	// what reads the accounts (the Redshift gateway) can read them again.
	Changed func(ctx context.Context)
}

// Service keeps the accounts: each change and its audit event commit in
// one transaction. Who may call it (administrators, the shell) is checked
// by the caller.
type Service struct{ o Options }

// New returns a Service; defaults fill unset options.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{o: o}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// changed tells Options.Changed that the accounts changed.
func (s *Service) changed(ctx context.Context) {
	if s.o.Changed != nil {
		s.o.Changed(ctx)
	}
}

// Get returns one account.
func (s *Service) Get(ctx context.Context, id string) (*Account, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("account %q: %w", id, ErrNotFound)
	}
	return loadAccount(ctx, s.o.DB.Reader(), id)
}

// List returns every account, disabled ones included, by name.
func (s *Service) List(ctx context.Context) ([]*Account, error) {
	return listAccounts(ctx, s.o.DB.Reader())
}

// Enabled returns the accounts whose clusters Rolegate manages, by name.
// None means the account of Rolegate's own credentials only.
func (s *Service) Enabled(ctx context.Context) ([]*Account, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(a *Account) bool { return a.Disabled }), nil
}

// Add validates and stores a new account. A *ValidationError says what to
// fix, per field.
func (s *Service) Add(ctx context.Context, actor audit.Actor, origin audit.Origin, sp Spec) (*Account, error) {
	sp.normalise()
	if errs := sp.validate(); len(errs) > 0 {
		return nil, &ValidationError{Fields: errs}
	}
	now := s.now()
	a := &Account{ID: sp.ID, Name: sp.Name, RoleARN: sp.RoleARN, ExternalID: sp.ExternalID, Regions: sp.Regions,
		ProductionTag: sp.ProductionTag, CreatedAt: now, UpdatedAt: now, Version: 1}
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		errs, err := clashes(ctx, tx, a, true)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return &ValidationError{Fields: errs}
		}
		if err := insertAccount(ctx, tx, a); err != nil {
			return fmt.Errorf("add account %s: %w", a.ID, err)
		}
		return s.record(ctx, tx, actor, origin, audit.AccountAdded, a, nil)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return a, nil
}

// Set changes the settings of an account. The account Rolegate runs in
// becomes an account reached through a role when given one, and the other
// way round when its role is cleared.
func (s *Service) Set(ctx context.Context, actor audit.Actor, origin audit.Origin, id string, ch Changes) (*Account, error) {
	if ch.Empty() {
		return nil, &ValidationError{Fields: FieldErrors{FieldForm: "nothing to change: give at least one setting"}}
	}
	var out *Account
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		sp := ch.apply(cur.spec())
		sp.normalise()
		if errs := sp.validate(); len(errs) > 0 {
			return &ValidationError{Fields: errs}
		}
		next := *cur
		next.Name, next.RoleARN, next.ExternalID, next.Regions, next.ProductionTag = sp.Name, sp.RoleARN, sp.ExternalID, sp.Regions, sp.ProductionTag
		changed := changedFields(cur, &next)
		if len(changed) == 0 {
			out = cur
			return nil
		}
		errs, err := clashes(ctx, tx, &next, false)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return &ValidationError{Fields: errs}
		}
		next.UpdatedAt, next.Version = s.now(), cur.Version+1
		if err := updateAccount(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		return s.record(ctx, tx, actor, origin, audit.AccountChanged, &next, map[string]any{"changed": changed, "before": settings(cur)})
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return out, nil
}

// Disable stops Rolegate listing and changing the account's clusters; its
// requests and audit events keep naming it.
func (s *Service) Disable(ctx context.Context, actor audit.Actor, origin audit.Origin, id string) (*Account, error) {
	return s.setDisabled(ctx, actor, origin, id, true)
}

// Enable undoes Disable.
func (s *Service) Enable(ctx context.Context, actor audit.Actor, origin audit.Origin, id string) (*Account, error) {
	return s.setDisabled(ctx, actor, origin, id, false)
}

func (s *Service) setDisabled(ctx context.Context, actor audit.Actor, origin audit.Origin, id string, disabled bool) (*Account, error) {
	var out *Account
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Disabled == disabled {
			out = cur
			return nil
		}
		next := *cur
		next.Disabled, next.UpdatedAt, next.Version = disabled, s.now(), cur.Version+1
		if err := updateAccount(ctx, tx, &next); err != nil {
			return err
		}
		out = &next
		action := audit.AccountEnabled
		if disabled {
			action = audit.AccountDisabled
		}
		return s.record(ctx, tx, actor, origin, action, &next, nil)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx)
	return out, nil
}

// settings is what the audit log records of an account: never the
// external ID itself, only whether there is one.
func settings(a *Account) map[string]any {
	regions := a.Regions
	if regions == nil {
		regions = []string{}
	}
	return map[string]any{
		"account_id": a.ID, "name": a.Name, "role_arn": a.RoleARN, "external_id_set": a.ExternalID != "",
		"regions": regions, "production_tag": a.ProductionTag, "disabled": a.Disabled,
	}
}

func (s *Service) record(ctx context.Context, tx *sql.Tx, actor audit.Actor, origin audit.Origin, action audit.Action, a *Account, extra map[string]any) error {
	p := settings(a)
	for k, v := range extra {
		p[k] = v
	}
	_, err := s.o.Audit.Append(ctx, tx, audit.Event{Actor: actor, Origin: origin, Action: action, Outcome: audit.Success,
		Target: audit.Target{Account: a.ID}, Params: audit.Params(p)})
	return err
}

// changedFields names the settings that differ between a and b.
func changedFields(a, b *Account) []string {
	var out []string
	if a.Name != b.Name {
		out = append(out, FieldName)
	}
	if a.RoleARN != b.RoleARN {
		out = append(out, FieldRoleARN)
	}
	if a.ExternalID != b.ExternalID {
		out = append(out, FieldExternalID)
	}
	if !slices.Equal(a.Regions, b.Regions) {
		out = append(out, FieldRegions)
	}
	if a.ProductionTag != b.ProductionTag {
		out = append(out, FieldProductionTag)
	}
	return out
}
