package change

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// BulkInput is the bulk form as typed: one change for every chosen cluster.
type BulkInput struct {
	Add     string // one ARN per line
	Remove  string // one ARN per line
	Default string // "" leaves each cluster's default as it is
	Reason  string
	Ticket  string
}

// Target is one cluster chosen for a bulk request. Cluster is the snapshot
// a preview reads (the inventory's); a submission reads AWS instead.
type Target struct {
	Account string
	Region  string
	Cluster string
	API     *types.Cluster
}

// Key is the target's cluster.
func (t Target) Key() ClusterKey {
	return ClusterKey{Account: t.Account, Region: t.Region, Cluster: t.Cluster}
}

// MemberStatus is what the preview says of one chosen cluster.
type MemberStatus string

// Member statuses in the preview.
const (
	StatusChange  MemberStatus = "would change"
	StatusHasIt   MemberStatus = "already has it"
	StatusNoOp    MemberStatus = "no-op"
	StatusPaused  MemberStatus = "paused"
	StatusWaits   MemberStatus = "waits for the cluster"
	StatusQuota   MemberStatus = "over quota"
	StatusBlocked MemberStatus = "blocked"
)

// MemberPlan is what the change does to one chosen cluster.
type MemberPlan struct {
	Member
	Status MemberStatus
	// Problem says why the cluster blocks the submission; "" when it does not.
	Problem string
	// Waits says why applying will wait for the cluster.
	Waits         string
	Result        []string
	ResultDefault string
	RiskReasons   []string
	Checks        []Check
}

// MemberField is the key of FieldErrors under which a bulk submission's
// refusal names one cluster.
func MemberField(k ClusterKey) string {
	return "member:" + k.Account + "/" + k.Region + "/" + k.Cluster
}

// BulkLimit is how many clusters one bulk request may hold.
func (s *Service) BulkLimit() int { return s.o.BulkLimit }

