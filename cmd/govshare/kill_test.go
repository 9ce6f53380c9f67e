package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/internal/synth"
)

// envChild makes the test binary run the CLI with its arguments instead of
// the tests: the kill test's subprocess.
const envChild = "GOVSHARE_CLI_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(run(&env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// killFixture is the kill test's world: keys, a generated register whose
// identifiers leave in clear for the tax bureau, a log, and one envelope to
// open.
type killFixture struct {
	dir, kdir, cat, grants, in, logDir, env string
	envID                                   string
	secrets                                 map[string]bool // the register's resident IDs, mobiles and bank cards
	opened                                  int64           // the size of the opened envelope
	verifier                                string
}

func newKillFixture(t *testing.T, rows int) *killFixture {
	dir, kdir := shareSetup(t)
	k := &killFixture{dir: dir, kdir: kdir, cat: "../../testdata/catalog/population.yaml", grants: "../../testdata/catalog/grants.yaml",
		in: filepath.Join(dir, "register.csv"), logDir: filepath.Join(dir, "log"), env: filepath.Join(dir, "base.gse"),
		secrets: map[string]bool{}}
	var reg bytes.Buffer
	g := synth.New(11)
	if err := g.WriteCSV(&reg, synth.PopulationColumns(), rows, g.PopulationRow); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(reg.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range recs[0] {
		if name == "身份证号" || name == "手机号码" || name == "银行卡号" {
			for _, r := range recs[1:] {
				k.secrets[r[i]] = true
			}
		}
	}
	if err := os.WriteFile(k.in, reg.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "", k.share(k.env)...); code != 0 {
		t.Fatal(errs)
	}
	h, err := inspectFile(k.env)
	if err != nil {
		t.Fatal(err)
	}
	k.envID = h.ID.String()
	k.opened = int64(h.PayloadLength)
	vk, err := os.ReadFile(k.logDir + ".vkey")
	if err != nil {
		t.Fatal(err)
	}
	k.verifier = strings.TrimSpace(string(vk))
	return k
}

func (k *killFixture) share(out string) []string {
	return []string{"share", "--catalog", k.cat, "--grants", k.grants, "--purpose", "administrative_basis",
		"--from", k.kdir, "--dept", "public-security-bureau", "--to", filepath.Join(k.kdir, "tax-bureau.pub"),
		"--log", k.logDir, k.in, "-o", out}
}

func (k *killFixture) open(extra ...string) []string {
	return append([]string{"open", "--keys", k.kdir, "--dept", "tax-bureau", "--purpose", "administrative_basis",
		"--trust", filepath.Join(k.kdir, "public-security-bureau.pub"), "--log", k.logDir, k.env}, extra...)
}

// child starts the CLI as a subprocess with its own temporary directory.
func (k *killFixture) child(tmp string, stdout *os.File, args []string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envChild+"=1", "TMPDIR="+tmp)
	if stdout != nil {
		cmd.Stdout = stdout
	}
	return cmd
}

// digitRun finds the candidates for identifiers in any bytes.
var digitRun = regexp.MustCompile(`[0-9]{11,19}[0-9Xx]?`)

// leaks returns the files under dir, but for those in keep, that hold an
// identifier of the register.
func (k *killFixture) leaks(t *testing.T, dir string, keep map[string]bool) []string {
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || keep[p] {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for _, m := range digitRun.FindAll(b, -1) {
			if k.secrets[string(m)] {
				found = append(found, filepath.Base(p))
				break
			}
		}
		return nil
	})
	return found
}

// records lists the log's share records' envelope ids and the number of
// opened records for the base envelope, as far as the log can be read.
func (k *killFixture) records() (shared map[string]bool, opened, withdrawn int) {
	shared = map[string]bool{}
	for e, err := range audit.Entries(k.logDir) {
		if err != nil {
			break // an unfinished tail
		}
		switch r := e.Record.(type) {
		case audit.ShareRecord:
			shared[r.EnvelopeID] = true
		case audit.OpenRecord:
			if r.EnvelopeID == k.envID && r.Outcome == audit.OutcomeOpened {
				opened++
			}
			if r.Outcome == "withdrawn" {
				withdrawn++
			}
		}
	}
	return shared, opened, withdrawn
}

// killFigures counts what the kill test saw.
type killFigures struct {
	runs, finished, outputs, tails, leaks, orphans, partial, unverified, unmade int
}

