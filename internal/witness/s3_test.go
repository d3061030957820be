package witness_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"rolegate/internal/witness"
	"rolegate/internal/witness/witnesstest"
)

// The method set package audit consumes as its Witness.
var _ interface {
	Put(ctx context.Context, name string, body []byte) error
	List(ctx context.Context, prefix string) (map[string][]byte, error)
} = (*witness.S3)(nil)

const (
	prefix    = "rolegate/anchors/"
	retention = 48 * time.Hour
)

// lockedWitness starts a gateway with an Object Lock bucket and a witness
// on it.
func lockedWitness(t *testing.T) (*witnesstest.Server, *witness.S3, string) {
	t.Helper()
	srv := witnesstest.Start(t)
	const bucket = "audit-witness"
	srv.Bucket(t, bucket, true)
	w := witness.NewS3(srv.Config, bucket, prefix, retention, witnesstest.PathStyle)
	if err := w.Check(context.Background()); err != nil {
		t.Fatalf("Check on an Object Lock bucket: %v", err)
	}
	return srv, w, bucket
}

func TestPutThenListReturnsTheBodies(t *testing.T) {
	srv, w, bucket := lockedWitness(t)
	ctx := context.Background()
	want := map[string][]byte{
		"head/000001": []byte(`{"seq":1,"hash":"aa"}`),
		"head/000002": []byte(`{"seq":2,"hash":"bb"}`),
		"keys/k1":     []byte("key fingerprint"),
	}
	before := time.Now()
	for name, body := range want {
		if err := w.Put(ctx, name, body); err != nil {
			t.Fatalf("Put %s: %v", name, err)
		}
	}
	after := time.Now()

	all, err := w.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("List(\"\") = %d objects, want %d: %q", len(all), len(want), all)
	}
	for name, body := range want {
		if !bytes.Equal(all[name], body) {
			t.Errorf("List(\"\")[%s] = %q, want %q", name, all[name], body)
		}
	}
	heads, err := w.List(ctx, "head/")
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 2 || !bytes.Equal(heads["head/000002"], want["head/000002"]) {
		t.Fatalf("List(head/) = %q", heads)
	}
	none, err := w.List(ctx, "nothing/")
	if err != nil || len(none) != 0 {
		t.Fatalf("List(nothing/) = %q, %v", none, err)
	}

	// Each object sits under the prefix with its own COMPLIANCE retention.
	key := prefix + "head/000001"
	ret, err := srv.Client.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("GetObjectRetention %s: %v", key, err)
	}
	r := ret.Retention
	if r == nil || r.Mode != types.ObjectLockRetentionModeCompliance || r.RetainUntilDate == nil {
		t.Fatalf("retention of %s: %+v", key, r)
	}
	lo, hi := before.Add(retention).Truncate(time.Second), after.Add(retention).Add(time.Second)
	if until := *r.RetainUntilDate; until.Before(lo) || until.After(hi) {
		t.Fatalf("retained until %s, want between %s and %s", until, lo, hi)
	}

	// S3 refuses an Object Lock upload that carries neither Content-MD5 nor
	// a checksum. versitygw does not enforce that, so the test checks that
	// the SHA-256 checksum was sent, by reading back what the server stored.
	head, err := srv.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(want["head/000001"])
	if got := aws.ToString(head.ChecksumSHA256); got != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("stored SHA-256 checksum %q, want that of the body", got)
	}
}

func TestSecondPutOfTheSameNameFails(t *testing.T) {
	_, w, _ := lockedWitness(t)
	ctx := context.Background()
	if err := w.Put(ctx, "head/000007", []byte("first")); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"second", "first"} {
		err := w.Put(ctx, "head/000007", []byte(body))
		if !errors.Is(err, witness.ErrExists) {
			t.Fatalf("second Put with %q: %v, want ErrExists", body, err)
		}
	}
	got, err := w.List(ctx, "head/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got["head/000007"]) != "first" {
		t.Fatalf("List after the refused Puts = %q", got)
	}
}

