package notify_test

import (
	"context"
	"errors"
	"testing"

	"rolegate/audit"
	"rolegate/internal/notify"
)

// A second channel of the same name is refused with a message for the
// name field, not an internal error; so is a webhook without a secret.
func TestChannelFormIsChecked(t *testing.T) {
	g := newRig(t, notify.Options{})
	g.webhook(t, "ops-hook", "https://hooks.example.com/a", notify.TopicAlerts)
	for name, f := range map[string]notify.ChannelForm{
		"name":   {Name: "ops-hook", Kind: notify.ChannelWebhook, Target: "https://hooks.example.com/b", Secret: hookSecret},
		"secret": {Name: "other", Kind: notify.ChannelWebhook, Target: "https://hooks.example.com/b"},
		"target": {Name: "slack", Kind: notify.ChannelSlack, Target: "ftp://hooks.example.com/b"},
		"sender": {Name: "smtp", Kind: notify.ChannelEmail, Target: "smtp.example.com:587", Sender: "nobody"},
	} {
		_, err := g.notify.AddChannel(context.Background(), g.auditActor("adam"), audit.Origin{}, f)
		var ve *notify.ValidationError
		if !errors.As(err, &ve) || ve.Fields[name] == "" {
			t.Errorf("%s: %v, want a message for the %s field", name, err, name)
		}
	}
}
