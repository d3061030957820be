package change

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/inventory"
)

// GetBulk returns one bulk request.
func (s *Service) GetBulk(ctx context.Context, id int64) (*Bulk, error) {
	return loadBulk(ctx, s.o.DB.Reader(), id)
}

// BulkMembers returns the change requests of a bulk request's changed
// members, oldest first.
func (s *Service) BulkMembers(ctx context.Context, id int64) ([]*Request, error) {
	return bulkMembers(ctx, s.o.DB.Reader(), id)
}

// BulkMembersOf returns, for each of the bulk requests ids, the change
// requests of its changed members, oldest first: one read for a whole
// list of sets.
func (s *Service) BulkMembersOf(ctx context.Context, ids []int64) (map[int64][]*Request, error) {
	return bulkMembersOf(ctx, s.o.DB.Reader(), ids)
}

// ListBulks lists up to limit bulk requests, newest first.
func (s *Service) ListBulks(ctx context.Context, limit int) ([]*Bulk, error) {
	return listBulks(ctx, s.o.DB.Reader(), limit)
}

// BulkPage is the page-th page (from 1) of size bulk requests, newest
// first, and how many bulk requests there are.
func (s *Service) BulkPage(ctx context.Context, page, size int) ([]*Bulk, int, error) {
	return pageBulks(ctx, s.o.DB.Reader(), max(page, 1), max(size, 1))
}

// fanOut runs f for each index below n, at most BulkConcurrency at once,
// and waits for all.
func (s *Service) fanOut(ctx context.Context, n int, f func(ctx context.Context, i int)) {
	sem := make(chan struct{}, s.o.BulkConcurrency)
	var wg sync.WaitGroup
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			f(ctx, i)
		}()
	}
	wg.Wait()
}

// read is one target as AWS reports it now.
type read struct {
	cluster *types.Cluster
	awsID   string
	err     error
}

// CreateBulk reads every chosen cluster from AWS now, plans the change
// for each (planMember) and stores, in one transaction, the bulk request
// with its frozen member list and one pending change request per changed
// member. A cluster that cannot take the change blocks the whole
// submission: the *ValidationError names it under MemberField.
func (s *Service) CreateBulk(ctx context.Context, actor Actor, origin audit.Origin, in BulkInput, targets []Target) (*Bulk, error) {
	if !actor.Role.CanRequest() {
		return nil, s.denied(ctx, actor, origin, &Request{}, "create bulk request", "your role cannot request changes")
	}
	return s.createBulk(ctx, actor, origin, in, targets, nil)
}