// The server itself refuses to remove or weaken the version Put wrote, with
// the root account's credentials: the lock is not a promise of this code.
func TestLockedVersionCannotBeDeletedOrWeakened(t *testing.T) {
	srv, w, bucket := lockedWitness(t)
	ctx := context.Background()
	if err := w.Put(ctx, "head/000003", []byte("anchor 3")); err != nil {
		t.Fatal(err)
	}
	key := prefix + "head/000003"
	version := onlyVersion(t, srv, bucket, key)
	soon := time.Now().Add(time.Hour)

	attempts := []struct {
		name    string
		attempt func() error
	}{
		{"DeleteObject of the version", func() error {
			_, err := srv.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: &version})
			return err
		}},
		{"DeleteObject of the version, bypassing governance", func() error {
			_, err := srv.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: &version, BypassGovernanceRetention: aws.Bool(true)})
			return err
		}},
		{"DeleteObjects of the version", func() error {
			out, err := srv.Client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{
				Objects: []types.ObjectIdentifier{{Key: &key, VersionId: &version}},
			}})
			if err == nil && len(out.Errors) == 1 {
				return &smithy.GenericAPIError{Code: aws.ToString(out.Errors[0].Code), Message: aws.ToString(out.Errors[0].Message)}
			}
			return err
		}},
		{"PutObjectRetention to an earlier date", func() error {
			_, err := srv.Client.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: &bucket, Key: &key, VersionId: &version,
				Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: &soon}})
			return err
		}},
		{"PutObjectRetention to GOVERNANCE, bypassing governance", func() error {
			_, err := srv.Client.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: &bucket, Key: &key, VersionId: &version,
				BypassGovernanceRetention: aws.Bool(true),
				Retention:                 &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: &soon}})
			return err
		}},
	}
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			err := a.attempt()
			if err == nil {
				t.Fatal("the server allowed it")
			}
			if code := apiCode(err); code != "AccessDenied" {
				t.Fatalf("refused with %q, not by the lock: %v", code, err)
			}
		})
	}
	got, err := w.List(ctx, "head/")
	if err != nil || string(got["head/000003"]) != "anchor 3" {
		t.Fatalf("List after the refused attempts = %q, %v", got, err)
	}

	// The control: in the same bucket, a version stored without a retention
	// is deleted on request, so the refusals above are the lock's doing.
	free := prefix + "unlocked"
	if _, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &free, Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	freeVersion := onlyVersion(t, srv, bucket, free)
	if _, err := srv.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &free, VersionId: &freeVersion}); err != nil {
		t.Fatalf("deleting an unlocked version: %v", err)
	}
}

// In a versioned bucket, as S3 Object Lock requires, a plain PutObject of
// the same key is not refused: S3 (and the gateway) store it as a newer
// version, and a DeleteObject without a version ID adds a delete marker.
// Neither touches the locked version, and List keeps returning it.
func TestNewerVersionsAndDeleteMarkersDoNotReplaceTheWitnessCopy(t *testing.T) {
	srv, w, bucket := lockedWitness(t)
	ctx := context.Background()
	if err := w.Put(ctx, "head/000004", []byte("original")); err != nil {
		t.Fatal(err)
	}
	key := prefix + "head/000004"
	version := onlyVersion(t, srv, bucket, key)

	if _, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("forged")}); err != nil {
		t.Fatalf("PutObject of a newer version: %v", err)
	}
	if got := getBody(t, srv, bucket, key, ""); got != "forged" {
		t.Fatalf("latest version = %q; the overwrite did not land, so this test proves nothing", got)
	}
	if got := getBody(t, srv, bucket, key, version); got != "original" {
		t.Fatalf("the locked version now reads %q", got)
	}
	if got, err := w.List(ctx, "head/"); err != nil || string(got["head/000004"]) != "original" {
		t.Fatalf("List after an overwrite = %q, %v", got, err)
	}

	if _, err := srv.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatalf("DeleteObject without a version: %v", err)
	}
	if _, err := srv.Client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key}); err == nil {
		t.Fatal("the object is still visible after the delete marker; this test proves nothing")
	}
	if got, err := w.List(ctx, "head/"); err != nil || string(got["head/000004"]) != "original" {
		t.Fatalf("List after a delete marker = %q, %v", got, err)
	}
}

