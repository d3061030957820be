package change

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
)

// Errors the handlers map to pages.
var (
	ErrNotFound    = errors.New("not found")
	ErrForbidden   = errors.New("forbidden")
	ErrConflict    = errors.New("conflict")
	ErrStale       = errors.New("the cluster changed since the request was made")
	ErrUnavailable = errors.New("AWS is unavailable")
	// ErrClusterGone: AWS answered ClusterNotFound. It also matches
	// ErrNotFound.
	ErrClusterGone = errors.New("the cluster no longer exists")
)

// Refusal is a refused action with a message that is safe to show; it wraps
// ErrForbidden, ErrConflict or ErrStale.
type Refusal struct {
	Kind    error
	Message string
}

func (r *Refusal) Error() string { return r.Message }
func (r *Refusal) Unwrap() error { return r.Kind }

func refuse(kind error, format string, a ...any) *Refusal {
	return &Refusal{Kind: kind, Message: fmt.Sprintf(format, a...)}
}

// Redshift is what the change service needs from AWS. Both calls go to
// AWS now, never to a cache; each returns the API request ID.
// The account "" is the one Rolegate runs in.
type Redshift interface {
	DescribeCluster(ctx context.Context, account, region, id string) (*types.Cluster, string, error)
	// ModifyClusterIamRoles sends the change once, without SDK retries: the
	// API has no idempotency token. In an account reached through a role it
	// is made as the person named by as, whom the Session names.
	ModifyClusterIamRoles(ctx context.Context, account, region, as string, in *redshift.ModifyClusterIamRolesInput) (*types.Cluster, inventory.Session, string, error)
	// Configured reports whether the account is a configured one, so that
	// a cluster read in it is known to be in it.
	Configured(account string) bool
	// Home reports whether the account is the one Rolegate runs in, where
	// requests stored without an account belong.
	Home(account string) bool
	// Session is the session a change in the account is made in as the
	// person named by as (the one ModifyClusterIamRoles reports); none in
	// an account reached with Rolegate's own credentials.
	Session(account, as string) inventory.Session
}

// liveAt is what the change knows of a cluster read in account: the
// account counts as known when it is a configured one, else the cluster's
// namespace ARN says.
func (s *Service) liveAt(account, region string, c *types.Cluster) Live {
	if !s.o.Redshift.Configured(account) {
		account = ""
	}
	return LiveAt(account, region, c)
}

func (a Actor) audit() audit.Actor {
	return audit.Actor{UserID: a.ID, Username: a.Username, Role: string(a.Role), TokenID: a.TokenID}
}

// Options configure a Service.
type Options struct {
	DB       *store.DB
	Audit    *audit.Log
	Redshift Redshift
	Logger   *slog.Logger
	Policy   Policy
	// TTL is how long a pending request waits for a decision.
	TTL time.Duration
	// MaxAttempts bounds ModifyClusterIamRoles attempts while the cluster is
	// busy or AWS throttles; Backoff is the first wait (doubling, capped at
	// MaxBackoff).
	MaxAttempts int
	Backoff     time.Duration
	MaxBackoff  time.Duration
	// FollowEvery is how often an applied change is polled until in-sync.
	FollowEvery time.Duration
	// CallTimeout bounds one ModifyClusterIamRoles or DescribeClusters call.
	CallTimeout time.Duration
	Now         func() time.Time
	// Notifier queues the notifications each recorded event causes; nil
	// sends none.
	Notifier Notifier
	// Roles checks the roles of a change in IAM before approval; nil
	// leaves those checks "not checked".
	Roles RoleChecker
	// BulkLimit is how many clusters one bulk request may hold (100 when
	// zero); BulkConcurrency is how many members of bulk requests the
	// worker works on at once, and how many clusters a bulk submission or
	// approval reads at once (4 when zero).
	BulkLimit       int
	BulkConcurrency int
}

// Notifier queues, inside tx, the notifications that ev causes about r,
// the request as ev leaves it. ev was just appended to the audit log in
// tx, so both commit together or not at all.
//
// NotifyBulk is the same for an event about bulk request b (a bulk.*
// event), whose member requests, as ev leaves them, are members.
type Notifier interface {
	Notify(ctx context.Context, tx *sql.Tx, ev audit.Event, r *Request) error
	NotifyBulk(ctx context.Context, tx *sql.Tx, ev audit.Event, b *Bulk, members []*Request) error
}

