//go:build !unix

package audit

import (
	"errors"
	"os"
)

var errNoLock = errors.New("govshare/audit: file locking is only implemented on unix systems")

func flock(*os.File, bool) error { return errNoLock }

func funlock(*os.File) error { return errNoLock }
