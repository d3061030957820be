package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// sendError is a failed delivery with a message safe to show and store:
// it never carries a webhook URL, a secret or a response body.
type sendError struct {
	permanent bool // retrying cannot help (4xx, a refused address)
	msg       string
}

func (e *sendError) Error() string { return e.msg }

func temporary(format string, a ...any) error {
	return &sendError{msg: fmt.Sprintf(format, a...)}
}

func permanent(format string, a ...any) error {
	return &sendError{permanent: true, msg: fmt.Sprintf(format, a...)}
}

// isPermanent reports whether retrying err cannot help.
func isPermanent(err error) bool {
	var se *sendError
	return errors.As(err, &se) && se.permanent
}

// safeMessage is what is stored and shown of a failed delivery.
func safeMessage(err error) string {
	var se *sendError
	if errors.As(err, &se) {
		return se.msg
	}
	return "delivery failed"
}

// sender delivers outbox rows over HTTP and SMTP.
type sender struct {
	http    *http.Client
	mailTLS *tls.Config // nil: the system roots
	timeout time.Duration
	now     func() time.Time
}

func (s *sender) send(ctx context.Context, c Channel, d Delivery) error {
	switch c.Kind {
	case ChannelSlack:
		body, err := slackBody(d.Message)
		if err != nil {
			return permanent("could not build the message")
		}
		return s.post(ctx, c, d, body, false)
	case ChannelWebhook:
		body, err := webhookBody(d)
		if err != nil {
			return permanent("could not build the message")
		}
		return s.post(ctx, c, d, body, true)
	case ChannelEmail:
		return s.mail(ctx, c, d)
	}
	return permanent("unknown channel kind %q", c.Kind)
}

// webhookBody is the JSON a generic webhook receives.
func webhookBody(d Delivery) ([]byte, error) {
	return json.Marshal(struct {
		ID        string  `json:"id"`
		Type      Kind    `json:"type"`
		CreatedAt string  `json:"created_at"`
		Data      Message `json:"data"`
	}{d.Key, d.Kind, d.CreatedAt.UTC().Format(time.RFC3339Nano), d.Message})
}

func (s *sender) post(ctx context.Context, c Channel, d Delivery, body []byte, signed bool) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Target, bytes.NewReader(body))
	if err != nil {
		return permanent("the channel's URL is not usable")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rolegate")
	req.Header.Set(HeaderIdempotency, d.Key)
	req.Header.Set(HeaderEvent, string(d.Kind))
	if signed {
		req.Header.Set(HeaderSignature, Sign([]byte(c.Secret), s.now(), body))
	}
	resp, err := s.http.Do(req)
	if err != nil {
		// url.Error names the URL, which may carry the channel's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return temporary("the receiver did not answer in time")
		}
		return temporary("could not reach the receiver (%s)", shortNetError(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500:
		return temporary("the receiver answered %d %s", code, http.StatusText(code))
	default:
		return permanent("the receiver refused it: %d %s", code, http.StatusText(code))
	}
}

// shortNetError names the failure without any address.
func shortNetError(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) {
		if se := oe.Err; se != nil {
			return oe.Op + ": " + se.Error()
		}
		return oe.Op
	}
	return "network error"
}

// mrkdwn escapes text for Slack's mrkdwn.
func mrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// slackBody is the Block Kit message of a Slack-compatible incoming webhook.
func slackBody(m Message) ([]byte, error) {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	field := func(name, value string) text {
		return text{"mrkdwn", clip("*"+name+"*\n"+mrkdwn(value), 2000)}
	}
	where := field("Cluster", m.Where())
	if m.BulkID != 0 {
		where = field("Clusters", m.Where())
	}
	fields := []text{
		where,
		field("Account", m.Account),
		field("Change", m.Change()),
		field("Reason", m.Reason),
		field("State", m.State),
	}
	if m.Detail != "" {
		fields = append(fields, field("Detail", m.Detail))
	}
	blocks := []any{
		map[string]any{"type": "header", "text": text{"plain_text", clip(m.Title, 150)}},
		map[string]any{"type": "section", "fields": fields},
		map[string]any{"type": "actions", "elements": []any{map[string]any{
			"type": "button", "text": text{"plain_text", clip(m.Link(), 75)}, "url": m.URL,
		}}},
	}
	return json.Marshal(map[string]any{
		"text":   fmt.Sprintf("%s: %s <%s|%s>", mrkdwn(m.Title), mrkdwn(m.Where()), m.URL, mrkdwn(m.Link())),
		"blocks": blocks,
	})
}

var mailHTML = template.Must(template.New("mail").Parse(`<!doctype html>
<html><body>
<h1>{{.Title}}</h1>
<table>
{{if .BulkID}}<tr><th align="left">Bulk request</th><td>#{{.BulkID}} ({{.State}})</td></tr>
<tr><th align="left">Clusters</th><td>{{.Where}}</td></tr>
{{else}}{{if .ChangeID}}<tr><th align="left">Request</th><td>#{{.ChangeID}} ({{.State}})</td></tr>{{end}}
<tr><th align="left">Cluster</th><td>{{.Cluster}} in {{.Region}}</td></tr>{{end}}
<tr><th align="left">Account</th><td>{{.Account}}</td></tr>
<tr><th align="left">Change</th><td>{{.Change}}</td></tr>
<tr><th align="left">Reason</th><td>{{.Reason}}</td></tr>
{{if .Detail}}<tr><th align="left">Detail</th><td>{{.Detail}}</td></tr>{{end}}
{{if .Actor}}<tr><th align="left">By</th><td>{{.Actor}}</td></tr>{{end}}
</table>
<p><a href="{{.URL}}">{{.Link}}</a></p>
</body></html>
`))

// mail sends d to its address through the SMTP server of c, with STARTTLS
// required. The Message-ID is made of the idempotency key, so that a
// resent mail is recognisable as the same one.
func (s *sender) mail(ctx context.Context, c Channel, d Delivery) error {
	host, portText, err := net.SplitHostPort(c.Target)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		return permanent("the SMTP server is not host:port")
	}
	m := mail.NewMsg()
	if err := m.From(c.Sender); err != nil {
		return permanent("the channel's From address is not valid")
	}
	if err := m.To(d.Address); err != nil {
		return permanent("the address of %s is not valid", d.Label)
	}
	m.Subject(d.Message.Subject())
	m.SetMessageIDWithValue(d.Key + "@rolegate")
	m.SetGenHeader(mail.Header(HeaderIdempotency), d.Key)
	m.SetBodyString(mail.TypeTextPlain, d.Message.Text())
	var html bytes.Buffer
	if err := mailHTML.Execute(&html, d.Message); err != nil {
		return permanent("could not build the message")
	}
	m.AddAlternativeString(mail.TypeTextHTML, html.String())
	tlsConf := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.mailTLS != nil {
		tlsConf = s.mailTLS.Clone()
		tlsConf.ServerName = host
	}
	opts := []mail.Option{mail.WithPort(port), mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tlsConf), mail.WithTimeout(s.timeout)}
	if c.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(c.Username), mail.WithPassword(c.Secret))
	}
	client, err := mail.NewClient(host, opts...)
	if err != nil {
		return permanent("the SMTP settings are not usable")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		var se *mail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			return permanent("the SMTP server refused it (%d)", se.ErrorCode())
		}
		return temporary("could not mail it through the SMTP server")
	}
	return nil
}
