package govshare

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrOutputExists is CreateOutput's and Commit's refusal to replace an
// existing file without force.
var ErrOutputExists = errors.New("govshare: output file exists")

// ErrOutputUnsafe is CreateOutput's and Commit's refusal of a target that
// writing would destroy: a device, FIFO, socket or directory, or a file the
// run reads (an input, a key, a keyring, a catalog).
var ErrOutputUnsafe = errors.New("govshare: output would destroy its target")

// Output is a file that is written whole or not at all. What is written goes
// to a file no one can see — on Linux an unnamed one, which a crash leaves
// nothing of — until Commit puts it at its path in one step. Share and Open
// commit an Output given as their destination only once the act is on
// record, and Apply and Reverse once the run succeeded; Abort discards it.
//
// An Output never destroys what its path names: CreateOutput and Commit
// refuse a target that is not a regular file, or that is one of the files
// the run reads (inUse, compared by device and inode, through symbolic
// links; a directory in inUse protects every name in it), and replace an
// existing file only when force is set. Outputs are not synced to disk: a
// crash may lose an output, never leave a partial one in its place.
type Output struct {
	f       *os.File
	path    string
	force   bool
	inUse   []string
	unnamed bool // f has no name until Commit links it
	done    bool // committed or aborted
}

// CreateOutput starts an Output for path. inUse names the files (or
// directories, such as a keyring's) the run reads, which path must not be.
func CreateOutput(path string, force bool, inUse ...string) (*Output, error) {
	if path == "" {
		return nil, errors.New("govshare: no output file name")
	}
	o := &Output{path: path, force: force, inUse: inUse}
	if err := o.check(); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	f, err := openUnnamed(dir)
	o.unnamed = err == nil
	if err != nil {
		f, err = os.CreateTemp(dir, "."+filepath.Base(path)+".*")
		if err != nil {
			return nil, fmt.Errorf("govshare: cannot write %s: %w", path, underlying(err))
		}
	}
	o.f = f
	return o, nil
}

// Path returns the path the output is committed to.
func (o *Output) Path() string { return o.path }

// Write writes to the output.
func (o *Output) Write(p []byte) (int, error) {
	if o.done {
		return 0, fs.ErrClosed
	}
	return o.f.Write(p)
}

// WriteString writes s to the output.
func (o *Output) WriteString(s string) (int, error) { return o.Write([]byte(s)) }

// Commit puts the output in place at its path, after checking the target
// again. It fails with ErrOutputExists if a file appeared there meanwhile
// and force is not set.
func (o *Output) Commit() error {
	if o.done {
		return fmt.Errorf("govshare: %s: output already committed or discarded", o.path)
	}
	if err := o.check(); err != nil {
		return err
	}
	var err error
	switch {
	case o.unnamed && !o.force:
		err = linkUnnamed(o.f, o.path) // fails if path exists, atomically
	case o.unnamed:
		// Link under a temporary name, then rename over the target.
		tmp := o.path + ".new-" + randomSuffix()
		if err = linkUnnamed(o.f, tmp); err == nil {
			if err = os.Rename(tmp, o.path); err != nil {
				os.Remove(tmp)
			}
		}
	case !o.force:
		err = os.Link(o.f.Name(), o.path)
		switch {
		case err == nil:
			os.Remove(o.f.Name())
		case !errors.Is(err, fs.ErrExist):
			// A file system without hard links: check, then rename.
			if _, serr := os.Lstat(o.path); serr == nil {
				err = fs.ErrExist
			} else {
				err = os.Rename(o.f.Name(), o.path)
			}
		}
	default:
		err = os.Rename(o.f.Name(), o.path)
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrOutputExists, o.path)
	}
	if err != nil {
		return fmt.Errorf("govshare: cannot write %s: %w", o.path, underlying(err))
	}
	o.done = true
	return o.f.Close()
}

// Abort discards the output unless it was committed. It may be deferred
// right after CreateOutput.
func (o *Output) Abort() error {
	if o.done {
		return nil
	}
	o.done = true
	err := o.f.Close()
	if !o.unnamed {
		if rerr := os.Remove(o.f.Name()); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// check refuses a target that writing would destroy.
func (o *Output) check() error {
	if err := o.checkDirs(); err != nil {
		return err
	}
	st, err := os.Stat(o.path) // through symbolic links
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(o.path); lerr == nil && !o.force {
			// a dangling symbolic link: an existing name
			return fmt.Errorf("%w: %s", ErrOutputExists, o.path)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("govshare: cannot write %s: %w", o.path, underlying(err))
	}
	if !st.Mode().IsRegular() {
		what := "not a regular file"
		if st.IsDir() {
			what = "a directory: give a file name"
		}
		return fmt.Errorf("%w: %s is %s", ErrOutputUnsafe, o.path, what)
	}
	for _, u := range o.inUse {
		if ust, err := os.Stat(u); err == nil && os.SameFile(st, ust) {
			return fmt.Errorf("%w: %s is %s, which this run reads", ErrOutputUnsafe, o.path, u)
		}
	}
	if !o.force {
		return fmt.Errorf("%w: %s", ErrOutputExists, o.path)
	}
	return nil
}

// checkDirs refuses a path in a directory the run reads (a keyring's, a
// log's): every name there is the directory's.
func (o *Output) checkDirs() error {
	parent, err := os.Stat(filepath.Dir(o.path))
	if err != nil {
		return fmt.Errorf("govshare: cannot write %s: %w", o.path, underlying(err))
	}
	for _, u := range o.inUse {
		if ust, err := os.Stat(u); err == nil && ust.IsDir() && os.SameFile(parent, ust) {
			return fmt.Errorf("%w: %s is in %s, which this run reads", ErrOutputUnsafe, o.path, u)
		}
	}
	return nil
}

// underlying drops the path an os error repeats (often a temporary name).
func underlying(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
