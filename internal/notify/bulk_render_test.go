package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/notify"
)

// A submitted set reaches Slack as one Block Kit message and each eligible
// approver as one mail, naming the set and linking its page.
func TestBulkSubmissionReachesSlackAndMail(t *testing.T) {
	mp := startMailpit(t, true)
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
	g := newRig(t, notify.Options{MailTLS: mp.TLS()})
	g.addChannel(t, notify.ChannelForm{Name: "#dba-approvals", Kind: notify.ChannelSlack, Target: slack.URL + "/services/T0/B0/token",
		Topics: []notify.Topic{notify.TopicApprovals}, Enabled: true})
	g.addChannel(t, notify.ChannelForm{Name: "smtp", Kind: notify.ChannelEmail, Target: mp.SMTP, Sender: "rolegate@example.com",
		Username: "rolegate", Secret: "smtp password", Enabled: true})
	for _, who := range []string{"rita", "arno", "anna"} {
		g.setPrefs(t, who, notify.Prefs{Email: who + "@example.com", EmailOn: true})
	}
	b := g.submitBulk(t, "alpha", "beta", "gamma")
	g.drain(t, 30*time.Second)
	link := externalURL + "/bulk/" + itoa(b.ID)
	set := "3 clusters: alpha (" + rigRegion + "), beta (" + rigRegion + "), gamma (" + rigRegion + ")"

	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d Slack messages, want 1", len(bodies))
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Fields []struct {
				Text string `json:"text"`
			} `json:"fields"`
			Elements []struct {
				URL string `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(bodies[0], &msg); err != nil || len(msg.Blocks) != 3 {
		t.Fatalf("Slack body %s (%v)", bodies[0], err)
	}
	var fields []string
	for _, f := range msg.Blocks[1].Fields {
		fields = append(fields, f.Text)
	}
	all := strings.Join(fields, "\n")
	for _, want := range []string{"*Clusters*\n" + set, "*Change*\nadd " + roleARN, "*Reason*\nthe nightly load needs COPY"} {
		if !strings.Contains(all, want) {
			t.Errorf("Slack fields lack %q:\n%s", want, all)
		}
	}
	if u := msg.Blocks[2].Elements[0].URL; u != link {
		t.Errorf("Slack button links to %q, want %q", u, link)
	}

	msgs := mp.messages(t)
	var to []string
	for _, m := range msgs {
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		if !strings.Contains(m.Subject, "bulk #"+itoa(b.ID)+", 3 clusters") {
			t.Errorf("subject %q", m.Subject)
		}
		for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			for _, want := range []string{set, roleARN, "the nightly load needs COPY", link} {
				if !strings.Contains(body, want) {
					t.Errorf("%s part lacks %q:\n%s", part, want, body)
				}
			}
		}
	}
	if got := strings.Join(slices.Sorted(slices.Values(to)), " "); got != "anna@example.com arno@example.com" {
		t.Fatalf("mailed %q, want anna and arno once each", got)
	}
}
