package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// errOutsideSources: a resource's source is not a file inside --sources.
// An account must not make the service read arbitrary files of its host.
var errOutsideSources = errors.New("source must be a regular file inside the service's sources directory")

// resolveSource returns the real path of a resource's source, which must
// be inside root (the --sources directory) after every symbolic link is
// followed: relative paths are taken from root, absolute ones must lie
// within it.
func resolveSource(root, source string) (string, error) {
	if root == "" {
		return "", errors.New("the service has no sources directory (serve --sources)")
	}
	if source == "" || strings.ContainsRune(source, 0) {
		return "", errOutsideSources
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("sources directory: %w", err)
	}
	realRoot, err = filepath.Abs(realRoot)
	if err != nil {
		return "", err
	}
	p := source
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", errOutsideSources
	}
	// The path as given must already be inside root (before links), and
	// so must what it resolves to.
	absRoot, _ := filepath.Abs(root)
	if !within(absRoot, filepath.Clean(p)) && !within(realRoot, filepath.Clean(p)) {
		return "", errOutsideSources
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", errOutsideSources
	}
	real, err = filepath.Abs(real)
	if err != nil || !within(realRoot, real) {
		return "", errOutsideSources
	}
	st, err := os.Stat(real)
	if err != nil || !st.Mode().IsRegular() {
		return "", errOutsideSources
	}
	return real, nil
}

// within reports whether p is root or below it (both clean and absolute).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// openSource opens a resolved source path without following a link that
// may have replaced it since it was resolved (O_NOFOLLOW on the last
// component; a replaced directory above it is caught by resolving again
// and comparing the file opened with the file resolved), and refuses
// anything but a regular file.
func openSource(root, source string) (*os.File, error) {
	real, err := resolveSource(root, source)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, errOutsideSources
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, errOutsideSources
	}
	again, err := resolveSource(root, source)
	if err != nil {
		f.Close()
		return nil, err
	}
	st2, err := os.Stat(again)
	if err != nil || !os.SameFile(st, st2) {
		f.Close()
		return nil, errOutsideSources
	}
	return f, nil
}
