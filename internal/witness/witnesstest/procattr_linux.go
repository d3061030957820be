package witnesstest

import "syscall"

// procAttr makes the kernel kill the server when the test binary dies, so
// an interrupted test leaves no gateway behind.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