// record appends ev to the audit log inside tx and queues the
// notifications it causes about r.
//
// The members of a bulk request are submitted, approved and rejected as one
// set, so those events of a member tell nobody: the set's bulk.* event
// does (recordBulk). A stale member tells nobody either: the set's
// bulk.stale (at approval) or its end (finishBulk, during the apply) says
// so once for the set. The other apply events of a member still do, and the
// last apply outcome of an approved set also finishes the set.
func (s *Service) record(ctx context.Context, tx *sql.Tx, r *Request, ev audit.Event) error {
	ev, err := s.o.Audit.Append(ctx, tx, ev)
	if err != nil {
		return err
	}
	if r.BulkID != 0 {
		switch ev.Action {
		case audit.ChangeCreated, audit.ChangeApproved, audit.ChangeRejected, audit.ChangeResubmitted:
			return nil
		case audit.ChangeStale:
			return s.finishBulk(ctx, tx, r.BulkID)
		case audit.ApplyInSync, audit.ApplyFailed, audit.ChangeClusterGone, audit.ChangeExpired:
			if err := s.notify(ctx, tx, ev, r); err != nil {
				return err
			}
			return s.finishBulk(ctx, tx, r.BulkID)
		}
	}
	return s.notify(ctx, tx, ev, r)
}

func (s *Service) notify(ctx context.Context, tx *sql.Tx, ev audit.Event, r *Request) error {
	if s.o.Notifier == nil {
		return nil
	}
	return s.o.Notifier.Notify(ctx, tx, ev, r)
}

// Service runs change requests.
type Service struct {
	o    Options
	wake chan struct{}
}

// New returns a Service; defaults fill unset options.
func New(o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = 7 * 24 * time.Hour
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.Backoff <= 0 {
		o.Backoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 2 * time.Minute
	}
	if o.FollowEvery <= 0 {
		o.FollowEvery = 2 * time.Second
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = inventory.DefaultTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BulkLimit <= 0 {
		o.BulkLimit = 100
	}
	if o.BulkConcurrency <= 0 {
		o.BulkConcurrency = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{o: o, wake: make(chan struct{}, 1)}
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// poke wakes the worker without blocking.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Get returns one request with its approvals.
func (s *Service) Get(ctx context.Context, id int64) (*Request, error) {
	return loadRequest(ctx, s.o.DB.Reader(), id)
}

// List returns requests matching f, newest first.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*Request, error) {
	return listRequests(ctx, s.o.DB.Reader(), s.placed(f))
}

// placed reads f's account as a cluster's account: requests stored
// without an account (before accounts, or where the cluster's account was
// not known) are the home account's, and with no account configured every
// request is in the one account there is.
func (s *Service) placed(f ListFilter) ListFilter {
	switch {
	case f.Account == "" || !s.o.Redshift.Home(f.Account):
	case s.o.Redshift.Configured(f.Account):
		f.orUnknown = true
	default:
		f.Account = ""
	}
	return f
}

// ApprovalTags are the tags (key=value) whose clusters' changes need two
// approvers, as Policy.ApprovalTags.
func (s *Service) ApprovalTags() []string { return s.o.Policy.ApprovalTags() }

// Preview validates a draft against a cluster snapshot the caller already
// has (the inventory's), storing and sending nothing.
func (s *Service) Preview(d Draft, c *types.Cluster) (Plan, FieldErrors) {
	return s.o.Policy.validate(d, s.liveAt(d.Account, d.Region, c))
}

// Checks is the pre-flight checklist of a stored request against a cluster
// snapshot the caller already has.
func (s *Service) Checks(r *Request, c *types.Cluster) []Check {
	plan, _ := s.o.Policy.validate(draftOf(r, r.Add, r.Remove), s.liveAt(r.Account, r.Region, c))
	return plan.Checks
}

// draftOf is a stored request as a draft, with the given role lists.
func draftOf(r *Request, add, remove []string) Draft {
	d := readDraft(r.Region, r.Cluster, add, remove, r.Default, r.Reason, r.Ticket)
	d.Account = r.Account
	return d
}

// describe reads the cluster from AWS now.
func (s *Service) describe(ctx context.Context, account, region, id string) (*types.Cluster, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.o.CallTimeout)
	defer cancel()
	c, reqID, err := s.o.Redshift.DescribeCluster(ctx, account, region, id)
	if err != nil {
		if inventory.Classify(err).Kind == inventory.KindNotFound {
			return nil, reqID, fmt.Errorf("cluster %s in %s: %w: %w", id, region, ErrClusterGone, ErrNotFound)
		}
		if errors.Is(err, inventory.ErrNotFound) || errors.Is(err, inventory.ErrUnknownRegion) {
			return nil, reqID, fmt.Errorf("cluster %s in %s: %w", id, region, ErrNotFound)
		}
		return nil, reqID, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return c, reqID, nil
}

// denied records a refused action in the audit log and returns the refusal.
func (s *Service) denied(ctx context.Context, actor Actor, origin audit.Origin, r *Request, what, why string) error {
	_, err := s.o.Audit.Record(ctx, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.AccessDenied, Outcome: audit.Failure,
		Target: audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster, ChangeID: r.ID},
		Params: audit.Params(map[string]string{"attempted": what, "reason": why}),
	})
	if err != nil {
		s.o.Logger.Error("recording an access denial", "err", err)
	}
	return refuse(ErrForbidden, "%s", why)
}

