package govshare

import (
	"fmt"
	"strings"
)

// wrapped is an error with context whose text names the package once:
// "govshare: context: cause", where the cause's own "govshare…: " prefix is
// dropped from the text (errors.Is and errors.As still see it).
type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }

// wrapf wraps err with the context format gives, under one prefix.
func wrapf(err error, format string, a ...any) error {
	return &wrapped{msg: "govshare: " + fmt.Sprintf(format, a...) + ": " + bare(err), err: err}
}

// bare is err's text without a leading package prefix ("govshare: ",
// "govshare/envelope: "), for an error quoted inside another.
func bare(err error) string {
	s := err.Error()
	if rest, ok := strings.CutPrefix(s, "govshare"); ok {
		if i := strings.Index(rest, ": "); i >= 0 && (i == 0 || rest[0] == '/' && !strings.ContainsAny(rest[:i], " :")) {
			return rest[i+2:]
		}
	}
	return s
}
