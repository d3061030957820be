package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/config"
)

// accountVerbs is the table behind `rolegate account`.
var accountVerbs = []struct{ name, args, doc string }{
	{"add", `-name NAME [-role-arn ARN] [-external-id ID] [-account-regions LIST] [-account-production-tag KEY=VALUE] ACCOUNT_ID`,
		"add an AWS account; without -role-arn it is the account Rolegate runs in"},
	{"set", `[-name NAME] [-role-arn ARN] [-external-id ID] [-account-regions LIST] [-account-production-tag KEY=VALUE] ACCOUNT_ID`,
		"change the settings given (an empty value clears one)"},
	{"disable", "ACCOUNT_ID", "stop listing and changing the account's clusters"},
	{"enable", "ACCOUNT_ID", "manage a disabled account again"},
	{"list", "", "list the accounts"},
}

// accountSettings are the dashboard settings that `rolegate account` reads.
var accountSettings = []string{"db"}

func accountUsage() string {
	var b strings.Builder
	b.WriteString("usage: rolegate account [-db FILE] COMMAND [-db FILE] ...\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	for _, v := range accountVerbs {
		fmt.Fprintf(tw, "  %s %s\t%s\n", v.name, v.args, v.doc)
	}
	tw.Flush()
	b.WriteString("\nWith no account added Rolegate manages the account of its own credentials only.\n")
	b.WriteString("-db (or $ROLEGATE_DB) defaults to data/rolegate.db; `rolegate account COMMAND -h` shows a command's flags.\n")
	return b.String()
}

// optString is a string flag that knows whether it was given, so that
// set changes only the settings named on its command line.
type optString struct {
	v     string
	given bool
}

func (o *optString) String() string { return o.v }
func (o *optString) Set(v string) error {
	o.v, o.given = v, true
	return nil
}

// ptr is the value when given, else nil.
func (o *optString) ptr() *string {
	if !o.given {
		return nil
	}
	return &o.v
}

// accountFlags are the settings of an account as flags of add and set.
type accountFlags struct {
	name, roleARN, externalID, regions, productionTag optString
}

func defineAccountFlags(fs *flag.FlagSet) *accountFlags {
	af := &accountFlags{}
	fs.Var(&af.name, "name", "a name people recognise: production, analytics")
	fs.Var(&af.roleARN, "role-arn", "the IAM role Rolegate assumes in the account (none: the account Rolegate runs in)")
	fs.Var(&af.externalID, "external-id", "the external ID the role's trust policy requires")
	fs.Var(&af.regions, "account-regions", "comma-separated regions to sweep in the account (none: the dashboard's -regions)")
	fs.Var(&af.productionTag, "account-production-tag", "key=value marking the account's production clusters (none: the dashboard's -production-tag)")
	return af
}

// spec is the flags as a new account.
func (af *accountFlags) spec(id string) account.Spec {
	return account.Spec{ID: id, Name: af.name.v, RoleARN: af.roleARN.v, ExternalID: af.externalID.v,
		Regions: account.SplitRegions(af.regions.v), ProductionTag: af.productionTag.v}
}

// changes are the flags given to set, and only those.
func (af *accountFlags) changes() account.Changes {
	ch := account.Changes{Name: af.name.ptr(), RoleARN: af.roleARN.ptr(), ExternalID: af.externalID.ptr(), ProductionTag: af.productionTag.ptr()}
	if af.regions.given {
		r := account.SplitRegions(af.regions.v)
		ch.Regions = &r
	}
	return ch
}

// runAccount administers the AWS accounts from the shell.
func runAccount(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	before, verb, after := splitVerb(args)
	if verb == "" || verb == "help" {
		if verb == "help" {
			before = append(before, "-h")
		}
		return groupUsage("account", accountUsage(), before, stderr)
	}
	var v *verbLine
	for _, av := range accountVerbs {
		if av.name == verb {
			v = newVerbLine("rolegate account "+verb, strings.TrimSpace("[settings] "+av.args), av.doc, config.NewSubset(getenv, accountSettings...))
		}
	}
	if v == nil {
		fmt.Fprint(stderr, accountUsage())
		return &exitError{code: 2, err: fmt.Errorf("account: unknown command %q", verb)}
	}
	af := &accountFlags{}
	if verb == "add" || verb == "set" {
		af = defineAccountFlags(v.flags)
	}
	cargs, err := v.parse(before, after, stderr)
	if err != nil {
		return err
	}
	want := 1
	if verb == "list" {
		want = 0
	}
	if len(cargs) != want {
		return v.usageErr(stderr)
	}
	_, db, _, err := v.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := account.New(account.Options{DB: db, Audit: audit.New(db)})
	actor, origin := shellActor(getenv), audit.Origin{UserAgent: "rolegate account " + verb}
	var a *account.Account
	switch verb {
	case "add":
		a, err = svc.Add(ctx, actor, origin, af.spec(cargs[0]))
	case "set":
		a, err = svc.Set(ctx, actor, origin, cargs[0], af.changes())
	case "disable":
		a, err = svc.Disable(ctx, actor, origin, cargs[0])
	case "enable":
		a, err = svc.Enable(ctx, actor, origin, cargs[0])
	default: // list
		return listAccounts(ctx, svc, stdout)
	}
	var ve *account.ValidationError
	switch {
	case errors.As(err, &ve):
		for _, k := range []string{account.FieldForm, account.FieldID, account.FieldName, account.FieldRoleARN, account.FieldExternalID, account.FieldRegions, account.FieldProductionTag} {
			if msg := ve.Fields[k]; msg != "" {
				fmt.Fprintf(stderr, "  %s: %s\n", accountFlagOf(k), msg)
			}
		}
		return &exitError{code: 1, err: fmt.Errorf("account %s %s: refused", verb, cargs[0])}
	case err != nil:
		return fmt.Errorf("account %s %s: %w", verb, cargs[0], err)
	}
	fmt.Fprintf(stdout, "account %s (%s): %s\n", a.ID, a.Name, accountDone(verb))
	return nil
}

// accountFlagOf is the flag that sets a field, for messages.
func accountFlagOf(field string) string {
	switch field {
	case account.FieldForm:
		return "set"
	case account.FieldID:
		return "ACCOUNT_ID"
	case account.FieldRegions, account.FieldProductionTag:
		return "-account-" + strings.ReplaceAll(field, "_", "-")
	}
	return "-" + strings.ReplaceAll(field, "_", "-")
}

func accountDone(verb string) string {
	switch verb {
	case "add":
		return "added"
	case "set":
		return "settings saved"
	case "disable":
		return "disabled; its clusters are no longer listed or changed"
	default:
		return "enabled"
	}
}

func listAccounts(ctx context.Context, svc *account.Service, stdout io.Writer) error {
	list, err := svc.List(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no account added: Rolegate manages the account of its own credentials, in the dashboard's -regions")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tEXTERNAL ID\tREGIONS\tPRODUCTION TAG\tSTATUS")
	for _, a := range list {
		role, ext, regions, tag, status := a.RoleARN, "no", strings.Join(a.Regions, ","), a.ProductionTag, "enabled"
		if a.Home() {
			role = "(Rolegate's own)"
		}
		if a.ExternalID != "" {
			ext = "yes"
		}
		if regions == "" {
			regions = "(dashboard's)"
		}
		if tag == "" {
			tag = "(dashboard's)"
		}
		if a.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Name, role, ext, regions, tag, status)
	}
	return tw.Flush()
}
