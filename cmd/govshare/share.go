package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
	"github.com/govshare/govshare/internal/fsread"
	"github.com/govshare/govshare/parquetio"
	"github.com/govshare/govshare/policy"
	"github.com/govshare/govshare/risk"
)

func cmdShare(e *env, args []string) error {
	fs := newFlags(e, "share")
	catalogFile := fs.String("catalog", "", "reviewed catalog YAML (required)")
	grants := fs.String("grants", "", "grants YAML for conditional fields")
	purpose := fs.String("purpose", "", "declared purpose of the recipient (required)")
	from := fs.String("from", "", "keyring directory holding the provider's keys (required)")
	dept := fs.String("dept", "", "providing department: the catalog's provider (required)")
	to := fs.String("to", "", "recipient's public bundle, R.pub (required)")
	notAfter := fs.String("not-after", "", "last moment the envelope may be opened: YYYY-MM-DD (end of day, UTC+8) or RFC 3339 (default: 30 days, or the grant's end if sooner)")
	lf := logFlags(fs.FlagSet, "share")
	master := fs.String("master", "", "master key URI (default: the local master key in --from)")
	encoding := fs.String("encoding", "", "input encoding: utf-8 (default) or gb18030")
	rejects := fs.String("rejects", "", "write rows that cannot be processed to this new file and go on; default: fail on the first")
	out := fs.String("o", "", "envelope file to write (required; never replaced)")
	format := fs.String("format", "", "input format: "+formatUsage+" (default: by the file's extension, else csv)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *catalogFile == "" || *purpose == "" || *from == "" || *dept == "" || *to == "" || *out == "" {
		return usageError{"share needs --catalog, --purpose, --from, --dept, --to, -o and one input file (- for standard input)"}
	}
	if *out == "-" {
		return usageError{"share writes an envelope file and its receipt: give -o a file name"}
	}
	inFormat, err := formatOf(*format, pos[0], "csv", true)
	if err != nil {
		return err
	}
	if inFormat == "parquet" && pos[0] == "-" {
		return usageError{"Parquet input is read from a file, not standard input"}
	}
	cat, err := catalog.Load(*catalogFile)
	if err != nil {
		return err
	}
	if cat.Provider != *dept {
		return fmt.Errorf("govshare: %s is %q's catalog, not %q's", *catalogFile, cat.Provider, *dept)
	}
	opt := &govshare.ShareOptions{Now: time.Now()}
	if *grants != "" {
		if opt.Grants, err = policy.LoadGrants(*grants); err != nil {
			return err
		}
	}
	if *notAfter != "" {
		if opt.NotAfter, err = parseNotAfter(*notAfter); err != nil {
			return usageError{err.Error()}
		}
	}
	kr, err := loadKeyring(*from, *dept, *master)
	if err != nil {
		return err
	}
	recipient, err := loadPublic(*to)
	if err != nil {
		return err
	}
	if opt.Log, err = lf.open(e, kr.Public(), recipient); err != nil {
		return err
	}
	if opt.Log != nil {
		defer opt.Log.Close()
	}
	// Every file this run writes is new: an envelope is a logged record,
	// never replaced, and nothing may land on what the run reads.
	inUse := append([]string{pos[0], *catalogFile, *grants, *from, *to}, lf.files()...)
	env, err := createOutput(*out, false, "an envelope is never replaced", inUse)
	if err != nil {
		return err
	}
	defer env.Abort()
	var receipt *govshare.Output
	if opt.Log != nil {
		if receipt, err = createOutput(*out+".receipt.json", false, "", inUse); err != nil {
			return err
		}
		defer receipt.Abort()
	}
	var rej *govshare.Output
	if *rejects != "" {
		if rej, err = createOutput(*rejects, false, "", append(inUse, *out)); err != nil {
			return err
		}
		defer rej.Abort()
		opt.Rejects = rej
	}
	var input govshare.Input
	if inFormat == "parquet" {
		// The payload is CSV: a NULL is an empty field, as FromRecords writes it.
		pr, err := parquetio.Open(pos[0])
		if err != nil {
			return err
		}
		defer pr.Close()
		input = govshare.Input{Reader: pr.CSV(false), Name: pos[0]}
	} else {
		in, name, closeIn, err := openScanInput(e, pos[0])
		if err != nil {
			return err
		}
		defer closeIn()
		input = govshare.Input{Reader: in, Name: name, JSONL: inFormat == "jsonl", Encoding: *encoding}
	}

	res, err := govshare.Share(context.Background(), env, input,
		kr, recipient, catalog.Purpose(*purpose), cat, opt)
	if err != nil {
		if errors.Is(err, govshare.ErrOutlivesGrant) {
			return fmt.Errorf("%w (--not-after)", err)
		}
		if res != nil && res.Risk != nil {
			fmt.Fprintln(e.stderr, "refused: "+riskSummary(res.Risk))
		}
		return err
	}
	if rej != nil {
		if err := rej.Commit(); err != nil {
			return err
		}
	}
	h := res.Header
	msg := fmt.Sprintf("sealed %d rows, %d fields to %s for %s (suite %s, envelope %s, opens until %s)",
		res.Rows, len(h.Fields), h.Recipient, h.Purpose, h.Suite, h.ID, h.NotAfter.In(catalog.ChinaTime).Format(time.DateTime+" UTC+8"))
	if len(res.Dropped) > 0 {
		var names []string
		for _, d := range res.Dropped {
			names = append(names, d.Field)
		}
		msg += "; not shared: " + strings.Join(names, ", ")
	}
	if res.Rejected > 0 {
		msg += fmt.Sprintf("; %d rows rejected to %s", res.Rejected, *rejects)
	}
	if res.Risk != nil {
		msg += "; " + riskSummary(res.Risk)
	}
	fmt.Fprintln(e.stderr, msg)
	return writeReceipt(e, res.Receipt, receipt, *lf.dir)
}

