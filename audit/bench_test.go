package audit_test

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
	"rolegate/migrations"
)

// benchEvents is the size of the benchmark log.
const benchEvents = 1_000_000

// benchLog opens the benchmark log: 1,000,000 generated events, made once
// and cached under $HOME/.cache/rolegate-bench, keyed by the newest
// migration (a new migration makes a new log). It is anchored, with its
// anchor file and key beside it, so that Verify checks anchors too.
func benchLog(b *testing.B) (*store.DB, *audit.Log) {
	b.Helper()
	if testing.Short() {
		b.Skip("the audit benchmarks need a 1,000,000-event log; not with -short")
	}
	ctx := context.Background()
	home, err := os.UserHomeDir()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(home, ".cache", "rolegate-bench")
	path := filepath.Join(dir, fmt.Sprintf("audit-%d-m%d.db", benchEvents, migrationVersion(b)))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".tmp"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := store.Open(ctx, tmp, quiet)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := audit.New(db).Generate(ctx, benchEvents, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Writer().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			b.Fatal(err)
		}
		db.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %d events in %s into %s", benchEvents, time.Since(start).Round(time.Second), path)
	}
	db, err := store.Open(ctx, path, quiet)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// The anchors stay with the cached log: the database records each
	// anchor written, so a fresh anchor file would read as one deleted.
	keyFile := strings.TrimSuffix(path, ".db") + ".key"
	if _, err := os.Stat(keyFile); err != nil {
		if _, err := audit.WriteKeyPair(keyFile, keyFile+".pub"); err != nil {
			b.Fatal(err)
		}
	}
	key, _, err := audit.ReadPrivateKeyFile(keyFile)
	if err != nil {
		b.Fatal(err)
	}
	log := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: strings.TrimSuffix(path, ".db") + ".anchors", Signer: key})))
	if _, err := log.Anchor(ctx, false); err != nil {
		b.Fatal(err)
	}
	return db, log
}

func migrationVersion(b *testing.B) int {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		b.Fatal(err)
	}
	v := 0
	for _, n := range names {
		if i, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0]); err == nil && i > v {
			v = i
		}
	}
	return v
}

// BenchmarkQueryPage: one page of 50 events of a filter, at the first page
// and deep in the result (keyset paging by seq).
func BenchmarkQueryPage(b *testing.B) {
	db, log := benchLog(b)
	ctx := context.Background()
	// The seq that ends page `depth-1`, so that the cursor opens page `depth`.
	cursorAt := func(where string, depth int) string {
		if depth <= 1 {
			return ""
		}
		var seq int64
		q := `SELECT seq FROM audit_events WHERE ` + where + ` ORDER BY seq DESC LIMIT 1 OFFSET ?`
		if err := db.Reader().QueryRowContext(ctx, q, (depth-1)*audit.DefaultPageSize-1).Scan(&seq); err != nil {
			b.Fatalf("page %d of %s: %v", depth, where, err)
		}
		return audit.OlderThan(seq)
	}
	arn := "arn:aws:iam::100000000001:role/RedshiftSpectrum"
	cases := []struct {
		name  string
		f     audit.Filter
		where string
		depth int
	}{
		{"outcome=success/page=1", audit.Filter{Outcome: audit.Success}, `outcome = 'success'`, 1},
		{"outcome=success/page=10000", audit.Filter{Outcome: audit.Success}, `outcome = 'success'`, 10000},
		{"action=apply.succeeded/page=1", audit.Filter{Action: audit.ApplySucceeded}, `action = 'apply.succeeded'`, 1},
		{"action=apply.succeeded/page=2000", audit.Filter{Action: audit.ApplySucceeded}, `action = 'apply.succeeded'`, 2000},
		{"cluster+region/page=1", audit.Filter{Cluster: "analytics-07", Region: "eu-west-1"}, `cluster = 'analytics-07' AND region = 'eu-west-1'`, 1},
		{"cluster+region/page=90", audit.Filter{Cluster: "analytics-07", Region: "eu-west-1"}, `cluster = 'analytics-07' AND region = 'eu-west-1'`, 90},
		{"role-arn/page=1", audit.Filter{RoleARN: arn}, `seq IN (SELECT seq FROM audit_event_arns WHERE arn = '` + arn + `')`, 1},
		{"role-arn/page=480", audit.Filter{RoleARN: arn}, `seq IN (SELECT seq FROM audit_event_arns WHERE arn = '` + arn + `')`, 480},
		{"time-range/page=1", audit.Filter{From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)}, `ts >= '2024-03-01' AND ts < '2024-09-01'`, 1},
		{"time-range/page=5000", audit.Filter{From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)}, `ts >= '2024-03-01' AND ts < '2024-09-01'`, 5000},
		{"none/page=10000", audit.Filter{}, `1`, 10000},
	}
	for _, c := range cases {
		cursor := cursorAt(c.where, c.depth)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := log.Query(ctx, c.f, cursor, audit.DefaultPageSize)
				if err != nil || len(p.Events) != audit.DefaultPageSize {
					b.Fatalf("%d events, %v", len(p.Events), err)
				}
			}
		})
	}
}

