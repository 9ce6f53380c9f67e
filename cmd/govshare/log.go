package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/fsread"
	"golang.org/x/mod/sumdb/note"
)

// logSubcommands are "govshare log"'s subcommands, with their synopses.
var logSubcommands = []struct {
	name, usage string
	run         func(*env, []string) error
}{
	{"verify", "log verify (--vkey F | --vkey-beside-log) [--state F] [--trust D.pub]... [--trust-dir DIR] [--require-signed] [--witness F]... [--min-witnesses N] [--receipt R] LOGDIR|URL", cmdLogVerify},
	{"show", "log show [--json] [--vkey F] LOGDIR|URL", cmdLogShow},
	{"serve", "log serve --dir LOGDIR --addr HOST:PORT [--log-key F] (--trust D.pub... | --trust-dir DIR) [--witness URL=VKEYFILE]... [--skew D]", cmdLogServe},
	{"witness", "log witness --addr HOST:PORT --key F --state F --log-vkey F...", cmdLogWitness},
	{"witness-key", "log witness-key --name NAME --key F", cmdLogWitnessKey},
}

func cmdLog(e *env, args []string) error {
	names := make([]string, len(logSubcommands))
	for i, s := range logSubcommands {
		names[i] = s.name
	}
	if len(args) == 0 {
		return usageError{"log takes a subcommand: " + strings.Join(names, ", ")}
	}
	for _, s := range logSubcommands {
		if s.name == args[0] {
			return s.run(e, args[1:])
		}
	}
	return usageError{fmt.Sprintf("unknown log subcommand %q: want %s", args[0], strings.Join(names, ", "))}
}

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// readKeyArg returns a key given on the command line either as a file
// holding it or as the key itself.
func readKeyArg(arg string) (string, error) {
	if b, err := fsread.ReadFile(arg, 4<<10); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) || !strings.Contains(arg, "+") {
		return "", fmt.Errorf("govshare: key %s: %w", arg, underlying(err))
	}
	return strings.TrimSpace(arg), nil
}

