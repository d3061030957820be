// Command web is the Rolegate dashboard (built as the rolegate binary). With
// no subcommand it serves the dashboard; `user`, `account` and `audit`
// subcommands administer users, AWS accounts and the audit log, `backup`
// and `restore` copy the database and its anchor file.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	// Users choose the zone they read times in; the container image has no
	// /usr/share/zoneinfo, so the binary carries the zone database.
	_ "time/tzdata"

	"rolegate/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, config.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rolegate:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	return 1
}

// run is the whole program; main only supplies the process's environment.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runInput(ctx, args, getenv, os.Stdin, stdout, stderr)
}

// runInput is run with standard input read from stdin: the password of
// `user add` and `user passwd`, kept off the command line.
func runInput(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "rolegate", version())
			return nil
		case "user":
			return runUser(ctx, args[1:], getenv, stdin, stdout, stderr)
		case "audit":
			return runAudit(ctx, args[1:], getenv, stdout, stderr)
		case "account":
			return runAccount(ctx, args[1:], getenv, stdout, stderr)
		}
		// backup and restore take their settings before or after the verb.
		switch before, verb, after := splitVerb(args); verb {
		case "backup":
			return runBackup(ctx, before, after, getenv, stdout, stderr)
		case "restore":
			return runRestore(ctx, before, after, getenv, stdout, stderr)
		}
	}
	cfg, err := config.Load(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.Version {
		fmt.Fprintln(stdout, "rolegate", version())
		return nil
	}
	return serve(ctx, cfg, stdout, stderr)
}
