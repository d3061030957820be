package audit

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"

	"rolegate/internal/store"
)

// Backup describes a backup taken by Log.Backup.
type Backup struct {
	File       string // the database copy
	AnchorFile string // the anchor file beside it; "" when the log had none
	KeyFile    string // the version 1 anchors' HMAC key beside it; "" when there is none
	HeadSeq    int64  // the copy's newest event
	HeadHash   string
	Anchors    int64 // anchors the copy records as written
}

// BackupAnchorFile is where a backup's anchor file lies: beside it.
func BackupAnchorFile(backup string) string { return backup + ".anchors" }

// BackupKeyFile is where a backup's copy of the version 1 HMAC anchor key
// lies. The Ed25519 signing key is never copied: the public key is enough
// to verify a restored log, and a new one can sign on.
func BackupKeyFile(backup string) string { return backup + ".anchor.key" }

// Backup writes a consistent copy of the database to file while the
// dashboard keeps writing (store.BackupInto), then copies the anchor file
// beside it, cut after the newest anchor that the copy records, so that
// the copy verifies against it: an anchor written after the snapshot
// would name events the copy lacks. The version 1 HMAC key is copied too
// when there is one. It records an audit.backed_up event in the live log.
func (l *Log) Backup(ctx context.Context, file string, by Actor, from Origin) (Backup, error) {
	b := Backup{File: file}
	if l.anchors == nil {
		return b, errors.New("audit anchors are not configured")
	}
	inst, err := l.Instance(ctx)
	if err != nil {
		return b, err
	}
	for _, p := range []string{BackupAnchorFile(file), BackupKeyFile(file)} {
		if _, err := os.Lstat(p); err == nil {
			return b, fmt.Errorf("backup: %s: %w", p, os.ErrExist)
		}
	}
	if err := l.db.BackupInto(ctx, file); err != nil {
		return b, err
	}
	if err := os.Chmod(file, 0o600); err != nil {
		return b, fmt.Errorf("backup: %w", err)
	}
	copyDB, err := store.OpenCopy(ctx, file)
	if err != nil {
		return b, err
	}
	st, err := CopyStateOf(ctx, copyDB)
	copyDB.Close()
	if err != nil {
		return b, fmt.Errorf("backup: %w", err)
	}
	b.HeadSeq, b.HeadHash, b.Anchors = st.HeadSeq, st.HeadHash, st.Anchors
	found, copied, _, err := CopyAnchorsUpTo(l.anchors.File(), BackupAnchorFile(file), inst, b.Anchors)
	if err != nil {
		return b, fmt.Errorf("backup: %w", err)
	}
	if copied {
		b.AnchorFile = BackupAnchorFile(file)
	}
	if !found {
		return b, fmt.Errorf("backup: the copy records anchor %d, but the anchor file %s lacks it", b.Anchors, l.anchors.File())
	}
	if key := l.anchors.cfg.LegacyKeyFile; key != "" {
		switch err := copyFile(key, BackupKeyFile(file), 0o400); {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return b, fmt.Errorf("backup: version 1 anchor key: %w", err)
		default:
			b.KeyFile = BackupKeyFile(file)
		}
	}
	_, err = l.Record(context.WithoutCancel(ctx), Event{
		Actor: by, Origin: from, Action: AuditBackedUp, Outcome: Success,
		Params: Params(map[string]any{"file": file, "seq": b.HeadSeq, "hash": b.HeadHash, "anchors": b.Anchors}),
	})
	return b, err
}

// Cut says what CopyAnchorsUpTo left out: the anchors of the log past the
// copy's newest recorded one, and the furthest seq they named.
type Cut struct {
	Dropped int64
	MaxSeq  int64
}

// CopyAnchorsUpTo copies the anchor file src to dst (which must not exist),
// leaving out the anchors of instance numbered above n (and a last line
// still being written): anchors written after a database copy was taken
// would name events the copy lacks. Other lines are kept. found says
// whether anchor n was there (true for n 0); copied whether src existed.
func CopyAnchorsUpTo(src, dst, instance string, n int64) (found, copied bool, cut Cut, err error) {
	in, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return n == 0, false, cut, nil
	}
	if err != nil {
		return false, false, cut, fmt.Errorf("anchor file: %w", err)
	}
	defer in.Close()
	var out bytes.Buffer
	r := bufio.NewReader(in)
	found = n == 0
	for no := 1; ; no++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // an unterminated line is one still being appended
		}
		if err != nil {
			return false, false, cut, fmt.Errorf("anchor file: %w", err)
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			s := parseAnchorLine(string(t), no)
			if !s.Bad && s.Version == AnchorVersion && s.Log == instance {
				if s.N > n {
					cut.Dropped++
					cut.MaxSeq = max(cut.MaxSeq, s.Seq)
					continue
				}
				found = found || s.N == n
			}
		}
		out.Write(line)
	}
	if err := writeNew(dst, out.Bytes(), 0o600); err != nil {
		return false, false, cut, err
	}
	return found, true, cut, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeNew(dst, b, mode)
}

// CopyState is what a database copy (a backup, a replica restored) holds.
type CopyState struct {
	Instance string
	HeadSeq  int64
	HeadHash string
	Anchors  int64 // the newest anchor the copy records as written
}

// CopyStateOf reads the state of a database opened with store.OpenCopy.
func CopyStateOf(ctx context.Context, c *sql.DB) (CopyState, error) {
	st := CopyState{HeadHash: GenesisHash}
	if err := c.QueryRowContext(ctx, `SELECT uuid FROM instance WHERE id = 1`).Scan(&st.Instance); err != nil {
		return st, fmt.Errorf("instance id: %w", err)
	}
	err := c.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&st.HeadSeq, &st.HeadHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("head of the copy: %w", err)
	}
	if err := c.QueryRowContext(ctx, `SELECT coalesce(max(n), 0) FROM audit_anchors`).Scan(&st.Anchors); err != nil {
		return st, fmt.Errorf("anchors of the copy: %w", err)
	}
	return st, nil
}
