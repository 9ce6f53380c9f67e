package govshare

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
)

// LogKey returns the signing key of the share-record log directory dir,
// kept in keyFile (0600, never inside dir, so the log's files cannot vouch
// for themselves), and makes the pair on a log's first use: a new key named
// name (audit.GenerateKey), and its verifier key in dir+".vkey" to give to
// supervisors. created reports that this call made them.
//
// The key is written unseen, synced and linked into place only if keyFile
// does not exist, so two first users at once agree on one key: the loser
// reads the winner's, and only the winner writes the verifier key, which
// therefore always matches. A log that already holds files but has no
// keyFile is an error: a new key could not sign on from its records.
func LogKey(dir, keyFile, name string) (sk string, created bool, err error) {
	sk, err = readLogKey(keyFile)
	if !errors.Is(err, os.ErrNotExist) {
		return sk, false, err
	}
	if ents, _ := os.ReadDir(dir); len(ents) > 0 {
		// Another first user may have made both since we looked.
		if sk, err = readLogKey(keyFile); err != nil {
			return "", false, fmt.Errorf("govshare: log %s exists but its signing key %s does not", dir, keyFile)
		}
		return sk, false, nil
	}
	skey, vk, err := audit.GenerateKey(name)
	if err != nil {
		return "", false, err
	}
	kf, err := CreateOutput(keyFile, false)
	if err != nil {
		if errors.Is(err, ErrOutputExists) {
			sk, err := readLogKey(keyFile)
			return sk, false, err
		}
		return "", false, err
	}
	defer kf.Abort()
	if _, err := kf.WriteString(string(skey) + "\n"); err != nil {
		return "", false, err
	}
	// A log whose key a power cut took is a log no one can sign on from.
	if err := kf.f.Sync(); err != nil {
		return "", false, err
	}
	if err := kf.Commit(); err != nil {
		if errors.Is(err, ErrOutputExists) {
			sk, err := readLogKey(keyFile)
			return sk, false, err
		}
		return "", false, err
	}
	vf, err := CreateOutput(dir+".vkey", true)
	if err != nil {
		return "", false, err
	}
	defer vf.Abort()
	if _, err := vf.WriteString(vk + "\n"); err != nil {
		return "", false, err
	}
	if err := vf.f.Sync(); err != nil {
		return "", false, err
	}
	return string(skey), true, vf.Commit()
}

// readLogKey reads a one-line secret key, refusing a file others may read.
func readLogKey(path string) (string, error) {
	b, err := keys.ReadSecretFile(path, 4<<10) // a note signing key is under 100 bytes
	return strings.TrimSpace(string(b)), err
}
