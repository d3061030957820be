package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
)

// all reads every event through an export to compare against.
func allEvents(t *testing.T, log *audit.Log) []audit.Event {
	t.Helper()
	var buf bytes.Buffer
	if _, err := log.WriteExport(context.Background(), &buf, audit.JSONL, audit.Filter{}); err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	if err := audit.ReadJSONL(&buf, func(e audit.Event) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// matches is the brute-force version of a filter.
func matches(f audit.Filter, e audit.Event) bool {
	switch {
	case !f.From.IsZero() && e.Time.Before(f.From):
	case !f.To.IsZero() && !e.Time.Before(f.To):
	case f.Actor != "" && e.Actor.Username != f.Actor:
	case f.Action != "" && e.Action != f.Action:
	case f.Region != "" && e.Target.Region != f.Region:
	case f.Cluster != "" && e.Target.Cluster != f.Cluster:
	case f.ChangeID != 0 && e.Target.ChangeID != f.ChangeID:
	case f.Outcome != "" && e.Outcome != f.Outcome:
	case f.RoleARN != "" && !strings.Contains(string(e.Params), `"`+f.RoleARN+`"`) && !strings.Contains(string(e.Snapshot), `"`+f.RoleARN+`"`):
	default:
		return true
	}
	return false
}

const spectrum = "arn:aws:iam::100000000001:role/RedshiftSpectrum"

var filterCases = []struct {
	name string
	f    audit.Filter
}{
	{"everything", audit.Filter{}},
	{"time range", audit.Filter{From: genStart.Add(2 * time.Hour), To: genStart.Add(9 * time.Hour)}},
	{"actor", audit.Filter{Actor: "chen"}},
	{"action", audit.Filter{Action: audit.ApplySucceeded}},
	{"region", audit.Filter{Region: "eu-west-1"}},
	{"cluster", audit.Filter{Cluster: "analytics-07"}},
	{"cluster and region", audit.Filter{Cluster: "analytics-07", Region: "us-east-1"}},
	{"change", audit.Filter{ChangeID: 12}},
	{"outcome", audit.Filter{Outcome: audit.Failure}},
	{"role ARN anywhere", audit.Filter{RoleARN: spectrum}},
	{"role ARN and action", audit.Filter{RoleARN: spectrum, Action: audit.ChangeCreated}},
	{"everything at once", audit.Filter{From: genStart, To: genStart.Add(24 * time.Hour), Actor: "system", Action: audit.ApplySucceeded, Region: "eu-west-1", Outcome: audit.Success}},
	{"nothing matches", audit.Filter{Actor: "nobody"}},
}

func TestQueryReturnsExactlyTheMatchingEventsAcrossPages(t *testing.T) {
	ctx := context.Background()
	_, log, _ := chain(t, 2500)
	all := allEvents(t, log)
	if len(all) != 2500 {
		t.Fatalf("%d events", len(all))
	}
	for _, tt := range filterCases {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for _, e := range all {
				if matches(tt.f, e) {
					want = append(want, e.Seq)
				}
			}
			slices.Reverse(want) // newest first
			if tt.name != "nothing matches" && len(want) == 0 {
				t.Fatal("the case selects nothing; it proves nothing")
			}
			// Walk to the end through Older cursors.
			var got []int64
			var pages []audit.Page
			cursor := ""
			for {
				p, err := log.Query(ctx, tt.f, cursor, 37)
				if err != nil {
					t.Fatal(err)
				}
				pages = append(pages, p)
				for _, e := range p.Events {
					got = append(got, e.Seq)
					if !matches(tt.f, e) {
						t.Fatalf("seq %d does not match", e.Seq)
					}
				}
				if p.Older == "" {
					break
				}
				cursor = p.Older
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d events, want %d", len(got), len(want))
			}
			// Walk back through Newer cursors: the same pages.
			for i := len(pages) - 1; i > 0; i-- {
				if pages[i].Newer == "" {
					t.Fatalf("page %d has no link to newer events", i)
				}
				p, err := log.Query(ctx, tt.f, pages[i].Newer, 37)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(seqs(p.Events), seqs(pages[i-1].Events)) {
					t.Fatalf("page %d back: %v, want %v", i-1, seqs(p.Events), seqs(pages[i-1].Events))
				}
			}
			if pages[0].Newer != "" {
				t.Fatal("the first page links to newer events")
			}
		})
	}
}

func seqs(evs []audit.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}

