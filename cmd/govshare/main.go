// Command govshare classifies, desensitizes and shares government data
// between departments. Run "govshare help" for the commands; the contract of
// each is in DESIGN.md §6.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand. It returns an error to print on one line.
type command struct {
	usage string
	run   func(env *env, args []string) error
	sub   bool // takes a subcommand first (keys new, log verify): run answers -h there
}

// env is what a command may touch, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands map[string]command

// usages are the synopsis lines of DESIGN.md §6.
var usages = map[string]string{
	"scan":    "scan [--json] [--sample N] [--catalog-out F] [--encoding E] FILE",
	"detect":  "detect [--json] [--encoding E] [FILE|-]",
	"keys":    "keys new --dept D --dir KDIR [--master URI]",
	"mask":    "mask --catalog C [--grants G] --purpose P --recipient R --keys KDIR [--encoding E] [--rejects F] [--explain] IN [-o OUT]",
	"stats":   "stats --catalog C --purpose statistics --epsilon E [--delta D] --person COL [--group-by COL] (--count | --sum COL --bounds L,U | --mean COL --bounds L,U) [--ledger F --recipient R] [--from KDIR --to R.pub -o OUT.gse [--log LOGDIR]] IN",
	"unmask":  "unmask --catalog C --keys KDIR --recipient R [--purpose P] [--grants G] [--fpe-bound DATE] IN [-o OUT]",
	"share":   "share --catalog C [--grants G] --purpose P --from KDIR --dept D --to R.pub [--not-after T] [--log LOGDIR] [--log-key F] [--encoding E] [--rejects F] IN -o OUT.gse",
	"open":    "open --keys KDIR --dept R --purpose P --trust D.pub [--log LOGDIR] [--log-key F] IN.gse [-o OUT]",
	"inspect": "inspect [--json] IN.gse",
	"log":     "log verify [--vkey F] [--receipt R] LOGDIR | log show [--json] LOGDIR",
	"demo":    "demo [--rows N] [--dir D]",
	"dispute": "dispute --keys KDIR --dept D --reason TEXT --log LOGDIR [--log-key F] IN.gse",
}

func init() {
	commands = map[string]command{
		"scan":    {usages["scan"], cmdScan, false},
		"detect":  {usages["detect"], cmdDetect, false},
		"keys":    {usages["keys"], cmdKeys, true},
		"mask":    {usages["mask"], cmdMask, false},
		"unmask":  {usages["unmask"], cmdUnmask, false},
		"stats":   {usages["stats"], cmdStats, false},
		"share":   {usages["share"], cmdShare, false},
		"open":    {usages["open"], cmdOpen, false},
		"inspect": {usages["inspect"], cmdInspect, false},
		"log":     {usages["log"], cmdLog, true},
		"demo":    {usages["demo"], cmdDemo, false},
		"dispute": {usages["dispute"], cmdDispute, false},
	}
}

// isHelp reports a request for help in place of a command or subcommand.
func isHelp(s string) bool { return s == "help" || s == "-h" || s == "--help" }

// usageError marks errors that deserve the usage line and exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

func run(e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		printUsage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "govshare: unknown command %q (run \"govshare help\")\n", args[0])
		return 2
	}
	// Flag commands print their own help (with defaults); before a
	// subcommand there are no flags yet to parse it.
	if c.sub && len(args) > 1 && isHelp(args[1]) {
		fmt.Fprintf(e.stderr, "usage: govshare %s\n", c.usage)
		return 0
	}
	err := c.run(e, args[1:])
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	if !strings.HasPrefix(msg, "govshare") {
		msg = "govshare: " + msg
	}
	// One line, as DESIGN.md §6 asks; a usage error names the synopsis.
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "%s (usage: govshare %s)\n", msg, c.usage)
		return 2
	}
	fmt.Fprintln(e.stderr, msg)
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: govshare <command> [flags]")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  govshare %s\n", commands[n].usage)
	}
}

// flagSet is a command's flags, with what -h needs to print its help.
type flagSet struct {
	*flag.FlagSet
	e    *env
	name string
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(e *env, name string) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package would print its own error and the whole help; run
	// prints one line instead, and -h prints the help (printHelp).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{fs, e, name}
}

// parseFlags parses flags that may come before or after positional args,
// as users type them either way.
func parseFlags(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(fs.e.stderr, "usage: govshare %s\n", usages[fs.name])
				fs.SetOutput(fs.e.stderr)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
