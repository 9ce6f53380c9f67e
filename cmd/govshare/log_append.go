package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/crypto/keys"
)

// openAppender opens the log a --log flag names, for acts signed by their
// makers: a URL of "govshare log serve" (its verifier key from vkeyArg, a
// file or the key, required), or a directory, which this process then
// operates itself with the log key as openLog finds it (keyFile,
// $GOVSHARE_LOG_KEY or LOGDIR.key), accepting records signed by the
// departments of bundles (the caller's own and those it trusts).
func openAppender(e *env, target, keyFile, vkeyArg string, bundles ...*keys.PublicBundle) (audit.Appender, error) {
	ctx := context.Background()
	if audit.IsURL(target) {
		if vkeyArg == "" {
			return nil, fmt.Errorf("govshare: the log at %s needs its operator's verifier key (--log-vkey)", target)
		}
		vk, err := readKeyArg(vkeyArg)
		if err != nil {
			return nil, err
		}
		v, err := audit.NewVerifier(vk)
		if err != nil {
			return nil, fmt.Errorf("govshare: %s: %w", vkeyArg, err)
		}
		return audit.Dial(ctx, target, v, audit.ClientOptions{})
	}
	reg, err := audit.NewRegistry()
	if err != nil {
		return nil, err
	}
	added := map[string]bool{}
	for _, b := range bundles {
		if b == nil || added[b.Dept()] {
			continue
		}
		added[b.Dept()] = true
		if err := reg.Add(b); err != nil {
			return nil, err
		}
	}
	l, err := openLog(e, filepath.Clean(target), keyFile)
	if err != nil {
		return nil, err
	}
	op, err := audit.NewOperator(l, reg)
	if err != nil {
		l.Close()
		return nil, err
	}
	return op, nil
}

// recordAct signs rec with kr's Ed25519 signing key for app's log and
// appends it: the one call share, open, dispute and stats make to put an
// act on record. The receipt proves it.
func recordAct(ctx context.Context, app audit.Appender, kr *keys.Keyring, rec audit.Record) (audit.Receipt, error) {
	s, err := audit.KeyringSigner(kr, keys.KindSignEd25519)
	if err != nil {
		return audit.Receipt{}, err
	}
	return audit.SignAndAppend(ctx, app, s, rec)
}