func TestQueryRefusesForeignCursorAndGetFindsEvents(t *testing.T) {
	ctx := context.Background()
	_, log, _ := chain(t, 20)
	for _, c := range []string{"nonsense!", "eDEy", "bzEyYQ"} {
		if _, err := log.Query(ctx, audit.Filter{}, c, 10); !errors.Is(err, audit.ErrBadCursor) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
	e, err := log.Get(ctx, 7)
	if err != nil || e.Seq != 7 || !e.HashOK() {
		t.Fatalf("Get(7): %+v %v", e, err)
	}
	if _, err := log.Get(ctx, 21); !errors.Is(err, audit.ErrNotFound) {
		t.Fatalf("Get(21): %v", err)
	}
}

func TestPreviousSnapshotIsTheSameClustersEarlierOne(t *testing.T) {
	ctx := context.Background()
	_, log, _ := chain(t, 1500)
	all := allEvents(t, log)
	var last audit.Event
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Snapshot != nil {
			last = all[i]
			break
		}
	}
	var want int64
	for _, e := range all {
		if e.Seq < last.Seq && e.Snapshot != nil && e.Target == (audit.Target{Region: last.Target.Region, Cluster: last.Target.Cluster, ChangeID: e.Target.ChangeID}) {
			want = e.Seq
		}
	}
	prev, ok, err := log.PreviousSnapshot(ctx, last.Target.Account, last.Target.Region, last.Target.Cluster, last.Seq)
	if err != nil || !ok || prev.Seq != want {
		t.Fatalf("previous of %d: %d %v %v, want %d", last.Seq, prev.Seq, ok, err, want)
	}
	if _, ok, err := log.PreviousSnapshot(ctx, "", "us-east-1", "no-such-cluster", 1<<40); ok || err != nil {
		t.Fatalf("unknown cluster: %v %v", ok, err)
	}
}

func TestExportRoundTripsAndIsAudited(t *testing.T) {
	ctx := context.Background()
	_, log, _ := chain(t, 800)
	f := audit.Filter{Region: "us-east-1"}
	var want []audit.Event
	for _, e := range allEvents(t, log) {
		if matches(f, e) {
			want = append(want, e)
		}
	}
	by := audit.Actor{UserID: 3, Username: "vera", Role: "viewer"}
	for _, format := range []audit.Format{audit.CSV, audit.JSONL} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			n, err := log.Export(ctx, &buf, format, f, by, audit.Origin{RequestID: "r1"})
			if err != nil || n != int64(len(want)) {
				t.Fatalf("exported %d (%v), want %d", n, err, len(want))
			}
			var got []audit.Event
			read := audit.ReadCSV
			if format == audit.JSONL {
				read = audit.ReadJSONL
			}
			if err := read(&buf, func(e audit.Event) error { got = append(got, e); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("read back %d, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(normal(got[i]), normal(want[i])) {
					t.Fatalf("event %d differs:\n got %+v\nwant %+v", want[i].Seq, got[i], want[i])
				}
				if !got[i].HashOK() {
					t.Fatalf("event %d read back fails its hash", got[i].Seq)
				}
			}
			p, err := log.Query(ctx, audit.Filter{Action: audit.AuditExported, Actor: "vera"}, "", 1)
			if err != nil || len(p.Events) != 1 {
				t.Fatalf("export event: %v %v", p, err)
			}
			var params struct {
				Filter map[string]string `json:"filter"`
				Format string            `json:"format"`
				Events int64             `json:"events"`
			}
			if err := json.Unmarshal(p.Events[0].Params, &params); err != nil {
				t.Fatal(err)
			}
			if params.Filter["region"] != "us-east-1" || params.Format != string(format) || params.Events != n {
				t.Fatalf("export event params %s", p.Events[0].Params)
			}
		})
	}
}

// normal makes an empty snapshot compare equal to none.
func normal(e audit.Event) audit.Event {
	if len(e.Snapshot) == 0 {
		e.Snapshot = nil
	}
	return e
}

