package account

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"rolegate/internal/store"
)

// querier is what the store functions run on.
type querier = store.Querier

const columns = `id, name, role_arn, external_id, regions, production_tag, disabled, created_at, updated_at, version`

type scanner interface{ Scan(dest ...any) error }

func scanAccount(s scanner) (*Account, error) {
	var a Account
	var regions, created, updated string
	var disabled int
	if err := s.Scan(&a.ID, &a.Name, &a.RoleARN, &a.ExternalID, &regions, &a.ProductionTag, &disabled, &created, &updated, &a.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(regions), &a.Regions); err != nil {
		return nil, fmt.Errorf("account %s: regions: %w", a.ID, err)
	}
	a.Disabled = disabled == 1
	var err error
	if a.CreatedAt, err = store.ParseTime(created); err != nil {
		return nil, fmt.Errorf("account %s: created_at: %w", a.ID, err)
	}
	if a.UpdatedAt, err = store.ParseTime(updated); err != nil {
		return nil, fmt.Errorf("account %s: updated_at: %w", a.ID, err)
	}
	return &a, nil
}

func loadAccount(ctx context.Context, q querier, id string) (*Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+columns+` FROM accounts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("account %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", id, err)
	}
	return a, nil
}

func listAccounts(ctx context.Context, q querier) ([]*Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM accounts ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func regionsJSON(r []string) string {
	if r == nil {
		r = []string{}
	}
	b, _ := json.Marshal(r)
	return string(b)
}

func insertAccount(ctx context.Context, tx *sql.Tx, a *Account) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Name, a.RoleARN, a.ExternalID, regionsJSON(a.Regions), a.ProductionTag, boolInt(a.Disabled),
		store.FormatTime(a.CreatedAt), store.FormatTime(a.UpdatedAt), a.Version)
	return err
}

// updateAccount writes a, which was read at version a.Version-1.
func updateAccount(ctx context.Context, tx *sql.Tx, a *Account) error {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET name = ?, role_arn = ?, external_id = ?, regions = ?, production_tag = ?,
		disabled = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?`,
		a.Name, a.RoleARN, a.ExternalID, regionsJSON(a.Regions), a.ProductionTag, boolInt(a.Disabled),
		store.FormatTime(a.UpdatedAt), a.Version, a.ID, a.Version-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("account %s changed meanwhile: %w", a.ID, ErrConflict)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clashes says, per field, which other account already holds what a
// would take: its ID, its name, or being the account Rolegate runs in.
// Run inside the writing transaction, so that nothing slips in between.
func clashes(ctx context.Context, tx *sql.Tx, a *Account, adding bool) (FieldErrors, error) {
	errs := FieldErrors{}
	var other string
	if adding {
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE id = ?`, a.ID).Scan(&other)
		if err == nil {
			errs[FieldID] = "this account is already added"
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE name = ? AND id <> ?`, a.Name, a.ID).Scan(&other)
	if err == nil {
		errs[FieldName] = "account " + other + " has this name"
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if a.RoleARN == "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE role_arn = '' AND id <> ?`, a.ID).Scan(&other)
		if err == nil {
			errs[FieldRoleARN] = "account " + other + " is the one Rolegate runs in (no role to assume); give this one the role Rolegate assumes there"
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return errs, nil
}
