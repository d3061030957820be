package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"rolegate/audit"
	"rolegate/internal/inventory"
)

// Who is what CloudTrail says of who made a drift: whether it could be
// asked (and why not), and the ModifyClusterIamRoles events of the cluster
// made by anyone but Rolegate's own applies, newest first.
type Who struct {
	LookedUp bool     `json:"looked_up"`
	Reason   string   `json:"reason,omitempty"`
	Events   []Caller `json:"events"`
	// Skipped counts the events of Rolegate's own audited applies left out.
	Skipped int       `json:"rolegate_events_skipped,omitempty"`
	At      time.Time `json:"at"`
	// NextLook is when the lookup is made again for a drift nobody is named
	// for yet; zero when it is not.
	NextLook time.Time `json:"next_look,omitzero"`
}

// Caller is one CloudTrail event that changed the cluster's roles.
type Caller struct {
	EventID        string    `json:"event_id"`
	Time           time.Time `json:"time"`
	Type           string    `json:"type"` // IAMUser, AssumedRole, Root…
	ARN            string    `json:"arn"`
	Username       string    `json:"username,omitempty"`
	SourceIdentity string    `json:"source_identity,omitempty"`
	SessionIssuer  string    `json:"session_issuer,omitempty"`
	AccessKeyID    string    `json:"access_key_id,omitempty"`
	SourceIP       string    `json:"source_ip,omitempty"`
	UserAgent      string    `json:"user_agent,omitempty"`
	Added          []string  `json:"roles_added,omitempty"`
	Removed        []string  `json:"roles_removed,omitempty"`
	Default        string    `json:"default_role,omitempty"`
}

// Found reports whether someone is named.
func (w Who) Found() bool { return w.LookedUp && len(w.Events) > 0 }

// Text says in one line why nobody is named when the lookup could not be
// made or has stopped looking; "" when someone is named or a later sweep
// looks again (NextLook, which the cluster page shows in the reader's
// zone).
func (w Who) Text() string {
	if w.Found() {
		return ""
	}
	return w.Reason
}

// Trail gives the configuration of CloudTrail calls in an account, as the
// inventory's Gateway.AccountConfig does for its own calls: the same
// credentials (the account's assumed role, or Rolegate's own).
type Trail func(account string) (aws.Config, string, error)

// lookupMargin widens the window before the last audited state: clocks
// and CloudTrail's event times are not exact.
const lookupMargin = 5 * time.Minute

// maxLookupPages bounds the pages of one lookup (50 events each), and
// lookupTimeout its time, retries included.
const (
	maxLookupPages = 10
	lookupTimeout  = 20 * time.Second
)

// trailClients builds one CloudTrail client per account, region and
// credentials.
type trailClients struct {
	src     Trail
	mu      sync.Mutex
	clients map[trailKey]*cloudtrail.Client
}

type trailKey struct {
	account, region string
	creds           aws.CredentialsProvider
}

func (t *trailClients) client(account, region string) (*cloudtrail.Client, error) {
	cfg, _, err := t.src(account)
	if err != nil {
		return nil, err
	}
	k := trailKey{account, region, cfg.Credentials}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.clients[k]; ok {
		return c, nil
	}
	c := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = region })
	t.clients[k] = c
	return c, nil
}

// UseCloudTrail makes the service ask CloudTrail who made each drift it
// finds, in each account through src. Set it before the first check.
func (s *Service) UseCloudTrail(src Trail) {
	s.trail.Store(&trailClients{src: src, clients: map[trailKey]*cloudtrail.Client{}})
}