// bulkFormErrors checks what is wrong with the form whatever the clusters
// hold: the same checks as one request's form, in every region of the set
// (an ARN's partition depends on it), and the size of the set.
func (s *Service) bulkFormErrors(in BulkInput, targets []Target) FieldErrors {
	errs := FieldErrors{}
	switch {
	case len(targets) == 0:
		errs.add(FieldForm, "choose at least one cluster")
	case len(targets) > s.o.BulkLimit:
		errs.add(FieldForm, fmt.Sprintf("a bulk request holds at most %d clusters (the bulk limit setting); %d are chosen: narrow the filter or untick some", s.o.BulkLimit, len(targets)))
	}
	var regions []string
	for _, t := range targets {
		if !slices.Contains(regions, t.Region) {
			regions = append(regions, t.Region)
		}
	}
	if len(regions) == 0 {
		regions = []string{""}
	}
	for _, region := range regions {
		d := readDraft(region, "", splitARNs(in.Add), splitARNs(in.Remove), strings.TrimSpace(in.Default), in.Reason, in.Ticket)
		for field, msgs := range d.Errors {
			for _, msg := range strings.Split(msgs, "\n") {
				if !slices.Contains(strings.Split(errs[field], "\n"), msg) {
					errs.add(field, msg)
				}
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// dedupe drops a cluster chosen twice, keeping the first.
func dedupe(targets []Target) []Target {
	seen := map[ClusterKey]bool{}
	out := targets[:0:0]
	for _, t := range targets {
		if !seen[t.Key()] {
			seen[t.Key()] = true
			out = append(out, t)
		}
	}
	return out
}

// planMember is what the change does to one cluster as live shows it:
// roles it already has and roles it does not carry drop out, and what
// remains is validated exactly as a request of its own would be. Nothing
// left is a no-op member, listed as such.
func (s *Service) planMember(in BulkInput, t Target, live Live) MemberPlan {
	m := MemberPlan{Member: Member{Account: live.Account, Region: t.Region, Cluster: t.Cluster, BaseRoles: live.ARNs(), BaseDefault: live.Default}}
	var add, remove []string
	for _, a := range splitARNs(in.Add) {
		if !live.Has(a) {
			add = append(add, a)
		}
	}
	for _, a := range splitARNs(in.Remove) {
		if live.Has(a) {
			remove = append(remove, a)
		}
	}
	def := strings.TrimSpace(in.Default)
	if def == live.Default {
		def = ""
	}
	if len(add) == 0 && len(remove) == 0 && def == "" {
		m.Outcome, m.Result, m.ResultDefault = MemberNoOp, live.ARNs(), live.Default
		if strings.TrimSpace(in.Add) != "" || strings.TrimSpace(in.Default) != "" {
			m.Status, m.Note = StatusHasIt, "the cluster already has every role to add and the default asked for; nothing to change"
		} else {
			m.Status, m.Note = StatusNoOp, "none of the roles to remove is on the cluster; nothing to change"
		}
		return m
	}
	d := readDraft(t.Region, t.Cluster, add, remove, def, in.Reason, in.Ticket)
	d.Account = t.Account
	plan, errs := s.o.Policy.validate(d, live)
	m.Outcome, m.Status = MemberChange, StatusChange
	m.Add, m.Remove, m.Default, m.Risk = plan.Add, plan.Remove, plan.Default, plan.Risk
	m.Result, m.ResultDefault, m.RiskReasons, m.Checks = plan.Result, plan.ResultDef, plan.RiskReasons, plan.Checks
	switch {
	case len(errs) > 0:
		m.Status, m.Problem = StatusBlocked, joinErrors(errs)
		for _, c := range plan.Checks {
			if c.Key == CheckQuota && c.Status == CheckFail {
				m.Status = StatusQuota
			}
		}
	case !live.Modifiable():
		m.Status = StatusWaits
		if live.Status == "paused" {
			m.Status = StatusPaused
		}
		m.Waits = fmt.Sprintf("the cluster is %s; its change will wait until it is available and every role is in-sync", live.Status)
	}
	return m
}

func joinErrors(errs FieldErrors) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, strings.ReplaceAll(errs[k], "\n", "; "))
	}
	return strings.Join(parts, "; ")
}

// markOpen blocks the members whose clusters have open requests (other
// than those of the bulk request being resubmitted): a set is reviewed
// against the clusters as they stand, not against changes on their way.
func (s *Service) markOpen(ctx context.Context, q querier, plans []MemberPlan, targets []Target, from *Bulk) error {
	open, err := inFlightByCluster(ctx, q, s.Key)
	if err != nil {
		return err
	}
	var own []int64
	if from != nil {
		for _, m := range from.Members {
			if m.ChangeID != 0 {
				own = append(own, m.ChangeID)
			}
		}
	}
	for i, t := range targets {
		var ids []string
		for _, id := range open[s.Key(t.Account, t.Region, t.Cluster)] {
			if !slices.Contains(own, id) {
				ids = append(ids, "#"+strconv.FormatInt(id, 10))
			}
		}
		if len(ids) > 0 && plans[i].Problem == "" {
			plans[i].Status = StatusBlocked
			plans[i].Problem = fmt.Sprintf("the cluster has open requests (%s); decide them first or leave the cluster out of the set", strings.Join(ids, ", "))
		}
	}
	return nil
}

// PreviewBulk says what the change would do to each chosen cluster, from
// the snapshots the targets carry (the inventory's); it stores and sends
// nothing. errs are the form's own faults.
func (s *Service) PreviewBulk(ctx context.Context, in BulkInput, targets []Target) ([]MemberPlan, FieldErrors, error) {
	targets = dedupe(targets)
	errs := s.bulkFormErrors(in, targets)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	plans := make([]MemberPlan, len(targets))
	for i, t := range targets {
		plans[i] = s.planMember(in, t, s.liveAt(t.Account, t.Region, t.API))
		// The IAM checks of each changed member's roles, as one request's
		// preview shows them (from the cache: a set in one account asks
		// IAM about each role once).
		if plans[i].Outcome == MemberChange {
			plans[i].Checks, _ = s.RoleChecks(ctx, plans[i].Account, plans[i].Add, plans[i].Default, plans[i].Checks)
		}
	}
	if err := s.markOpen(ctx, s.o.DB.Reader(), plans, targets, nil); err != nil {
		return nil, nil, err
	}
	return plans, nil, nil
}
