// Command redshiftsim runs the Redshift simulator (package redshiftsim) as a
// server of its own, for the demo, for tools such as the AWS CLI and for
// tests that need a process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"rolegate/redshiftsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "redshiftsim:", err)
		os.Exit(2)
	}
}

// faultFlags collects repeated -fault flags.
type faultFlags []redshiftsim.Fault

func (f *faultFlags) String() string { return fmt.Sprint(len(*f), " faults") }

func (f *faultFlags) Set(s string) error {
	fault, err := redshiftsim.ParseFault(s)
	if err != nil {
		return err
	}
	*f = append(*f, fault)
	return nil
}

// run is the whole program: it parses args, seeds the world, serves until
// ctx ends and then shuts down gracefully. It prints "listening on
// http://ADDR" to stdout once the listener is open.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("redshiftsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", envOr(getenv, "REDSHIFTSIM_LISTEN", "127.0.0.1:5440"), "address to listen on (host:port; port 0 picks a free one)")
	world := fs.String("world", envOr(getenv, "REDSHIFTSIM_WORLD", "demo"), "accounts and clusters to start with: demo, empty, generate:N (N clusters), generate:N:A (N clusters over A accounts), or the path of a JSON world file")
	regions := fs.String("regions", envOr(getenv, "REDSHIFTSIM_REGIONS", "us-east-1,eu-west-1,ap-southeast-2"), "comma-separated regions for -world generate:N and generate:N:A")
	roleDelay := fs.Duration("role-delay", 5*time.Second, "how long added roles stay adding and removed ones removing")
	stateDelay := fs.Duration("state-delay", 10*time.Second, "how long clusters stay creating, pausing, resuming or deleting")
	seed := fs.Int64("seed", 1, "seed of rate faults and generated worlds")
	lenient := fs.Bool("lenient-duplicates", false, "treat duplicate role adds and removals of unassociated roles as no-ops")
	quota := fs.Int("role-quota", 0, "roles per cluster (0: 50, 10 in the ISO regions)")
	strictTokens := fs.Bool("strict-tokens", false, "refuse session tokens the simulator's STS did not issue, as AWS does")
	verbose := fs.Bool("v", false, "log every call")
	var faults faultFlags
	fs.Var(&faults, "fault", "inject a fault, e.g. op=ModifyClusterIamRoles,kind=throttle,rate=0.3 (repeatable; keys op, region, kind, rate, next, latency)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	w, err := loadWorld(*world, splitList(*regions), *seed)
	if err != nil {
		return err
	}
	sim := redshiftsim.New(redshiftsim.Options{
		RoleDelay: *roleDelay, StateDelay: *stateDelay, Seed: *seed, Logger: log, Faults: faults,
		LenientDuplicates: *lenient, RoleQuota: *quota, StrictTokens: *strictTokens,
	})
	if err := sim.LoadWorld(w); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	log.Info("redshift simulator ready", "addr", ln.Addr().String(), "clusters", len(w.Seeds), "regions", strings.Join(sim.Regions(), ","),
		"accounts", strings.Join(sim.Accounts(), ","), "faults", len(faults))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("redshift simulator stopped")
	return nil
}

func loadWorld(world string, regions []string, seed int64) (redshiftsim.World, error) {
	switch {
	case world == "demo":
		return redshiftsim.DemoWorld(), nil
	case world == "empty" || world == "":
		return redshiftsim.World{}, nil
	case strings.HasPrefix(world, "generate:"):
		// generate:N, or generate:N:A for N clusters over A accounts.
		clusters, accounts, multi := strings.Cut(strings.TrimPrefix(world, "generate:"), ":")
		n, err := strconv.Atoi(clusters)
		a := 1
		if err == nil && multi {
			a, err = strconv.Atoi(accounts)
		}
		if err != nil || n < 0 || a < 1 {
			return redshiftsim.World{}, fmt.Errorf("-world %s: want generate:N with N ≥ 0, or generate:N:A with A ≥ 1 accounts", world)
		}
		if a == 1 {
			return redshiftsim.World{Seeds: redshiftsim.Generate(n, regions, seed)}, nil
		}
		return redshiftsim.GenerateAccounts(n, a, regions, seed), nil
	}
	return redshiftsim.ReadWorldFile(world)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
