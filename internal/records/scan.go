package records

import (
	"database/sql"
	"fmt"
)

// ScanText stores a text field (or a NULL) in a Scan destination of a
// record source: *string, *[]byte, *any or *sql.NullString.
func ScanText(d any, s string, null bool) error {
	switch d := d.(type) {
	case *string:
		*d = s
	case *[]byte:
		if null {
			*d = nil
		} else {
			*d = append((*d)[:0], s...)
		}
	case *any:
		if null {
			*d = nil
		} else {
			*d = s
		}
	case *sql.NullString:
		*d = sql.NullString{String: s, Valid: !null}
	default:
		return fmt.Errorf("unsupported Scan destination %T", d)
	}
	return nil
}
