package config_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"rolegate/internal/config"
)

func TestWitnessSettings(t *testing.T) {
	c, err := config.Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.WitnessBucket != "" || c.WitnessPrefix != "rolegate/anchors/" || c.WitnessRetention != 365*24*time.Hour {
		t.Fatalf("witness defaults: %q %q %s", c.WitnessBucket, c.WitnessPrefix, c.WitnessRetention)
	}
	c, err = config.Load([]string{"-audit-witness-retention", "2160h"}, env(map[string]string{
		"ROLEGATE_AUDIT_WITNESS_S3_BUCKET": "acme-audit.witness",
		"ROLEGATE_AUDIT_WITNESS_S3_PREFIX": "",
		"ROLEGATE_AUDIT_WITNESS_RETENTION": "1h",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.WitnessBucket != "acme-audit.witness" || c.WitnessPrefix != "rolegate/anchors/" || c.WitnessRetention != 2160*time.Hour {
		t.Fatalf("witness settings: %q %q %s", c.WitnessBucket, c.WitnessPrefix, c.WitnessRetention)
	}
}

func TestWitnessValidationNamesTheSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-audit-witness-s3-bucket", "Audit_Witness"}, "-audit-witness-s3-bucket"},
		{[]string{"-audit-witness-s3-bucket", "ab"}, "-audit-witness-s3-bucket"},
		{[]string{"-audit-witness-s3-bucket", "audit..witness"}, "-audit-witness-s3-bucket"},
		{[]string{"-audit-witness-s3-bucket", "s3://audit-witness"}, "-audit-witness-s3-bucket"},
		{[]string{"-audit-witness-s3-prefix", "/anchors/"}, "-audit-witness-s3-prefix"},
		{[]string{"-audit-witness-s3-prefix", "anchors\n"}, "-audit-witness-s3-prefix"},
		{[]string{"-audit-witness-s3-prefix", strings.Repeat("a", 513)}, "-audit-witness-s3-prefix"},
		{[]string{"-audit-witness-retention", "1h"}, "-audit-witness-retention"},
		{[]string{"-audit-witness-retention", "0s"}, "-audit-witness-retention"},
		{[]string{"-audit-witness-retention", "876001h"}, "-audit-witness-retention"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, err := config.Load(tc.args, env(nil), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
	ok := []string{"-audit-witness-s3-bucket", "acme-audit-witness", "-audit-witness-s3-prefix", "", "-audit-witness-retention", "24h"}
	if _, err := config.Load(ok, env(nil), io.Discard); err != nil {
		t.Fatalf("%v: %v", ok, err)
	}
}