func cmdLogVerify(e *env, args []string) error {
	fs := newFlags(e, "log")
	vkeyArg := fs.String("vkey", "", "the log's verifier key (file or key), from its operator: what the log must be signed with")
	beside := fs.Bool("vkey-beside-log", false, "take the verifier key from LOGDIR.vkey, next to the log: proves only that the log matches that file, not who signed it")
	stateFile := fs.String("state", "", "remember the verified checkpoint per log in this file, and fail (forked or rolled back) if the log is not an extension of the one remembered")
	var trust, witnesses repeated
	fs.Var(&trust, "trust", "a department's public bundle D.pub: check the signatures of its records (repeatable)")
	trustDir := fs.String("trust-dir", "", "check record signatures with every public bundle *.pub in this directory")
	requireSigned := fs.Bool("require-signed", false, "fail if a record is not signed by its maker")
	fs.Var(&witnesses, "witness", "a witness's verifier key (file or key) whose cosignature counts (repeatable)")
	minWitnesses := fs.Int("min-witnesses", 0, "require a checkpoint cosigned by at least this many of the --witness keys")
	receipt := fs.String("receipt", "", "also check this receipt (OUT.gse.receipt.json): its record is still in the log and the log only grew since")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"log verify takes one log directory or URL"}
	}
	target := pos[0]
	isURL := audit.IsURL(target)
	if !isURL {
		target = filepath.Clean(target)
		if err := isLogDir(target); err != nil {
			return err
		}
	}
	if *minWitnesses > len(witnesses) {
		return usageError{fmt.Sprintf("--min-witnesses %d needs as many --witness keys", *minWitnesses)}
	}
	// The verifier key: from the user, never from the thing verified.
	keyFrom := "--vkey " + *vkeyArg
	switch {
	case *vkeyArg != "" && *beside:
		return usageError{"give --vkey or --vkey-beside-log, not both"}
	case *vkeyArg == "" && isURL:
		return usageError{"log verify of a URL needs the log operator's --vkey"}
	case *vkeyArg == "" && *beside:
		*vkeyArg, keyFrom = target+".vkey", target+".vkey beside the log, which pins nothing"
	case *vkeyArg == "":
		return usageError{"log verify needs the log operator's verifier key, from the operator, not from the log: --vkey F (--vkey-beside-log trusts LOGDIR.vkey, which proves only that the log matches that file)"}
	}
	vk, err := readKeyArg(*vkeyArg)
	if err != nil {
		return fmt.Errorf("govshare: the log's verifier key: %w", err)
	}
	v, err := audit.NewVerifier(vk)
	if err != nil {
		return fmt.Errorf("govshare: %s: %w", *vkeyArg, err)
	}
	opt := audit.VerifyOptions{RequireSigned: *requireSigned, MinWitnesses: *minWitnesses}
	ndepts := 0
	if len(trust) > 0 || *trustDir != "" {
		reg, n, err := loadRegistry(trust, *trustDir)
		if err != nil {
			return err
		}
		opt.Registry, ndepts = reg, n
	}
	for _, w := range witnesses {
		k, err := readKeyArg(w)
		if err != nil {
			return err
		}
		wv, err := audit.NewWitnessVerifier(k)
		if err != nil {
			return fmt.Errorf("govshare: --witness %s: %w", w, err)
		}
		opt.Witnesses = append(opt.Witnesses, wv)
	}
	if *stateFile != "" {
		if opt.State, err = audit.LoadState(*stateFile); err != nil {
			return err
		}
	}
	var res audit.Result
	var client *audit.Client
	if isURL {
		ctx := context.Background()
		if client, err = audit.Dial(ctx, target, v, audit.ClientOptions{}); err == nil {
			res, err = client.Verify(ctx, opt)
		}
	} else {
		res, err = audit.VerifyDir(target, v, opt)
	}
	if err != nil {
		return fmt.Errorf("govshare: log %s does NOT verify (%s): %w", target, verifyFailure(err), err)
	}
	cp := res.Checkpoint
	sigs := "no signed records"
	switch {
	case res.Signed > 0 && res.SignaturesChecked:
		sigs = fmt.Sprintf("%d signed by their makers, signatures checked with %d departments' keys", res.Signed, ndepts)
	case res.Signed > 0:
		sigs = fmt.Sprintf("%d signed by their makers, signatures NOT checked (give --trust or --trust-dir)", res.Signed)
	}
	if res.Unsigned > 0 {
		sigs += fmt.Sprintf(", %d unsigned", res.Unsigned)
	}
	fmt.Fprintf(e.stdout, "log %s verifies: %d records (%s), root %s, checkpoint signed by %s%s (verifier key %s)\n",
		target, cp.Size, sigs, base64.StdEncoding.EncodeToString(cp.Root[:]), v.Name(), checkpointTime(cp), keyFrom)
	if res.Pinned != nil {
		fmt.Fprintf(e.stdout, "it extends the checkpoint of %d records remembered in %s\n", res.Pinned.Size, *stateFile)
	} else if opt.State != nil {
		fmt.Fprintf(e.stdout, "first view of this log: remembered in %s\n", *stateFile)
	}
	if res.Cosigned != nil {
		fmt.Fprintf(e.stdout, "cosigned at %d records by %s\n", res.Cosigned.Size, strings.Join(res.Cosigners, ", "))
	}
	if len(res.Budgets) > 0 {
		fmt.Fprintf(e.stdout, "privacy budgets recomputed from the release records: %d accounts, none over its budget of record\n", len(res.Budgets))
		if err := writeBudgets(e.stdout, res.Budgets); err != nil {
			return err
		}
	}
	if *receipt != "" {
		return verifyReceipt(e, target, client, *receipt, v, opt.Registry)
	}
	return nil
}

// verifyFailure names a verification failure's kind for the user.
func verifyFailure(err error) string {
	for _, k := range []struct {
		err  error
		what string
	}{
		{audit.ErrForked, "forked: another history than the one seen before"},
		{audit.ErrRollback, "rolled back: older than the one seen before"},
		{audit.ErrBadSignature, "bad signature"},
		{audit.ErrUnknownSigner, "record signer not registered"},
		{audit.ErrWrongSigner, "record signed by another department"},
		{audit.ErrUnsigned, "unsigned record"},
		{audit.ErrDuplicate, "duplicated record"},
		{audit.ErrOverBudget, "a release over its privacy budget"},
		{audit.ErrTimeSkew, "times out of order"},
		{audit.ErrWitness, "not enough witnesses"},
		{audit.ErrTruncated, "truncated"},
		{audit.ErrTampered, "tampered"},
		{audit.ErrNotVerified, "not verified"},
	} {
		if errors.Is(err, k.err) {
			return k.what
		}
	}
	return "error"
}

func checkpointTime(c audit.Checkpoint) string {
	if c.Time.IsZero() {
		return ""
	}
	return " at " + c.Time.In(catalog.ChinaTime).Format(time.DateTime) + " (UTC+8)"
}

