package inventory

import (
	"bytes"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// SnapshotJSON encodes a Cluster as the API returned it, for the audit log
// and the "full snapshot" views: every member the API set, members it left
// unset dropped, so that the document reads like the API's answer.
func SnapshotJSON(c *types.Cluster) json.RawMessage {
	if c == nil {
		return nil
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	out, err := json.Marshal(dropNulls(v))
	if err != nil {
		return nil
	}
	return out
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil {
				delete(t, k)
				continue
			}
			t[k] = dropNulls(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = dropNulls(x)
		}
		return t
	default:
		return v
	}
}
