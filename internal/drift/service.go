package drift

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
)

// audited are the actions whose snapshot is a state Rolegate answers for:
// a change accepted or finished, a reconciled apply, a baseline.
var audited = []audit.Action{audit.ApplySucceeded, audit.ApplyInSync, audit.ApplyReconciled, audit.DriftBaseline, audit.DriftAccepted}

// Notifier queues, inside tx, the notifications of a drift.detected event
// (the notification channels' alerts).
type Notifier interface {
	NotifyDrift(ctx context.Context, tx *sql.Tx, ev audit.Event, added, removed []string, def string) error
}

// Options configure a Service.
type Options struct {
	DB    *store.DB
	Audit *audit.Log
	// Notifier, when set, hears of each drift found.
	Notifier Notifier
	Logger   *slog.Logger
	Now      func() time.Time
	// LookAgain is how long after a CloudTrail lookup that named nobody
	// the next sweep looks again (0: a minute); LookFor how long after
	// the drift was found it keeps looking (0: 30 minutes).
	LookAgain, LookFor time.Duration
}

// Service checks clusters for drift and keeps the drifts found.
type Service struct {
	o     Options
	trail atomic.Pointer[trailClients] // nil: CloudTrail is not asked
}

// New returns a Service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LookAgain <= 0 {
		o.LookAgain = time.Minute
	}
	if o.LookFor <= 0 {
		o.LookFor = 30 * time.Minute
	}
	return &Service{o: o}
}

// Key names a cluster.
type Key struct{ Account, Region, Cluster string }

type baseline struct {
	seq   int64
	hash  string
	state *State // read only when the hash differs
}

type openDrift struct {
	id          int64
	fingerprint string
}

// step is one write a check decided on.
type step struct {
	key     Key
	base    *baseline // a newer baseline to keep, or nil
	event   *audit.Event
	newBase bool // the event is the new baseline itself
	close   *openDrift
	closeAs string
	open    *opening
}

// opening is a drift to record.
type opening struct {
	fingerprint string
	baseSeq     int64
	diff        Diff
	who         *Who // nil when CloudTrail is not asked
}

// Observe checks clusters just read (a sweep's or a live read's) and logs
// what it could not do: a read must never fail because of the check.
func (s *Service) Observe(ctx context.Context, clusters []*inventory.Cluster) {
	if err := s.Check(ctx, clusters); err != nil {
		s.o.Logger.Error("drift check failed", "clusters", len(clusters), "err", err)
	}
}

