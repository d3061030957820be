package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"rolegate/internal/config"
	"rolegate/internal/store"
)

// The subcommands share one grammar:
//
//	rolegate GROUP [settings] VERB [flags and settings] [arguments]
//
// GROUP is user or audit. Settings are the dashboard settings that the verb
// reads (a config.Subset, each with its ROLEGATE_* fallback) and may stand
// before or after the verb; the verb's own flags follow it. A verb's help
// lists its flags and only the settings it reads.

// splitVerb finds the verb: the first argument that is neither a flag nor
// the value of a setting before it. verb is "" when there is none.
func splitVerb(args []string) (before []string, verb string, after []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return args[:i], args[i+1], args[i+2:]
			}
			return args[:i], "", nil
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return args[:i], a, args[i+1:]
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if takes, ok := config.TakesValue(name); ok && takes && !hasValue {
			i++
		}
	}
	return args, "", nil
}

// isHelp reports whether args ask for help (-h, -help, --help).
func isHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// groupUsage answers a group called without a verb: its usage, and exit 0
// for help, 2 otherwise.
func groupUsage(group, usage string, before []string, stderr io.Writer) error {
	fmt.Fprint(stderr, usage)
	if isHelp(before) {
		return config.ErrHelp
	}
	return &exitError{code: 2, err: fmt.Errorf("%s: a command is needed", group)}
}

// verbLine parses the arguments of one verb.
type verbLine struct {
	name     string // "rolegate audit export"
	synopsis string // what follows the name in the usage line
	doc      string // one line on what it does
	flags    *flag.FlagSet
	settings *config.Subset
}

func newVerbLine(name, synopsis, doc string, settings *config.Subset) *verbLine {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &verbLine{name: name, synopsis: synopsis, doc: doc, flags: fs, settings: settings}
}

// parse takes the settings before the verb and the flags and settings
// after it, and returns the positional arguments. A setting given in both
// places takes the later value.
func (v *verbLine) parse(before, after []string, stderr io.Writer) ([]string, error) {
	pre := flag.NewFlagSet(v.name, flag.ContinueOnError)
	pre.SetOutput(io.Discard)
	v.settings.Define(pre)
	if err := pre.Parse(before); err != nil {
		return nil, v.fail(err, stderr)
	}
	post := flag.NewFlagSet(v.name, flag.ContinueOnError)
	post.SetOutput(io.Discard)
	v.flags.VisitAll(func(f *flag.Flag) { post.Var(f.Value, f.Name, f.Usage) })
	v.settings.Define(post)
	if err := post.Parse(after); err != nil {
		return nil, v.fail(err, stderr)
	}
	return post.Args(), nil
}

func (v *verbLine) fail(err error, stderr io.Writer) error {
	if errors.Is(err, flag.ErrHelp) {
		v.help(stderr)
		return config.ErrHelp
	}
	fmt.Fprintf(stderr, "usage: %s %s\n(%s -h lists its flags and settings)\n", v.name, v.synopsis, v.name)
	return &exitError{code: 2, err: fmt.Errorf("%s: %w", strings.TrimPrefix(v.name, "rolegate "), err)}
}

// usageErr reports wrong positional arguments.
func (v *verbLine) usageErr(stderr io.Writer) error {
	fmt.Fprintf(stderr, "usage: %s %s\n", v.name, v.synopsis)
	return &exitError{code: 2, err: fmt.Errorf("%s: wrong arguments", strings.TrimPrefix(v.name, "rolegate "))}
}

func (v *verbLine) help(w io.Writer) {
	fmt.Fprintf(w, "usage: %s %s\n\n%s\n", v.name, v.synopsis, v.doc)
	own := 0
	v.flags.VisitAll(func(*flag.Flag) { own++ })
	if own > 0 {
		fmt.Fprintln(w, "\nflags:")
		v.flags.SetOutput(w)
		v.flags.PrintDefaults()
		v.flags.SetOutput(io.Discard)
	}
	fmt.Fprintln(w, "\nsettings, before or after the command (a flag wins over its environment variable):")
	v.settings.PrintDefaults(w)
}

// openDB loads the verb's settings and opens their database, logging
// warnings (never the migrations' progress) to stderr. The caller closes it.
func (v *verbLine) openDB(ctx context.Context, stderr io.Writer) (config.Config, *store.DB, *slog.Logger, error) {
	cfg, err := v.settings.Load()
	if err != nil {
		return cfg, nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, cfg.DBPath, log)
	if err != nil {
		return cfg, nil, nil, err
	}
	return cfg, db, log, nil
}