// enforce refuses what Permissions does not allow: a forbidden action is
// recorded as an access denial, and a pending request found past its time
// to live is expired on the way.
func (s *Service) enforce(ctx context.Context, actor Actor, origin audit.Origin, r *Request, what string, p Permission) error {
	switch {
	case p.OK():
		return nil
	case p.Forbidden:
		return s.denied(ctx, actor, origin, r, what, p.Why)
	case p.expired:
		if err := s.expire(ctx, r); err != nil && !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return p.refusal()
}

// Create validates the draft against the cluster as AWS reports it now and
// stores a pending request. A *ValidationError says what to fix, per field.
func (s *Service) Create(ctx context.Context, actor Actor, origin audit.Origin, d Draft) (*Request, error) {
	if !actor.Role.CanRequest() {
		return nil, s.denied(ctx, actor, origin, &Request{Region: d.Region, Cluster: d.Cluster}, "create change request", "your role cannot request changes")
	}
	// A draft that is wrong whatever the cluster holds is refused before
	// anything is asked of AWS.
	if len(d.Errors) > 0 {
		return nil, s.refusedSubmission(ctx, actor, origin, d, stageInput, d.Errors, 0, nil, "")
	}
	// A second request on a cluster needs the requester to have seen the
	// open ones first.
	if errs, err := s.checkOpenSeen(ctx, s.o.DB.Reader(), d); err != nil {
		return nil, err
	} else if len(errs) > 0 {
		return nil, s.refusedSubmission(ctx, actor, origin, d, stageOpen, errs, 0, nil, "")
	}
	c, descID, err := s.describe(ctx, d.Account, d.Region, d.Cluster)
	if err != nil {
		return nil, err
	}
	live := s.liveAt(d.Account, d.Region, c)
	plan, errs := s.o.Policy.validate(d, live)
	if len(errs) > 0 {
		return nil, s.refusedSubmission(ctx, actor, origin, d, stageLiveChecks, errs, 0, c, descID)
	}
	now := s.now()
	r := &Request{
		Account: live.Account, Region: d.Region, Cluster: d.Cluster,
		Add: plan.Add, Remove: plan.Remove, Default: plan.Default,
		Reason: d.Reason, Ticket: d.Ticket,
		RequesterID: actor.ID, RequesterUsername: actor.Username, RequesterName: actor.Name,
		BaseRoles: live.ARNs(), BaseDefault: live.Default,
		Risk: plan.Risk, RiskReasons: plan.RiskReasons, ApprovalsRequired: ApprovalsFor(plan.Risk),
		State: Pending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.o.TTL),
	}
	r.Hash = r.ComputeHash()
	var late FieldErrors
	err = s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		// Another request may have been stored since the first look.
		if errs, err := s.checkOpenSeen(ctx, tx, d); err != nil || len(errs) > 0 {
			late = errs
			return err
		}
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		return s.record(ctx, tx, r, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.ChangeCreated, Outcome: audit.Success,
			Target: audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster, ChangeID: r.ID},
			Params: requestParams(r, nil), Snapshot: inventory.SnapshotJSON(c),
		})
	})
	if err != nil {
		return nil, err
	}
	if len(late) > 0 {
		return nil, s.refusedSubmission(ctx, actor, origin, d, stageOpen, late, 0, c, descID)
	}
	return r, nil
}