// riskSummary is one line of a share's re-identification figures: counts
// and column names, never a value.
func riskSummary(r *risk.Result) string {
	qis := "no quasi-identifier left"
	if len(r.QuasiIdentifiers) > 0 {
		qis = "over " + strings.Join(r.QuasiIdentifiers, ", ")
	}
	return fmt.Sprintf("re-identification risk %s: %d records in %d classes, k_min %d, prosecutor risk max %.4g avg %.4g",
		qis, r.Records, r.Classes, r.KMin, r.ProsecutorMax, r.ProsecutorAvg)
}

// createOutput is govshare.CreateOutput with the CLI's words for a
// refusal: how to replace a file (the flag), or why it is never replaced.
func createOutput(path string, force bool, never string, inUse []string) (*govshare.Output, error) {
	var files []string
	for _, u := range inUse {
		if u != "" && u != "-" { // standard input is no file
			files = append(files, u)
		}
	}
	o, err := govshare.CreateOutput(path, force, files...)
	if errors.Is(err, govshare.ErrOutputExists) {
		if never == "" {
			never = "--force replaces it"
		}
		return nil, fmt.Errorf("%w (%s)", err, never)
	}
	return o, err
}

// writeReceipt keeps an act's receipt in out: a share's beside its
// envelope, OUT.receipt.json.
func writeReceipt(e *env, r *audit.Receipt, out *govshare.Output, logDir string) error {
	if r == nil || out == nil {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%s record #%d in %s; receipt (inclusion proof) in %s\n", receiptKind(r), r.Index, logDir, out.Path())
	return nil
}

// receiptKind names the kind of record a receipt proves.
func receiptKind(r *audit.Receipt) string {
	if sr, ok := r.SignedRecord(); ok {
		return string(sr.Record.Kind())
	}
	return "share"
}

// parseNotAfter reads a date (through the end of that day in UTC+8) or an
// RFC 3339 time.
func parseNotAfter(s string) (time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, s, catalog.ChinaTime); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("--not-after: want YYYY-MM-DD or an RFC 3339 time")
	}
	return t, nil
}

// createAtomic is govshare.CreateOutput for the commands that write files
// of their own (a witness key): an exclusive one never replaces a file.
func createAtomic(path string, exclusive bool) (*govshare.Output, error) {
	return govshare.CreateOutput(path, !exclusive)
}

// underlying drops the path an os error repeats (often a temporary name).
func underlying(err error) error {
	var pe *os.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// inFile puts the file an error is about after the one prefix of its
// message: "govshare: x.gse: envelope does not authenticate", where the
// error's own text begins "govshare/envelope: ". errors.Is still sees err.
func inFile(path string, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "govshare"); ok {
		if i := strings.Index(rest, ": "); i >= 0 && (i == 0 || rest[0] == '/' && !strings.ContainsAny(rest[:i], " :")) {
			msg = rest[i+2:]
		}
	}
	return &fileError{msg: "govshare: " + path + ": " + msg, err: err}
}

type fileError struct {
	msg string
	err error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.err }

