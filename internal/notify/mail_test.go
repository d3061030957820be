package notify_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"rolegate/internal/notify"
)

// Approvers with mail on get the submission through a real SMTP server,
// over STARTTLS with authentication, as plain text and HTML with the
// cluster, the change, the reason and the link; the Message-ID is made of
// the idempotency key. Nobody else is mailed.
func TestApproversAreMailedThroughSMTPWithSTARTTLS(t *testing.T) {
	mp := startMailpit(t, true)
	g := newRig(t, notify.Options{MailTLS: mp.TLS()})
	g.addChannel(t, notify.ChannelForm{Name: "smtp", Kind: notify.ChannelEmail, Target: mp.SMTP, Sender: "rolegate@example.com",
		Username: "rolegate", Secret: "smtp password", Enabled: true})
	for _, who := range []string{"rita", "arno", "anna", "adam"} {
		g.setPrefs(t, who, notify.Prefs{Email: who + "@example.com", EmailOn: who != "adam"})
	}
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.drain(t, 30*time.Second)

	msgs := mp.messages(t)
	var to []string
	for _, m := range msgs {
		for _, a := range m.To {
			to = append(to, a.Address)
		}
	}
	if got := strings.Join(slices.Sorted(slices.Values(to)), " "); got != "anna@example.com arno@example.com" {
		t.Fatalf("mailed %q, want anna and arno only", got)
	}
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, d := range ds {
		if d.State != notify.Sent {
			t.Errorf("delivery to %s: %s (%s)", d.Label, d.State, d.LastError)
		}
		keys[d.Key+"@rolegate"] = true
	}
	link := externalURL + "/changes/" + itoa(r.ID)
	for _, m := range msgs {
		if !keys[m.MessageID] {
			t.Errorf("Message-ID %q is not an idempotency key of the request", m.MessageID)
		}
		if !strings.Contains(m.Subject, "waiting for approval") || !strings.Contains(m.Subject, "analytics") {
			t.Errorf("subject %q", m.Subject)
		}
		for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			for _, want := range []string{"analytics", roleARN, "the nightly load needs COPY", link} {
				if !strings.Contains(body, want) {
					t.Errorf("%s part lacks %q:\n%s", part, want, body)
				}
			}
		}
		if !strings.Contains(m.HTML, `<a href="`+link+`">`) {
			t.Errorf("HTML has no link to the request:\n%s", m.HTML)
		}
	}
}

// A server that does not offer STARTTLS is never given the mail: the
// delivery waits and says why.
func TestMailIsNotSentWithoutSTARTTLS(t *testing.T) {
	mp := startMailpit(t, false)
	g := newRig(t, notify.Options{MaxAttempts: 1})
	g.addChannel(t, notify.ChannelForm{Name: "smtp", Kind: notify.ChannelEmail, Target: mp.SMTP, Sender: "rolegate@example.com", Enabled: true})
	g.setPrefs(t, "arno", notify.Prefs{Email: "arno@example.com", EmailOn: true})
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.drain(t, 10*time.Second)
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != notify.Failed {
		t.Fatalf("deliveries %+v, want one failed", ds)
	}
	if n := len(mp.messages(t)); n != 0 {
		t.Errorf("the server without STARTTLS received %d messages", n)
	}
}
