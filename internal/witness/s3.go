package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// MaxObject is the largest object List reads; an anchor is a few hundred
// bytes, so anything bigger was not written by Put.
const MaxObject = 1 << 20

// maxKey is S3's limit on an object key, in bytes.
const maxKey = 1024

var (
	// ErrExists means Put found an object of that name already stored.
	ErrExists = errors.New("witness: an object of that name is already stored")
	// ErrNoObjectLock means the bucket cannot hold objects under a
	// retention that nobody can lift.
	ErrNoObjectLock = errors.New("witness: the bucket does not have Object Lock enabled in compliance mode")
)

// S3 is a witness in an S3 bucket with Object Lock. Every object is written
// once, under a COMPLIANCE-mode retention, below a key prefix.
type S3 struct {
	client    *s3.Client
	bucket    string
	prefix    string
	retention time.Duration
}

// NewS3 uses the bucket through a client built from cfg (credentials,
// region, retries; AWS_ENDPOINT_URL_S3 points it at S3-compatible storage).
// Object names are stored under prefix, each retained for retention after
// its Put. optFns adjust the client, e.g. for path-style addressing.
func NewS3(cfg aws.Config, bucket, prefix string, retention time.Duration, optFns ...func(*s3.Options)) *S3 {
	return &S3{
		client:    s3.NewFromConfig(cfg, optFns...),
		bucket:    bucket,
		prefix:    prefix,
		retention: retention,
	}
}

// Check makes sure that the bucket has Object Lock enabled and that a
// default retention, if the bucket has one, is in COMPLIANCE mode: an
// object Put stores must not be deletable by anyone before its retention
// ends. The error wraps ErrNoObjectLock when the bucket falls short.
func (s *S3) Check(ctx context.Context) error {
	if s.retention <= 0 {
		return fmt.Errorf("witness: retention must be positive, not %s", s.retention)
	}
	out, err := s.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: &s.bucket})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "ObjectLockConfigurationNotFoundError" {
			return fmt.Errorf("%w: bucket %s has no Object Lock configuration (it can only be enabled when the bucket is created, or on a versioned bucket)", ErrNoObjectLock, s.bucket)
		}
		return fmt.Errorf("witness: read the Object Lock configuration of bucket %s: %w", s.bucket, err)
	}
	c := out.ObjectLockConfiguration
	if c == nil || c.ObjectLockEnabled != types.ObjectLockEnabledEnabled {
		return fmt.Errorf("%w: Object Lock is not enabled on bucket %s", ErrNoObjectLock, s.bucket)
	}
	if c.Rule != nil && c.Rule.DefaultRetention != nil && c.Rule.DefaultRetention.Mode != types.ObjectLockRetentionModeCompliance {
		return fmt.Errorf("%w: bucket %s has a default retention in %s mode, which can be bypassed", ErrNoObjectLock, s.bucket, c.Rule.DefaultRetention.Mode)
	}
	return nil
}

// Put stores body under name once, retained in COMPLIANCE mode until
// retention from now. A second Put of the same name fails with an error
// wrapping ErrExists, and so does a retry of a Put whose first answer was
// lost: List shows what was stored.
func (s *S3) Put(ctx context.Context, name string, body []byte) error {
	key, err := s.key(name)
	if err != nil {
		return err
	}
	if s.retention <= 0 {
		return fmt.Errorf("witness: put %s: retention must be positive, not %s", s.where(key), s.retention)
	}
	until := time.Now().Add(s.retention).UTC()
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/octet-stream"),
		// S3 refuses an Object Lock upload without Content-MD5 or a checksum.
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
		// Only create: an existing object of this name makes S3 answer 412.
		IfNoneMatch:               aws.String("*"),
		ObjectLockMode:            types.ObjectLockModeCompliance,
		ObjectLockRetainUntilDate: &until,
	})
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "PreconditionFailed" {
			return fmt.Errorf("witness: put %s: %w", s.where(key), ErrExists)
		}
		return fmt.Errorf("witness: put %s: %w", s.where(key), err)
	}
	return nil
}

// List returns every stored object whose name starts with prefix, by name.
// Each body is the object's oldest version, the one Put wrote under its
// retention: newer versions and delete markers, which anyone with write
// access to the bucket can add, neither hide nor replace it.
func (s *S3) List(ctx context.Context, prefix string) (map[string][]byte, error) {
	full := s.prefix + prefix
	oldest := map[string]string{} // key → version ID
	p := s3.NewListObjectVersionsPaginator(s.client, &s3.ListObjectVersionsInput{Bucket: &s.bucket, Prefix: &full})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("witness: list %s: %w", s.where(full), err)
		}
		// S3 lists the versions of a key newest first, across pages too, so
		// the last one seen is the oldest.
		for _, v := range page.Versions {
			if v.Key == nil || !strings.HasPrefix(*v.Key, full) {
				continue
			}
			oldest[*v.Key] = aws.ToString(v.VersionId)
		}
	}
	out := make(map[string][]byte, len(oldest))
	for key, version := range oldest {
		body, err := s.get(ctx, key, version)
		if err != nil {
			return nil, err
		}
		out[strings.TrimPrefix(key, s.prefix)] = body
	}
	return out, nil
}

func (s *S3) get(ctx context.Context, key, version string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: &s.bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	obj, err := s.client.GetObject(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("witness: get %s: %w", s.where(key), err)
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(io.LimitReader(obj.Body, MaxObject+1))
	if err != nil {
		return nil, fmt.Errorf("witness: read %s: %w", s.where(key), err)
	}
	if len(body) > MaxObject {
		return nil, fmt.Errorf("witness: %s is larger than %d bytes", s.where(key), MaxObject)
	}
	return body, nil
}

// key is the object key of name, refusing names that S3 would mangle or
// refuse.
func (s *S3) key(name string) (string, error) {
	key := s.prefix + name
	switch {
	case name == "":
		return "", errors.New("witness: empty object name")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return "", fmt.Errorf("witness: object name %q holds bytes S3 cannot store", name)
	case len(key) > maxKey:
		return "", fmt.Errorf("witness: object key for %q is longer than %d bytes", name, maxKey)
	}
	return key, nil
}

func (s *S3) where(key string) string { return "s3://" + s.bucket + "/" + key }