// loadRegistry reads departments' public bundles.
func loadRegistry(files []string, dir string) (*audit.BundleRegistry, int, error) {
	var reg *audit.BundleRegistry
	var err error
	if dir != "" {
		if reg, err = audit.LoadRegistry(dir); err != nil {
			return nil, 0, err
		}
	} else if reg, err = audit.NewRegistry(); err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		b, err := keys.LoadPublic(f)
		if err != nil {
			return nil, 0, err
		}
		if err := reg.Add(b); err != nil {
			return nil, 0, err
		}
	}
	return reg, len(reg.Depts()), nil
}

func verifyReceipt(e *env, target string, client *audit.Client, path string, v note.Verifier, reg audit.Registry) error {
	b, err := fsread.ReadFile(path, 1<<20)
	if err != nil {
		return err
	}
	var r audit.Receipt
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("govshare: %s: not a receipt: %w", path, err)
	}
	var rec audit.Record
	var now audit.Checkpoint
	if client != nil {
		rec, now, err = verifyReceiptURL(client, r, v)
	} else {
		rec, now, err = audit.VerifyReceiptInLog(target, r, v)
	}
	if err == nil && reg != nil && r.Entry != nil {
		_, _, err = audit.VerifySignedReceipt(r, v, reg)
	}
	if err != nil {
		return fmt.Errorf("govshare: receipt %s does NOT verify in log %s (%s): %w", path, target, verifyFailure(err), err)
	}
	what := string(rec.Kind())
	switch s := rec.(type) {
	case audit.ShareRecord:
		what = fmt.Sprintf("share of envelope %s by %s to %s for %s", s.EnvelopeID, s.Provider, s.Recipient, s.Purpose)
	case audit.ReleaseRecord:
		id := s.EnvelopeID
		if id == "" {
			id = s.ReleaseID
		}
		what = fmt.Sprintf("release %s of %s by %s to %s, ε=%g δ=%g", id, s.Resource, s.Provider, s.Recipient, s.Epsilon, s.Delta)
	case audit.OpenRecord:
		what = fmt.Sprintf("open of %s by %s: %s", s.EnvelopeID, s.Opener, s.Outcome)
	case audit.ApplicationRecord:
		what = fmt.Sprintf("application %s of %s to %s: %s", s.Application, s.Recipient, s.Provider, s.Event)
	}
	signed := ""
	if r.Entry != nil {
		signed = fmt.Sprintf(", signed by %s", audit.Actor(rec))
		if reg == nil {
			signed += " (signature not checked: give --trust)"
		}
	}
	fmt.Fprintf(e.stdout, "log %s verifies (%d records); receipt %s: record #%d (%s%s) is in it, and the log only grew since the receipt's checkpoint\n",
		target, now.Size, path, r.Index, what, signed)
	return nil
}

// verifyReceiptURL checks a receipt against a served log: the receipt
// itself, and a consistency proof from its tree to the log's checkpoint.
func verifyReceiptURL(c *audit.Client, r audit.Receipt, v note.Verifier) (audit.Record, audit.Checkpoint, error) {
	ctx := context.Background()
	sr, ok := r.SignedRecord()
	if !ok {
		return nil, audit.Checkpoint{}, fmt.Errorf("govshare: a receipt without a signed entry can only be checked against a log directory")
	}
	rec := sr.Record
	if err := audit.VerifyReceipt(r, rec, v); err != nil {
		return nil, audit.Checkpoint{}, err
	}
	served, err := c.Checkpoint(ctx)
	if err != nil {
		return nil, audit.Checkpoint{}, err
	}
	now, _, err := audit.OpenCosigned(served, v, nil)
	if err != nil {
		return nil, now, err
	}
	then, err := audit.OpenCheckpoint([]byte(r.Checkpoint), v)
	if err != nil {
		return nil, now, err
	}
	if then.Size > now.Size {
		// The served checkpoint may lag (witnessed); ask for the latest.
		proof, perr := c.ConsistencyProof(ctx, now.Size, then.Size)
		if perr != nil {
			return nil, now, fmt.Errorf("%w: the log shows fewer records than the receipt's tree", audit.ErrRollback)
		}
		if err := audit.VerifyConsistency(onlyLogSig(served, v), []byte(r.Checkpoint), proof, v); err != nil {
			return nil, now, err
		}
		return rec, then, nil
	}
	proof, err := c.ConsistencyProof(ctx, then.Size, now.Size)
	if err != nil {
		return nil, now, err
	}
	if err := audit.VerifyConsistency([]byte(r.Checkpoint), onlyLogSig(served, v), proof, v); err != nil {
		return nil, now, err
	}
	return rec, now, nil
}