// requestParams is what the audit log records of a request.
func requestParams(r *Request, extra map[string]any) []byte {
	p := map[string]any{
		"add": r.Add, "remove": r.Remove, "default": r.Default, "reason": r.Reason, "ticket": r.Ticket,
		"change_hash": r.Hash, "risk": r.Risk, "risk_reasons": r.RiskReasons, "approvals_required": r.ApprovalsRequired,
		"base_roles": r.BaseRoles, "base_default": r.BaseDefault, "state": r.State, "expires_at": store.FormatTime(r.ExpiresAt),
	}
	for k, v := range extra {
		p[k] = v
	}
	return audit.Params(p)
}

func (s *Service) markStale(ctx context.Context, actor audit.Actor, origin audit.Origin, r *Request, drift []string, c *types.Cluster, reqID string) error {
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadRequest(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.State == Stale {
			return nil
		}
		// Only the request as the caller read it may go stale: a late
		// approval must not mark a request the worker has since applied.
		if cur.Version != r.Version {
			return refuse(ErrConflict, "the request moved on while the cluster was being checked; reload it")
		}
		cur.State, cur.Phase, cur.StateReason, cur.UpdatedAt = Stale, PhaseNone, strings.Join(drift, "; "), s.now()
		if err := update(ctx, tx, cur); err != nil {
			return err
		}
		return s.record(ctx, tx, cur, audit.Event{
			Actor: actor, Origin: origin, Action: audit.ChangeStale, Outcome: audit.Success,
			Target: audit.Target{Account: cur.Account, Region: cur.Region, Cluster: cur.Cluster, ChangeID: cur.ID}, AWSRequestID: reqID,
			Params: audit.Params(map[string]any{"drift": drift, "change_hash": cur.Hash}), Snapshot: inventory.SnapshotJSON(c),
		})
	})
}

// Reject closes a pending request; the comment is required.
func (s *Service) Reject(ctx context.Context, actor Actor, origin audit.Origin, id int64, comment string) (*Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	may := s.Allowed(actor, r).Reject
	if may.Forbidden {
		return nil, s.enforce(ctx, actor, origin, r, "reject", may)
	}
	comment = strings.TrimSpace(comment)
	switch {
	case comment == "":
		return nil, &ValidationError{Fields: FieldErrors{FieldRejectComment: "say why the request is rejected"}}
	case len(comment) > MaxReasonLen:
		return nil, &ValidationError{Fields: FieldErrors{FieldRejectComment: fmt.Sprintf("keep the comment under %d characters", MaxReasonLen)}}
	}
	if err := s.enforce(ctx, actor, origin, r, "reject", may); err != nil {
		return nil, err
	}
	return s.close(ctx, actor, origin, r, Rejected, comment, audit.ChangeRejected, Pending)
}

// Cancel withdraws the requester's own request before it is applied.
func (s *Service) Cancel(ctx context.Context, actor Actor, origin audit.Origin, id int64) (*Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.enforce(ctx, actor, origin, r, "cancel", s.Allowed(actor, r).Cancel); err != nil {
		return nil, err
	}
	return s.close(ctx, actor, origin, r, Cancelled, "", audit.ChangeCancelled, Pending, Approved)
}