// peakRSS is the process's peak resident memory since the last reset, in
// bytes (VmHWM).
func peakRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS starts a new peak-memory measurement (Linux clear_refs 5).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkExportAll: every event as CSV and as JSON Lines, streamed; and,
// in the same run, sqlite3 -csv over the same table for comparison.
func BenchmarkExportAll(b *testing.B) {
	db, log := benchLog(b)
	ctx := context.Background()
	for _, format := range []audit.Format{audit.CSV, audit.JSONL} {
		b.Run(string(format), func(b *testing.B) {
			var peak, bytes int64
			for b.Loop() {
				resetPeakRSS()
				w := &countingWriter{}
				n, err := log.WriteExport(ctx, w, format, audit.Filter{})
				if err != nil || n < benchEvents {
					b.Fatalf("%d events, %v", n, err)
				}
				peak = max(peak, peakRSS(b))
				bytes = w.n
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
			b.ReportMetric(float64(bytes)/(1<<20), "output-MiB")
		})
	}
	b.Run("sqlite3-csv", func(b *testing.B) {
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			b.Skip("sqlite3 is not installed (apt-get install -y sqlite3)")
		}
		// sqlite3's own peak memory, through GNU time: the rusage of a child
		// that Go starts includes the Go process's high-water mark (vfork).
		timeBin, _ := exec.LookPath("time")
		var peak int64
		for b.Loop() {
			args := []string{"-readonly", "-csv", "-header", db.Path(), "SELECT * FROM audit_events ORDER BY seq"}
			cmd := exec.Command(bin, args...)
			var stderr strings.Builder
			if timeBin != "" {
				cmd = exec.Command(timeBin, append([]string{"-f", "%M", bin}, args...)...)
				cmd.Stderr = &stderr
			}
			cmd.Stdout = &countingWriter{}
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
			if kb, err := strconv.ParseInt(strings.TrimSpace(stderr.String()), 10, 64); err == nil {
				peak = max(peak, kb<<10)
			}
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	})
}

// BenchmarkVerify: the whole chain, every hash recomputed.
func BenchmarkVerify(b *testing.B) {
	_, log := benchLog(b)
	ctx := context.Background()
	for b.Loop() {
		r, err := log.Verify(ctx)
		if err != nil || !r.OK() || r.Checked < benchEvents {
			b.Fatalf("%+v %v", r.Faults, err)
		}
	}
	b.ReportMetric(float64(benchEvents)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppend: one event per transaction (Record), with the store's
// synchronous FULL, so each event is one fsync'd commit.
func BenchmarkAppend(b *testing.B) {
	if testing.Short() {
		b.Skip("not with -short")
	}
	ctx := context.Background()
	ev := audit.Event{
		Actor: audit.Actor{UserID: 3, Username: "ana", Role: "approver"}, Action: audit.ChangeApproved, Outcome: audit.Success,
		Target: audit.Target{Region: "eu-west-1", Cluster: "analytics-07", ChangeID: 12},
		Origin: audit.Origin{ClientIP: "10.0.0.7", UserAgent: "Mozilla/5.0", RequestID: "0123456789abcdef"},
		Params: audit.Params(map[string]any{"add": []string{"arn:aws:iam::123456789012:role/RedshiftCopy"}}),
	}
	b.Run("one-per-commit", func(b *testing.B) {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "a.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		log := audit.New(db)
		for b.Loop() {
			if _, err := log.Record(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
