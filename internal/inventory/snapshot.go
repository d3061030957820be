package inventory

import (
	"bytes"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// SnapshotJSON encodes a Cluster as the API returned it, for the audit log
// and the "full snapshot" views: every member the API set, members it left
// unset dropped, so that the document reads like the API's answer. Unset
// enum members (the SDK's string types, which have no nil) encode as "" and
// are dropped too; the API never sends an empty scalar.
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
	out, err := json.Marshal(dropUnset(v))
	if err != nil {
		return nil
	}
	return out
}

// dropUnset removes nulls and empty strings from objects, recursively.
// Empty lists and objects stay: the API sends <IamRoles/> and
// <PendingModifiedValues/> when there is nothing in them.
func dropUnset(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if x == nil || x == "" {
				delete(t, k)
				continue
			}
			t[k] = dropUnset(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = dropUnset(x)
		}
		return t
	default:
		return v
	}
}