func TestDiffSnapshotsHighlightsRoles(t *testing.T) {
	before := json.RawMessage(`{"ClusterIdentifier":"a","NumberOfNodes":2,"DefaultIamRoleArn":"arn:aws:iam::123456789012:role/A",
		"IamRoles":[{"IamRoleArn":"arn:aws:iam::123456789012:role/A","ApplyStatus":"in-sync"},{"IamRoleArn":"arn:aws:iam::123456789012:role/B","ApplyStatus":"in-sync"}],
		"Tags":[{"Key":"team","Value":"x"}]}`)
	after := json.RawMessage(`{"ClusterIdentifier":"a","NumberOfNodes":4,"DefaultIamRoleArn":"arn:aws:iam::123456789012:role/C",
		"IamRoles":[{"IamRoleArn":"arn:aws:iam::123456789012:role/C","ApplyStatus":"adding"},{"IamRoleArn":"arn:aws:iam::123456789012:role/A","ApplyStatus":"removing"}],
		"Tags":[{"Key":"team","Value":"x"}]}`)
	d, err := audit.DiffSnapshots(before, after)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.RolesAdded, []string{"arn:aws:iam::123456789012:role/C"}) || !slices.Equal(d.RolesRemoved, []string{"arn:aws:iam::123456789012:role/B"}) {
		t.Fatalf("roles added %v removed %v", d.RolesAdded, d.RolesRemoved)
	}
	got := map[string]audit.FieldChange{}
	for _, c := range d.Changes {
		got[c.Path] = c
	}
	want := map[string]audit.FieldChange{
		"NumberOfNodes":     {Path: "NumberOfNodes", Kind: audit.Changed, Before: "2", After: "4"},
		"DefaultIamRoleArn": {Path: "DefaultIamRoleArn", Kind: audit.Changed, Before: "arn:aws:iam::123456789012:role/A", After: "arn:aws:iam::123456789012:role/C", Role: true},
		"IamRoles[arn:aws:iam::123456789012:role/A].ApplyStatus": {Path: "IamRoles[arn:aws:iam::123456789012:role/A].ApplyStatus", Kind: audit.Changed, Before: "in-sync", After: "removing", Role: true},
		"IamRoles[arn:aws:iam::123456789012:role/B].ApplyStatus": {Path: "IamRoles[arn:aws:iam::123456789012:role/B].ApplyStatus", Kind: audit.Removed, Before: "in-sync", Role: true},
		"IamRoles[arn:aws:iam::123456789012:role/B].IamRoleArn":  {Path: "IamRoles[arn:aws:iam::123456789012:role/B].IamRoleArn", Kind: audit.Removed, Before: "arn:aws:iam::123456789012:role/B", Role: true},
		"IamRoles[arn:aws:iam::123456789012:role/C].ApplyStatus": {Path: "IamRoles[arn:aws:iam::123456789012:role/C].ApplyStatus", Kind: audit.Added, After: "adding", Role: true},
		"IamRoles[arn:aws:iam::123456789012:role/C].IamRoleArn":  {Path: "IamRoles[arn:aws:iam::123456789012:role/C].IamRoleArn", Kind: audit.Added, After: "arn:aws:iam::123456789012:role/C", Role: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("changes:\n%+v\nwant\n%+v", got, want)
	}
	if d, err := audit.DiffSnapshots(after, after); err != nil || !d.Empty() {
		t.Fatalf("same snapshot: %+v %v", d, err)
	}
	// From no roles to one: the role is added, the empty list is not
	// "removed".
	d, err = audit.DiffSnapshots(json.RawMessage(`{"IamRoles":[]}`), json.RawMessage(`{"IamRoles":[{"IamRoleArn":"arn:aws:iam::123456789012:role/A","ApplyStatus":"adding"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Changes {
		if c.Kind != audit.Added {
			t.Fatalf("filling an empty role list shows %+v", c)
		}
	}
	if len(d.Changes) != 2 {
		t.Fatalf("changes %+v", d.Changes)
	}
}

// A clock that steps back does not make the chain's times go backwards,
// so a time range stays a range of sequence numbers.
func TestAppendKeepsTimesInSequenceOrder(t *testing.T) {
	ctx := context.Background()
	times := []time.Time{genStart.Add(time.Hour), genStart, genStart.Add(2 * time.Hour)}
	i := 0
	log := audit.New(openDB(t), audit.WithClock(func() time.Time { i++; return times[i-1] }))
	var got []time.Time
	for range times {
		e, err := log.Record(ctx, audit.Event{Action: audit.SignIn, Outcome: audit.Success})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Time)
	}
	if !got[1].Equal(times[0]) || !got[2].Equal(times[2]) {
		t.Fatalf("times %v", got)
	}
	p, err := log.Query(ctx, audit.Filter{From: genStart.Add(time.Hour), To: genStart.Add(90 * time.Minute)}, "", 10)
	if err != nil || !reflect.DeepEqual(seqs(p.Events), []int64{2, 1}) {
		t.Fatalf("time range: %v %v", seqs(p.Events), err)
	}
}

// Text from outside (a typed username, a user agent) that a spreadsheet
// would run as a formula is quoted in the CSV, and still reads back exactly.
func TestCSVExportDefusesFormulasAndRoundTrips(t *testing.T) {
	ctx := context.Background()
	log := audit.New(openDB(t))
	hostile := []string{"=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2", "@SUM(A1)", "\t=1", "'quoted", "plain"}
	for _, s := range hostile {
		if _, err := log.Record(ctx, audit.Event{
			Actor: audit.Actor{Username: s}, Origin: audit.Origin{UserAgent: s},
			Action: audit.SignInFailed, Outcome: audit.Failure, ErrorMessage: s,
		}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := log.WriteExport(ctx, &buf, audit.CSV, audit.Filter{}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		for _, cell := range strings.Split(line, ",") {
			cell = strings.TrimPrefix(cell, `"`)
			if cell != "" && strings.ContainsRune("=+-@\t", rune(cell[0])) {
				t.Fatalf("a cell starts with a formula character: %q", cell)
			}
		}
	}
	var got []audit.Event
	if err := audit.ReadCSV(&buf, func(e audit.Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(hostile) {
		t.Fatalf("read back %d events", len(got))
	}
	for i, e := range got {
		if e.Actor.Username != hostile[i] || e.Origin.UserAgent != hostile[i] || e.ErrorMessage != hostile[i] || !e.HashOK() {
			t.Fatalf("event %d read back as %q / %q / %q (hash ok %t)", i, e.Actor.Username, e.Origin.UserAgent, e.ErrorMessage, e.HashOK())
		}
	}
}
