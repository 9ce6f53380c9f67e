//go:build !unix

package fsread

import "os"

// open refuses a path that is not a regular file before opening it, where
// there is no O_NONBLOCK; Open checks the opened file again.
func open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	return os.Open(path)
}
