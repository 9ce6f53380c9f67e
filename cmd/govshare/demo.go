package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/govshare/govshare/dp"
	"github.com/govshare/govshare/internal/sample"
)

// The departments of the demo.
const (
	psb   = sample.Provider // 公安局: holds the population register
	tax   = "tax-bureau"    // 税务局: needs identities for tax refunds
	civil = "civil-affairs-bureau"
	stats = "statistics-bureau"
)

// demo runs the CLI's own commands in-process over files in one directory
// and narrates what each party holds. Every step is a command the reader can
// type.
type demo struct {
	e   *env
	dir string
}

func cmdDemo(e *env, args []string) error {
	fs := newFlags(e, "demo")
	rows := fs.Int("rows", 2000, "residents in the generated register")
	dirFlag := fs.String("dir", "", "work in this directory and keep it (default: a temporary directory, removed after)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *rows < 1 {
		return usageError{"demo takes no arguments; --rows must be at least 1"}
	}
	dir := *dirFlag
	if dir == "" {
		if dir, err = os.MkdirTemp("", "govshare-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// The directory holds keys and a register: remove it on Ctrl-C too,
		// and let a closed pipe (demo | head) end in a clean-up, not a kill.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGPIPE)
		defer func() {
			signal.Stop(sig)
			close(sig) // no more deliveries after Stop: ends the goroutine below
		}()
		go func() {
			for s := range sig {
				if s != syscall.SIGPIPE {
					os.RemoveAll(dir)
					os.Exit(130)
				}
			}
		}()
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	} else if ents, err := os.ReadDir(dir); err != nil || len(ents) > 0 {
		return fmt.Errorf("govshare: demo --dir %s: want a new or empty directory", dir)
	}
	d := &demo{e: e, dir: dir}
	return d.run(*rows)
}

func (d *demo) path(name string) string { return filepath.Join(d.dir, name) }

func (d *demo) say(format string, a ...any) { fmt.Fprintf(d.e.stdout, format+"\n", a...) }

// cmd runs one govshare command, shows it as typed in the demo directory,
// and returns its standard output; its standard error is shown indented.
func (d *demo) cmd(wantOK bool, args ...string) (string, error) {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strings.TrimPrefix(a, d.dir+string(filepath.Separator))
		if strings.ContainsAny(shown[i], " ,") {
			shown[i] = "'" + shown[i] + "'"
		}
	}
	d.say("  $ govshare %s", strings.Join(shown, " "))
	var out, errs bytes.Buffer
	code := run(&env{stdin: strings.NewReader(""), stdout: &out, stderr: &errs}, args)
	if errs.Len() > 0 {
		d.indent(errs.String())
	}
	if (code == 0) != wantOK {
		if wantOK {
			return "", fmt.Errorf("govshare: demo step failed: govshare %s", strings.Join(shown, " "))
		}
		return "", fmt.Errorf("govshare: demo step should have been refused: govshare %s", strings.Join(shown, " "))
	}
	return out.String(), nil
}