func cmdOpen(e *env, args []string) error {
	fs := newFlags(e, "open")
	kdir := fs.String("keys", "", "keyring directory holding the recipient's keys (required)")
	dept := fs.String("dept", "", "opening department (required)")
	purpose := fs.String("purpose", "", "the purpose you declare; must be the sealed one (required)")
	trust := fs.String("trust", "", "the provider's public bundle, D.pub (required)")
	lf := logFlags(fs.FlagSet, "open")
	receiptFile := fs.String("receipt", "", "with --log: keep the open record's receipt (inclusion proof) in this new file")
	master := fs.String("master", "", "master key URI (default: the local master key in --keys)")
	out := fs.String("o", "", "output file (default: standard output)")
	force := fs.Bool("force", false, "replace the -o file if it exists")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *kdir == "" || *dept == "" || *purpose == "" || *trust == "" {
		return usageError{"open needs --keys, --dept, --purpose, --trust and one envelope file"}
	}
	if *receiptFile != "" && *lf.dir == "" {
		return usageError{"--receipt keeps the receipt of the open's record: give --log"}
	}
	p := catalog.Purpose(*purpose)
	if !p.Valid() {
		return usageError{fmt.Sprintf("unknown purpose %q", *purpose)}
	}
	kr, err := loadKeyring(*kdir, *dept, *master)
	if err != nil {
		return err
	}
	provider, err := loadPublic(*trust)
	if err != nil {
		return err
	}
	opt := &govshare.OpenOptions{}
	if opt.Log, err = lf.open(e, kr.Public(), provider); err != nil {
		return err
	}
	if opt.Log != nil {
		defer opt.Log.Close()
	}
	inUse := append([]string{pos[0], *kdir, *trust}, lf.files()...)
	var w io.Writer = e.stdout // with a log, written only once the open is on record
	if *out != "" && *out != "-" {
		o, err := createOutput(*out, *force, "", inUse)
		if err != nil {
			return err
		}
		defer o.Abort()
		w = o
		inUse = append(inUse, *out)
	}
	var receipt *govshare.Output
	if *receiptFile != "" {
		if receipt, err = createOutput(*receiptFile, false, "", inUse); err != nil {
			return err
		}
		defer receipt.Abort()
	}
	f, _, err := fsread.Open(pos[0]) // an envelope is a regular file: no FIFO, no device
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	res, err := govshare.Open(context.Background(), w, f, st.Size(), kr, provider, p, opt)
	if err != nil {
		if res != nil && res.Receipt != nil {
			// The refusal is an act on record too.
			err = fmt.Errorf("%w (refusal on record as #%d in %s)", err, res.Receipt.Index, *lf.dir)
			if werr := writeReceipt(&env{stderr: io.Discard}, res.Receipt, receipt, *lf.dir); werr != nil {
				err = errors.Join(err, werr)
			}
		}
		return inFile(pos[0], err)
	}
	fmt.Fprintf(e.stderr, "opened envelope %s from %s: %d records for %s (onward transfer prohibited)\n",
		res.ID, res.Provider, res.RecordCount, res.Purpose)
	if res.Receipt != nil && receipt == nil {
		fmt.Fprintf(e.stderr, "open record #%d in %s\n", res.Receipt.Index, *lf.dir)
	}
	return writeReceipt(e, res.Receipt, receipt, *lf.dir)
}

func cmdInspect(e *env, args []string) error {
	fs := newFlags(e, "inspect")
	asJSON := fs.Bool("json", false, "print the header as one JSON object")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"inspect takes one envelope file"}
	}
	h, err := inspectFile(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(h)
	}
	return printHeader(e.stdout, h)
}

// inspectFile reads an envelope file's header, unauthenticated.
func inspectFile(path string) (*envelope.Header, error) {
	f, _, err := fsread.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := envelope.Inspect(f)
	if err != nil {
		return nil, inFile(path, err)
	}
	return h, nil
}

