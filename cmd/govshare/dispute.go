package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govshare/govshare/audit"
)

// cmdDispute records that a department disputes an envelope's content or
// handling (一数一源: the consumer's way back to the source). Only the
// envelope's provider or recipient may, proven by holding its keys.
func cmdDispute(e *env, args []string) error {
	fs := newFlags(e, "dispute")
	kdir := fs.String("keys", "", "keyring directory holding the disputing department's keys (required)")
	dept := fs.String("dept", "", "disputing department: the envelope's recipient or provider (required)")
	reason := fs.String("reason", "", "the nature of the dispute, never data: refer to rows by position (required)")
	lf := logFlags(fs.FlagSet, "dispute")
	master := fs.String("master", "", "master key URI (default: the local master key in --keys)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *kdir == "" || *dept == "" || *reason == "" || *lf.dir == "" {
		return usageError{"dispute needs --keys, --dept, --reason, --log and one envelope file"}
	}
	h, err := inspectFile(pos[0])
	if err != nil {
		return err
	}
	if *dept != h.Recipient && *dept != h.Provider {
		return fmt.Errorf("govshare: %s is neither the provider nor the recipient of envelope %s", *dept, h.ID)
	}
	if _, err := loadKeyring(*kdir, *dept, *master); err != nil {
		return err
	}
	l, err := lf.open(e)
	if err != nil {
		return err
	}
	defer l.Close()
	idx, err := l.Append(context.Background(), audit.DisputeRecord{EnvelopeID: h.ID.String(), By: *dept, Reason: *reason, Time: time.Now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "dispute of envelope %s by %s recorded as #%d in %s\n", h.ID, *dept, idx, *lf.dir)
	return nil
}
