package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rolegate/internal/notify"
	"rolegate/views/pages"
)

func (h *Handler) notifyChannelsView(c echo.Context, form pages.ChannelForm) (pages.NotifyChannelsPage, error) {
	list, err := h.notify.Channels(c.Request().Context())
	if err != nil {
		return pages.NotifyChannelsPage{}, err
	}
	p := pages.NotifyChannelsPage{Form: form}
	for _, k := range []notify.ChannelKind{notify.ChannelSlack, notify.ChannelWebhook, notify.ChannelEmail} {
		p.Kinds = append(p.Kinds, string(k))
	}
	for _, t := range notify.AllTopics {
		p.Topics = append(p.Topics, string(t))
	}
	for _, ch := range list {
		p.Channels = append(p.Channels, pages.ChannelRow{
			ID: ch.ID, Name: ch.Name, Kind: string(ch.Kind), Topics: topicNames(ch.Topics), Enabled: ch.Enabled,
			TargetSet: ch.Target != "", SecretSet: ch.Secret != "", Username: ch.Username, Sender: ch.Sender,
		})
	}
	return p, nil
}

func topicNames(ts []notify.Topic) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, string(t))
	}
	return out
}

// channelForm reads the channel form; the URL and the secret are kept
// apart, never put back into the page.
func channelForm(c echo.Context) (pages.ChannelForm, notify.ChannelForm) {
	var topics []notify.Topic
	var names []string
	for _, t := range c.Request().Form["topics"] {
		topics = append(topics, notify.Topic(t))
		names = append(names, t)
	}
	v := pages.ChannelForm{
		Name: c.FormValue("name"), Kind: c.FormValue("kind"), Username: c.FormValue("username"),
		Sender: c.FormValue("sender"), Topics: names, Enabled: c.FormValue("enabled") == "1",
	}
	return v, notify.ChannelForm{
		Name: v.Name, Kind: notify.ChannelKind(v.Kind), Target: c.FormValue("target"), Secret: c.FormValue("secret"),
		Username: v.Username, Sender: v.Sender, Topics: topics, Enabled: v.Enabled,
	}
}

func (h *Handler) notifyChannels(c echo.Context) error {
	p, err := h.notifyChannelsView(c, pages.ChannelForm{Kind: string(notify.ChannelSlack), Enabled: true, Topics: []string{string(notify.TopicApprovals)}})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.NotifyChannels(p))
}

func (h *Handler) notifyChannelAdd(c echo.Context) error {
	if _, err := c.FormParams(); err != nil {
		return httpError(http.StatusBadRequest, "The form could not be read.", err)
	}
	view, f := channelForm(c)
	ch, err := h.notify.AddChannel(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), f)
	return h.channelSaved(c, view, ch, err, "added")
}

// targetChannel is the channel named by :id.
func (h *Handler) targetChannel(c echo.Context) (notify.Channel, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return notify.Channel{}, httpError(http.StatusNotFound, "No such channel.", err)
	}
	list, err := h.notify.Channels(c.Request().Context())
	if err != nil {
		return notify.Channel{}, err
	}
	for _, ch := range list {
		if ch.ID == id {
			return ch, nil
		}
	}
	return notify.Channel{}, httpError(http.StatusNotFound, "No such channel.", nil)
}

func (h *Handler) notifyChannel(c echo.Context) error {
	ch, err := h.targetChannel(c)
	if err != nil {
		return err
	}
	p, err := h.notifyChannelsView(c, pages.ChannelForm{Editing: ch.ID, Name: ch.Name, Kind: string(ch.Kind),
		Username: ch.Username, Sender: ch.Sender, Topics: topicNames(ch.Topics), Enabled: ch.Enabled})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.NotifyChannels(p))
}

func (h *Handler) notifyChannelSave(c echo.Context) error {
	stored, err := h.targetChannel(c)
	if err != nil {
		return err
	}
	if _, err := c.FormParams(); err != nil {
		return httpError(http.StatusBadRequest, "The form could not be read.", err)
	}
	view, f := channelForm(c)
	view.Editing, view.Kind = stored.ID, string(stored.Kind)
	ch, err := h.notify.UpdateChannel(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), stored.ID, f)
	return h.channelSaved(c, view, ch, err, "saved")
}

// channelSaved redirects after a saved channel, or shows the form again
// with a message per field.
func (h *Handler) channelSaved(c echo.Context, view pages.ChannelForm, ch notify.Channel, err error, done string) error {
	var ve *notify.ValidationError
	switch {
	case errors.As(err, &ve):
		view.Errors = ve.Fields
		p, perr := h.notifyChannelsView(c, view)
		if perr != nil {
			return perr
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.NotifyChannels(p))
	case err != nil:
		return err
	}
	h.addFlash(c, "success", "Channel "+ch.Name+" "+done+".")
	return seeOther(c, "/admin/notifications")
}
