//go:build unix

package audit

import (
	"os"
	"syscall"
)

// flock takes (exclusive) or shares the advisory lock on f, waiting for it.
// The kernel drops it when the process dies, so a killed appender never
// leaves the log locked.
func flock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}

func funlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
