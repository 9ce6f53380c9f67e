package main

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/tink-crypto/tink-go/v2/tink"
)

func cmdKeys(e *env, args []string) error {
	if len(args) == 0 || args[0] != "new" {
		return usageError{"keys takes a subcommand: new"}
	}
	fs := newFlags(e, "keys")
	dept := fs.String("dept", "", "department id (required)")
	dir := fs.String("dir", "", "keyring directory (required)")
	master := fs.String("master", "", "master key: local:DIR or a registered Tink KMS URI (default: local:KDIR, a 0600 file)")
	pos, err := parseFlags(fs, args[1:])
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

// loadKeyring opens a department's keyring from dir.
func loadKeyring(dir, dept, masterURI string) (*keys.Keyring, error) {
	m, err := openMaster(masterURI, dir)
	if err != nil {
		return nil, err
	}
	return keys.Load(dir, dept, m)
}