func (s *Service) createBulk(ctx context.Context, actor Actor, origin audit.Origin, in BulkInput, targets []Target, from *Bulk) (*Bulk, error) {
	targets = dedupe(targets)
	if errs := s.bulkFormErrors(in, targets); len(errs) > 0 {
		return nil, s.refusedBulk(ctx, actor, origin, stageInput, errs, targets)
	}
	reads := make([]read, len(targets))
	s.fanOut(ctx, len(targets), func(ctx context.Context, i int) {
		t := targets[i]
		c, id, err := s.describe(ctx, t.Account, t.Region, t.Cluster)
		reads[i] = read{cluster: c, awsID: id, err: err}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plans := make([]MemberPlan, len(targets))
	errs := FieldErrors{}
	for i, t := range targets {
		switch err := reads[i].err; {
		case errors.Is(err, ErrNotFound):
			errs[MemberField(t.Key())] = "the cluster no longer exists in " + t.Region + "; leave it out of the set"
			continue
		case err != nil:
			return nil, err
		}
		plans[i] = s.planMember(in, t, s.liveAt(t.Account, t.Region, reads[i].cluster))
	}
	if err := s.markOpen(ctx, s.o.DB.Reader(), plans, targets, from); err != nil {
		return nil, err
	}
	for i, p := range plans {
		if p.Problem != "" {
			errs[MemberField(targets[i].Key())] = p.Problem
		}
	}
	if len(errs) > 0 {
		return nil, s.refusedBulk(ctx, actor, origin, stageLiveChecks, errs, targets)
	}
	b := s.newBulk(actor, in, plans, from)
	if len(b.Changed()) == 0 {
		return nil, s.refusedBulk(ctx, actor, origin, stageLiveChecks, FieldErrors{FieldForm: "the change is already in place on every chosen cluster; there is nothing to request"}, targets)
	}
	var late FieldErrors
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		// Another request may have been stored since the first look.
		again := append([]MemberPlan(nil), plans...)
		if err := s.markOpen(ctx, tx, again, targets, from); err != nil {
			return err
		}
		for i, p := range again {
			if p.Problem != "" && plans[i].Problem == "" {
				late = FieldErrors{MemberField(targets[i].Key()): p.Problem}
				return nil
			}
		}
		if err := insertBulk(ctx, tx, b); err != nil {
			return err
		}
		for i := range b.Members {
			m := &b.Members[i]
			if m.Outcome != MemberChange {
				continue
			}
			r := s.memberRequest(b, plans[i])
			if err := insertRequest(ctx, tx, r); err != nil {
				return err
			}
			m.ChangeID, m.ChangeHash = r.ID, r.Hash
			if err := s.record(ctx, tx, r, audit.Event{
				Actor: actor.audit(), Origin: origin, Action: audit.ChangeCreated, Outcome: audit.Success,
				Target: audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster, ChangeID: r.ID}, AWSRequestID: reads[i].awsID,
				Params: requestParams(r, map[string]any{"bulk_id": b.ID}), Snapshot: inventory.SnapshotJSON(reads[i].cluster),
			}); err != nil {
				return err
			}
		}
		if err := updateBulk(ctx, tx, b); err != nil {
			return err
		}
		if from != nil {
			if err := s.supersede(ctx, tx, actor, origin, from, b); err != nil {
				return err
			}
		}
		return s.recordBulk(ctx, tx, b, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.BulkSubmitted, Outcome: audit.Success,
			Params: bulkParams(b, map[string]any{"resubmitted_from": b.ResubmittedFrom}),
		})
	})
	if err != nil {
		return nil, err
	}
	if len(late) > 0 {
		return nil, s.refusedBulk(ctx, actor, origin, stageOpen, late, targets)
	}
	return b, nil
}

// newBulk is the bulk request the plans make. When any member is high
// risk, every member needs two approvers: the set is approved as a whole.
func (s *Service) newBulk(actor Actor, in BulkInput, plans []MemberPlan, from *Bulk) *Bulk {
	now := s.now()
	d := readDraft("", "", splitARNs(in.Add), splitARNs(in.Remove), strings.TrimSpace(in.Default), in.Reason, in.Ticket)
	b := &Bulk{
		RequesterID: actor.ID, RequesterUsername: actor.Username, RequesterName: actor.Name,
		Reason: d.Reason, Ticket: d.Ticket, Add: sortedCopy(splitARNs(in.Add)), Remove: sortedCopy(splitARNs(in.Remove)), Default: strings.TrimSpace(in.Default),
		Risk: RiskNormal, State: BulkPending, CreatedAt: now, UpdatedAt: now,
	}
	if from != nil {
		b.ResubmittedFrom = from.ID
	}
	for _, p := range plans {
		b.Members = append(b.Members, p.Member)
		if p.Risk == RiskHigh {
			b.Risk = RiskHigh
		}
	}
	b.ApprovalsRequired = ApprovalsFor(b.Risk)
	b.Hash = b.ComputeHash()
	return b
}

// memberRequest is the pending change request of one changed member.
func (s *Service) memberRequest(b *Bulk, p MemberPlan) *Request {
	reasons := p.RiskReasons
	if b.Risk == RiskHigh && p.Risk != RiskHigh {
		reasons = append(reasons, fmt.Sprintf("part of bulk request #%d, which has a high-risk member: the whole set needs two approvers", b.ID))
	}
	r := &Request{
		Account: p.Account, Region: p.Region, Cluster: p.Cluster,
		Add: p.Add, Remove: p.Remove, Default: p.Default, Reason: b.Reason, Ticket: b.Ticket,
		RequesterID: b.RequesterID, RequesterUsername: b.RequesterUsername, RequesterName: b.RequesterName,
		BaseRoles: p.BaseRoles, BaseDefault: p.BaseDefault,
		Risk: p.Risk, RiskReasons: reasons, ApprovalsRequired: b.ApprovalsRequired,
		State: Pending, CreatedAt: b.CreatedAt, UpdatedAt: b.CreatedAt, ExpiresAt: b.CreatedAt.Add(s.o.TTL), BulkID: b.ID,
	}
	r.Hash = r.ComputeHash()
	return r
}

