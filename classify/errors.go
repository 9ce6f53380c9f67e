package classify

import "fmt"

// errorf prefixes errors from this package.
func errorf(format string, args ...any) error {
	return fmt.Errorf("govshare/classify: "+format, args...)
}
