package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/policy"
)

// parties are the run's catalog, keys and log, loaded and checked. The log
// is opened (and, a directory's, made on first use) by Run once the source
// has answered, so a run that cannot read its source creates nothing.
type parties struct {
	cat    *catalog.Catalog
	grants []policy.Grant
	from   *keys.Keyring
	to     *keys.PublicBundle
	log    audit.Appender
	logDir string // the log's directory, "" for a served log
}

func loadParties(cfg *Config) (*parties, error) {
	p := &parties{}
	var err error
	if p.cat, err = catalog.Load(cfg.Catalog); err != nil {
		return nil, err
	}
	if p.cat.Provider != cfg.Dept {
		return nil, fmt.Errorf("%s is %q's catalog, not %q's", cfg.Catalog, p.cat.Provider, cfg.Dept)
	}
	if p.grants, err = loadGrants(cfg.Grants); err != nil {
		return nil, err
	}
	master := cfg.Master
	if master == "" {
		master = "local:" + cfg.From
	}
	m, err := keys.Master(master)
	if err != nil {
		return nil, err
	}
	if p.from, err = keys.Load(cfg.From, cfg.Dept, m); err != nil {
		return nil, err
	}
	if p.to, err = keys.LoadPublic(cfg.To); err != nil {
		return nil, err
	}
	if !audit.IsURL(cfg.Log) {
		p.logDir = filepath.Clean(cfg.Log)
	}
	return p, nil
}

// openLog opens the share-record log, as the CLI's --log does: a served
// log checked against its operator's verifier key, or a directory this
// job operates, signed with LOGDIR.key (made with LOGDIR.vkey on first
// use), accepting the records of the two parties.
func openLog(ctx context.Context, cfg *Config, bundles ...*keys.PublicBundle) (audit.Appender, error) {
	if audit.IsURL(cfg.Log) {
		if cfg.LogVKey == "" {
			return nil, fmt.Errorf("the log at %s needs its operator's verifier key (--log-vkey)", cfg.Log)
		}
		vk := cfg.LogVKey
		if b, err := os.ReadFile(vk); err == nil {
			vk = strings.TrimSpace(string(b))
		}
		v, err := audit.NewVerifier(vk)
		if err != nil {
			return nil, fmt.Errorf("--log-vkey: %w", err)
		}
		return audit.OpenAppender(ctx, cfg.Log, audit.AppenderOptions{Verifier: v})
	}
	dir := filepath.Clean(cfg.Log)
	keyFile := cfg.LogKey
	if keyFile == "" {
		keyFile = dir + ".key"
	}
	sk, _, err := govshare.LogKey(dir, keyFile, "govshare.local/etl-job-"+filepath.Base(dir))
	if err != nil {
		return nil, err
	}
	signer, err := audit.NewSigner(audit.SignerKey(sk))
	if err != nil {
		return nil, fmt.Errorf("log signing key %s: %w", keyFile, err)
	}
	reg, err := audit.NewRegistry(bundles...)
	if err != nil {
		return nil, err
	}
	return audit.OpenAppender(ctx, dir, audit.AppenderOptions{Signer: signer, Registry: reg})
}
