package handlers

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rolegate/audit"
	"rolegate/views/pages"
)

// auditFilterFields are the query parameters of the audit filter.
var auditFilterFields = []string{"from", "to", "actor", "action", "account", "region", "cluster", "change", "bulk", "outcome", "role_arn"}

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+$`)

// parseAuditFilter reads the filter from the query string. From and to
// are read in loc, the zone the user reads times in. It returns the form
// as typed (to redisplay it) and a message per refused field.
func parseAuditFilter(q url.Values, loc *time.Location) (audit.Filter, pages.AuditFilterForm, map[string]string) {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	form := pages.AuditFilterForm{
		From: get("from"), To: get("to"), Actor: get("actor"), Action: get("action"), Account: get("account"), Region: get("region"),
		Cluster: get("cluster"), Change: get("change"), Bulk: get("bulk"), Outcome: get("outcome"), RoleARN: get("role_arn"),
	}
	errs := map[string]string{}
	var f audit.Filter
	parseTime := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := audit.ParseTimeIn(v, loc)
		if err != nil {
			errs[field] = "Enter a date like 2026-11-26 or 2026-11-26T09:30 (" + loc.String() + ")."
		}
		return t
	}
	f.From = parseTime("from", form.From)
	f.To = parseTime("to", form.To)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs["to"] = "Must be after the start of the range."
	}
	if len(form.Actor) > 200 {
		errs["actor"] = "Too long."
	}
	f.Actor = form.Actor
	if form.Action != "" {
		if a := audit.Action(form.Action); a.Known() {
			f.Action = a
		} else {
			errs["action"] = "Choose an action from the list."
		}
	}
	if form.Account != "" && (len(form.Account) != 12 || strings.Trim(form.Account, "0123456789") != "") {
		errs["account"] = "Enter a 12-digit AWS account ID."
	}
	f.Account = form.Account
	if len(form.Region) > 64 {
		errs["region"] = "Too long."
	}
	f.Region = form.Region
	if len(form.Cluster) > 255 {
		errs["cluster"] = "Too long."
	}
	f.Cluster = form.Cluster
	if form.Change != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(form.Change, "#"), 10, 64)
		if err != nil || n <= 0 {
			errs["change"] = "Enter a change request number, like 42."
		}
		f.ChangeID = n
	}
	if form.Bulk != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(form.Bulk, "#"), 10, 64)
		if err != nil || n <= 0 {
			errs["bulk"] = "Enter a bulk request number, like 7."
		}
		f.BulkID = n
	}
	switch o := audit.Outcome(form.Outcome); o {
	case "", audit.Success, audit.Failure, audit.Unknown:
		f.Outcome = o
	default:
		errs["outcome"] = "Choose success, failure or unknown."
	}
	if form.RoleARN != "" {
		if roleARNPattern.MatchString(form.RoleARN) {
			f.RoleARN = form.RoleARN
		} else {
			errs["role_arn"] = "Enter a whole IAM role ARN, like arn:aws:iam::123456789012:role/RedshiftCopy."
		}
	}
	return f, form, errs
}

// auditQuery is the query string of the filter as typed, with extra
// parameters (the cursor) added.
func auditQuery(form pages.AuditFilterForm, extra ...string) string {
	v := url.Values{}
	vals := []string{form.From, form.To, form.Actor, form.Action, form.Account, form.Region, form.Cluster, form.Change, form.Bulk, form.Outcome, form.RoleARN}
	for i, k := range auditFilterFields {
		if vals[i] != "" {
			v.Set(k, vals[i])
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			v.Set(extra[i], extra[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// bulkAuditURL is the audit log of a bulk request and its members.
func bulkAuditURL(id int64) string { return "/audit?bulk=" + strconv.FormatInt(id, 10) }

// auditHistoryURL is the audit history of one cluster (of its account,
// when known).
func auditHistoryURL(account, region, cluster string) string {
	v := url.Values{"cluster": {cluster}}
	if account != "" {
		v.Set("account", account)
	}
	if region != "" {
		v.Set("region", region)
	}
	return "/audit?" + v.Encode()
}
