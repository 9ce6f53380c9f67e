// Command govshare classifies, desensitizes and shares government data
// between departments. Run "govshare help" for the commands and "govshare
// help COMMAND" for one command's flags; docs/cli.md describes each
// command, its flags, exit codes and JSON output.
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
	// subs, for a command that takes a subcommand first (keys new, log
	// verify), names them; run answers -h after each. Nil for a command
	// of flags, whose run answers -h itself.
	subs func() []subcommand
}

// subcommand is one subcommand's name and synopsis.
type subcommand struct{ name, usage string }

// env is what a command may touch, so tests can run commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// sub is the subcommand run dispatched to ("verify" in log verify), so
	// its -h prints its own synopsis.
	sub string
}

var commands map[string]command

// usages are the synopsis lines of the commands (docs/cli.md has each
// command in full). A command with subcommands joins theirs with " | ".
var usages = map[string]string{
	"risk":    riskUsage,
	"scan":    "scan [--json] [--sample N] [--catalog-out F [--force]] [--encoding E] FILE|-",
	"detect":  "detect [--json] [--encoding E] [FILE|-]",
	"mask":    "mask --catalog C [--grants G] --purpose P --recipient R --keys KDIR [--format F] [--out-format F] [--encoding E] [--rejects F] [--explain] [--force] IN|- [-o OUT]",
	"stats":   "stats --catalog C --purpose statistics --epsilon E [--delta D] --person COL [--group-by COL] (--count | --sum COL --bounds L,U | --mean COL --bounds L,U) [--log LOGDIR|URL [--log-vkey F] | --ledger F | --unbudgeted] [--budget E,D] [--recipient R] [--grants G] [--from KDIR --to R.pub -o OUT.gse] IN",
	"unmask":  "unmask --catalog C --keys KDIR --recipient R [--purpose P] [--grants G] [--fpe-bound DATE] [--format F] [--out-format F] [--force] IN|- [-o OUT]",
	"share":   "share --catalog C [--grants G] --purpose P --from KDIR --dept D --to R.pub [--not-after T] [--log LOGDIR|URL] [--log-key F] [--log-vkey F] [--format F] [--encoding E] [--rejects F] IN|- -o OUT.gse",
	"open":    "open --keys KDIR --dept R --purpose P --trust D.pub [--log LOGDIR|URL] [--log-key F] [--log-vkey F] [--receipt R] IN.gse [-o OUT [--force]]",
	"inspect": "inspect [--json] IN.gse",
	"demo":    "demo [--rows N] [--dir D]",
	"dispute": "dispute --keys KDIR --dept D --to-bundle OTHER.pub [--trust P.pub] --reason CODE [(--text T | --text-file F) -o TEXT.gse [--force]] --log LOGDIR|URL [--log-key F] [--log-vkey F] IN.gse",
	"version": "version",
	"receipt": receiptUsage,
}

// helpUsage is the synopsis of "govshare help".
const helpUsage = "help [COMMAND]"

func init() {
	logSubs := func() []subcommand {
		subs := make([]subcommand, len(logSubcommands))
		for i, s := range logSubcommands {
			subs[i] = subcommand{s.name, s.usage}
		}
		return subs
	}
	usages["keys"] = joinUsages(keysSubs())
	usages["log"] = joinUsages(logSubs())
	commands = map[string]command{
		"risk":    {usages["risk"], cmdRisk, nil},
		"scan":    {usages["scan"], cmdScan, nil},
		"detect":  {usages["detect"], cmdDetect, nil},
		"keys":    {usages["keys"], cmdKeys, keysSubs},
		"mask":    {usages["mask"], cmdMask, nil},
		"unmask":  {usages["unmask"], cmdUnmask, nil},
		"stats":   {usages["stats"], cmdStats, nil},
		"share":   {usages["share"], cmdShare, nil},
		"open":    {usages["open"], cmdOpen, nil},
		"inspect": {usages["inspect"], cmdInspect, nil},
		"log":     {usages["log"], cmdLog, logSubs},
		"demo":    {usages["demo"], cmdDemo, nil},
		"dispute": {usages["dispute"], cmdDispute, nil},
		"version": {usages["version"], cmdVersion, nil},
		"receipt": {usages["receipt"], cmdReceipt, nil},
	}
}

func joinUsages(subs []subcommand) string {
	us := make([]string, len(subs))
	for i, s := range subs {
		us[i] = s.usage
	}
	return strings.Join(us, " | ")
}

// usageOf returns the synopsis a flag set named name prints for -h: its
// subcommand's (sub, or name itself as "keys new") when there is one.
func usageOf(name, sub string) string {
	cmd, subName, named := strings.Cut(name, " ")
	if !named {
		subName = sub
	}
	if c, ok := commands[cmd]; ok && c.subs != nil && subName != "" {
		for _, s := range c.subs() {
			if s.name == subName {
				return s.usage
			}
		}
	}
	if u, ok := usages[name]; ok {
		return u
	}
	return name
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
	if len(args) == 0 {
		printUsage(e.stderr)
		return 2
	}
	if args[0] == "--version" {
		return runVersion(e, args[1:])
	}
	if isHelp(args[0]) {
		if len(args) == 1 {
			printUsage(e.stderr)
			return 0
		}
		if len(args) > 2 {
			fmt.Fprintf(e.stderr, "govshare: help takes one command (usage: govshare %s)\n", helpUsage)
			return 2
		}
		return printHelp(e, args[1])
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "govshare: unknown command %q (run \"govshare help\")\n", args[0])
		return 2
	}
	// Flag commands print their own help (with defaults); before a
	// subcommand there are no flags yet to parse: print every subcommand's.
	if c.subs != nil && len(args) > 1 && isHelp(args[1]) {
		return printHelp(e, args[0])
	}
	if c.subs != nil && len(args) > 1 {
		e.sub = args[1]
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
	// One line; a usage error names the synopsis.
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "%s (usage: govshare %s)\n", msg, usageOf(args[0], e.sub))
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
		c := commands[n]
		if c.subs == nil {
			fmt.Fprintf(w, "  govshare %s\n", c.usage)
			continue
		}
		for _, s := range c.subs() {
			fmt.Fprintf(w, "  govshare %s\n", s.usage)
		}
	}
	fmt.Fprintln(w, "  govshare help COMMAND  (or govshare COMMAND -h): the command's flags")
}

// printHelp prints a command's synopsis and flags ("govshare help CMD",
// "govshare CMD -h"); for a command with subcommands, each subcommand's.
func printHelp(e *env, name string) int {
	c, ok := commands[name]
	if !ok {
		if name == "help" {
			fmt.Fprintf(e.stderr, "usage: govshare %s\n", helpUsage)
			return 0
		}
		fmt.Fprintf(e.stderr, "govshare: unknown command %q (run \"govshare help\")\n", name)
		return 2
	}
	if c.subs == nil {
		if err := c.run(e, []string{"-h"}); errors.Is(err, flag.ErrHelp) {
			return 0
		}
		// A command without flags.
		fmt.Fprintf(e.stderr, "usage: govshare %s\n", c.usage)
		return 0
	}
	for i, s := range c.subs() {
		if i > 0 {
			fmt.Fprintln(e.stderr)
		}
		sub := *e
		sub.sub = s.name
		if err := c.run(&sub, []string{s.name, "-h"}); !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(e.stderr, "usage: govshare %s\n", s.usage)
		}
	}
	return 0
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
				fmt.Fprintf(fs.e.stderr, "usage: govshare %s\n", usageOf(fs.name, fs.e.sub))
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