// onlyLogSig drops cosignature lines from a served checkpoint.
func onlyLogSig(served []byte, v note.Verifier) []byte {
	s := string(served)
	i := strings.Index(s, "\n\n")
	if i < 0 {
		return served
	}
	prefix := "\u2014 " + v.Name() + " "
	for _, line := range strings.SplitAfter(s[i+2:], "\n") {
		if strings.HasPrefix(line, prefix) {
			return []byte(s[:i+2] + line)
		}
	}
	return served
}

func cmdLogShow(e *env, args []string) error {
	fs := newFlags(e, "log")
	asJSON := fs.Bool("json", false, `print {"records":[{"index","leaf_hash","record",...}],"redeliveries":[...],"budgets":[...]}`)
	vkeyArg := fs.String("vkey", "", "the log's verifier key (file or key): needed to read a log served at a URL")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"log show takes one log directory or URL"}
	}
	target := pos[0]
	var entries func(func(audit.Entry, error) bool)
	if audit.IsURL(target) {
		if *vkeyArg == "" {
			return usageError{"log show of a URL needs the log operator's --vkey"}
		}
		vk, err := readKeyArg(*vkeyArg)
		if err != nil {
			return err
		}
		v, err := audit.NewVerifier(vk)
		if err != nil {
			return fmt.Errorf("govshare: %s: %w", *vkeyArg, err)
		}
		ctx := context.Background()
		c, err := audit.Dial(ctx, target, v, audit.ClientOptions{})
		if err != nil {
			return err
		}
		defer c.Close()
		served, err := c.Checkpoint(ctx)
		if err != nil {
			return err
		}
		cp, _, err := audit.OpenCosigned(served, v, nil)
		if err != nil {
			return err
		}
		entries = c.Entries(ctx, 0, cp.Size)
	} else {
		target = filepath.Clean(target)
		if err := isLogDir(target); err != nil {
			return err
		}
		entries = audit.Entries(target)
	}
	type jsonEntry struct {
		Index    uint64          `json:"index"`
		LeafHash string          `json:"leaf_hash"`
		Record   json.RawMessage `json:"record"`
		Signer   string          `json:"signer,omitempty"`
		KeyID    uint32          `json:"key_id,omitempty"`
		Logged   string          `json:"logged,omitempty"`
	}
	var list []jsonEntry
	var all []audit.Entry
	rows := [][]string{{"#", "TIME (UTC+8)", "KIND", "ENVELOPE / REQUEST", "BY", "TO", "PURPOSE", "OUTCOME", "SIGNED"}}
	for ent, err := range entries {
		if err != nil {
			return fmt.Errorf("govshare: log %s: %w", target, err)
		}
		all = append(all, audit.Entry{Index: ent.Index, Record: ent.Record})
		if *asJSON {
			je := jsonEntry{Index: ent.Index, LeafHash: base64.StdEncoding.EncodeToString(ent.LeafHash[:]), Record: ent.Raw}
			if ent.Signer != "" {
				je.Record, je.Signer, je.KeyID, je.Logged = ent.RecordBytes(), ent.Signer, ent.KeyID, ent.Logged.UTC().Format("2006-01-02T15:04:05.000Z")
			}
			list = append(list, je)
			continue
		}
		rows = append(rows, entryRow(ent))
	}
	redeliveries := audit.Redeliveries(all)
	book, berr := audit.Budgets(all) // listed as they stand; log verify fails such a log
	budgets := book.Accounts()
	if *asJSON {
		if list == nil {
			list = []jsonEntry{}
		}
		if redeliveries == nil {
			redeliveries = []audit.Redelivery{}
		}
		jb := make([]jsonBudget, len(budgets))
		for i, b := range budgets {
			jb[i] = jsonBudget{b.Provider, b.Resource, b.Recipient, b.Epsilon, b.Delta, b.Releases, nil, nil}
			if b.Budgeted {
				jb[i].BudgetEpsilon, jb[i].BudgetDelta = &b.BudgetEpsilon, &b.BudgetDelta
			}
		}
		return json.NewEncoder(e.stdout).Encode(map[string]any{"records": list, "redeliveries": redeliveries, "budgets": jb})
	}
	if err := writeTable(e.stdout, rows); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d records (listed, not verified: run govshare log verify --vkey F %s)\n", len(rows)-1, target)
	withdrawn, byKey := false, false
	for _, ent := range all {
		switch r := ent.Record.(type) {
		case audit.OpenRecord:
			withdrawn = withdrawn || r.Outcome == audit.OutcomeWithdrawn
			_, _, k := audit.OpenerKey(r.Opener)
			byKey = byKey || k
		case audit.RefuseRecord:
			withdrawn = withdrawn || r.Code == audit.ReasonWithdrawn
		}
	}
	if withdrawn {
		fmt.Fprintln(e.stdout, "withdrawn: the act recorded before it is on record, but its output was never delivered")
	}
	if byKey {
		fmt.Fprintln(e.stdout, "key:DEPT/ID: an opener whose keys are not the envelope's recipient's, named by its signing key (DEPT is only the name it claims)")
	}
	if len(budgets) > 0 {
		fmt.Fprintf(e.stdout, "\nprivacy budget spent per (resource, recipient), from the release records:\n")
		if err := writeBudgets(e.stdout, budgets); err != nil {
			return err
		}
		if berr != nil {
			fmt.Fprintf(e.stdout, "(the log holds a release over its budget: %v)\n", berr)
		}
	}
	if len(redeliveries) > 0 {
		fmt.Fprintf(e.stdout, "\nre-deliveries (an envelope opened more than once by the same department):\n")
		t := [][]string{{"ENVELOPE", "OPENER", "OPENS", "RECORDS"}}
		for _, r := range redeliveries {
			idx := make([]string, len(r.Indexes))
			for i, x := range r.Indexes {
				idx[i] = fmt.Sprint("#", x)
			}
			t = append(t, []string{r.EnvelopeID, r.Opener, fmt.Sprint(len(r.Indexes)), strings.Join(idx, " ")})
		}
		if err := writeTable(e.stdout, t); err != nil {
			return err
		}
	}
	return nil
}

