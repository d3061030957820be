package inventory

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// noteMembers records which members of clusterMembers c has set.
func noteMembers(seen map[string]bool, c *types.Cluster) {
	v := reflect.ValueOf(c).Elem()
	for _, m := range clusterMembers {
		if !v.FieldByName(m.name).IsZero() {
			seen["member "+m.name] = true
		}
	}
}

// TestSummaryKeepsTheMemberTableOnly fills every member of a Cluster and
// checks that summary keeps exactly the members of clusterMembers (each
// named as its types.Cluster field) with their values, and drops the rest.
func TestSummaryKeepsTheMemberTableOnly(t *testing.T) {
	full := &types.Cluster{}
	fill(reflect.ValueOf(full).Elem())
	kept := map[string]bool{}
	for _, m := range clusterMembers {
		if _, ok := reflect.TypeFor[types.Cluster]().FieldByName(m.name); !ok {
			t.Errorf("member %s is not a field of types.Cluster", m.name)
		}
		if kept[m.name] {
			t.Errorf("member %s listed twice", m.name)
		}
		kept[m.name] = true
	}
	if len(clusterMemberIndex) != len(clusterMembers) || len(clusterMemberNames) != len(clusterMembers) {
		t.Errorf("index of %d and %d names for %d members", len(clusterMemberIndex), len(clusterMemberNames), len(clusterMembers))
	}
	s := reflect.ValueOf(summary(full)).Elem()
	f := reflect.ValueOf(full).Elem()
	for i := range f.NumField() {
		name := f.Type().Field(i).Name
		if !f.Type().Field(i).IsExported() {
			continue
		}
		switch {
		case name == "Endpoint":
			want := &types.Endpoint{Address: full.Endpoint.Address, Port: full.Endpoint.Port}
			if !reflect.DeepEqual(s.Field(i).Interface(), want) {
				t.Errorf("Endpoint kept as %#v, want only its address and port", s.Field(i).Interface())
			}
		case kept[name]:
			if !reflect.DeepEqual(s.Field(i).Interface(), f.Field(i).Interface()) {
				t.Errorf("member %s not kept", name)
			}
		default:
			if !s.Field(i).IsZero() {
				t.Errorf("member %s kept but not in clusterMembers", name)
			}
		}
	}
}

// fill sets every exported field of v, recursively, to a value that is
// not the zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Float64:
		v.SetFloat(1.5)
	}
}
