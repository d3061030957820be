package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"rolegate/audit"
	"rolegate/internal/app"
	"rolegate/internal/config"
	"rolegate/internal/store"
)

// The dashboard settings that backup and restore read: the database and
// where its anchor file and version 1 HMAC key lie.
var backupSettings = []string{"db", "audit-anchor-file", "audit-anchor-key-file"}

// runBackup is rolegate backup: a consistent copy of the database taken
// while the dashboard runs, with its anchor file beside it.
func runBackup(ctx context.Context, before, after []string, getenv func(string) string, stdout, stderr io.Writer) error {
	v := newVerbLine("rolegate backup", "[settings] -o FILE",
		"copy the database while the dashboard runs (VACUUM INTO) to FILE, its anchor file to FILE.anchors and a version 1 HMAC anchor key to FILE.anchor.key; the Ed25519 signing key is not copied (the public key verifies)",
		config.NewSubset(getenv, backupSettings...))
	out := v.flags.String("o", "", "the backup file to create")
	if extra, err := v.parse(before, after, stderr); err != nil {
		return err
	} else if len(extra) > 0 || *out == "" {
		return v.usageErr(stderr)
	}
	cfg, db, _, err := v.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	l := audit.New(db)
	file, err := app.AnchorFile(ctx, cfg, l)
	if err != nil {
		return err
	}
	l.SetAnchors(audit.NewAnchors(audit.AnchorConfig{File: file, LegacyKeyFile: cfg.AnchorKeyFile}))
	start := time.Now()
	b, err := l.Backup(ctx, *out, shellActor(getenv), audit.Origin{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s in %s: head seq %d %s, %d anchors\n",
		cfg.DBPath, b.File, time.Since(start).Round(time.Millisecond), b.HeadSeq, b.HeadHash, b.Anchors)
	if b.AnchorFile != "" {
		fmt.Fprintf(stdout, "anchor file %s copied to %s\n", file, b.AnchorFile)
	}
	if b.KeyFile != "" {
		fmt.Fprintf(stdout, "version 1 anchor key copied to %s (a secret: keep it with the backup, off this machine)\n", b.KeyFile)
	}
	fmt.Fprintln(stdout, "the audit signing key is not in the backup; the public key (-audit-public-key-file) is enough to verify it")
	return nil
}

// runRestore is rolegate restore: a backup put in place as the database
// at -db, its anchor file where that database expects it. It refuses a
// database that something has open, and any existing one without -force
// (which moves it aside rather than deleting it).
func runRestore(ctx context.Context, before, after []string, getenv func(string) string, stdout, stderr io.Writer) error {
	v := newVerbLine("rolegate restore", "[settings] -from FILE [-force]",
		"restore a backup of rolegate backup as the database at -db, with FILE.anchors as its anchor file; then check it with rolegate audit verify",
		config.NewSubset(getenv, backupSettings...))
	from := v.flags.String("from", "", "the backup file (its anchor file is FILE.anchors)")
	force := v.flags.Bool("force", false, "replace an existing database and anchor file that nothing has open; they are renamed *.before-restore-TIME, not deleted")
	if extra, err := v.parse(before, after, stderr); err != nil {
		return err
	} else if len(extra) > 0 || *from == "" {
		return v.usageErr(stderr)
	}
	cfg, err := v.settings.Load()
	if err != nil {
		return err
	}
	start := time.Now()
	backup, err := store.OpenCopy(ctx, *from)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	st, err := audit.CopyStateOf(ctx, backup)
	backup.Close()
	if err != nil {
		return fmt.Errorf("-from %s: %w", *from, err)
	}
	dest := cfg.DBPath
	anchorDest := cfg.AnchorFileFor(st.Instance)
	backupAnchors := audit.BackupAnchorFile(*from)
	hasAnchors := fileExists(backupAnchors)

	inUse, err := store.InUse(ctx, dest)
	if err != nil {
		return fmt.Errorf("-db: %w", err)
	}
	if inUse {
		return fmt.Errorf("-db %s: %w: a dashboard or another command has it open; stop it before restoring over it", dest, store.ErrInUse)
	}
	var existing []string
	for _, p := range []string{dest, dest + "-wal", dest + "-shm"} {
		if fileExists(p) {
			existing = append(existing, p)
		}
	}
	if hasAnchors && fileExists(anchorDest) {
		existing = append(existing, anchorDest)
	}
	if len(existing) > 0 && !*force {
		return fmt.Errorf("-db: %s already exists; restore never overwrites: choose a fresh path, or give -force to move them aside", existing[0])
	}

	tmp, anchorTmp := dest+".restoring", anchorDest+".restoring"
	for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm", anchorTmp} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := copyNew(*from, tmp, 0o600); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// The anchor file, cut after the newest anchor the copy records: a
	// replica's anchor file shipped later may name events of the last
	// sync interval that the replica lacks.
	var cut audit.Cut
	if hasAnchors {
		found, _, c, err := audit.CopyAnchorsUpTo(backupAnchors, anchorTmp, st.Instance, st.Anchors)
		if err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: %w", err)
		}
		if !found {
			fmt.Fprintf(stdout, "WARNING: %s lacks anchor %d, which the database records as written: verify will report it\n", backupAnchors, st.Anchors)
		}
		cut = c
	}
	// Opening it applies this release's migrations to an older backup and
	// puts it in WAL mode, as the dashboard will open it; the restore is
	// recorded in the restored log, with what it left out.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, tmp, log)
	if err != nil {
		os.Remove(tmp)
		os.Remove(anchorTmp)
		return fmt.Errorf("restore: %w", err)
	}
	_, err = audit.New(db).Record(ctx, audit.Event{Actor: shellActor(getenv), Action: audit.AuditRestored, Outcome: audit.Success,
		Params: audit.Params(map[string]any{"from": *from, "seq": st.HeadSeq, "hash": st.HeadHash, "anchors": st.Anchors,
			"anchors_left_out": cut.Dropped, "anchored_up_to_seq": cut.MaxSeq})})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	aside := ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	for _, p := range existing {
		if err := os.Rename(p, p+aside); err != nil {
			return fmt.Errorf("restore: moving %s aside: %w", p, err)
		}
		fmt.Fprintf(stdout, "moved %s to %s\n", p, p+aside)
	}
	if err := os.Rename(tmp, dest); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(dest))
	if hasAnchors {
		if err := os.Rename(anchorTmp, anchorDest); err != nil {
			return fmt.Errorf("restore: anchor file: %w", err)
		}
		syncDir(filepath.Dir(anchorDest))
		fmt.Fprintf(stdout, "anchor file %s placed at %s\n", backupAnchors, anchorDest)
		if cut.Dropped > 0 {
			fmt.Fprintf(stdout, "LOST: %d anchor(s) of %s name events up to seq %d, past the restored log's end at seq %d: events %d to %d were committed and are not in this copy (for a replica: its last sync interval); they were left out, and the restore is recorded with this in the log\n",
				cut.Dropped, backupAnchors, cut.MaxSeq, st.HeadSeq, st.HeadSeq+1, cut.MaxSeq)
		}
	} else {
		fmt.Fprintf(stdout, "the backup has no anchor file (%s): the restored log cannot be checked against anchors\n", backupAnchors)
	}
	if key := audit.BackupKeyFile(*from); fileExists(key) && !fileExists(cfg.AnchorKeyFile) {
		if err := copyNew(key, cfg.AnchorKeyFile, 0o400); err != nil {
			return fmt.Errorf("restore: version 1 anchor key: %w", err)
		}
		fmt.Fprintf(stdout, "version 1 anchor key placed at %s\n", cfg.AnchorKeyFile)
	}
	fmt.Fprintf(stdout, "restored %s (head seq %d) to %s in %s; check it with: rolegate audit verify -db %s -audit-public-key-file FILE\n",
		*from, st.HeadSeq, dest, time.Since(start).Round(time.Millisecond), dest)
	return nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// copyNew copies src to dst, which must not exist, synced to disk.
func copyNew(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
