//go:build e2e && !linux

package e2e

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent; TestMain still stops the server at the end of a run.
func dieWithParent(cmd *exec.Cmd) {}
