package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"rolegate/audit"
	"rolegate/internal/config"
	"rolegate/internal/store"
	"rolegate/internal/witness"
)

// startAudit checks the audit chain since its newest anchor, then
// anchors it once (so that a key or anchor file that cannot be used stops
// the start). On a damaged chain the app starts anyway, read-only
// (handlers refuse changes and /readyz fails), and signs nothing.
func (a *App) startAudit(ctx context.Context) error {
	anchors, err := Anchors(ctx, a.cfg, a.Audit, a.log, true)
	if err != nil {
		return err
	}
	a.Audit.SetAnchors(anchors)
	if err := a.Audit.Check(ctx); err != nil {
		if errors.Is(err, audit.ErrOtherLog) {
			return fmt.Errorf("-audit-anchor-file: %w; give each database its own anchor file", err)
		}
		return fmt.Errorf("audit check: %w", err)
	}
	if !a.anchorNow(ctx, "audit chain anchored") {
		if _, damaged := a.Audit.Damage(); !damaged {
			return errors.New("audit anchors (-audit-anchor-file, -audit-signing-key-file): the first anchor failed (see the log)")
		}
	}
	return nil
}

// anchorLoop anchors the chain every cfg.AnchorInterval and after every
// change request's state change until ctx ends. Run anchors once more
// when everything has stopped.
func (a *App) anchorLoop(ctx context.Context) error {
	a.Audit.AnchorEvery(ctx, a.cfg.AnchorInterval, func(err error) {
		a.log.Error("audit anchor failed", "file", a.Audit.Anchors().File(), "err", err)
	})
	return nil
}

// anchorNow anchors the head, logging the outcome; false when no anchor
// was written (a damaged chain, a failure). A witness failure is only a
// warning: the local anchor was written.
func (a *App) anchorNow(ctx context.Context, msg string) bool {
	file := a.Audit.Anchors().File()
	if f, damaged := a.Audit.Damage(); damaged {
		a.log.Error("the audit chain is damaged: serving read-only, signing no anchor", "fault", f.String(), "first_bad", f.Seq, "file", file)
		return false
	}
	an, err := a.Audit.Anchor(ctx, true)
	var de *audit.DamagedError
	switch {
	case errors.As(err, &de):
		a.log.Error("the audit chain is damaged: serving read-only, signing no anchor", "fault", de.Fault.String(), "first_bad", de.Fault.Seq, "file", file)
		return false
	case errors.Is(err, audit.ErrWitness):
		a.log.Warn("audit anchor written locally, not yet published to the witness; retried at the next anchor", "err", err)
	case err != nil:
		a.log.Error("audit anchor failed", "file", file, "err", err)
		return false
	}
	a.log.Info(msg, "anchor", an.N, "seq", an.Seq, "file", file, "every", a.cfg.AnchorInterval)
	return true
}

// AnchorFile is the anchor file of l under cfg: by default named after the
// database and its instance ID, or an older release's default file when it
// is this log's and the new one does not exist yet.
func AnchorFile(ctx context.Context, cfg config.Config, l *audit.Log) (string, error) {
	inst, err := l.Instance(ctx)
	if err != nil {
		return "", err
	}
	file := cfg.AnchorFileFor(inst)
	if legacy := cfg.LegacyAnchorFile(); legacy != "" && !exists(file) && exists(legacy) {
		mine, err := l.OwnsAnchorFile(ctx, legacy)
		if err != nil {
			return "", err
		}
		if mine {
			return legacy, nil
		}
	}
	return file, nil
}

// Anchors builds the anchors of l from the settings: the anchor file
// (by default named after the database and its instance ID; an older
// default file of this log is kept), the Ed25519 signing key (needed when
// sign is set; demo mode creates its own), the public key, the version 1
// HMAC key, and the witness. The dashboard and `rolegate audit` share it.
func Anchors(ctx context.Context, cfg config.Config, l *audit.Log, log *slog.Logger, sign bool) (*audit.Anchors, error) {
	file, err := AnchorFile(ctx, cfg, l)
	if err != nil {
		return nil, err
	}
	if file == cfg.LegacyAnchorFile() {
		log.Info("audit anchors: keeping this database's anchor file of an older release", "file", file)
	}
	signer, err := signingKey(cfg, log, sign)
	if err != nil {
		return nil, err
	}
	var pub ed25519.PublicKey
	if cfg.PublicKeyFile != "" {
		if pub, err = audit.ReadPublicKeyFile(cfg.PublicKeyFile); err != nil {
			return nil, fmt.Errorf("-audit-public-key-file: %w", err)
		}
		if signer != nil && !pub.Equal(signer.Public()) {
			return nil, errors.New("-audit-public-key-file: it is not the public key of the audit signing key")
		}
	}
	if signer == nil && pub == nil {
		return nil, errors.New("checking audit anchors needs the public key: set -audit-public-key-file (ROLEGATE_AUDIT_PUBLIC_KEY_FILE), or the signing key")
	}
	ac := audit.AnchorConfig{File: file, Signer: signer, Public: pub, LegacyKeyFile: cfg.AnchorKeyFile}
	if cfg.WitnessBucket != "" {
		w, err := s3Witness(ctx, cfg)
		if err != nil {
			return nil, err
		}
		ac.Witness = w
	}
	return audit.NewAnchors(ac), nil
}

