package redshiftsim

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The CloudTrail event log: every role-changing Redshift call that
// succeeds (ModifyClusterIamRoles, CreateCluster) is recorded as
// CloudTrail would record it, in the caller's account and region, whether
// it came through Rolegate or straight from the AWS CLI. LookupEvents
// (cloudtrail_lookup.go) serves it.

// trailed are the Redshift actions that change a cluster's roles and so
// leave an event in the log.
var trailed = map[string]bool{"ModifyClusterIamRoles": true, "CreateCluster": true}

// trailEvent is one management event as LookupEvents returns it.
type trailEvent struct {
	seq        int64 // order of recording: later is newer
	id         string
	name       string
	time       time.Time
	accessKey  string
	username   string
	cluster    string
	document   string // the CloudTrailEvent JSON
	sessionArn string // for tests that look at who
}

// trail holds the events of every account and region, oldest first.
type trail struct {
	mu     sync.Mutex
	seq    int64
	events map[place][]trailEvent
	calls  map[place][]time.Time // recent lookups, for the throttle

	throttle bool          // Options.ThrottleLookups or the world's
	delay    time.Duration // Options.TrailDelay or the world's
}

func (t *trail) configure(throttle bool, delay time.Duration) {
	t.mu.Lock()
	t.throttle, t.delay = throttle, delay
	t.mu.Unlock()
}

func (t *trail) add(at place, e trailEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.events == nil {
		t.events = map[place][]trailEvent{}
	}
	t.seq++
	e.seq = t.seq
	t.events[at] = append(t.events[at], e)
}

// userIdentity is CloudTrail's userIdentity block.
type userIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
}

type sessionContext struct {
	SourceIdentity string        `json:"sourceIdentity,omitempty"`
	SessionIssuer  sessionIssuer `json:"sessionIssuer"`
	Attributes     struct {
		CreationDate     string `json:"creationDate"`
		MFAAuthenticated string `json:"mfaAuthenticated"`
	} `json:"attributes"`
}

type sessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// trailDocument is the CloudTrailEvent document of a Redshift call.
type trailDocument struct {
	EventVersion       string         `json:"eventVersion"`
	UserIdentity       userIdentity   `json:"userIdentity"`
	EventTime          string         `json:"eventTime"`
	EventSource        string         `json:"eventSource"`
	EventName          string         `json:"eventName"`
	AWSRegion          string         `json:"awsRegion"`
	SourceIPAddress    string         `json:"sourceIPAddress"`
	UserAgent          string         `json:"userAgent"`
	RequestParameters  map[string]any `json:"requestParameters"`
	ResponseElements   any            `json:"responseElements"`
	RequestID          string         `json:"requestID"`
	EventID            string         `json:"eventID"`
	ReadOnly           bool           `json:"readOnly"`
	EventType          string         `json:"eventType"`
	ManagementEvent    bool           `json:"managementEvent"`
	RecipientAccountID string         `json:"recipientAccountId"`
	EventCategory      string         `json:"eventCategory"`
}

// requestParameters are the parameters CloudTrail keeps of a trailed call.
func requestParameters(op string, p params) map[string]any {
	rp := map[string]any{"clusterIdentifier": p.str("ClusterIdentifier")}
	lists := map[string]string{"addIamRoles": "AddIamRoles", "removeIamRoles": "RemoveIamRoles"}
	if op == "CreateCluster" {
		lists = map[string]string{"iamRoles": "IamRoles"}
		rp["nodeType"] = p.str("NodeType")
	}
	for k, prefix := range lists {
		if l, present, _ := p.list(prefix, "IamRoleArn"); present {
			rp[k] = l
		}
	}
	if def := p.str("DefaultIamRoleArn"); def != "" {
		rp["defaultIamRoleArn"] = def
	}
	return rp
}

// recordTrail logs a trailed call that succeeded, as made by who from r.
func (s *Sim) recordTrail(r *http.Request, who identity, region, op, reqID string, p params) {
	now := s.clock.Now().UTC().Truncate(time.Second)
	id := requestID()
	ui := userIdentity{PrincipalID: who.userID, ARN: who.arn, AccountID: who.account, AccessKeyID: who.accessKey}
	username := who.session
	if who.role == "" {
		ui.Type = "IAMUser"
		ui.UserName = who.arn[strings.LastIndex(who.arn, "/")+1:]
		username = ui.UserName
	} else {
		ui.Type = "AssumedRole"
		roleName := who.role[strings.LastIndex(who.role, "/")+1:]
		roleID, _, _ := strings.Cut(who.userID, ":")
		sc := &sessionContext{SourceIdentity: who.sourceIdentity, SessionIssuer: sessionIssuer{Type: "Role",
			PrincipalID: roleID, ARN: who.role, AccountID: who.account, UserName: roleName}}
		sc.Attributes.CreationDate = now.Format(time.RFC3339)
		sc.Attributes.MFAAuthenticated = "false"
		ui.SessionContext = sc
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	doc := trailDocument{
		EventVersion: "1.08", UserIdentity: ui, EventTime: now.Format(time.RFC3339),
		EventSource: "redshift.amazonaws.com", EventName: op, AWSRegion: region,
		SourceIPAddress: ip, UserAgent: r.UserAgent(), RequestParameters: requestParameters(op, p),
		RequestID: reqID, EventID: id, EventType: "AwsApiCall", ManagementEvent: true,
		RecipientAccountID: who.account, EventCategory: "Management",
	}
	b, _ := json.Marshal(doc)
	s.trail.add(place{who.account, region}, trailEvent{id: id, name: op, time: now, accessKey: who.accessKey,
		username: username, cluster: p.str("ClusterIdentifier"), document: string(b), sessionArn: who.arn})
}

// TrailEvent is one CloudTrail event the simulator recorded, for tests.
type TrailEvent struct {
	ID, Name, Cluster, Username, AccessKey, Caller string
	Time                                           time.Time
	Document                                       string // the CloudTrailEvent JSON
}

// Trail returns the CloudTrail events of account in region, oldest first,
// delivered or not.
func (s *Sim) Trail(account, region string) []TrailEvent {
	s.trail.mu.Lock()
	defer s.trail.mu.Unlock()
	evs := s.trail.events[place{account, region}]
	out := make([]TrailEvent, len(evs))
	for i, e := range evs {
		out[i] = TrailEvent{ID: e.id, Name: e.name, Cluster: e.cluster, Username: e.username, AccessKey: e.accessKey,
			Caller: e.sessionArn, Time: e.time, Document: e.document}
	}
	return out
}