// bulkParams is what the audit log records of a bulk request: the delta,
// the hash and every member with its planned change.
func bulkParams(b *Bulk, extra map[string]any) []byte {
	p := map[string]any{
		"bulk_id": b.ID, "add": b.Add, "remove": b.Remove, "default": b.Default, "reason": b.Reason, "ticket": b.Ticket,
		"bulk_hash": b.Hash, "risk": b.Risk, "approvals_required": b.ApprovalsRequired, "state": b.State, "members": b.Members,
	}
	for k, v := range extra {
		if v != nil && v != any(int64(0)) {
			p[k] = v
		}
	}
	return audit.Params(p)
}

// refusedBulk records a refused bulk submission with its field errors and
// the clusters chosen, and returns the *ValidationError.
func (s *Service) refusedBulk(ctx context.Context, actor Actor, origin audit.Origin, stage string, errs FieldErrors, targets []Target) *ValidationError {
	keys := make([]string, len(targets))
	for i, t := range targets {
		keys[i] = t.Account + "/" + t.Region + "/" + t.Cluster
	}
	_, err := s.o.Audit.Record(ctx, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.ChangeRefused, Outcome: audit.Failure,
		Params: audit.Params(map[string]any{"stage": stage, "field_errors": errs, "bulk": true, "clusters": keys}),
	})
	if err != nil {
		s.o.Logger.Error("recording a refused bulk request", "request_id", origin.RequestID, "err", err)
	}
	return &ValidationError{Fields: errs}
}

// supersede closes the bulk request from, which b replaces: its pending
// members are superseded (they would block b as open requests) and it
// points to b.
func (s *Service) supersede(ctx context.Context, tx *sql.Tx, actor Actor, origin audit.Origin, from, b *Bulk) error {
	cur, err := loadBulk(ctx, tx, from.ID)
	if err != nil {
		return err
	}
	members, err := bulkMembers(ctx, tx, from.ID)
	if err != nil {
		return err
	}
	if cur.Version != from.Version || len(cur.leftOver(members)) == 0 {
		return refuse(ErrConflict, "the bulk request is %s now; reload it", cur.State.Label())
	}
	for _, r := range members {
		if r.State != Pending && !r.State.Resubmittable() {
			continue
		}
		if _, err := s.closeIn(ctx, tx, actor, origin, r.ID, Superseded, "", audit.ChangeResubmitted,
			map[string]any{"bulk_id": cur.ID, "superseded_by_bulk": b.ID}, Pending, Stale, Failed, Expired); err != nil {
			return err
		}
	}
	// A stale set is replaced whole; an applied one stays approved, its
	// members that got through applied, and points to its resubmission.
	if cur.State == BulkStale {
		cur.State = BulkSuperseded
	}
	cur.SupersededBy, cur.UpdatedAt = b.ID, s.now()
	if err := updateBulk(ctx, tx, cur); err != nil {
		return err
	}
	_, err = s.o.Audit.Append(ctx, tx, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.BulkResubmitted, Outcome: audit.Success,
		Params: audit.Params(map[string]any{"bulk_id": cur.ID, "superseded_by": b.ID, "bulk_hash": cur.Hash}),
	})
	return err
}

// leftOver are the members a resubmission takes: every member of a
// stale set; of an approved set whose apply is over, those whose change
// did not get through (failed, stale, expired). Nil when the set cannot
// be resubmitted.
func (b *Bulk) leftOver(members []*Request) []Member {
	switch {
	case b.SupersededBy != 0:
		return nil
	case b.State == BulkStale:
		return b.Members
	case b.State != BulkApproved || !b.Progress(members).Done:
		return nil
	}
	redo := map[int64]bool{}
	for _, r := range members {
		if r.State.Resubmittable() {
			redo[r.ID] = true
		}
	}
	var out []Member
	for _, m := range b.Members {
		if redo[m.ChangeID] {
			out = append(out, m)
		}
	}
	return out
}
