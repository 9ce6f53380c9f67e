package main

import (
	"encoding/base64"
	"fmt"
	"io"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/internal/fsread"
)

// receiptUsage is the synopsis of "govshare receipt".
const receiptUsage = "receipt --keys KDIR --dept D [--master URI] IN.gse"

// cmdReceipt prints the recipient's receipt of an envelope: its
// signature (base64, last line of standard output) over the envelope's id
// and the SHA-256 of the file (govshare.EnvelopeDigest, SignReceipt),
// which the provider or an exchange verifies against the recipient's
// public bundle. It does not open the envelope.
func cmdReceipt(e *env, args []string) error {
	fs := newFlags(e, "receipt")
	kdir := fs.String("keys", "", "keyring directory holding the recipient's keys (required)")
	dept := fs.String("dept", "", "the receiving department (required)")
	master := fs.String("master", "", "master key URI (default: the local master key in --keys)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *kdir == "" || *dept == "" {
		return usageError{"receipt needs --keys, --dept and one envelope file"}
	}
	kr, err := loadKeyring(*kdir, *dept, *master)
	if err != nil {
		return err
	}
	f, st, err := fsread.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	id, digest, err := govshare.EnvelopeDigest(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return inFile(pos[0], err)
	}
	sig, err := govshare.SignReceipt(kr, id, digest)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "receipt of envelope %s (sha256 %x) signed by %s\n", id, digest, kr.Dept())
	fmt.Fprintln(e.stdout, base64.StdEncoding.EncodeToString(sig))
	return nil
}
