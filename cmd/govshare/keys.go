package main

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

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
