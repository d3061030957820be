package redshiftsim

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// operation runs one Redshift action in the caller's account and region,
// writing the inner XML of the <OpResult> element to w.
type operation func(s *Sim, at place, p params, w *xw) *apiError

// action runs one action of any service for the caller in region.
type action func(s *Sim, who identity, region string, p params, w *xw) *apiError

// service is one AWS service the simulator answers, chosen by the signing
// name of the request's credential scope.
type service struct {
	name      string // as in the credential scope and the request log
	title     string // as in NoSuchVersion
	version   string
	namespace string
	actions   map[string]action
}

// inAccount runs a Redshift operation in the caller's account.
func inAccount(op operation) action {
	return func(s *Sim, who identity, region string, p params, w *xw) *apiError {
		return op(s, place{who.account, region}, p, w)
	}
}

var redshiftService = service{name: "redshift", title: "AmazonRedshift", version: APIVersion, namespace: xmlNamespace,
	actions: map[string]action{
		"DescribeClusters":      inAccount((*Sim).describeClusters),
		"ModifyClusterIamRoles": inAccount((*Sim).modifyClusterIamRoles),
		"CreateCluster":         inAccount((*Sim).createCluster),
		"DeleteCluster":         inAccount((*Sim).deleteCluster),
		"PauseCluster":          inAccount((*Sim).pauseCluster),
		"ResumeCluster":         inAccount((*Sim).resumeCluster),
	}}

var stsService = service{name: "sts", title: "AWSSecurityTokenService", version: STSVersion, namespace: stsNamespace,
	actions: map[string]action{
		"AssumeRole":        (*Sim).assumeRole,
		"GetCallerIdentity": (*Sim).getCallerIdentity,
	}}

// serviceFor picks the service a request was signed for; anything but STS
// is Redshift, as before STS was simulated.
func serviceFor(sc scope) *service {
	switch sc.service {
	case stsService.name:
		return &stsService
	case iamService.name:
		return &iamService
	case cloudtrailService.name:
		return &cloudtrailService
	}
	return &redshiftService
}

// bufPool recycles result buffers: a page of 100 clusters is about 300 KB,
// and fresh memory of that size costs more than rendering it.
var bufPool = sync.Pool{New: func() any { return new(xw) }}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := requestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	sc0 := scopeOf(r, params{})
	svc := serviceFor(sc0)
	rec := Call{Time: s.clock.Now().UTC(), RequestID: reqID, Service: svc.name, Region: DefaultRegion}
	defer func() {
		rec.Duration = time.Since(start)
		s.stats.record(rec)
	}()
	fail := func(e *apiError) {
		rec.Status, rec.Code = e.Status, e.Code
		writeError(w, svc.namespace, reqID, e)
	}

	if svc == &cloudtrailService {
		rec.Service, rec.Region, rec.AccessKey = svc.name, sc0.region, sc0.accessKey
		s.serveCloudTrail(w, r, &rec, sc0)
		return
	}

	var raw string
	var body []byte
	switch r.Method {
	case http.MethodGet:
		raw = r.URL.RawQuery
	case http.MethodPost:
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			rec.Code = "ReadError"
			return
		}
		if len(body) > maxBody {
			fail(errInvalidValue("The request body is larger than %d bytes.", maxBody))
			return
		}
		raw = string(body)
		if r.URL.RawQuery != "" {
			raw = r.URL.RawQuery + "&" + raw
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		fail(senderErr(http.StatusMethodNotAllowed, "MethodNotAllowed", "The method %s is not allowed.", r.Method))
		return
	}
	p, perr := parseQuery(raw)
	if perr != nil {
		fail(perr.(*apiError))
		return
	}
	sc := scopeOf(r, p)
	svc = serviceFor(sc)
	rec.Service, rec.Region, rec.AccessKey = svc.name, sc.region, sc.accessKey
	rec.Op = p.str("Action")
	rec.Cluster = p.str("ClusterIdentifier")
	if svc == &stsService {
		rec.Target = p.str("RoleArn")
	}

	who, aerr := s.authenticate(r, body, p, sc)
	if aerr != nil {
		fail(aerr)
		return
	}
	rec.Account, rec.Principal, rec.Role, rec.Session, rec.SourceIdentity = who.account, who.arn, who.role, who.session, who.sourceIdentity
	if rec.Op == "" {
		fail(senderErr(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action."))
		return
	}
	op, ok := svc.actions[rec.Op]
	if !ok {
		fail(senderErr(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", rec.Op))
		return
	}
	if v := p.str("Version"); v != "" && v != svc.version {
		fail(senderErr(http.StatusBadRequest, "NoSuchVersion", "The requested version (%s) of service %s does not exist.", v, svc.title))
		return
	}

	f, hit := s.faults.match(rec.Op, rec.Region)
	if hit {
		rec.Fault = f.Kind
		switch f.Kind {
		case FaultThrottle:
			fail(errThrottling())
			return
		case FaultUnavailable:
			fail(errUnavailable())
			return
		case FaultInternal:
			fail(errInternal())
			return
		case FaultDrop:
			rec.Code = "Dropped"
			panic(http.ErrAbortHandler)
		case FaultLatency:
			t := time.NewTimer(f.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				rec.Code = "ClientGone"
				return
			}
		}
	}

	buf := bufPool.Get().(*xw)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 4<<20 {
			bufPool.Put(buf)
		}
	}()
	aerr = op(s, who, rec.Region, p, buf)
	if hit && f.Kind == FaultLatencyAfter {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if aerr != nil {
		s.log.Debug("redshiftsim call failed", "op", rec.Op, "region", rec.Region, "account", rec.Account, "code", aerr.Code, "request_id", reqID)
		fail(aerr)
		return
	}
	rec.Status = http.StatusOK
	if svc == &redshiftService && trailed[rec.Op] {
		s.recordTrail(r, who, rec.Region, rec.Op, reqID, p)
	}
	s.log.Debug("redshiftsim call", "op", rec.Op, "region", rec.Region, "account", rec.Account, "cluster", rec.Cluster, "request_id", reqID)
	writeResult(w, svc.namespace, rec.Op, reqID, buf.Bytes())
}
