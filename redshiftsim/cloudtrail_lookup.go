package redshiftsim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// lookupTargets are the X-Amz-Target values of LookupEvents (AWS JSON
// 1.1): botocore (the AWS CLI) sends the service's full target prefix,
// aws-sdk-go-v2 the short one; CloudTrail takes both.
var lookupTargets = map[string]bool{
	"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents": true,
	"CloudTrail_20131101.LookupEvents":                                    true,
}

// cloudtrailService is CloudTrail, chosen by the signing name like the
// others but answered in AWS JSON 1.1 by serveCloudTrail, not by actions.
var cloudtrailService = service{name: "cloudtrail", title: "CloudTrail_20131101"}

// lookupsPerSecond is CloudTrail's LookupEvents limit per account and
// region, applied when Options.ThrottleLookups or the world sets it.
const lookupsPerSecond = 2

// jsonError is an AWS JSON 1.1 error.
type jsonError struct {
	status int
	typ    string
	msg    string
}

func (e *jsonError) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", e.typ)
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	_, _ = w.Write(b)
}

func badRequest(typ, format string, args ...any) *jsonError {
	return &jsonError{status: http.StatusBadRequest, typ: typ, msg: fmt.Sprintf(format, args...)}
}

// lookupAttribute is one of LookupEvents' LookupAttributes.
type lookupAttribute struct {
	AttributeKey   string `json:"AttributeKey"`
	AttributeValue string `json:"AttributeValue"`
}

type lookupInput struct {
	LookupAttributes []lookupAttribute `json:"LookupAttributes"`
	StartTime        *float64          `json:"StartTime"`
	EndTime          *float64          `json:"EndTime"`
	MaxResults       *int              `json:"MaxResults"`
	NextToken        *string           `json:"NextToken"`
}

// lookupToken is what a NextToken carries: the attribute it was given for
// and the newest event the next page may hold (events before seq).
type lookupToken struct {
	Key   string `json:"k,omitempty"`
	Value string `json:"v,omitempty"`
	Seq   int64  `json:"s"`
}

type resourceOut struct {
	ResourceType string `json:"ResourceType"`
	ResourceName string `json:"ResourceName"`
}

type eventOut struct {
	EventID         string        `json:"EventId"`
	EventName       string        `json:"EventName"`
	ReadOnly        string        `json:"ReadOnly"`
	AccessKeyID     string        `json:"AccessKeyId"`
	EventTime       float64       `json:"EventTime"`
	EventSource     string        `json:"EventSource"`
	Username        string        `json:"Username"`
	Resources       []resourceOut `json:"Resources"`
	CloudTrailEvent string        `json:"CloudTrailEvent"`
}

// serveCloudTrail answers a CloudTrail request: LookupEvents only.
func (s *Sim) serveCloudTrail(w http.ResponseWriter, r *http.Request, rec *Call, sc scope) {
	fail := func(e *jsonError) {
		rec.Status, rec.Code = e.status, e.typ
		e.write(w)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		fail(&jsonError{status: http.StatusMethodNotAllowed, typ: "MethodNotAllowed", msg: "CloudTrail takes POST requests."})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		rec.Code = "ReadError"
		return
	}
	if len(body) > maxBody {
		fail(badRequest("ValidationException", "The request body is larger than %d bytes.", maxBody))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	rec.Op = target[bytes.LastIndexByte([]byte(target), '.')+1:]
	who, aerr := s.authenticate(r, body, params{}, sc)
	if aerr != nil {
		fail(&jsonError{status: aerr.Status, typ: aerr.Code, msg: aerr.Message})
		return
	}
	rec.Account, rec.Principal, rec.Role, rec.Session, rec.SourceIdentity = who.account, who.arn, who.role, who.session, who.sourceIdentity
	if !lookupTargets[target] {
		fail(badRequest("UnknownOperationException", "The operation %s is not supported.", target))
		return
	}
	// Faults on LookupEvents answer as CloudTrail's errors; latency and
	// dropped connections are Redshift's and STS's only.
	if f, hit := s.faults.match(rec.Op, sc.region); hit {
		switch f.Kind {
		case FaultThrottle:
			rec.Fault = f.Kind
			fail(badRequest("ThrottlingException", "Rate exceeded"))
			return
		case FaultUnavailable:
			rec.Fault = f.Kind
			fail(&jsonError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableException", msg: "Service is unavailable. Please try again later."})
			return
		case FaultInternal:
			rec.Fault = f.Kind
			fail(&jsonError{status: http.StatusInternalServerError, typ: "InternalFailure", msg: "The request processing has failed because of an unknown error, exception or failure."})
			return
		}
	}
	var in lookupInput
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			fail(badRequest("SerializationException", "The request body is not valid JSON: %v", err))
			return
		}
	}
	out, jerr := s.lookupEvents(who, sc.region, in)
	if jerr != nil {
		fail(jerr)
		return
	}
	rec.Status = http.StatusOK
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	b, _ := json.Marshal(out)
	_, _ = w.Write(b)
}

var lookupKeys = map[string]bool{"EventId": true, "EventName": true, "ReadOnly": true, "Username": true,
	"ResourceType": true, "ResourceName": true, "EventSource": true, "AccessKeyId": true}

