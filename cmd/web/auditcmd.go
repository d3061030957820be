package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"rolegate/audit"
	"rolegate/internal/app"
	"rolegate/internal/config"
)

const auditUsage = `usage: rolegate audit [settings] <command> [flags] [settings]

commands:
  verify     check the whole chain and every anchor; exit status 2 when it is damaged
             (needs only the public key: -audit-public-key-file)
  export     write the events of a filter as CSV or JSON Lines (recorded as an audit.exported event)
  anchor     sign the chain's head now and append it to the anchor file
  keygen     write a new Ed25519 signing key (-o FILE, mode 0400) and its public key (FILE.pub)
  generate   append N synthetic events (for benchmarks and trials; never on a real log)

settings are the dashboard's that the command reads (-db; for verify and anchor also the
anchor and key settings, e.g. -audit-anchor-file and -audit-signing-key-file), before or after
the command, or their ROLEGATE_* environment variables. rolegate audit <command> -h lists them.
`

// The dashboard settings each audit command reads.
var (
	auditDBSettings     = []string{"db"}
	auditAnchorSettings = []string{"db", "audit-anchor-file", "audit-anchor-key-file", "audit-signing-key-file", "audit-signing-key", "audit-public-key-file",
		"audit-witness-s3-bucket", "audit-witness-s3-prefix", "audit-witness-s3-endpoint", "audit-witness-s3-region", "audit-witness-retention"}
)

// runAudit works on the audit log from the shell: rolegate audit verify|export|anchor|generate.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	before, cmd, rest := splitVerb(args)
	if cmd == "" || cmd == "help" {
		if cmd == "help" {
			before = append(before, "-h")
		}
		return groupUsage("audit", auditUsage, before, stderr)
	}
	var v *verbLine
	verb := func(settings []string, synopsis, doc string) *flag.FlagSet {
		v = newVerbLine("rolegate audit "+cmd, synopsis, doc, config.NewSubset(getenv, settings...))
		return v.flags
	}
	var run func(ctx context.Context, l *audit.Log, cfg config.Config) error
	switch cmd {
	case "verify":
		fs := verb(auditAnchorSettings, "[settings] [-json]", "check the whole chain and every anchor; exit status 2 when it is damaged (needs only the public key: -audit-public-key-file)")
		asJSON := fs.Bool("json", false, "print the report as JSON")
		run = func(ctx context.Context, l *audit.Log, cfg config.Config) error {
			return auditVerify(ctx, l, *asJSON, getenv, stdout)
		}
	case "export":
		fs := verb(auditDBSettings, "[settings] [-format csv|jsonl] [-o FILE] [filter flags]", "write the events of a filter as CSV or JSON Lines (recorded as an audit.exported event)")
		format := fs.String("format", "csv", "csv or jsonl")
		out := fs.String("o", "-", "output file (- for standard output)")
		ff := auditFilterFlags(fs)
		run = func(ctx context.Context, l *audit.Log, cfg config.Config) error {
			f, err := ff.filter()
			if err != nil {
				return err
			}
			return auditExport(ctx, l, audit.Format(*format), f, *out, getenv, stdout, stderr)
		}
	case "anchor":
		verb(auditAnchorSettings, "[settings]", "sign the chain's head now and append it to the anchor file")
		run = func(ctx context.Context, l *audit.Log, cfg config.Config) error {
			a, err := l.Anchor(ctx, false)
			if err != nil {
				return err
			}
			file := l.Anchors().File()
			if _, err := l.Record(ctx, audit.Event{Actor: shellActor(getenv), Action: audit.AuditAnchored, Outcome: audit.Success,
				Params: audit.Params(map[string]any{"anchor": a.N, "seq": a.Seq, "hash": a.Hash, "file": file})}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "anchored %s in %s\n", audit.FormatAnchor(a), file)
			return nil
		}
	case "keygen":
		fs := verb(nil, "-o FILE [-pub FILE]", "write a new Ed25519 signing key (mode 0400) and its public key")
		out := fs.String("o", "", "private key file to create (mode 0400)")
		pub := fs.String("pub", "", "public key file to create (default: the private key file + .pub)")
		if extra, err := v.parse(before, rest, stderr); err != nil {
			return err
		} else if len(extra) > 0 {
			return v.usageErr(stderr)
		}
		return auditKeygen(*out, *pub, stdout)
	case "generate":
		fs := verb(auditDBSettings, "[settings] [-n N] [-seed S]", "append N synthetic events (for benchmarks and trials; never on a real log)")
		n := fs.Int("n", 100000, "number of events")
		seed := fs.Uint64("seed", 1, "random seed")
		run = func(ctx context.Context, l *audit.Log, cfg config.Config) error {
			start := time.Now()
			if err := l.Generate(ctx, *n, *seed, time.Now().UTC().Add(-time.Duration(*n)*30*time.Second)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "appended %d events in %s\n", *n, time.Since(start).Round(time.Millisecond))
			return nil
		}
	default:
		fmt.Fprint(stderr, auditUsage)
		return &exitError{code: 2, err: fmt.Errorf("audit: unknown command %q", cmd)}
	}
	if extra, err := v.parse(before, rest, stderr); err != nil {
		return err
	} else if len(extra) > 0 {
		return v.usageErr(stderr)
	}
	cfg, db, log, err := v.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	l := audit.New(db)
	if cmd == "verify" || cmd == "anchor" {
		anchors, err := app.Anchors(ctx, cfg, l, log, cmd == "anchor")
		if err != nil {
			return err
		}
		l.SetAnchors(anchors)
	}
	return run(ctx, l, cfg)
}

func shellActor(getenv func(string) string) audit.Actor {
	u := getenv("USER")
	if u == "" {
		u = "unknown"
	}
	return audit.Actor{Username: "shell:" + u}
}

