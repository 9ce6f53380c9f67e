package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/internal/fsread"
)

// cmdDispute records that a department disputes an envelope (一数一源:
// the consumer's way back to the source): flag parsing and printing around
// govshare.Dispute, which proves the department a party by its keys, logs
// a signed record with a reason code, and seals the free text to the other
// party.
func cmdDispute(e *env, args []string) error {
	fs := newFlags(e, "dispute")
	kdir := fs.String("keys", "", "keyring directory holding the disputing department's keys (required)")
	dept := fs.String("dept", "", "disputing department: the envelope's recipient or provider, proven by its keys (required)")
	toBundle := fs.String("to-bundle", "", "the other party's public bundle, D.pub: the provider's when the recipient disputes, the recipient's when the provider does (required)")
	trust := fs.String("trust", "", "the provider's public bundle (default: --to-bundle when the recipient disputes, the keyring's own when the provider does)")
	reason := fs.String("reason", "", "reason code: "+strings.Join(reasonCodes(), ", ")+" (required)")
	text := fs.String("text", "", "free text explaining the dispute, sealed to the other party, never logged (prefer --text-file: arguments are visible to other users)")
	textFile := fs.String("text-file", "", "read the free text from this file (at most 64 KiB of UTF-8)")
	out := fs.String("o", "", "where to write the envelope sealing the text to the other party (required with a text; - for standard output)")
	force := fs.Bool("force", false, "replace the -o file if it exists")
	lf := logFlags(fs.FlagSet, "dispute") // --log (required), --log-key, --log-vkey
	master := fs.String("master", "", "master key URI (default: the local master key in --keys)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *kdir == "" || *dept == "" || *reason == "" || *lf.dir == "" || *toBundle == "" {
		return usageError{"dispute needs --keys, --dept, --to-bundle, --reason, --log and one envelope file"}
	}
	code := audit.DisputeReason(*reason)
	if !code.Known() {
		// Never echo the value: it may be the free text the codes replace.
		return usageError{"--reason takes a code: " + strings.Join(reasonCodes(), ", ") + " (the details go in --text or --text-file)"}
	}
	if *text != "" && *textFile != "" {
		return usageError{"give --text or --text-file, not both"}
	}
	hasText := *text != "" || *textFile != ""
	if hasText != (*out != "") {
		return usageError{"a text (--text or --text-file) and -o go together: -o receives the text sealed to the other party"}
	}

	kr, err := loadKeyring(*kdir, *dept, *master)
	if err != nil {
		return err
	}
	other, err := loadPublic(*toBundle)
	if err != nil {
		return err
	}
	body := *text
	if *textFile != "" {
		b, err := fsread.ReadFile(*textFile, govshare.MaxDisputeText)
		if err != nil {
			return err
		}
		body = string(b)
	}
	f, st, err := fsread.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	h, err := envelope.Inspect(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return inFile(pos[0], err)
	}
	from := other // the recipient disputes: the other party is the provider
	if *trust != "" {
		if from, err = loadPublic(*trust); err != nil {
			return err
		}
	} else if kr.Dept() == h.Provider {
		from = kr.Public()
	}

	opt := &govshare.DisputeOptions{To: other}
	if hasText {
		if *out == "-" {
			opt.Text = e.stdout
		} else {
			inUse := append([]string{pos[0], *kdir, *toBundle, *trust, *textFile}, lf.files()...)
			o, err := createOutput(*out, *force, "", inUse)
			if err != nil {
				return err
			}
			defer o.Abort() // unless Dispute committed it
			opt.Text = o
		}
	}
	app, err := lf.open(e, kr.Public(), other, from)
	if err != nil {
		return err
	}
	defer app.Close()
	res, err := govshare.Dispute(context.Background(), app, f, st.Size(), kr, from, code, body, opt)
	if res != nil {
		fmt.Fprintf(e.stderr, "dispute of envelope %s by %s (%s, reason %s) recorded as #%d in %s\n",
			res.Envelope.ID, res.Record.By, res.Role, res.Record.Reason, res.Receipt.Index, *lf.dir)
	}
	if err != nil {
		return inFile(pos[0], err)
	}
	if res.Text != nil {
		where := *out
		if where == "-" {
			where = "standard output"
		}
		fmt.Fprintf(e.stderr, "text sealed to %s for %s in %s (digest %s in the record)\n",
			res.Text.Recipient, res.Text.Purpose, where, res.Record.TextDigest)
	}
	return nil
}

// reasonCodes are the dispute reason codes, for help and errors.
func reasonCodes() []string {
	s := make([]string, len(audit.DisputeReasons))
	for i, r := range audit.DisputeReasons {
		s[i] = string(r)
	}
	return s
}