// trailEvent is what Rolegate reads of a CloudTrailEvent document.
type trailEvent struct {
	UserIdentity struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccessKeyID    string `json:"accessKeyId"`
		UserName       string `json:"userName"`
		SessionContext struct {
			SourceIdentity string `json:"sourceIdentity"`
			SessionIssuer  struct {
				ARN string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	SourceIPAddress   string `json:"sourceIPAddress"`
	UserAgent         string `json:"userAgent"`
	RequestID         string `json:"requestID"`
	RequestParameters struct {
		ClusterIdentifier string   `json:"clusterIdentifier"`
		AddIamRoles       []string `json:"addIamRoles"`
		RemoveIamRoles    []string `json:"removeIamRoles"`
		DefaultIamRoleArn string   `json:"defaultIamRoleArn"`
	} `json:"requestParameters"`
}

// own is what the audit log knows of Rolegate's own applies to a cluster:
// the AWS request IDs of its calls and the sessions they were made in.
type own struct {
	requests, sessions map[string]bool
}

// ownApplies reads Rolegate's applies to the cluster since from.
func (s *Service) ownApplies(ctx context.Context, k Key, from time.Time) (own, error) {
	o := own{requests: map[string]bool{}, sessions: map[string]bool{}}
	rows, err := s.o.DB.Reader().QueryContext(ctx, `SELECT aws_request_id, params FROM audit_events
		WHERE cluster = ? AND region = ? AND (account = ? OR account = '') AND action LIKE 'apply.%' AND ts >= ?`,
		k.Cluster, k.Region, k.Account, from.UTC().Format(audit.TimeFormat))
	if err != nil {
		return o, fmt.Errorf("rolegate's applies to %s: %w", k.Cluster, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, params string
		if err := rows.Scan(&id, &params); err != nil {
			return o, err
		}
		if id != "" {
			o.requests[id] = true
		}
		var p struct {
			Session string `json:"assumed_role_arn"`
		}
		if json.Unmarshal([]byte(params), &p) == nil && p.Session != "" {
			o.sessions[p.Session] = true
		}
	}
	return o, rows.Err()
}

// auditedAt is the time of the audit event seq.
func (s *Service) auditedAt(ctx context.Context, seq int64) (time.Time, error) {
	var ts string
	if err := s.o.DB.Reader().QueryRowContext(ctx, `SELECT ts FROM audit_events WHERE seq = ?`, seq).Scan(&ts); err != nil {
		return time.Time{}, fmt.Errorf("audit event %d: %w", seq, err)
	}
	return time.Parse(audit.TimeFormat, ts)
}

// lookup asks CloudTrail who changed the cluster's roles since the audited
// state baseSeq, leaving out Rolegate's own applies. It never fails: what
// went wrong is the Who's reason.
func (s *Service) lookup(ctx context.Context, tc *trailClients, k Key, baseSeq int64) Who {
	now := s.o.Now().UTC()
	w := Who{At: now, Events: []Caller{}}
	since, err := s.auditedAt(ctx, baseSeq)
	if err != nil {
		s.o.Logger.Error("drift lookup: audited state", "cluster", k.Cluster, "err", err)
		w.Reason = "not looked up: Rolegate could not read the time of the last audited state"
		return w
	}
	from := since.Add(-lookupMargin)
	mine, err := s.ownApplies(ctx, k, from)
	if err != nil {
		s.o.Logger.Error("drift lookup: own applies", "cluster", k.Cluster, "err", err)
		w.Reason = "not looked up: Rolegate could not read its own applies from the audit log"
		return w
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	client, err := tc.client(k.Account, k.Region)
	if err != nil {
		w.Reason = "not looked up: Rolegate has no credentials for account " + k.Account
		return w
	}
	p := cloudtrail.NewLookupEventsPaginator(client, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("ModifyClusterIamRoles")}},
		StartTime:        aws.Time(from), EndTime: aws.Time(now),
	})
	for page := 0; p.HasMorePages() && page < maxLookupPages; page++ {
		out, err := p.NextPage(ctx)
		if err != nil {
			w.Reason = "not looked up: " + lookupReason(k.Account, err)
			w.Events = []Caller{}
			s.o.Logger.Warn("drift lookup failed", "account", k.Account, "region", k.Region, "cluster", k.Cluster, "err", err)
			return w
		}
		for _, ev := range out.Events {
			var doc trailEvent
			if json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &doc) != nil ||
				!strings.EqualFold(doc.RequestParameters.ClusterIdentifier, k.Cluster) {
				continue
			}
			if mine.requests[doc.RequestID] || mine.sessions[doc.UserIdentity.ARN] {
				w.Skipped++
				continue
			}
			w.Events = append(w.Events, Caller{
				EventID: aws.ToString(ev.EventId), Time: aws.ToTime(ev.EventTime).UTC(),
				Type: doc.UserIdentity.Type, ARN: doc.UserIdentity.ARN, Username: aws.ToString(ev.Username),
				SourceIdentity: doc.UserIdentity.SessionContext.SourceIdentity, SessionIssuer: doc.UserIdentity.SessionContext.SessionIssuer.ARN,
				AccessKeyID: doc.UserIdentity.AccessKeyID, SourceIP: doc.SourceIPAddress, UserAgent: doc.UserAgent,
				Added: doc.RequestParameters.AddIamRoles, Removed: doc.RequestParameters.RemoveIamRoles, Default: doc.RequestParameters.DefaultIamRoleArn,
			})
		}
	}
	w.LookedUp = true
	return w
}

// lookupReason says in plain words why CloudTrail could not be asked.
func lookupReason(account string, err error) string {
	var are *inventory.AssumeRoleError
	if errors.As(err, &are) {
		return are.Reason()
	}
	f := inventory.Classify(err)
	switch f.Kind {
	case inventory.KindDenied:
		if f.Credentials {
			return "AWS did not accept Rolegate's credentials for account " + account
		}
		return "Rolegate may not call cloudtrail:LookupEvents in account " + account
	case inventory.KindThrottled:
		return "CloudTrail is throttling Rolegate's lookups in account " + account + "; it will look again"
	case inventory.KindTimeout, inventory.KindNoAnswer, inventory.KindUnavailable:
		return "CloudTrail did not answer; Rolegate will look again"
	case inventory.KindInvalidInput:
		return "CloudTrail refused the lookup as invalid"
	}
	return "CloudTrail's lookup failed"
}
