package main

import (
	"context"
	"errors"
	"io"
)

// runAudit works on the audit log from the shell: rolegate audit verify|export|...
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("audit: not available yet")
}