// jsonBudget is an account in log show --json.
type jsonBudget struct {
	Provider      string   `json:"provider"`
	Resource      string   `json:"resource"`
	Recipient     string   `json:"recipient"`
	SpentEpsilon  float64  `json:"spent_epsilon"`
	SpentDelta    float64  `json:"spent_delta"`
	Releases      int      `json:"releases"`
	BudgetEpsilon *float64 `json:"budget_epsilon"` // null: no budget of record
	BudgetDelta   *float64 `json:"budget_delta"`
}

// writeBudgets lists privacy budget accounts as a table.
func writeBudgets(w io.Writer, budgets []audit.Spent) error {
	t := [][]string{{"PROVIDER", "RESOURCE", "RECIPIENT", "RELEASES", "ε SPENT", "δ SPENT", "BUDGET ε,δ"}}
	for _, b := range budgets {
		budget := "none (unbudgeted)"
		if b.Budgeted {
			budget = fmt.Sprintf("%g,%g", b.BudgetEpsilon, b.BudgetDelta)
		}
		t = append(t, []string{b.Provider, b.Resource, b.Recipient, fmt.Sprint(b.Releases),
			fmt.Sprintf("%g", b.Epsilon), fmt.Sprintf("%g", b.Delta), budget})
	}
	return writeTable(w, t)
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
	when := func(t time.Time) string { return t.In(catalog.ChinaTime).Format(time.DateTime) }
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
		row = append(row, when(r.Time), "open", short(r.EnvelopeID), r.Opener, "", string(r.Purpose), string(r.Outcome))
	case audit.RefuseRecord:
		id := r.EnvelopeID
		if id == "" {
			id = r.RequestID
		}
		row = append(row, when(r.Time), "refuse", short(id), r.By, "", "", string(r.Code))
	case audit.ReleaseRecord:
		id := r.EnvelopeID
		if id == "" {
			id = r.ReleaseID
		}
		row = append(row, when(r.Time), "release", short(id), r.Provider, r.Recipient, string(catalog.PurposeStatistics),
			fmt.Sprintf("ε=%g δ=%g", r.Epsilon, r.Delta))
	case audit.DisputeRecord:
		row = append(row, when(r.Time), "dispute", short(r.EnvelopeID), r.By, "", "", "disputed")
	case audit.ApplicationRecord:
		// An exchange service's application steps: the application's id
		// in the envelope column, the event as the outcome.
		row = append(row, when(r.Time), "application", short(r.Application), r.By, r.Recipient, string(r.Purpose), string(r.Event))
	default:
		row = append(row, "", string(ent.Record.Kind()), "", "", "", "", "")
	}
	signed := "no"
	if ent.Signer != "" {
		signed = "yes"
	}
	return append(row, signed)
}