// printHeader shows a header for people. It is not authenticated until
// Open: say so.
func printHeader(w io.Writer, h *envelope.Header) error {
	hh, err := h.Hash()
	if err != nil {
		return err
	}
	grant := h.Grant
	if grant == "" {
		grant = "(none)"
	}
	window := h.NotBefore.In(catalog.ChinaTime).Format(time.DateTime) + " – " + h.NotAfter.In(catalog.ChinaTime).Format(time.DateTime) + " UTC+8"
	rows := [][]string{
		{"envelope", h.ID.String()},
		{"header sha256", fmt.Sprintf("%x", hh)},
		{"suite", h.Suite.String()},
		{"provider", fmt.Sprintf("%s (signing key %d)", h.Provider, h.SignerKeyID)},
		{"recipient", fmt.Sprintf("%s (KEM key %d)", h.Recipient, h.KEMKeyID)},
		{"purpose", string(h.Purpose)},
		{"resource", h.Resource},
		{"grant", grant},
		{"issued", h.IssuedAt.In(catalog.ChinaTime).Format(time.DateTime + " UTC+8")},
		{"opens", window},
		{"onward transfer", map[bool]string{true: "prohibited", false: "allowed"}[h.OnwardTransferProhibited]},
		{"payload", fmt.Sprintf("%s, %d records, %d bytes, digest %s", h.ContentType, h.RecordCount, h.PayloadLength, h.Digest)},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "%-16s %s\n", r[0]+":", r[1])
	}
	fmt.Fprintln(w)
	t := [][]string{{"FIELD", "TYPE", "CATEGORY", "LEVEL", "TRANSFORM", "KEY"}}
	for _, f := range h.Fields {
		key := ""
		if f.KeyID != 0 {
			key = fmt.Sprint(f.KeyID)
		}
		t = append(t, []string{f.Name, string(f.Type), string(f.Category), string(f.Level), string(f.Transform), key})
	}
	if err := writeTable(w, t); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, "\n(read without keys: not authenticated until opened)")
	return err
}

// logFlag holds the --log and --log-key flags: a log and, for a local
// directory, its signing key.
type logFlag struct{ dir, key *string }

// files are the log directory's files, which an output must not be.
func (lf logFlag) files() []string {
	if *lf.dir == "" || audit.IsURL(*lf.dir) {
		return nil
	}
	dir := filepath.Clean(*lf.dir)
	return []string{dir, *lf.key, os.Getenv("GOVSHARE_LOG_KEY"), dir + ".key", dir + ".vkey"}
}

// logOpts holds the --log, --log-key and --log-vkey flags of share, open
// and stats.
type logOpts struct {
	logFlag
	vkey *string
}

func logFlags(fs *flag.FlagSet, cmd string) logOpts {
	return logOpts{
		logFlag{
			fs.String("log", "", "share-record log to record the "+cmd+" in: the URL of govshare log serve, or a local directory (one department's own record: docs/log.md)"),
			fs.String("log-key", "", "a log directory's signing key file (default: $GOVSHARE_LOG_KEY, else LOGDIR.key)"),
		},
		fs.String("log-vkey", "", "a log URL's verifier key (a file or the key), from its operator: every receipt is checked against it"),
	}
}

// files are the log's files, which an output must not be.
func (lf logOpts) files() []string {
	if *lf.vkey != "" {
		return append(lf.logFlag.files(), *lf.vkey)
	}
	return lf.logFlag.files()
}

// open opens the log the flags name for acts signed by their makers (nil
// when none): a served log, or a directory this process operates,
// accepting the records of the departments of bundles (openAppender).
func (lf logOpts) open(e *env, bundles ...*keys.PublicBundle) (audit.Appender, error) {
	if *lf.dir == "" {
		if *lf.vkey != "" || *lf.key != "" {
			return nil, usageError{"--log-key and --log-vkey go with --log"}
		}
		return nil, nil
	}
	return openAppender(e, *lf.dir, *lf.key, *lf.vkey, bundles...)
}

// openLog opens a share-record log for appending. Its signing key is the
// log operator's: it comes from keyFile, $GOVSHARE_LOG_KEY or LOGDIR.key,
// never from inside the log directory, so the log's files cannot vouch for
// themselves. A new log gets a new key pair: LOGDIR.key (0600) and
// LOGDIR.vkey, the verifier key to give to supervisors.
func openLog(e *env, dir, keyFile string) (*audit.Log, error) {
	dir = filepath.Clean(dir)
	if keyFile == "" {
		keyFile = os.Getenv("GOVSHARE_LOG_KEY")
	}
	if keyFile == "" {
		keyFile = dir + ".key"
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '-'
	}, filepath.Base(abs))
	sk, created, err := govshare.LogKey(dir, keyFile, "govshare.local/"+name)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(e.stderr, "new share-record log %s: signing key %s (secret), verifier key %s\n", dir, keyFile, dir+".vkey")
	}
	return openLogWith(dir, keyFile, sk)
}

func openLogWith(dir, keyFile, sk string) (*audit.Log, error) {
	signer, err := audit.NewSigner(audit.SignerKey(sk))
	if err != nil {
		return nil, fmt.Errorf("govshare: log signing key %s: %w", keyFile, err)
	}
	return audit.Open(dir, signer)
}

// readSecretFile reads a one-line secret, refusing a file others may read.
func readSecretFile(path string) (string, error) {
	b, err := keys.ReadSecretFile(path, 4<<10) // a note signing key is under 100 bytes
	return strings.TrimSpace(string(b)), err
}
