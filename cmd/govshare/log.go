package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"golang.org/x/mod/sumdb/note"
)

func cmdLog(e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"log takes a subcommand: verify or show"}
	}
	switch args[0] {
	case "verify":
		return cmdLogVerify(e, args[1:])
	case "show":
		return cmdLogShow(e, args[1:])
	}
	return usageError{fmt.Sprintf("unknown log subcommand %q: want verify or show", args[0])}
}

func cmdLogVerify(e *env, args []string) error {
	fs := newFlags(e, "log")
	vkeyFile := fs.String("vkey", "", "the log's verifier key file, from its operator (default: LOGDIR.vkey)")
	receipt := fs.String("receipt", "", "also check this share receipt (OUT.gse.receipt.json): its record is still in the log and the log only grew since")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"log verify takes one log directory"}
	}
	dir := filepath.Clean(pos[0])
	if err := isLogDir(dir); err != nil {
		return err
	}
	hint := ""
	if *vkeyFile == "" {
		*vkeyFile, hint = dir+".vkey", " (give the log operator's with --vkey)"
	}
	b, err := os.ReadFile(*vkeyFile)
	if err != nil {
		return fmt.Errorf("govshare: the log's verifier key: %w%s", err, hint)
	}
	v, err := audit.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("govshare: %s: %w", *vkeyFile, err)
	}
	if *receipt != "" {
		return verifyReceipt(e, dir, *receipt, v)
	}
	cp, err := audit.Verify(dir, v)
	if err != nil {
		return fmt.Errorf("govshare: log %s does NOT verify: %w", dir, err)
	}
	fmt.Fprintf(e.stdout, "log %s verifies: %d records, root %s, checkpoint signed by %s (verifier key %s)\n",
		dir, cp.Size, base64.StdEncoding.EncodeToString(cp.Root[:]), v.Name(), *vkeyFile)
	return nil
}

func verifyReceipt(e *env, dir, path string, v note.Verifier) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r audit.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("govshare: %s: not a receipt: %w", path, err)
	}
	rec, now, err := audit.VerifyReceiptInLog(dir, r, v)
	if err != nil {
		return fmt.Errorf("govshare: receipt %s does NOT verify in log %s: %w", path, dir, err)
	}
	what := string(rec.Kind())
	if s, ok := rec.(audit.ShareRecord); ok {
		what = fmt.Sprintf("share of envelope %s by %s to %s for %s", s.EnvelopeID, s.Provider, s.Recipient, s.Purpose)
	}
	fmt.Fprintf(e.stdout, "log %s verifies (%d records); receipt %s: record #%d (%s) is in it, and the log only grew since the receipt's checkpoint\n",
		dir, now.Size, path, r.Index, what)
	return nil
}

func cmdLogShow(e *env, args []string) error {
	fs := newFlags(e, "log")
	asJSON := fs.Bool("json", false, `print {"records":[{"index","leaf_hash","record"}]}`)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"log show takes one log directory"}
	}
	dir := filepath.Clean(pos[0])
	if err := isLogDir(dir); err != nil {
		return err
	}
	type jsonEntry struct {
		Index    uint64          `json:"index"`
		LeafHash string          `json:"leaf_hash"`
		Record   json.RawMessage `json:"record"`
	}
	var list []jsonEntry
	rows := [][]string{{"#", "TIME (UTC+8)", "KIND", "ENVELOPE / REQUEST", "BY", "TO", "PURPOSE", "OUTCOME"}}
	for ent, err := range audit.Entries(dir) {
		if err != nil {
			return fmt.Errorf("govshare: log %s: %w", dir, err)
		}
		if *asJSON {
			list = append(list, jsonEntry{ent.Index, base64.StdEncoding.EncodeToString(ent.LeafHash[:]), ent.Raw})
			continue
		}
		rows = append(rows, entryRow(ent))
	}
	if *asJSON {
		if list == nil {
			list = []jsonEntry{}
		}
		return json.NewEncoder(e.stdout).Encode(map[string]any{"records": list})
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d records (listed, not verified: run govshare log verify %s)\n", len(rows)-1, dir)
	return nil
}

// isLogDir tells a missing directory, or one that is no share-record log,
// from a damaged log.
func isLogDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("govshare: no log at %s: %w", dir, underlying(err))
	case !st.IsDir():
		return fmt.Errorf("govshare: %s is not a share-record log (not a directory)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "records")); err != nil {
		return fmt.Errorf("govshare: %s is not a share-record log (no records file)", dir)
	}
	return nil
}

// entryRow is one log record as a table row.
func entryRow(ent audit.Entry) []string {
	when := func(t time.Time) string { return t.In(cst).Format(time.DateTime) }
	short := func(id string) string {
		if len(id) > 16 {
			return id[:16] + "…"
		}
		return id
	}
	row := []string{fmt.Sprint(ent.Index)}
	switch r := ent.Record.(type) {
	case audit.ShareRecord:
		grant := ""
		if r.GrantID != "" {
			grant = " grant " + r.GrantID
		}
		row = append(row, when(r.Time), "share", short(r.EnvelopeID), r.Provider, r.Recipient, string(r.Purpose), "sealed"+grant)
	case audit.OpenRecord:
		row = append(row, when(r.Time), "open", short(r.EnvelopeID), r.Opener, "", string(r.Purpose), r.Outcome)
	case audit.RefuseRecord:
		id := r.EnvelopeID
		if id == "" {
			id = r.RequestID
		}
		row = append(row, when(r.Time), "refuse", short(id), r.By, "", "", r.Code)
	case audit.DisputeRecord:
		row = append(row, when(r.Time), "dispute", short(r.EnvelopeID), r.By, "", "", "disputed")
	default:
		row = append(row, "", string(ent.Record.Kind()), "", "", "", "", "")
	}
	return row
}
