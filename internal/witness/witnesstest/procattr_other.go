//go:build !linux

package witnesstest

import "syscall"

func procAttr() *syscall.SysProcAttr { return nil }
