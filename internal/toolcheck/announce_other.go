//go:build !linux

package toolcheck

// toGoCommand is Linux-only; elsewhere the line goes to standard error alone.
func toGoCommand(string) {}