func (s *Service) close(ctx context.Context, actor Actor, origin audit.Origin, r *Request, to State, comment string, action audit.Action, from ...State) (*Request, error) {
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = s.closeIn(ctx, tx, actor, origin, r.ID, to, comment, action, nil, from...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// closeIn moves the request to a terminal state inside tx, with its event
// (extra adds to its parameters); it refuses with ErrConflict a request
// no longer in one of the from states.
func (s *Service) closeIn(ctx context.Context, tx *sql.Tx, actor Actor, origin audit.Origin, id int64, to State, comment string, action audit.Action, extra map[string]any, from ...State) (*Request, error) {
	cur, err := loadRequest(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(from, cur.State) {
		return nil, refuse(ErrConflict, "the request is %s now; reload it", cur.State.Label())
	}
	now := s.now()
	cur.State, cur.UpdatedAt, cur.DecidedAt, cur.DeciderUsername, cur.DecisionComment = to, now, now, actor.Username, comment
	if err := update(ctx, tx, cur); err != nil {
		return nil, err
	}
	params := map[string]any{"comment": comment, "change_hash": cur.Hash}
	for k, v := range extra {
		params[k] = v
	}
	err = s.record(ctx, tx, cur, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: action, Outcome: audit.Success,
		Target: audit.Target{Account: cur.Account, Region: cur.Region, Cluster: cur.Cluster, ChangeID: cur.ID},
		Params: audit.Params(params),
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}

// expire closes a pending request whose time to live has passed.
func (s *Service) expire(ctx context.Context, r *Request) error {
	_, err := s.close(ctx, Actor{Username: "system"}, audit.Origin{}, r, Expired, "no decision within the time to live", audit.ChangeExpired, Pending)
	return err
}

// Resubmit makes a new request from a stale, failed or expired one, against
// the cluster's current roles: roles already added or already removed drop
// out, and what remains is validated afresh. Approvals carry over only when
// the new change hash equals the old one.
func (s *Service) Resubmit(ctx context.Context, actor Actor, origin audit.Origin, id int64) (*Request, error) {
	old, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.enforce(ctx, actor, origin, old, "resubmit", s.Allowed(actor, old).Resubmit); err != nil {
		return nil, err
	}
	c, descID, err := s.describe(ctx, old.Account, old.Region, old.Cluster)
	if errors.Is(err, ErrClusterGone) {
		return nil, refuse(ErrConflict, "the cluster %s no longer exists in %s (AWS answered ClusterNotFound); there is nothing to resubmit against", old.Cluster, old.Region)
	}
	if err != nil {
		return nil, err
	}
	live := s.liveAt(old.Account, old.Region, c)
	var add, remove []string
	for _, a := range old.Add {
		if !live.Has(a) {
			add = append(add, a)
		}
	}
	for _, a := range old.Remove {
		if live.Has(a) {
			remove = append(remove, a)
		}
	}
	d := draftOf(old, add, remove)
	plan, errs := s.o.Policy.validate(d, live)
	if msg, ok := errs[FieldForm]; ok && len(errs) == 1 {
		errs = FieldErrors{FieldForm: "everything this request asked for is already in place on the cluster (" + msg + ")"}
	}
	if len(errs) > 0 {
		return nil, s.refusedSubmission(ctx, actor, origin, d, stageLiveChecks, errs, old.ID, c, descID)
	}
	now := s.now()
	r := &Request{
		Account: live.Account, Region: old.Region, Cluster: old.Cluster,
		Add: plan.Add, Remove: plan.Remove, Default: plan.Default, Reason: old.Reason, Ticket: old.Ticket,
		RequesterID: actor.ID, RequesterUsername: actor.Username, RequesterName: actor.Name,
		BaseRoles: live.ARNs(), BaseDefault: live.Default,
		Risk: plan.Risk, RiskReasons: plan.RiskReasons, ApprovalsRequired: ApprovalsFor(plan.Risk),
		State: Pending, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.o.TTL), ResubmittedFrom: old.ID,
	}
	r.Hash = r.ComputeHash()
	err = s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadRequest(ctx, tx, old.ID)
		if err != nil {
			return err
		}
		if !cur.State.Resubmittable() {
			return refuse(ErrConflict, "the request is %s now; reload it", cur.State.Label())
		}
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		kept := 0
		if r.Hash == cur.Hash {
			for _, a := range cur.Approvals {
				if a.Hash == r.Hash && a.ApproverID != r.RequesterID {
					if err := putApproval(ctx, tx, r.ID, a); err != nil {
						return err
					}
					r.Approvals = append(r.Approvals, a)
					kept++
				}
			}
			if kept >= r.ApprovalsRequired {
				r.State = Approved
				if err := update(ctx, tx, r); err != nil {
					return err
				}
			}
		}
		cur.State, cur.SupersededBy, cur.UpdatedAt = Superseded, r.ID, now
		if err := update(ctx, tx, cur); err != nil {
			return err
		}
		target := audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster}
		target.ChangeID = cur.ID
		if err := s.record(ctx, tx, cur, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.ChangeResubmitted, Outcome: audit.Success, Target: target,
			Params: audit.Params(map[string]any{"superseded_by": r.ID, "change_hash": cur.Hash}),
		}); err != nil {
			return err
		}
		target.ChangeID = r.ID
		return s.record(ctx, tx, r, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.ChangeCreated, Outcome: audit.Success, Target: target,
			Params: requestParams(r, map[string]any{"resubmitted_from": cur.ID, "approvals_kept": kept}), Snapshot: inventory.SnapshotJSON(c),
		})
	})
	if err != nil {
		return nil, err
	}
	if r.State == Approved {
		s.poke()
	}
	return r, nil
}