func auditVerify(ctx context.Context, l *audit.Log, asJSON bool, getenv func(string) string, stdout io.Writer) error {
	r, err := l.Verify(ctx)
	if err != nil {
		return err
	}
	if _, err := l.Record(ctx, audit.VerifiedEvent(r, shellActor(getenv), audit.Origin{})); err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			audit.Report
			OK       bool  `json:"ok"`
			FirstBad int64 `json:"first_bad"`
		}{r, r.OK(), r.FirstBad()}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "checked %d events in %s; head seq %d %s\n", r.Checked, r.Duration.Round(time.Millisecond), r.HeadSeq, r.HeadHash)
		switch {
		case !r.AnchorsChecked:
		case r.Anchor == nil && r.AnchorsRecorded == 0:
			fmt.Fprintln(stdout, "no anchor written yet: a removed tail cannot be detected")
		case r.Anchor != nil:
			fmt.Fprintf(stdout, "%d anchors of log %s checked (the database records %d written); newest: %s\n",
				r.Anchors, r.Instance, r.AnchorsRecorded, audit.FormatAnchor(*r.Anchor))
		}
		if r.AnchorsChecked && !r.WitnessChecked {
			fmt.Fprintln(stdout, "no witness configured: the anchors were compared with the local file only")
		} else if r.WitnessChecked {
			fmt.Fprintf(stdout, "witness: %d anchors compared with the local file\n", r.WitnessObjects)
		}
		for _, n := range r.Notes {
			fmt.Fprintln(stdout, "NOTE", n)
		}
		for _, f := range r.Faults {
			fmt.Fprintln(stdout, "FAULT", f.String())
		}
		if r.OK() {
			fmt.Fprintln(stdout, "OK: the audit chain is intact")
		}
	}
	if !r.OK() {
		return &exitError{code: 2, err: fmt.Errorf("the audit chain is damaged: first bad seq %d (%d faults)", r.FirstBad(), len(r.Faults))}
	}
	return nil
}

func auditExport(ctx context.Context, l *audit.Log, format audit.Format, f audit.Filter, out string, getenv func(string) string, stdout, stderr io.Writer) error {
	if format != audit.CSV && format != audit.JSONL {
		return fmt.Errorf("-format: %q is not csv or jsonl", format)
	}
	w := stdout
	if out != "-" {
		file, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("-o: %w", err)
		}
		defer file.Close()
		w = file
	}
	n, err := l.Export(ctx, w, format, f, shellActor(getenv), audit.Origin{})
	if err != nil {
		return err
	}
	if c, ok := w.(*os.File); ok && out != "-" {
		if err := c.Sync(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "exported %d events to %s\n", n, out)
	}
	return nil
}

type filterFlags struct {
	from, to, actor, action, account, region, cluster, change, outcome, roleARN *string
}

func auditFilterFlags(fs *flag.FlagSet) *filterFlags {
	return &filterFlags{
		from:    fs.String("from", "", "events at or after (2026-11-26 or 2026-11-26T09:30, UTC)"),
		to:      fs.String("to", "", "events before"),
		actor:   fs.String("actor", "", "username"),
		action:  fs.String("action", "", "action, like change.approved"),
		account: fs.String("account", "", "AWS account ID (12 digits) of the cluster"),
		region:  fs.String("region", "", "AWS region"),
		cluster: fs.String("cluster", "", "cluster identifier"),
		change:  fs.String("change", "", "change request number"),
		outcome: fs.String("outcome", "", "success, failure or unknown"),
		roleARN: fs.String("role-arn", "", "an IAM role ARN anywhere in the parameters or snapshot"),
	}
}

func (ff *filterFlags) filter() (audit.Filter, error) {
	f := audit.Filter{Actor: *ff.actor, Account: *ff.account, Region: *ff.region, Cluster: *ff.cluster, RoleARN: *ff.roleARN}
	var err error
	if *ff.from != "" {
		if f.From, err = audit.ParseTime(*ff.from); err != nil {
			return f, fmt.Errorf("-from: %w", err)
		}
	}
	if *ff.to != "" {
		if f.To, err = audit.ParseTime(*ff.to); err != nil {
			return f, fmt.Errorf("-to: %w", err)
		}
	}
	if *ff.action != "" {
		if f.Action = audit.Action(*ff.action); !f.Action.Known() {
			return f, fmt.Errorf("-action: %q is not a declared action", *ff.action)
		}
	}
	if *ff.change != "" {
		if f.ChangeID, err = strconv.ParseInt(*ff.change, 10, 64); err != nil || f.ChangeID <= 0 {
			return f, fmt.Errorf("-change: %q is not a change request number", *ff.change)
		}
	}
	switch f.Outcome = audit.Outcome(*ff.outcome); f.Outcome {
	case "", audit.Success, audit.Failure, audit.Unknown:
	default:
		return f, fmt.Errorf("-outcome: %q is not success, failure or unknown", *ff.outcome)
	}
	return f, nil
}

// auditKeygen is rolegate audit keygen: a new key pair in two new files.
func auditKeygen(priv, pub string, stdout io.Writer) error {
	if priv == "" {
		return errors.New("keygen: -o FILE names the private key file to create")
	}
	if pub == "" {
		pub = priv + ".pub"
	}
	k, err := audit.WriteKeyPair(priv, pub)
	if err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	fmt.Fprintf(stdout, "wrote the audit signing key %s (mode 0400) and its public key %s (key id %s)\n", priv, pub, audit.KeyID(k))
	fmt.Fprintln(stdout, "give the service read access to the private key only (-audit-signing-key-file), and verifiers the public key (-audit-public-key-file)")
	return nil
}