func (d *demo) run(rows int) error {
	now := time.Now()
	d.say("govshare demo: a population register shared by the public security bureau, in %s", d.dir)
	d.say("(all data is synthetic; commands are shown relative to that directory)")

	// 1. The provider's data and its reviewed catalog.
	reg, err := sample.Population(uint64(now.UnixNano()), rows)
	if err != nil {
		return err
	}
	grants := sample.Grants([]sample.Grant{
		{ID: "g-tax-refund", Recipient: tax, Purpose: "administrative_basis", Fields: []string{"姓名", "身份证号", "银行卡号"},
			NotAfter: now.AddDate(1, 0, 0), Basis: "个人所得税法 第十五条: identity and account checks for tax refunds"},
		{ID: "g-civil-old", Recipient: civil, Purpose: "data_verification", Fields: []string{"银行卡号"},
			NotAfter: now.AddDate(0, -1, 0), Basis: "subsidy account checks; expired last month"},
	})
	for name, b := range map[string][]byte{"register.csv": reg, "catalog.yaml": sample.Catalog, "grants.yaml": grants} {
		if err := os.WriteFile(d.path(name), b, 0o600); err != nil {
			return err
		}
	}
	d.say("\n1. The public security bureau holds register.csv: %d residents, 14 columns. Classification finds what each column is:", rows)
	out, err := d.cmd(true, "scan", d.path("register.csv"))
	if err != nil {
		return err
	}
	d.indent(out)
	d.say("   catalog.yaml is the reviewed catalog (scan --catalog-out drafts one): the resource is shared")
	d.say("   unconditionally, but 银行卡号 only under a grant and 民族 (ethnicity) never in clear.")
	d.say("   grants.yaml holds two grants: the tax bureau's (valid a year) and an expired one of civil affairs.")

	// 2. Keys.
	d.say("\n2. Each department makes its keys; the public bundles (*.pub) are exchanged.")
	for _, dept := range []string{psb, tax, civil, stats} {
		if _, err := d.cmd(true, "keys", "new", "--dept", dept, "--dir", d.path("keys")); err != nil {
			return err
		}
	}

	// 3. Two shares.
	d.say("\n3. The public security bureau shares the register twice; each share is masked by policy, sealed to one")
	d.say("   department for one purpose, signed, and recorded in the share-record log (created on first use), each")
	d.say("   record signed by the department whose act it is. (Here the log is a local directory, operated by whoever")
	d.say("   runs the command; between departments it is one operator's `govshare log serve` URL: docs/log.md.)")
	share := func(to, purpose, out string) error {
		_, err := d.cmd(true, "share", "--catalog", d.path("catalog.yaml"), "--grants", d.path("grants.yaml"),
			"--purpose", purpose, "--from", d.path("keys"), "--dept", psb, "--to", d.path("keys/"+to+".pub"),
			"--log", d.path("log"), d.path("register.csv"), "-o", d.path(out))
		return err
	}
	d.say("   a) to the tax bureau, as the basis for administrative action (refunds), under its grant:")
	if err := share(tax, "administrative_basis", "tax.gse"); err != nil {
		return err
	}
	d.say("   b) to the civil affairs bureau, to verify applicants' data (subsidy checks); its grant has expired:")
	if err := share(civil, "data_verification", "civil.gse"); err != nil {
		return err
	}
	d.say("   Anyone can read an envelope's header, without keys:")
	out, err = d.cmd(true, "inspect", d.path("civil.gse"))
	if err != nil {
		return err
	}
	d.indent(firstLines(out, 12))

	// 4. Opening.
	d.say("\n4. Each recipient opens its own envelope with its keys, its declared purpose and the provider's public key.")
	open := func(dept, purpose, in, out string, ok bool) error {
		args := []string{"open", "--keys", d.path("keys"), "--dept", dept, "--purpose", purpose,
			"--trust", d.path("keys/" + psb + ".pub"), "--log", d.path("log"), d.path(in)}
		if out != "" {
			args = append(args, "-o", d.path(out))
		}
		_, err := d.cmd(ok, args...)
		return err
	}
	if err := open(tax, "administrative_basis", "tax.gse", "tax.csv", true); err != nil {
		return err
	}
	d.say("   The tax bureau received identities in clear, as its grant allows (first 3 rows, some columns):")
	if err := d.showCSV("tax.csv", 3, "姓名", "身份证号", "手机号码", "银行卡号", "户籍地址"); err != nil {
		return err
	}
	if err := open(civil, "data_verification", "civil.gse", "civil.csv", true); err != nil {
		return err
	}
	d.say("   The civil affairs bureau received match-only tokens, keyed to it: it can check that an applicant's")
	d.say("   record matches (tokens are deterministic) but cannot read the values, and its tokens differ from any")
	d.say("   other department's, so a leaked copy names it. No bank card: its grant had expired.")
	if err := d.showCSV("civil.csv", 3, "姓名", "身份证号", "手机号码"); err != nil {
		return err
	}

	// 5. Refusals.
	d.say("\n5. What the envelopes refuse (each attempt is logged):")
	d.say("   a) the tax bureau tries to open the civil affairs bureau's envelope (its keys do not hold the envelope's")
	d.say("      KEM key, so the log names it by its signing key, key:tax-bureau/…, not by a department name):")
	if err := open(tax, "data_verification", "civil.gse", "", false); err != nil {
		return err
	}
	d.say("   b) the civil affairs bureau declares another purpose than the one it was given the data for:")
	if err := open(civil, "statistics", "civil.gse", "", false); err != nil {
		return err
	}
	d.say("   c) one byte of the tax bureau's envelope changed in transit:")
	env, err := os.ReadFile(d.path("tax.gse"))
	if err != nil {
		return err
	}
	env[len(env)/2] ^= 0x20
	if err := os.WriteFile(d.path("tax-damaged.gse"), env, 0o600); err != nil {
		return err
	}
	if err := open(tax, "administrative_basis", "tax-damaged.gse", "", false); err != nil {
		return err
	}

	// 6. Statistics.
	d.say("\n6. A statistics release to the statistics bureau: a differentially private count by gender (ε = 1,")
	d.say("   one contribution per resident). Group labels leave in clear, so grouping by an identifier, a")
	d.say("   sensitive field such as 民族, or free text is refused. The privacy budget (ε,δ = 1,1e-5 per resource")
	d.say("   and recipient) lives on the log: the release record, with its ε, δ and mechanism, is the charge.")
	d.say("   The release is sealed to the statistics bureau and recorded like any share:")
	statsArgs := func(out string) []string {
		return []string{"stats", "--catalog", d.path("catalog.yaml"), "--purpose", "statistics", "--epsilon", "1",
			"--person", "身份证号", "--group-by", "性别", "--count", "--budget", "1,1e-5",
			"--from", d.path("keys"), "--to", d.path("keys/" + stats + ".pub"), "--log", d.path("log"),
			d.path("register.csv"), "-o", d.path(out)}
	}
	if _, err := d.cmd(true, statsArgs("stats.gse")...); err != nil {
		return err
	}
	if err := open(stats, "statistics", "stats.gse", "stats.json", true); err != nil {
		return err
	}
	report, err := os.ReadFile(d.path("stats.json"))
	if err != nil {
		return err
	}
	d.say("   The statistics bureau received (its JSON report, as a table):")
	if err := d.showStats(string(report)); err != nil {
		return err
	}
	d.say("   A second release to the same account is refused before anything is read: the budget is spent, and")
	d.say("   no local file can give it back (the log's operator checks every release record against it):")
	if _, err := d.cmd(false, statsArgs("stats-2.gse")...); err != nil {
		return err
	}

	// 7. The log.
	d.say("\n7. The share-record log holds ids and digests, never data. Supervisors list it, and verify it with the")
	d.say("   operator's verifier key (given out of band, never taken from beside the log) and the departments'")
	d.say("   public bundles, which check every record's signature and recompute every privacy budget:")
	out, err = d.cmd(true, "log", "show", d.path("log"))
	if err != nil {
		return err
	}
	d.indent(out)
	out, err = d.cmd(true, "log", "verify", "--vkey", d.path("log.vkey"), "--trust-dir", d.path("keys"), "--require-signed", d.path("log"))
	if err != nil {
		return err
	}
	d.indent(out)
	d.say("   Editing any byte of the stored log is detected: in a copy, one record's purpose is changed:")
	if err := d.tamperedLogCopy(); err != nil {
		return err
	}
	if _, err := d.cmd(false, "log", "verify", "--vkey", d.path("log.vkey"), d.path("log-copy")); err != nil {
		return err
	}
	d.say("\nDone. The provider answers for what it sent (its signature over the payload), each recipient for")
	d.say("what it opened (the log), and the data opened only for its recipient and purpose.")
	return nil
}

