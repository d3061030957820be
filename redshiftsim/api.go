package redshiftsim

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// operation runs one API action for region, writing the inner XML of the
// <OpResult> element to w.
type operation func(s *Sim, region string, p params, w *xw) *apiError

// bufPool recycles result buffers: a page of 100 clusters is about 300 KB,
// and fresh memory of that size costs more than rendering it.
var bufPool = sync.Pool{New: func() any { return new(xw) }}

var operations = map[string]operation{
	"DescribeClusters":      (*Sim).describeClusters,
	"ModifyClusterIamRoles": (*Sim).modifyClusterIamRoles,
	"CreateCluster":         (*Sim).createCluster,
	"DeleteCluster":         (*Sim).deleteCluster,
	"PauseCluster":          (*Sim).pauseCluster,
	"ResumeCluster":         (*Sim).resumeCluster,
}

func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := requestID()
	w.Header().Set("x-amzn-RequestId", reqID)
	rec := Call{Time: s.clock.Now().UTC(), RequestID: reqID, Region: DefaultRegion}
	defer func() {
		rec.Duration = time.Since(start)
		s.stats.record(rec)
	}()
	fail := func(e *apiError) {
		rec.Status, rec.Code = e.Status, e.Code
		writeError(w, reqID, e)
	}

	var raw string
	switch r.Method {
	case http.MethodGet:
		raw = r.URL.RawQuery
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
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
	rec.Region = regionOf(r, p)
	rec.Op = p.str("Action")
	rec.Cluster = p.str("ClusterIdentifier")

	if rec.Op == "" {
		fail(senderErr(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action."))
		return
	}
	op, ok := operations[rec.Op]
	if !ok {
		fail(senderErr(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", rec.Op))
		return
	}
	if v := p.str("Version"); v != "" && v != APIVersion {
		fail(senderErr(http.StatusBadRequest, "NoSuchVersion", "The requested version (%s) of service AmazonRedshift does not exist.", v))
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
	aerr := op(s, rec.Region, p, buf)
	if hit && f.Kind == FaultLatencyAfter {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if aerr != nil {
		s.log.Debug("redshiftsim call failed", "op", rec.Op, "region", rec.Region, "code", aerr.Code, "request_id", reqID)
		fail(aerr)
		return
	}
	rec.Status = http.StatusOK
	s.log.Debug("redshiftsim call", "op", rec.Op, "region", rec.Region, "cluster", rec.Cluster, "request_id", reqID)
	writeResult(w, rec.Op, reqID, buf.Bytes())
}
