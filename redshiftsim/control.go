package redshiftsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// serveControl serves the /_sim/ endpoints:
//
//	GET    /_sim/faults       the active faults (JSON array)
//	POST   /_sim/faults       add faults: a JSON fault or array of faults; ?replace=1 replaces
//	DELETE /_sim/faults       clear every fault
//	GET    /_sim/stats        counters and request log (JSON)
//	POST   /_sim/stats/reset  zero the counters
func (s *Sim) serveControl(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_sim/faults":
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, s.Faults())
		case http.MethodPost:
			faults, err := readFaults(r.Body)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
				return
			}
			if r.URL.Query().Get("replace") != "" {
				s.SetFaults(faults...)
			} else {
				s.AddFaults(faults...)
			}
			writeJSON(w, http.StatusOK, s.Faults())
		case http.MethodDelete:
			s.ClearFaults()
			writeJSON(w, http.StatusOK, s.Faults())
		default:
			w.Header().Set("Allow", "GET, POST, DELETE")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		}
	case "/_sim/stats":
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	case "/_sim/stats/reset":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
			return
		}
		s.ResetStats()
		writeJSON(w, http.StatusOK, s.Stats())
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such control endpoint"})
	}
}

func readFaults(body io.Reader) ([]Fault, error) {
	b, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var fs []Fault
		if err := json.Unmarshal(b, &fs); err != nil {
			return nil, err
		}
		return fs, nil
	}
	var f Fault
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	return []Fault{f}, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
