package main

import (
	"context"
	"errors"
	"io"
)

// runUser administers users from the shell: rolegate user add|set-role|...
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return errors.New("user: not available yet")
}
