//go:build unix

package fsread

import (
	"os"
	"syscall"
)

// open opens path without blocking: O_NONBLOCK makes opening a FIFO with no
// writer return at once (Open then refuses it by its fstat); on a regular
// file the flag has no effect on reads.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