// s3Witness connects to the witness bucket with the default credential
// chain and checks that it keeps what it is given (Object Lock in
// compliance mode).
func s3Witness(ctx context.Context, cfg config.Config) (*witness.S3, error) {
	region := cfg.WitnessRegion
	if region == "" && len(cfg.Regions) > 0 {
		region = cfg.Regions[0]
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("audit witness: loading AWS settings: %w", err)
	}
	var opts []func(*s3.Options)
	if e := cfg.WitnessEndpoint; e != "" {
		opts = append(opts, func(o *s3.Options) { o.BaseEndpoint = aws.String(e); o.UsePathStyle = true })
	}
	w := witness.NewS3(awsCfg, cfg.WitnessBucket, cfg.WitnessPrefix, cfg.WitnessRetention, opts...)
	cctx, cancel := context.WithTimeout(ctx, cfg.AWSTimeout)
	defer cancel()
	if err := w.Check(cctx); err != nil {
		return nil, fmt.Errorf("-audit-witness-s3-bucket: %w", err)
	}
	return w, nil
}

// keygenHint says how to make a signing key.
const keygenHint = "create one with `rolegate audit keygen -o /etc/rolegate/audit-signing.key` (as another user than the service's, then make it readable by the service) and set -audit-signing-key-file (ROLEGATE_AUDIT_SIGNING_KEY_FILE), or put the key in ROLEGATE_AUDIT_SIGNING_KEY"

// signingKey reads the audit signing key: from the environment, from its
// file, or in demo mode a key the service makes itself. Without one it
// fails when required is set.
func signingKey(cfg config.Config, log *slog.Logger, required bool) (ed25519.PrivateKey, error) {
	if cfg.SigningKey != "" {
		k, err := audit.ParsePrivateKey([]byte(cfg.SigningKey))
		if err != nil {
			return nil, fmt.Errorf("-audit-signing-key (ROLEGATE_AUDIT_SIGNING_KEY): %w", err)
		}
		return k, nil
	}
	if cfg.SigningKeyFile == "" {
		if required {
			return nil, errors.New("audit anchors need a signing key: " + keygenHint)
		}
		return nil, nil
	}
	if cfg.Demo && !exists(cfg.SigningKeyFile) {
		if _, err := audit.WriteKeyPair(cfg.SigningKeyFile, cfg.SigningKeyFile+".pub"); err != nil {
			return nil, fmt.Errorf("demo audit signing key: %w", err)
		}
		log.Info("demo: created an audit signing key", "file", cfg.SigningKeyFile)
	}
	k, writable, err := audit.ReadPrivateKeyFile(cfg.SigningKeyFile)
	if err != nil && !required {
		// A verifier needs only the public key, and may not read this.
		return nil, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("-audit-signing-key-file: %s does not exist; %s", cfg.SigningKeyFile, keygenHint)
	}
	if err != nil {
		return nil, fmt.Errorf("-audit-signing-key-file: %w", err)
	}
	if writable && !cfg.Demo && required {
		log.Warn("the audit signing key file is writable by this service: whoever takes over the service could replace the key; make it read-only for the service's user (owned by another user, mode 0400 or 0440)",
			"file", cfg.SigningKeyFile)
	}
	return k, nil
}

// demoAnchorFile is the anchor file of the demo database at cfg.DBPath,
// which -demo-reset deletes with it ("" when there is no database).
func demoAnchorFile(ctx context.Context, cfg config.Config) string {
	if cfg.AnchorFile != "" || !exists(cfg.DBPath) {
		return cfg.AnchorFile
	}
	db, err := store.Open(ctx, cfg.DBPath, slog.New(slog.DiscardHandler))
	if err != nil {
		return ""
	}
	defer db.Close()
	inst, err := audit.New(db).Instance(ctx)
	if err != nil {
		return ""
	}
	return cfg.AnchorFileFor(inst)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
