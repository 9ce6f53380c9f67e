// Command bench runs every side-by-side comparison of docs/benchmarks.md in
// one go and writes the tables (results.md, results.json) and the figures
// (*.svg) to one directory:
//
//	go run ./bench -quick          # from the repository root: under two minutes on 2 cores
//	cd bench && go run . [-full] [-out DIR] [-only detect,ff1]
//	cd bench && go run . -replot results/results.json -out DIR   # redraw only
//
// The subcommands (go run ./godlp, ./pipeline, ./redact, ./exchange) are
// the long versions of some comparisons; package harness says what each
// table measures.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/govshare/govshare/bench/harness"
)

func main() {
	quick := flag.Bool("quick", false, "smaller inputs: the whole run takes under two minutes on 2 cores")
	full := flag.Bool("full", false, "the docs' sizes (several minutes)")
	tiny := flag.Bool("tiny", false, "seconds; no subprocesses (the harness's own test mode)")
	out := flag.String("out", "", "directory for results.md, results.json and the figures (default bench/results)")
	root := flag.String("root", "", "repository root (default: found from the working directory)")
	only := flag.String("only", "", "comma-separated comparisons to run: "+strings.Join(harness.IDs(), ","))
	replot := flag.String("replot", "", "redraw the figures and tables of this results.json into -out, measuring nothing")
	flag.Parse()
	log.SetFlags(0)
	if flag.NArg() > 0 {
		log.Fatalf("bench takes no arguments (got %q)", flag.Args())
	}
	if *replot != "" {
		if *out == "" {
			log.Fatal("-replot needs -out")
		}
		rep, err := harness.Replot(*replot, *out)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d figures in %s\n", len(rep.Figures), *out)
		return
	}
	mode := harness.Quick // the default: a researcher's first run should be short
	switch {
	case *quick && *full, *quick && *tiny, *full && *tiny:
		log.Fatal("give one of -quick, -full, -tiny")
	case *full:
		mode = harness.Full
	case *tiny:
		mode = harness.Tiny
	}
	var ids []string
	if *only != "" {
		ids = strings.Split(*only, ",")
	}
	start := time.Now()
	rep, err := harness.Run(harness.Options{Mode: mode, Out: *out, Root: *root, Only: ids, Log: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	dir := *out
	if dir == "" {
		dir = "bench/results"
	}
	fmt.Printf("%d comparisons, %d curves, %d figures in %s (%.0f s)\n",
		len(rep.Comparisons), len(rep.Curves), len(rep.Figures), dir, time.Since(start).Seconds())
}
