//go:build e2e && linux

package e2e

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel end the server when the test process
// dies, also when a test timeout kills it before TestMain can.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
