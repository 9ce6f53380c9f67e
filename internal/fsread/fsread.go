// Package fsread reads the small files govshare is given by path — a
// catalog, a grants file, a key file, a public bundle, a receipt — with a
// size cap fitting each kind, refusing anything that is not a regular file
// before reading a byte of it.
//
// os.ReadFile on /dev/zero runs out of memory, and os.Open on a FIFO
// blocks until a writer comes, which may be never. Open opens without
// blocking (O_NONBLOCK where the system has it, a Stat before the open
// elsewhere), then checks the opened file itself (fstat), so a path
// swapped between a check and the open cannot slip a FIFO or a device
// through. ReadFile stops reading one byte past its cap.
//
// Errors are *fs.PathError naming the path, and for the two refusals here
// wrap [ErrNotRegular] or [ErrTooLarge] with the file's kind or the cap.
// They never hold the file's content.
package fsread

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

var (
	// ErrNotRegular: the path is a directory, a FIFO, a device, a socket
	// or another non-regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file holds more bytes than the cap for its kind.
	ErrTooLarge = errors.New("file too large")
)

// Open opens path for reading if it is a regular file (a symbolic link to
// one is followed). It never blocks on a FIFO or a device: those, and
// directories, are refused with an error wrapping [ErrNotRegular]. The
// FileInfo is the opened file's own (fstat), not the path's.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// ReadFile reads the regular file at path, of at most max bytes. A path
// that is not a regular file is refused before any read ([ErrNotRegular]);
// a file larger than max is refused after reading at most max+1 bytes
// ([ErrTooLarge]), whatever its reported size.
func ReadFile(path string, max int64) ([]byte, error) {
	f, fi, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > max {
		return nil, tooLarge(path, max)
	}
	return readAll(f, path, max, fi.Size())
}

// ReadAll reads r to its end, failing with [ErrTooLarge] (naming name and
// the cap) once it has given more than max bytes: for an input that is
// not a path, such as standard input.
func ReadAll(r io.Reader, name string, max int64) ([]byte, error) {
	return readAll(r, name, max, 0)
}

func readAll(r io.Reader, name string, max, hint int64) ([]byte, error) {
	if max < 0 {
		max = 0
	}
	// Room for what the file says it holds (bounded by max) and one byte
	// more, so a file of the size it claims is read without growing.
	b := make([]byte, 0, min(hint, max)+1)
	for {
		if int64(len(b)) > max {
			return nil, tooLarge(name, max)
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		// Never ask for more than one byte past the cap.
		room := min(int64(cap(b)-len(b)), max+1-int64(len(b)))
		n, err := r.Read(b[len(b) : int64(len(b))+room])
		b = b[:len(b)+n]
		if err == io.EOF {
			if int64(len(b)) > max {
				return nil, tooLarge(name, max)
			}
			return b, nil
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: unwrapPath(err)}
		}
	}
}

// unwrapPath drops an *fs.PathError's own path, which the error made
// around it names again.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func tooLarge(name string, max int64) error {
	return &fs.PathError{Op: "read", Path: name, Err: &limitError{max: max}}
}

// limitError is ErrTooLarge with the cap.
type limitError struct{ max int64 }

func (e *limitError) Error() string {
	return fmt.Sprintf("larger than %s, the cap for this kind of file", size(e.max))
}

func (e *limitError) Unwrap() error { return ErrTooLarge }

// size prints a byte count as people read it: "4 MiB", "1 MiB", "4096 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkRegular refuses what is not a regular file, naming what it is.
func checkRegular(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	}
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w: it is %s", ErrNotRegular, kind)}
}
