package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/config"
)

// userVerbs is the table behind `rolegate user`: each verb, its arguments
// and what it does.
var userVerbs = []struct{ name, args, doc string }{
	{"add", `[-role ROLE] [-name "Display Name"] USERNAME`, "create a user; password from standard input"},
	{"set-role", "USERNAME ROLE", "viewer, requester, approver or admin"},
	{"disable", "USERNAME", "disable and end their sessions"},
	{"enable", "USERNAME", "enable a disabled user"},
	{"passwd", "USERNAME", "set a new password from standard input; ends sessions"},
	{"reset-mfa", "USERNAME", "remove an admin's second factor; they enrol at next sign-in"},
	{"end-sessions", "USERNAME", "sign the user out everywhere"},
	{"break-glass", "USERNAME on|off", "let an admin sign in with a password when -local-sign-in is break-glass"},
	{"list", "", "list the users"},
}

// userSettings are the dashboard settings that `rolegate user` reads.
var userSettings = []string{"db"}

func userUsage() string {
	var b strings.Builder
	b.WriteString("usage: rolegate user [-db FILE] COMMAND [-db FILE] ...\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	for _, v := range userVerbs {
		fmt.Fprintf(tw, "  %s %s\t%s\n", v.name, v.args, v.doc)
	}
	tw.Flush()
	b.WriteString("\n-db (or $ROLEGATE_DB) defaults to data/rolegate.db; `rolegate user COMMAND -h` shows a command's flags.\n")
	return b.String()
}

// runUser administers users from the shell: rolegate user add|set-role|...
// add and passwd read the password from stdin, so that it never appears in
// the process list or shell history.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	before, verb, after := splitVerb(args)
	if verb == "" || verb == "help" {
		if verb == "help" {
			before = append(before, "-h")
		}
		return groupUsage("user", userUsage(), before, stderr)
	}
	var v *verbLine
	for _, uv := range userVerbs {
		if uv.name == verb {
			v = newVerbLine("rolegate user "+verb, strings.TrimSpace("[settings] "+uv.args), uv.doc, config.NewSubset(getenv, userSettings...))
		}
	}
	if v == nil {
		fmt.Fprint(stderr, userUsage())
		return &exitError{code: 2, err: fmt.Errorf("user: unknown command %q", verb)}
	}
	var roleName, name *string
	var service *bool
	if verb == "add" {
		roleName = v.flags.String("role", "viewer", "viewer, requester, approver or admin")
		name = v.flags.String("name", "", "display name (default: the username)")
		service = v.flags.Bool("service", false, "a service account for pipelines: no password (none is read), it acts only through API tokens an admin makes")
	}
	cargs, err := v.parse(before, after, stderr)
	if err != nil {
		return err
	}
	want := 1
	switch verb {
	case "set-role", "break-glass":
		want = 2
	case "list":
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
	c := &userCmd{actor: shellActor(getenv), users: auth.NewUsers(db), stdout: stdout}
	c.directory = auth.NewDirectory(c.users, audit.New(db))
	switch verb {
	case "add":
		if *service {
			return c.addService(ctx, cargs[0], *roleName, *name)
		}
		return c.add(ctx, cargs[0], *roleName, *name, stdin, stderr)
	case "set-role":
		role, err := auth.ParseRole(cargs[1])
		if err != nil {
			return err
		}
		return c.change(ctx, cargs[0], "role set to "+string(role),
			func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
				return c.directory.SetRole(ctx, by, from, id, role)
			})
	case "disable":
		return c.change(ctx, cargs[0], "disabled; sessions ended", c.directory.Disable)
	case "enable":
		return c.change(ctx, cargs[0], "enabled", c.directory.Enable)
	case "passwd":
		pw, err := readPassword(stdin, stderr)
		if err != nil {
			return err
		}
		return c.change(ctx, cargs[0], "password set; sessions ended",
			func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
				return c.directory.SetPassword(ctx, by, from, id, pw)
			})
	case "reset-mfa":
		return c.change(ctx, cargs[0], "second factor removed; sessions ended", c.directory.ResetMFA)
	case "end-sessions":
		return c.change(ctx, cargs[0], "sessions ended", c.directory.EndSessions)
	case "break-glass":
		if cargs[1] != "on" && cargs[1] != "off" {
			return v.usageErr(stderr)
		}
		on := cargs[1] == "on"
		return c.change(ctx, cargs[0], "break-glass "+cargs[1],
			func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
				return c.directory.SetBreakGlass(ctx, by, from, id, on)
			})
	default: // list
		return c.list(ctx)
	}
}

type userCmd struct {
	actor     audit.Actor // the shell user, as for rolegate audit
	users     *auth.Users
	directory *auth.Directory
	stdout    io.Writer
}

// readPassword reads the password: typed twice without echo on a
// terminal, otherwise one line of standard input.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password (12 to 128 characters): ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("user: read password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("user: read password: %w", err)
		}
		if string(first) != string(again) {
			return "", errors.New("user: the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("user: give the password on standard input (one line)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func (c *userCmd) add(ctx context.Context, username, roleName, name string, stdin io.Reader, stderr io.Writer) error {
	role, err := auth.ParseRole(roleName)
	if err != nil {
		return err
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	_, err = c.directory.Create(ctx, c.actor, audit.Origin{UserAgent: "rolegate user add"},
		auth.NewUser{Username: username, DisplayName: name, Role: role, Password: pw})
	if err != nil {
		return fmt.Errorf("user add %s: %w", username, err)
	}
	fmt.Fprintf(c.stdout, "user %s created with role %s\n", username, role)
	return nil
}

// addService creates a service account, which has no password.
func (c *userCmd) addService(ctx context.Context, username, roleName, name string) error {
	role, err := auth.ParseRole(roleName)
	if err != nil {
		return err
	}
	_, err = c.directory.CreateServiceAccount(ctx, c.actor, audit.Origin{UserAgent: "rolegate user add -service"},
		auth.NewServiceAccount{Username: username, DisplayName: name, Role: role})
	if err != nil {
		return fmt.Errorf("user add %s: %w", username, err)
	}
	fmt.Fprintf(c.stdout, "service account %s created with role %s; an admin makes its API tokens on its page under /admin/users\n", username, role)
	return nil
}

// change applies one directory change to the named user, recorded as done
// from the shell.
func (c *userCmd) change(ctx context.Context, username, done string,
	fn func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error) error {
	u, err := c.users.ByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %s: %w", username, err)
	}
	if err := fn(ctx, c.actor, audit.Origin{UserAgent: "rolegate user"}, u.ID); err != nil {
		return fmt.Errorf("user %s: %w", username, err)
	}
	fmt.Fprintf(c.stdout, "user %s: %s\n", u.Username, done)
	return nil
}

func (c *userCmd) list(ctx context.Context) error {
	list, err := c.users.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tSTATUS\t2FA")
	for _, u := range list {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		mfa := "no"
		if u.MFAEnrolled {
			mfa = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, status, mfa)
	}
	return tw.Flush()
}