// matches reports whether e has the attribute a ("" key: every event).
func (e *trailEvent) matches(a lookupAttribute) bool {
	switch a.AttributeKey {
	case "":
		return true
	case "EventId":
		return e.id == a.AttributeValue
	case "EventName":
		return e.name == a.AttributeValue
	case "ReadOnly":
		return a.AttributeValue == "false"
	case "Username":
		return e.username == a.AttributeValue
	case "ResourceType":
		return a.AttributeValue == "AWS::Redshift::Cluster"
	case "ResourceName":
		return e.cluster == a.AttributeValue
	case "EventSource":
		return a.AttributeValue == "redshift.amazonaws.com"
	case "AccessKeyId":
		return e.accessKey == a.AttributeValue
	}
	return false
}

func epochTime(v *float64, def time.Time) time.Time {
	if v == nil {
		return def
	}
	sec, frac := math.Modf(*v)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// lookupEvents implements LookupEvents in the caller's account and region:
// the events delivered by now (the trail's delay after they happened)
// within the time range and with the lookup attribute, newest first,
// MaxResults at a time.
func (s *Sim) lookupEvents(who identity, region string, in lookupInput) (map[string]any, *jsonError) {
	s.mu.Lock()
	denied := s.account(who.account).denyLookups
	s.mu.Unlock()
	if denied {
		return nil, &jsonError{status: http.StatusBadRequest, typ: "AccessDeniedException",
			msg: "User: " + who.arn + " is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"}
	}
	at := place{who.account, region}
	now := s.clock.Now()
	if !s.trail.admit(at, now) {
		return nil, badRequest("ThrottlingException", "Rate exceeded")
	}
	if len(in.LookupAttributes) > 1 {
		return nil, badRequest("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
	}
	var attr lookupAttribute
	if len(in.LookupAttributes) == 1 {
		attr = in.LookupAttributes[0]
		if !lookupKeys[attr.AttributeKey] {
			return nil, badRequest("InvalidLookupAttributesException", "The attribute key %q is not valid.", attr.AttributeKey)
		}
		if attr.AttributeValue == "" || len(attr.AttributeValue) > 2000 {
			return nil, badRequest("InvalidLookupAttributesException", "The attribute value of %s must be 1 to 2000 characters.", attr.AttributeKey)
		}
	}
	start := epochTime(in.StartTime, time.Time{})
	end := epochTime(in.EndTime, now)
	if in.StartTime != nil && in.EndTime != nil && start.After(end) {
		return nil, badRequest("InvalidTimeRangeException", "Start time must be before end time.")
	}
	if in.StartTime != nil && start.After(now) {
		return nil, badRequest("InvalidTimeRangeException", "Start time must not be in the future.")
	}
	limit := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, badRequest("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
		}
		limit = *in.MaxResults
	}
	before := int64(math.MaxInt64)
	if in.NextToken != nil {
		tok, ok := decodeLookupToken(*in.NextToken)
		if !ok || tok.Key != attr.AttributeKey || tok.Value != attr.AttributeValue {
			return nil, badRequest("InvalidNextTokenException", "The NextToken is not valid for this request: it must come with the same lookup attributes as the call that returned it.")
		}
		before = tok.Seq
	}

	s.trail.mu.Lock()
	evs := s.trail.events[at]
	var page []eventOut
	var last int64
	next := ""
	for i := len(evs) - 1; i >= 0; i-- {
		e := &evs[i]
		if e.seq >= before || e.time.Add(s.trail.delay).After(now) || e.time.Before(start) || e.time.After(end) || !e.matches(attr) {
			continue
		}
		if len(page) == limit {
			next = encodeLookupToken(lookupToken{Key: attr.AttributeKey, Value: attr.AttributeValue, Seq: last})
			break
		}
		page = append(page, eventOut{EventID: e.id, EventName: e.name, ReadOnly: "false", AccessKeyID: e.accessKey,
			EventTime: float64(e.time.Unix()), EventSource: "redshift.amazonaws.com", Username: e.username,
			Resources:       []resourceOut{{ResourceType: "AWS::Redshift::Cluster", ResourceName: e.cluster}},
			CloudTrailEvent: e.document})
		last = e.seq
	}
	s.trail.mu.Unlock()
	if page == nil {
		page = []eventOut{}
	}
	out := map[string]any{"Events": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// admit counts a lookup in at at now, or reports that the limit is spent.
func (t *trail) admit(at place, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.throttle {
		return true
	}
	if t.calls == nil {
		t.calls = map[place][]time.Time{}
	}
	recent := t.calls[at][:0]
	for _, c := range t.calls[at] {
		if now.Sub(c) < time.Second {
			recent = append(recent, c)
		}
	}
	if len(recent) >= lookupsPerSecond {
		t.calls[at] = recent
		return false
	}
	t.calls[at] = append(recent, now)
	return true
}

func encodeLookupToken(t lookupToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeLookupToken(s string) (lookupToken, bool) {
	var t lookupToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Seq <= 0 {
		return t, false
	}
	return t, true
}
