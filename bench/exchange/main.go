// Command exchange load-tests the exchange service (examples/exchange-service)
// on loopback, as issue 13 asks: N recipients at once each apply for a
// generated register of about 10 MB, a reviewer approves every application
// as it arrives, and each recipient waits for its delivery, downloads the
// sealed envelope and signs its receipt. It reports applications per second,
// p50/p99 latency per endpoint, the service's peak RSS (VmHWM), and the
// download throughput of the service as a ratio of a plain http.ServeContent
// server serving the same envelope files in the same run. Afterwards the
// service is stopped and its share-record log must verify.
//
//	cd bench && go run ./exchange [-recipients 100] [-size 10485760] [-dir DIR] [-rounds 3]
//
// The service binary and the govshare CLI are built from the checkout (the
// bench module does not import the service, whose drivers stay in examples/).
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.Recipients, "recipients", 100, "concurrent recipient accounts (each applies once)")
	flag.Int64Var(&cfg.Size, "size", 3600<<10, "bytes of the generated source register (the envelope of the 11 fields applied for is about 2.8 times as large: 10 MB by default)")
	flag.StringVar(&cfg.Dir, "dir", "", "work directory (default: a temporary one, removed after)")
	flag.IntVar(&cfg.Rounds, "rounds", 3, "alternating download rounds, service then baseline; the figures are the medians")
	flag.IntVar(&cfg.Conns, "conns", 100, "bound on the client's connections to the service")
	flag.Parse()
	cfg.CheckRSS = true
	log.SetFlags(0)
	res, err := run(cfg, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("machine: %d cores, %s\n\n", runtime.NumCPU(), runtime.Version())
	fmt.Print(res.Markdown())
	if err := res.Check(); err != nil {
		log.Fatal(err)
	}
}
