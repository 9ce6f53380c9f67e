package govshare_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
)

// A log directory's signing key is made on first use, beside the log,
// with its verifier key; later uses read it.
func ExampleLogKey() {
	dir, _ := os.MkdirTemp("", "logkey")
	defer os.RemoveAll(dir)
	log := filepath.Join(dir, "sharelog")
	sk, created, err := govshare.LogKey(log, log+".key", "govshare.local/sharelog")
	if err != nil {
		fmt.Println(err)
		return
	}
	again, createdAgain, _ := govshare.LogKey(log, log+".key", "govshare.local/sharelog")
	vk, _ := os.ReadFile(log + ".vkey")
	derived, _ := audit.VerifierKey(audit.SignerKey(sk))
	fmt.Println(created, createdAgain, again == sk, string(vk) == derived+"\n")
	// Output: true false true true
}