// TestKillShareOpen kills share and open (-o FILE and to standard output)
// with SIGKILL at random points, and checks after each kill that no
// identifier of the register is readable on disk outside the requested
// outputs, that every envelope and opened output that exists is on record
// and complete, and that the log verifies or has only an unfinished tail
// that the next open of the log resolves (issue 11 §3). 200 runs on a
// register of 20,000 rows (20 runs with -short); GOVSHARE_KILL_RUNS and
// GOVSHARE_KILL_ROWS=100000 change them.
func TestKillShareOpen(t *testing.T) {
	runs := envInt("GOVSHARE_KILL_RUNS", 200)
	if testing.Short() {
		runs = envInt("GOVSHARE_KILL_RUNS", 20)
	}
	k := newKillFixture(t, envInt("GOVSHARE_KILL_ROWS", 20000))
	v, err := audit.NewVerifier(k.verifier)
	if err != nil {
		t.Fatal(err)
	}
	sk, err := readSecretFile(k.logDir + ".key")
	if err != nil {
		t.Fatal(err)
	}
	// The time of an unkilled run of each kind (the median of three, at
	// most a second: a slow disk must not stretch every run): kills fall in
	// [0, 1.3×) of it.
	kinds := []string{"share", "open -o", "open >"}
	took := map[string]time.Duration{}
	for _, kind := range kinds {
		var ds []time.Duration
		for range 3 {
			dir := t.TempDir()
			args, stdout := k.args(kind, dir)
			start := time.Now()
			cmd := k.child(dir, stdout, args)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v %s", kind, err, errb.String())
			}
			stdout.Close()
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		took[kind] = min(ds[1], time.Second)
	}
	t.Logf("unkilled: share %v, open -o %v, open > %v", took["share"], took["open -o"], took["open >"])

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var fig killFigures
	started := time.Now()
	for i := range runs {
		kind := kinds[i%len(kinds)]
		dir := filepath.Join(k.dir, fmt.Sprintf("run-%d", i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		_, openedBefore, withdrawnBefore := k.records()
		args, stdout := k.args(kind, dir)
		cmd := k.child(dir, stdout, args)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(took[kind]) * 13 / 10)))
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err == nil {
			fig.finished++
		}
		stdout.Close()
		fig.runs++

		// The log: verified, or an unfinished tail that opening it resolves.
		if _, err := audit.Verify(k.logDir, v); err != nil {
			fig.tails++
			signer, serr := audit.NewSigner(audit.SignerKey(sk))
			if serr != nil {
				t.Fatal(serr)
			}
			l, oerr := audit.Open(k.logDir, signer)
			if oerr == nil {
				oerr = l.Close()
			}
			if _, err2 := audit.Verify(k.logDir, v); oerr != nil || err2 != nil {
				fig.unverified++
				t.Errorf("run %d (%s): log does not verify after a kill (%v), nor after reopening (%v, %v)", i, kind, err, oerr, err2)
			}
		}
		shared, openedAfter, withdrawnAfter := k.records()

		out := filepath.Join(dir, "out")
		keep := map[string]bool{}
		if st, err := os.Stat(out); err == nil {
			keep[out] = true
			fig.outputs++
			switch kind {
			case "share":
				h, err := inspectFile(out)
				if err != nil {
					fig.partial++
					t.Errorf("run %d: a visible envelope that is not whole: %v", i, err)
				} else if !shared[h.ID.String()] {
					fig.orphans++
					t.Errorf("run %d: envelope %s is not on record", i, h.ID)
				}
			default:
				if st.Size() == 0 && kind == "open >" {
					fig.outputs--
					break
				}
				if kind == "open -o" && st.Size() != k.opened {
					fig.partial++
					t.Errorf("run %d: opened file of %d bytes, want %d", i, st.Size(), k.opened)
				}
				if openedAfter <= openedBefore {
					fig.orphans++
					t.Errorf("run %d (%s): plaintext delivered without its record", i, kind)
				}
			}
		} else if kind == "open -o" && openedAfter > openedBefore && withdrawnAfter == withdrawnBefore {
			// On record as opened but no output: the kill fell between the
			// record and the output. Allowed (the record errs on the side of
			// the recipient having had the data), and counted.
			fig.unmade++
		}
		if l := k.leaks(t, dir, keep); len(l) > 0 {
			fig.leaks++
			t.Errorf("run %d (%s): identifiers readable in %v", i, kind, l)
		}
		os.RemoveAll(dir)
	}
	t.Logf("%d kills in %v (%d rows): %d finished before the kill, %d outputs visible, %d opens on record whose output was not made, %d unfinished log tails, %d leaks, %d outputs without record, %d partial outputs, %d logs not verifying",
		fig.runs, time.Since(started).Round(time.Millisecond), envInt("GOVSHARE_KILL_ROWS", 20000), fig.finished, fig.outputs, fig.unmade, fig.tails, fig.leaks, fig.orphans, fig.partial, fig.unverified)
}

// args returns a run's arguments, the output at dir/out, and the file its
// standard output goes to (dir/out for "open >").
func (k *killFixture) args(kind, dir string) ([]string, *os.File) {
	out := filepath.Join(dir, "out")
	switch kind {
	case "share":
		return k.share(out), nil
	case "open -o":
		return k.open("-o", out), nil
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		panic(err)
	}
	return k.open(), f
}