// indent shows a command's output, with paths relative to the demo directory.
func (d *demo) indent(s string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		d.say("    %s", strings.ReplaceAll(l, d.dir+string(filepath.Separator), ""))
	}
}

func firstLines(s string, n int) string {
	ls := strings.SplitN(s, "\n", n+1)
	return strings.Join(ls[:min(n, len(ls))], "\n")
}

// showCSV prints the first n rows of some columns of a received file,
// shortening long tokens.
func (d *demo) showCSV(name string, n int, cols ...string) error {
	f, err := os.Open(d.path(name))
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return err
	}
	idx := make([]int, 0, len(cols))
	table := [][]string{nil}
	for _, c := range cols {
		for i, h := range head {
			if h == c {
				idx = append(idx, i)
				table[0] = append(table[0], c)
			}
		}
	}
	for range n {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		row := make([]string, len(idx))
		for j, i := range idx {
			row[j] = rec[i]
			if utf8.RuneCountInString(row[j]) > 24 {
				row[j] = string([]rune(row[j])[:20]) + "…"
			}
		}
		table = append(table, row)
	}
	var b bytes.Buffer
	if err := writeTable(&b, table); err != nil {
		return err
	}
	d.indent(b.String())
	return nil
}

// showStats prints a stats JSON report as a table.
func (d *demo) showStats(out string) error {
	// The report as "govshare stats" prints it (dp.Result's JSON form).
	var rep struct {
		Results []struct {
			Group, Mechanism string
			Value            float64
			CI               *dp.Interval `json:"confidence_interval"`
			NoiseStdDev      float64      `json:"noise_stddev"`
		}
		Budget *dp.BudgetStatus
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		return err
	}
	t := [][]string{{"性别", "DP COUNT", "95% INTERVAL", "NOISE"}}
	for _, r := range rep.Results {
		ci := ""
		if r.CI != nil {
			ci = fmt.Sprintf("%.0f – %.0f", r.CI.Lower, r.CI.Upper)
		}
		t = append(t, []string{r.Group, fmt.Sprintf("%.0f", r.Value), ci, fmt.Sprintf("%s σ=%.2f", r.Mechanism, r.NoiseStdDev)})
	}
	var b bytes.Buffer
	if err := writeTable(&b, t); err != nil {
		return err
	}
	d.indent(b.String())
	if rep.Budget != nil {
		d.say("    budget of record (%s): ε %.2g of %.2g spent for %s", rep.Budget.Ledger, rep.Budget.SpentEpsilon, rep.Budget.BudgetEpsilon, stats)
	}
	d.say("    (groups too small to hide one person are not released)")
	return nil
}

// tamperedLogCopy copies the log and changes a record's purpose in the copy.
func (d *demo) tamperedLogCopy() error {
	if err := os.CopyFS(d.path("log-copy"), os.DirFS(d.path("log"))); err != nil {
		return err
	}
	ents, err := os.ReadDir(d.path("log-copy"))
	if err != nil {
		return err
	}
	for _, ent := range ents {
		p := filepath.Join(d.path("log-copy"), ent.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i := bytes.Index(b, []byte(`"data_verification"`)); i >= 0 {
			copy(b[i:], `"work_reference"   `)
			return os.WriteFile(p, b, 0o600)
		}
	}
	return errors.New("govshare: demo: no record to alter in the log copy")
}
