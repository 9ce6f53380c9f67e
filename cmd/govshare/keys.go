package main

import (
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/fsread"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// keysSubs are "govshare keys"'s subcommands, with their synopses.
func keysSubs() []subcommand {
	return []subcommand{
		{"new", "keys new --dept D --dir KDIR [--master URI]"},
		{"show", "keys show [--json] D.pub"},
	}
}

func cmdKeys(e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "new":
			return cmdKeysNew(e, args[1:])
		case "show":
			return cmdKeysShow(e, args[1:])
		}
	}
	return usageError{"keys takes a subcommand: new, show"}
}

func cmdKeysNew(e *env, args []string) error {
	fs := newFlags(e, "keys new")
	dept := fs.String("dept", "", "department id (required)")
	dir := fs.String("dir", "", "keyring directory (required)")
	master := fs.String("master", "", "master key: local:DIR or a registered Tink KMS URI (default: local:KDIR, a 0600 file)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *dept == "" || *dir == "" {
		return usageError{"keys new needs --dept and --dir"}
	}
	if err := keys.ValidDept(*dept); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(keys.KeysPath(*dir, *dept)); err == nil {
		return fmt.Errorf("govshare: %s already exists: refusing to overwrite a department's keys", keys.KeysPath(*dir, *dept))
	} else if !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	m, err := openMaster(*master, *dir)
	if err != nil {
		return err
	}
	kr, err := keys.New(*dept)
	if err != nil {
		return err
	}
	if err := kr.Save(*dir, m); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created keys for %s: %s (secret, 0600) and %s (public bundle to give to other departments)\n",
		*dept, keys.KeysPath(*dir, *dept), keys.PublicPath(*dir, *dept))
	if *master == "" {
		fmt.Fprintf(e.stdout, "the keys are encrypted under %s: keep and back it up with them\n", filepath.Join(*dir, keys.MasterFile))
	}
	return nil
}

// openMaster opens the master key: the given URI, or the local master-key
// file in the keyring directory.
func openMaster(uri, dir string) (tink.AEAD, error) {
	if uri != "" {
		return keys.Master(uri)
	}
	return keys.LocalMaster(dir)
}

// loadKeyring opens a department's keyring from dir. It only reads: a
// missing keyring or local master key is an error, never made anew (that
// would leave a key that opens nothing beside the real keyring).
func loadKeyring(dir, dept, masterURI string) (*keys.Keyring, error) {
	if _, err := os.Stat(keys.KeysPath(dir, dept)); err != nil {
		return nil, fmt.Errorf("govshare: no keys for %q in %s (make them with govshare keys new --dept %s --dir %s)", dept, dir, dept, dir)
	}
	if masterURI == "" {
		if _, err := os.Stat(filepath.Join(dir, keys.MasterFile)); err != nil {
			return nil, fmt.Errorf("govshare: the master key %s is missing: %s cannot be decrypted without it (or give --master)",
				filepath.Join(dir, keys.MasterFile), keys.KeysPath(dir, dept))
		}
	}
	m, err := openMaster(masterURI, dir)
	if err != nil {
		return nil, err
	}
	return keys.Load(dir, dept, m)
}

// maxPublicBundle caps a public bundle file, as keys.LoadPublic does.
const maxPublicBundle = 1 << 20

// loadPublic reads a public bundle file (D.pub): a regular file of at most
// 1 MiB, refused without blocking when it is a FIFO or a device.
func loadPublic(path string) (*keys.PublicBundle, error) {
	b, err := fsread.ReadFile(path, maxPublicBundle)
	if err != nil {
		return nil, &keys.FileError{Path: path, Err: err}
	}
	p, err := keys.ParsePublic(b)
	if err != nil {
		return nil, &keys.FileError{Path: path, Err: err}
	}
	return p, nil
}

// keyJSON is one key of "keys show --json".
type keyJSON struct {
	Kind      string `json:"kind"`
	ID        uint32 `json:"id"`
	State     string `json:"state"`
	Primary   bool   `json:"primary"`
	NotBefore string `json:"not_before,omitempty"`
	NotAfter  string `json:"not_after,omitempty"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

// cmdKeysShow prints what a public bundle says — department, version,
// whether the root key signed it, every KEM and signing key with its state
// and validity, the OPRF primary key — and the fingerprint to compare with
// the department out of band. A bundle holds no secret; a keyring or master
// key given by mistake is refused as not a bundle, none of it printed.
func cmdKeysShow(e *env, args []string) error {
	fs := newFlags(e, "keys show")
	asJSON := fs.Bool("json", false, `print one JSON object: {"department","version","signed","fingerprint","keys":[{"kind","id","state","primary",...}],"oprf_primary"}`)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"keys show takes one public bundle file (D.pub)"}
	}
	p, err := loadPublic(pos[0])
	if err != nil {
		return err
	}
	_, oprfPrimary, err := p.OPRFPublicKey()
	if err != nil {
		return err
	}
	var ks []keyJSON
	for _, ki := range p.Keys() {
		k := keyJSON{Kind: ki.Kind.String(), ID: ki.ID, State: ki.State.String(),
			NotBefore: stampOf(ki.NotBefore), NotAfter: stampOf(ki.NotAfter), RevokedAt: stampOf(ki.RevokedAt)}
		if h, err := p.Handle(ki.Kind); err == nil && h.KeysetInfo().GetPrimaryKeyId() == ki.ID {
			k.Primary = true
		}
		ks = append(ks, k)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Department  string    `json:"department"`
			Version     uint64    `json:"version"`
			Signed      bool      `json:"signed"`
			Fingerprint string    `json:"fingerprint"`
			Keys        []keyJSON `json:"keys"`
			OPRFPrimary uint32    `json:"oprf_primary"`
		}{p.Dept(), p.Version(), p.Signed(), p.Fingerprint(), ks, oprfPrimary})
	}
	signed := "yes, by the department's root key"
	print := "fingerprint of the root key; the same for every later bundle"
	if !p.Signed() {
		signed = "no: an unsigned version-1 bundle, to trust only by how you got it"
		print = "digest of this unsigned bundle; it changes with every rotation"
	}
	w := e.stdout
	fmt.Fprintf(w, "department:  %s\n", p.Dept())
	fmt.Fprintf(w, "version:     %d\n", p.Version())
	fmt.Fprintf(w, "signed:      %s\n", signed)
	fmt.Fprintf(w, "fingerprint: %s\n", p.Fingerprint())
	fmt.Fprintf(w, "             (%s: compare it with %s by telephone or on paper before trusting the bundle)\n", print, p.Dept())
	fmt.Fprintf(w, "oprf:        primary key %d\n", oprfPrimary)
	rows := [][]string{{"KIND", "ID", "STATE", "PRIMARY", "NOT_BEFORE", "NOT_AFTER", "REVOKED_AT"}}
	for _, k := range ks {
		primary := ""
		if k.Primary {
			primary = "yes"
		}
		rows = append(rows, []string{k.Kind, strconv.FormatUint(uint64(k.ID), 10), k.State, primary,
			dash(k.NotBefore), dash(k.NotAfter), dash(k.RevokedAt)})
	}
	fmt.Fprintln(w)
	return writeTable(w, rows)
}

// stampOf prints a key's time as the bundle does (RFC 3339 UTC), "" if unset.
func stampOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