// Check compares each cluster with the last state the audit log holds for
// it and records baselines, new drifts and drifts that ended.
func (s *Service) Check(ctx context.Context, clusters []*inventory.Cluster) error {
	if len(clusters) == 0 {
		return nil
	}
	inflight, err := s.inFlight(ctx)
	if err != nil {
		return err
	}
	bases, opens, err := s.load(ctx, clusters)
	if err != nil {
		return err
	}
	var steps []step
	for _, c := range clusters {
		if !c.InSync || inflight[Key{c.Account, c.Region, c.ID}] || inflight[Key{"", c.Region, c.ID}] {
			// Roles adding or removing, or a request on its way: not drift
			// (yet); the next read after it settles decides.
			continue
		}
		st, ok, err := s.decide(ctx, c, bases, opens)
		if err != nil {
			return err
		}
		if ok {
			steps = append(steps, st)
		}
	}
	if tc := s.trail.Load(); tc != nil {
		// Drifts are rare: only a new one is looked up now, before it is
		// recorded; the others wait for lookAgain.
		for _, st := range steps {
			if st.open != nil {
				who := s.lookup(ctx, tc, st.key, st.open.baseSeq)
				s.schedule(&who, who.At)
				st.open.who = &who
				st.event.Params = withWho(st.event.Params, who)
			}
		}
	}
	if len(steps) > 0 {
		if err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
			for _, st := range steps {
				if err := s.write(ctx, tx, st); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return s.lookAgain(ctx, clusters)
}

func liveState(c *inventory.Cluster) State {
	roles := make([]string, 0, len(c.API.IamRoles))
	for _, r := range c.API.IamRoles {
		roles = append(roles, aws.ToString(r.IamRoleArn))
	}
	return newState(roles, aws.ToString(c.API.DefaultIamRoleArn))
}

// decide is what c's state asks for, if anything.
func (s *Service) decide(ctx context.Context, c *inventory.Cluster, bases map[Key]baseline, opens map[Key]openDrift) (step, bool, error) {
	k := Key{c.Account, c.Region, c.ID}
	live := liveState(c)
	st := step{key: k}
	base, known := bases[k]
	open, isOpen := opens[k]
	liveHash := live.Hash()
	if !known || liveHash != base.hash {
		newer, at, found, err := s.newestAudited(ctx, k, base.seq)
		if err != nil {
			return st, false, err
		}
		if found && at.After(c.Fetched) {
			// Read before the newest audited step: too old to judge.
			return st, false, nil
		}
		if found {
			base, known = newer, true
			st.base = &newer
		}
	}
	if !known {
		ev := audit.Event{
			Actor: audit.System, Action: audit.DriftBaseline, Outcome: audit.Success,
			Target:   audit.Target{Account: k.Account, Region: k.Region, Cluster: k.Cluster},
			Params:   audit.Params(map[string]any{"state": live, "reason": "first seen"}),
			Snapshot: inventory.SnapshotJSON(c.API),
		}
		st.event, st.newBase = &ev, true
		return st, true, nil
	}
	if liveHash == base.hash {
		if isOpen {
			st.close, st.closeAs = &open, "returned"
			ev := audit.Event{
				Actor: audit.System, Action: audit.DriftResolved, Outcome: audit.Success,
				Target: audit.Target{Account: k.Account, Region: k.Region, Cluster: k.Cluster},
				Params: audit.Params(map[string]any{"drift_id": open.id, "state": live, "audited_seq": base.seq}),
			}
			st.event = &ev
		}
		return st, st.base != nil || isOpen, nil
	}
	fp := fingerprint(base.seq, live)
	if isOpen && open.fingerprint == fp {
		return st, st.base != nil, nil
	}
	if base.state == nil {
		bs, err := s.baselineState(ctx, k)
		if err != nil {
			return st, false, err
		}
		base.state = &bs
	}
	if isOpen {
		st.close, st.closeAs = &open, "superseded"
	}
	diff := Compare(*base.state, live)
	ev := audit.Event{
		Actor: audit.System, Action: audit.DriftDetected, Outcome: audit.Success,
		Target: audit.Target{Account: k.Account, Region: k.Region, Cluster: k.Cluster},
		Params: audit.Params(map[string]any{
			"audited": *base.state, "audited_seq": base.seq, "live": live, "difference": diff,
		}),
		Snapshot: inventory.SnapshotJSON(c.API),
	}
	st.event = &ev
	st.open = &opening{fingerprint: fp, baseSeq: base.seq, diff: diff}
	return st, true, nil
}

func (s *Service) write(ctx context.Context, tx *sql.Tx, st step) error {
	k := st.key
	var ev audit.Event
	if st.event != nil {
		var err error
		if ev, err = s.o.Audit.Append(ctx, tx, *st.event); err != nil {
			return err
		}
	}
	if st.newBase {
		b, _ := snapshotState(ev.Snapshot)
		st.base = &baseline{seq: ev.Seq, hash: b.Hash(), state: &b}
	}
	if st.base != nil {
		roles, _ := json.Marshal(st.base.state.Roles)
		if _, err := tx.ExecContext(ctx, `INSERT INTO drift_baselines (account, region, cluster, seq, roles, default_role, state_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, region, cluster)
			DO UPDATE SET seq = excluded.seq, roles = excluded.roles, default_role = excluded.default_role, state_hash = excluded.state_hash`,
			k.Account, k.Region, k.Cluster, st.base.seq, string(roles), st.base.state.Default, st.base.hash); err != nil {
			return fmt.Errorf("keep drift baseline: %w", err)
		}
	}
	now := s.o.Now().UTC().Format(time.RFC3339Nano)
	if st.close != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE drifts SET resolved_seq = ?, resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL`,
			ev.Seq, now, st.closeAs, st.close.id); err != nil {
			return fmt.Errorf("close drift: %w", err)
		}
	}
	if st.open != nil && s.o.Notifier != nil {
		d := st.open.diff
		if err := s.o.Notifier.NotifyDrift(ctx, tx, ev, d.Added, d.Removed, d.DefaultTo); err != nil {
			return fmt.Errorf("notify drift: %w", err)
		}
	}
	if st.open != nil {
		diff, _ := json.Marshal(st.open.diff)
		who, next := whoColumns(st.open.who)
		if _, err := tx.ExecContext(ctx, `INSERT INTO drifts (account, region, cluster, fingerprint, baseline_seq, detected_seq, detected_at, diff, who, who_next_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.Account, k.Region, k.Cluster, st.open.fingerprint, st.open.baseSeq, ev.Seq, now, string(diff), who, next); err != nil {
			return fmt.Errorf("open drift: %w", err)
		}
	}
	return nil
}

// inFlight are the clusters with a request that is changing them, as the
// change package defines it.
func (s *Service) inFlight(ctx context.Context) (map[Key]bool, error) {
	changing, err := change.Changing(ctx, s.o.DB.Reader())
	if err != nil {
		return nil, fmt.Errorf("requests in flight: %w", err)
	}
	out := make(map[Key]bool, len(changing))
	for k := range changing {
		out[Key(k)] = true
	}
	return out, nil
}

// load reads the baselines and open drifts of the clusters' regions.
func (s *Service) load(ctx context.Context, clusters []*inventory.Cluster) (map[Key]baseline, map[Key]openDrift, error) {
	regions := map[string]bool{}
	var args []any
	for _, c := range clusters {
		if !regions[c.Region] {
			regions[c.Region] = true
			args = append(args, c.Region)
		}
	}
	in := "?" + strings.Repeat(", ?", len(args)-1)
	bases := map[Key]baseline{}
	rows, err := s.o.DB.Reader().QueryContext(ctx, `SELECT account, region, cluster, seq, state_hash FROM drift_baselines WHERE region IN (`+in+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("drift baselines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k Key
		var b baseline
		if err := rows.Scan(&k.Account, &k.Region, &k.Cluster, &b.seq, &b.hash); err != nil {
			return nil, nil, err
		}
		bases[k] = b
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	opens := map[Key]openDrift{}
	orows, err := s.o.DB.Reader().QueryContext(ctx, `SELECT account, region, cluster, id, fingerprint FROM drifts WHERE resolved_at IS NULL AND region IN (`+in+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("open drifts: %w", err)
	}
	defer orows.Close()
	for orows.Next() {
		var k Key
		var d openDrift
		if err := orows.Scan(&k.Account, &k.Region, &k.Cluster, &d.id, &d.fingerprint); err != nil {
			return nil, nil, err
		}
		opens[k] = d
	}
	return bases, opens, orows.Err()
}

// newestAudited is the newest audited state of the cluster after seq.
func (s *Service) newestAudited(ctx context.Context, k Key, after int64) (baseline, time.Time, bool, error) {
	args := []any{k.Cluster, k.Region, after, k.Account}
	marks := make([]string, len(audited))
	for i, a := range audited {
		marks[i] = "?"
		args = append(args, string(a))
	}
	var b baseline
	var ts string
	var snap []byte
	err := s.o.DB.Reader().QueryRowContext(ctx, `SELECT seq, ts, snapshot FROM audit_events
		WHERE cluster = ? AND region = ? AND seq > ? AND (account = ? OR account = '')
		AND action IN (`+strings.Join(marks, ", ")+`) AND snapshot IS NOT NULL AND outcome = 'success'
		ORDER BY seq DESC LIMIT 1`, args...).Scan(&b.seq, &ts, &snap)
	if errors.Is(err, sql.ErrNoRows) {
		return b, time.Time{}, false, nil
	}
	if err != nil {
		return b, time.Time{}, false, fmt.Errorf("newest audited state of %s: %w", k.Cluster, err)
	}
	st, ok := snapshotState(snap)
	if !ok {
		return b, time.Time{}, false, fmt.Errorf("audit event %d: unreadable snapshot", b.seq)
	}
	b.state, b.hash = &st, st.Hash()
	at, _ := time.Parse(audit.TimeFormat, ts)
	return b, at, true, nil
}

// baselineState is the kept baseline of the cluster, read whole.
func (s *Service) baselineState(ctx context.Context, k Key) (State, error) {
	var st State
	var roles string
	if err := s.o.DB.Reader().QueryRowContext(ctx, `SELECT roles, default_role FROM drift_baselines WHERE account = ? AND region = ? AND cluster = ?`,
		k.Account, k.Region, k.Cluster).Scan(&roles, &st.Default); err != nil {
		return st, fmt.Errorf("drift baseline of %s: %w", k.Cluster, err)
	}
	if err := json.Unmarshal([]byte(roles), &st.Roles); err != nil {
		return st, fmt.Errorf("drift baseline of %s: %w", k.Cluster, err)
	}
	return st, nil
}