// smallPages makes every ListObjectVersions call ask for two entries, so
// that List has to follow the paginator, and a key's versions fall on
// different pages.
func smallPages(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("smallPages",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if p, ok := in.Parameters.(*s3.ListObjectVersionsInput); ok {
					p.MaxKeys = aws.Int32(2)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

func TestListPagesThroughVersionsAndKeys(t *testing.T) {
	srv, _, bucket := lockedWitness(t)
	ctx := context.Background()
	w := witness.NewS3(srv.Config, bucket, prefix, retention, witnesstest.PathStyle, smallPages)
	const n = 5
	for i := range n {
		if err := w.Put(ctx, fmt.Sprintf("head/%06d", i), fmt.Appendf(nil, "anchor %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Two newer versions of one key: its three versions span two pages.
	key := prefix + "head/000002"
	for _, body := range []string{"forged 1", "forged 2"} {
		if _, err := srv.Client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := w.List(ctx, "head/")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("List = %d objects, want %d: %q", len(got), n, got)
	}
	for i := range n {
		name := fmt.Sprintf("head/%06d", i)
		if want := fmt.Sprintf("anchor %d", i); string(got[name]) != want {
			t.Errorf("List[%s] = %q, want %q", name, got[name], want)
		}
	}
}

func TestCheckRefusesABucketWithoutComplianceLock(t *testing.T) {
	srv := witnesstest.Start(t)
	ctx := context.Background()
	srv.Bucket(t, "plain", false)
	srv.Bucket(t, "governance", true)
	_, err := srv.Client.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{
		Bucket: aws.String("governance"),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{
			ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{
				Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1),
			}},
		},
	})
	if err != nil {
		t.Fatalf("set a GOVERNANCE default retention: %v", err)
	}

	for _, tc := range []struct {
		bucket     string
		noLock     bool
		wantInText string
	}{
		{"plain", true, "no Object Lock configuration"},
		{"governance", true, "GOVERNANCE"},
		{"missing", false, "NoSuchBucket"},
	} {
		t.Run(tc.bucket, func(t *testing.T) {
			err := witness.NewS3(srv.Config, tc.bucket, prefix, retention, witnesstest.PathStyle).Check(ctx)
			if err == nil {
				t.Fatal("Check passed")
			}
			if errors.Is(err, witness.ErrNoObjectLock) != tc.noLock {
				t.Fatalf("errors.Is(ErrNoObjectLock) = %v, want %v: %v", !tc.noLock, tc.noLock, err)
			}
			if !strings.Contains(err.Error(), tc.bucket) || !strings.Contains(err.Error(), tc.wantInText) {
				t.Fatalf("error does not name the bucket and %q: %v", tc.wantInText, err)
			}
		})
	}
}

// Errors end up in logs: they name the bucket and key, never a credential.
func TestErrorsCarryNoCredentials(t *testing.T) {
	srv := witnesstest.Start(t)
	ctx := context.Background()
	w := witness.NewS3(srv.Config, "missing", prefix, retention, witnesstest.PathStyle)
	creds, err := srv.Config.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, listErr := w.List(ctx, "")
	for _, err := range []error{w.Put(ctx, "head/1", []byte("x")), listErr, w.Check(ctx)} {
		if err == nil {
			t.Fatal("an operation on a missing bucket succeeded")
		}
		msg := err.Error()
		if strings.Contains(msg, creds.SecretAccessKey) || strings.Contains(msg, creds.AccessKeyID) {
			t.Fatalf("error carries a credential: %v", err)
		}
		if !strings.Contains(msg, "missing") {
			t.Fatalf("error does not name the bucket: %v", err)
		}
	}
}

func TestPutRefusesBadNamesAndRetention(t *testing.T) {
	srv := witnesstest.Start(t)
	srv.Bucket(t, "audit-witness", true)
	ctx := context.Background()
	w := witness.NewS3(srv.Config, "audit-witness", prefix, retention, witnesstest.PathStyle)
	for _, name := range []string{"", "head/\x00", "head/\n1", "bad\xff", strings.Repeat("a", 1024)} {
		if err := w.Put(ctx, name, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", name)
		}
	}
	unretained := witness.NewS3(srv.Config, "audit-witness", prefix, 0, witnesstest.PathStyle)
	if err := unretained.Put(ctx, "head/1", []byte("x")); err == nil {
		t.Error("Put with no retention succeeded")
	}
	if err := unretained.Check(ctx); err == nil {
		t.Error("Check with no retention passed")
	}
	if got, err := w.List(ctx, ""); err != nil || len(got) != 0 {
		t.Fatalf("List after refused Puts = %q, %v", got, err)
	}
}

// onlyVersion is the version ID of the single version of key.
func onlyVersion(t *testing.T, srv *witnesstest.Server, bucket, key string) string {
	t.Helper()
	out, err := srv.Client.ListObjectVersions(context.Background(), &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &key})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 1 || aws.ToString(out.Versions[0].VersionId) == "" || aws.ToString(out.Versions[0].VersionId) == "null" {
		t.Fatalf("versions of %s: %+v", key, out.Versions)
	}
	return *out.Versions[0].VersionId
}

func getBody(t *testing.T, srv *witnesstest.Server, bucket, key, version string) string {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := srv.Client.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %s %s: %v", key, version, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// apiCode is the S3 error code of err, "" when it has none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
