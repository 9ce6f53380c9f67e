package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// cmdVersion prints the module version and the Go version it was built
// with: "govshare v1.2.0 built with go1.26.0 for linux/amd64". A binary built from a
// checkout reports the version the go command stamped, "(devel)" when it
// stamped none, and the commit when known.
func cmdVersion(e *env, args []string) error {
	fs := newFlags(e, "version")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageError{"version takes no arguments"}
	}
	fmt.Fprintln(e.stdout, versionLine())
	return nil
}

// runVersion answers "govshare --version" as "govshare version".
func runVersion(e *env, args []string) int {
	return run(e, append([]string{"version"}, args...))
}

func versionLine() string {
	version, goVersion := "(devel)", runtime.Version()
	var revision string
	var modified bool
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := fmt.Sprintf("govshare %s built with %s for %s/%s", version, goVersion, runtime.GOOS, runtime.GOARCH)
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		line += ", commit " + revision
		if modified {
			line += " with local changes"
		}
	}
	return line
}
