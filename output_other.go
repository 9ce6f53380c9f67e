//go:build !linux

package govshare

import (
	"errors"
	"os"
)

// openUnnamed is not available: Output falls back to a named temporary file.
func openUnnamed(string) (*os.File, error) { return nil, errors.ErrUnsupported }

func linkUnnamed(*os.File, string) error { return errors.ErrUnsupported }
