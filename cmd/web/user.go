package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/store"
)

// stdin is where `user add` and `user passwd` read the password (one line),
// so that it never appears in the process list or shell history.
var stdin io.Reader = os.Stdin

const userUsage = `usage: rolegate user [-db FILE] COMMAND ...

  add [-role ROLE] [-name "Display Name"] USERNAME   create a user; password from standard input
  set-role USERNAME ROLE                             viewer, requester, approver or admin
  disable USERNAME                                   disable and end their sessions
  enable USERNAME
  passwd USERNAME                                    set a new password from standard input; ends sessions
  reset-mfa USERNAME                                 remove an admin's second factor; they enrol at next sign-in
  end-sessions USERNAME                              sign the user out everywhere
  list

-db defaults to $ROLEGATE_DB or data/rolegate.db.`

// runUser administers users from the shell: rolegate user add|set-role|...
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbDefault := getenv("ROLEGATE_DB")
	if dbDefault == "" {
		dbDefault = filepath.Join("data", "rolegate.db")
	}
	dbPath := fs.String("db", dbDefault, "SQLite database file")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintln(stderr, userUsage)
		return &exitError{code: 2, err: err}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fmt.Fprintln(stderr, userUsage)
		return &exitError{code: 2, err: errors.New("user: a command is needed")}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := store.Open(ctx, *dbPath, log)
	if err != nil {
		return err
	}
	defer db.Close()
	c := &userCmd{actor: shellActor(getenv), db: db, users: auth.NewUsers(db), audit: audit.New(db), stdout: stdout}
	cmd, cargs := rest[0], rest[1:]
	switch cmd {
	case "add":
		return c.add(ctx, cargs, stderr)
	case "set-role":
		if len(cargs) != 2 {
			return usageErr(stderr, "set-role USERNAME ROLE")
		}
		role, err := auth.ParseRole(cargs[1])
		if err != nil {
			return err
		}
		return c.change(ctx, cargs[0], audit.UserRoleChanged, map[string]any{"role": string(role)}, "role set to "+string(role),
			func(tx *sql.Tx, u *auth.User) error { return c.users.SetRole(ctx, tx, u.ID, role) })
	case "disable":
		if len(cargs) != 1 {
			return usageErr(stderr, "disable USERNAME")
		}
		return c.change(ctx, cargs[0], audit.UserDisabled, nil, "disabled; sessions ended",
			func(tx *sql.Tx, u *auth.User) error { return c.users.SetDisabled(ctx, tx, u.ID, true) })
	case "enable":
		if len(cargs) != 1 {
			return usageErr(stderr, "enable USERNAME")
		}
		return c.change(ctx, cargs[0], audit.UserEnabled, nil, "enabled",
			func(tx *sql.Tx, u *auth.User) error { return c.users.SetDisabled(ctx, tx, u.ID, false) })
	case "passwd":
		if len(cargs) != 1 {
			return usageErr(stderr, "passwd USERNAME")
		}
		pw, err := readPassword(stderr)
		if err != nil {
			return err
		}
		return c.change(ctx, cargs[0], audit.UserPasswordReset, nil, "password set; sessions ended",
			func(tx *sql.Tx, u *auth.User) error { return c.users.SetPassword(ctx, tx, u.ID, pw) })
	case "reset-mfa":
		if len(cargs) != 1 {
			return usageErr(stderr, "reset-mfa USERNAME")
		}
		return c.change(ctx, cargs[0], audit.UserMFAReset, nil, "second factor removed; sessions ended",
			func(tx *sql.Tx, u *auth.User) error {
				if err := c.users.SetMFASecret(ctx, tx, u.ID, ""); err != nil {
					return err
				}
				return auth.EndSessions(ctx, tx, u.ID)
			})
	case "end-sessions":
		if len(cargs) != 1 {
			return usageErr(stderr, "end-sessions USERNAME")
		}
		return c.change(ctx, cargs[0], audit.SessionsEnded, nil, "sessions ended",
			func(tx *sql.Tx, u *auth.User) error { return auth.EndSessions(ctx, tx, u.ID) })
	case "list":
		return c.list(ctx)
	default:
		fmt.Fprintln(stderr, userUsage)
		return &exitError{code: 2, err: fmt.Errorf("user: unknown command %q", cmd)}
	}
}

func usageErr(stderr io.Writer, usage string) error {
	fmt.Fprintln(stderr, "usage: rolegate user "+usage)
	return &exitError{code: 2, err: errors.New("user: wrong arguments")}
}

type userCmd struct {
	actor  audit.Actor // the shell user, as for rolegate audit
	db     *store.DB
	users  *auth.Users
	audit  *audit.Log
	stdout io.Writer
}

// readPassword reads the password: typed twice without echo on a
// terminal, otherwise one line of standard input.
func readPassword(stderr io.Writer) (string, error) {
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
		if err := auth.CheckPassword(string(first), ""); err != nil {
			return "", err
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("user: give the password on standard input (one line)")
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.CheckPassword(pw, ""); err != nil {
		return "", err
	}
	return pw, nil
}

func (c *userCmd) add(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	roleName := fs.String("role", "viewer", "viewer, requester, approver or admin")
	name := fs.String("name", "", "display name (default: the username)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return &exitError{code: 2, err: errors.New(`usage: rolegate user add [-role ROLE] [-name "Display Name"] USERNAME < password`)}
	}
	username := fs.Arg(0)
	role, err := auth.ParseRole(*roleName)
	if err != nil {
		return err
	}
	pw, err := readPassword(stderr)
	if err != nil {
		return err
	}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := c.users.Create(ctx, tx, username, *name, role, pw)
		if err != nil {
			return err
		}
		_, err = c.audit.Append(ctx, tx, audit.Event{Actor: c.actor, Origin: audit.Origin{UserAgent: "rolegate user add"},
			Action: audit.UserCreated, Outcome: audit.Success,
			Params: audit.Params(map[string]any{"user_id": u.ID, "username": u.Username, "role": string(role)})})
		return err
	})
	if err != nil {
		return fmt.Errorf("user add %s: %w", username, err)
	}
	fmt.Fprintf(c.stdout, "user %s created with role %s\n", username, role)
	return nil
}

func (c *userCmd) change(ctx context.Context, username string, action audit.Action, extra map[string]any, done string,
	fn func(tx *sql.Tx, u *auth.User) error) error {
	u, err := c.users.ByUsername(ctx, username)
	if err != nil {
		return fmt.Errorf("user %s: %w", username, err)
	}
	err = c.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx, u); err != nil {
			return err
		}
		params := map[string]any{"user_id": u.ID, "username": u.Username}
		for k, v := range extra {
			params[k] = v
		}
		_, err := c.audit.Append(ctx, tx, audit.Event{Actor: c.actor, Origin: audit.Origin{UserAgent: "rolegate user"},
			Action: action, Outcome: audit.Success, Params: audit.Params(params)})
		return err
	})
	if err != nil {
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
