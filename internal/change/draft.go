package change

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Input is what a requester typed on the new-change form, kept as typed so
// that a form with errors can show it again.
type Input struct {
	// Account is the cluster's account as addressed ("" for the one
	// Rolegate runs in when its ID is not known).
	Account string
	Region  string
	Cluster string
	Add     string   // one ARN per line
	Remove  []string // ARNs picked from the current roles
	Default string   // "" leaves the default as it is
	Reason  string
	Ticket  string
	// SeenOpen are the open requests the form showed; ConfirmOpen says the
	// requester ticked that they want another request all the same.
	SeenOpen    []int64
	ConfirmOpen bool
}

// Draft is a change as the requester asked for it, read once: from the
// form (ParseDraft), or from the request being resubmitted. The role lists
// are ARNs; what could not be read as an ARN is left out of them and named
// in Errors, which holds a message per field for everything wrong with the
// draft that needs no knowledge of the cluster. A draft with Errors is
// refused before anything is asked of AWS.
type Draft struct {
	Account string
	Region  string
	Cluster string
	Add     []ARN // in the order typed
	Remove  []ARN
	Default ARN    // the zero ARN leaves the default as it is
	Reason  string // trimmed
	Ticket  string // trimmed
	Errors  FieldErrors
	// SeenOpen and ConfirmOpen are as in Input.
	SeenOpen    []int64
	ConfirmOpen bool
	// issues are the faults behind Errors, each tied to its check.
	issues []issue
}

// issue is one fault of a draft and the pre-flight check it fails.
type issue struct {
	check CheckKey
	msg   string
}

// ParseDraft reads the new-change form.
func ParseDraft(in Input) Draft {
	d := readDraft(in.Region, in.Cluster, splitARNs(in.Add), in.Remove, in.Default, in.Reason, in.Ticket)
	d.Account = in.Account
	d.SeenOpen, d.ConfirmOpen = in.SeenOpen, in.ConfirmOpen
	return d
}

// splitARNs turns the add textarea into ARNs: one per line, blank lines
// ignored. Spaces inside a line are kept so that the parser can name them.
func splitARNs(text string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, line)
	}
	return out
}

// readDraft parses the role lists and runs every check that needs no
// knowledge of the cluster: ARN syntax and partition, service-linked roles,
// duplicates, a role both added and removed, more roles than any quota
// allows, the reason and the ticket. Every line at fault is named, each with
// its reason, and tied to the pre-flight check it fails; a role at fault is
// left out of the draft's lists, so that nothing shows it as a change.
func readDraft(region, cluster string, add, remove []string, def, reason, ticket string) Draft {
	d := Draft{Region: region, Cluster: cluster, Reason: strings.TrimSpace(reason), Ticket: strings.TrimSpace(ticket), Errors: FieldErrors{}}
	partition := PartitionOf(region)
	quota := RoleQuota(region)

	if len(add) > MaxAddLines || len(add) > quota {
		d.fail(CheckQuota, FieldAdd, fmt.Sprintf("at most %d roles can be added in one request (the quota in %s is %d)", min(MaxAddLines, quota), region, quota))
	}
	seen := map[string]bool{}
	for _, s := range add {
		a, msg := parseARN(s)
		switch {
		case msg != "":
			d.fail(CheckSyntax, FieldAdd, fmt.Sprintf("%s %s", quote(s), msg))
		case a.Partition != partition:
			d.fail(CheckSyntax, FieldAdd, fmt.Sprintf("%s is in partition %s, but %s is in %s", quote(s), a.Partition, region, partition))
		case a.ServiceLinked():
			d.fail(CheckServiceLinked, FieldAdd, fmt.Sprintf("%s is an AWS service-linked role, which Redshift cannot use", quote(s)))
		case seen[s]:
			d.fail(CheckRoles, FieldAdd, fmt.Sprintf("%s is listed twice", quote(s)))
		default:
			d.Add = append(d.Add, a)
		}
		seen[s] = true
	}

	removeSeen := map[string]bool{}
	for _, s := range remove {
		a, msg := parseARN(s)
		switch {
		case msg != "":
			d.fail(CheckSyntax, FieldRemove, fmt.Sprintf("%s %s", quote(s), msg))
		case removeSeen[s]:
			d.fail(CheckRoles, FieldRemove, fmt.Sprintf("%s is listed twice", quote(s)))
		case seen[s]:
			d.fail(CheckRoles, FieldRemove, fmt.Sprintf("%s is both added and removed", quote(s)))
		default:
			d.Remove = append(d.Remove, a)
		}
		removeSeen[s] = true
	}

	if def != "" {
		a, msg := parseARN(def)
		switch {
		case msg != "":
			d.fail(CheckDefault, FieldDefault, "the default role "+quote(def)+" "+msg)
		case removeSeen[def]:
			d.fail(CheckDefault, FieldDefault, "the default role cannot be one of the roles being removed")
		}
		if msg == "" {
			d.Default = a
		}
	}

	if len(add) == 0 && len(remove) == 0 && def == "" {
		d.fail("", FieldForm, "the request changes nothing: add a role, remove a role or set a new default")
	}

	switch n := utf8.RuneCountInString(d.Reason); {
	case n == 0:
		d.fail("", FieldReason, "say why this change is needed")
	case n < MinReasonLen:
		d.fail("", FieldReason, fmt.Sprintf("give a reason of at least %d characters", MinReasonLen))
	case n > MaxReasonLen:
		d.fail("", FieldReason, fmt.Sprintf("keep the reason under %d characters (it has %d)", MaxReasonLen, n))
	}
	if !utf8.ValidString(d.Reason) || strings.ContainsRune(d.Reason, 0) {
		d.fail("", FieldReason, "the reason contains characters that are not text")
	}
	switch {
	case utf8.RuneCountInString(d.Ticket) > MaxTicketLen:
		d.fail("", FieldTicket, fmt.Sprintf("keep the ticket reference under %d characters", MaxTicketLen))
	case strings.ContainsFunc(d.Ticket, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		d.fail("", FieldTicket, "the ticket reference contains control characters")
	}
	return d
}

// fail records a fault of the draft: the message on its field, and the
// pre-flight check it fails ("" for the fields no check covers).
func (d *Draft) fail(check CheckKey, field, msg string) {
	d.Errors.add(field, msg)
	d.issues = append(d.issues, issue{check: check, msg: msg})
}
