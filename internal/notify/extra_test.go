package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/notify"
)

// A Slack-compatible incoming webhook gets a Block Kit message: a header,
// the cluster, account, change and reason as fields, and a button linking
// to the request under the external URL.
func TestSlackGetsBlockKit(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(slack.Close)
	g := newRig(t, notify.Options{})
	g.addChannel(t, notify.ChannelForm{Name: "#dba-approvals", Kind: notify.ChannelSlack, Target: slack.URL + "/services/T0/B0/token",
		Topics: []notify.Topic{notify.TopicApprovals}, Enabled: true})
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.drain(t, 10*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(bodies))
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Text string `json:"text"`
			} `json:"text"`
			Fields []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(bodies[0], &msg); err != nil {
		t.Fatal(err)
	}
	if len(msg.Blocks) != 3 || msg.Blocks[0].Type != "header" || msg.Blocks[1].Type != "section" || msg.Blocks[2].Type != "actions" {
		t.Fatalf("blocks: %s", bodies[0])
	}
	var fields []string
	for _, f := range msg.Blocks[1].Fields {
		fields = append(fields, f.Text)
	}
	all := strings.Join(fields, "\n")
	for _, want := range []string{"*Cluster*\nanalytics (" + rigRegion + ")", "*Account*\n" + r.Account, "*Change*\nadd " + roleARN, "*Reason*\nthe nightly load needs COPY"} {
		if !strings.Contains(all, want) {
			t.Errorf("fields lack %q:\n%s", want, all)
		}
	}
	if u := msg.Blocks[2].Elements[0].URL; u != externalURL+"/changes/"+itoa(r.ID) {
		t.Errorf("button links to %q", u)
	}
}

// A webhook URL carries its token: a failed delivery neither stores nor
// logs it, and neither does the audit log of the channel.
func TestChannelSecretsStayOutOfLogsAndErrors(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	g := newRig(t, notify.Options{Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil)), MaxAttempts: 2})
	g.addChannel(t, notify.ChannelForm{Name: "ops-hook", Kind: notify.ChannelWebhook, Target: "http://127.0.0.1:1/hooks/xoxb-url-token",
		Secret: hookSecret, Topics: notify.AllTopics, Enabled: true})
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.drain(t, 10*time.Second)
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != notify.Failed || ds[0].LastError == "" {
		t.Fatalf("deliveries %+v", ds)
	}
	var params []string
	rows, err := g.db.Reader().Query(`SELECT params FROM audit_events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		params = append(params, p)
	}
	rows.Close()
	mu.Lock()
	defer mu.Unlock()
	for where, text := range map[string]string{"the stored error": ds[0].LastError, "the log": logs.String(), "the audit log": strings.Join(params, "\n")} {
		if strings.Contains(text, "xoxb-url-token") || strings.Contains(text, hookSecret) {
			t.Errorf("%s holds a secret:\n%s", where, text)
		}
	}
	if !strings.Contains(logs.String(), "notification failed") {
		t.Errorf("the failure was not logged:\n%s", logs.String())
	}
}

// A pending request about to expire reminds its requester once, with an
// audit event, however often the worker looks.
func TestExpiryReminderOnce(t *testing.T) {
	g := newRig(t, notify.Options{RemindBefore: 8 * 24 * time.Hour})
	rc := newReceiver(t, hookSecret)
	g.webhook(t, "ops-hook", rc.srv.URL, notify.TopicDecisions)
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	for range 3 {
		if err := g.notify.Remind(context.Background(), g.svc); err != nil {
			t.Fatal(err)
		}
	}
	g.drain(t, 10*time.Second)
	if got := rc.events(); len(got) != 1 || got[0] != "expiring" {
		t.Fatalf("events %v, want one expiring", got)
	}
	// The event names the cluster's account, as every event of the
	// request does.
	var n int
	if err := g.db.Reader().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'change.expiring' AND change_id = ? AND account = ?`, r.ID, r.Account).Scan(&n); err != nil || n != 1 || r.Account == "" {
		t.Fatalf("%d change.expiring events in account %q (%v), want 1", n, r.Account, err)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
