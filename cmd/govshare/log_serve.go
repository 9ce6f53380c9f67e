package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/govshare/govshare/audit"
	"golang.org/x/mod/sumdb/note"
)

// serveContext is how long "log serve" and "log witness" run: until
// SIGINT or SIGTERM (tests replace it).
var serveContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// serveListening, when set, is told the address a server listens on
// (tests).
var serveListening func(addr string)

// cmdLogServe runs the log operator's server: the only holder of the log's
// signing key. Departments append signed records over HTTP; anyone reads
// the tiles and checkpoint.
func cmdLogServe(e *env, args []string) error {
	fs := newFlags(e, "log")
	dir := fs.String("dir", "", "the log directory (required; created if missing)")
	addr := fs.String("addr", "", "address to listen on, HOST:PORT (required)")
	keyFile := fs.String("log-key", "", "the log's signing key file (default: $GOVSHARE_LOG_KEY, else LOGDIR.key; made for a new log)")
	var trust, witnesses repeated
	fs.Var(&trust, "trust", "a department's public bundle D.pub, whose signed records the log accepts (repeatable)")
	trustDir := fs.String("trust-dir", "", "accept records signed by the departments whose bundles (*.pub) are in this directory")
	fs.Var(&witnesses, "witness", "URL=VKEY: a witness to get checkpoints cosigned by, with its verifier key (file or key) (repeatable)")
	skew := fs.Duration("skew", audit.MaxSkew, "refuse a record whose time is further than this from the operator's clock")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *dir == "" || *addr == "" || (len(trust) == 0 && *trustDir == "") {
		return usageError{"log serve needs --dir, --addr and the departments' keys (--trust or --trust-dir)"}
	}
	reg, n, err := loadRegistry(trust, *trustDir)
	if err != nil {
		return err
	}
	var peers []audit.WitnessPeer
	for _, w := range witnesses {
		u, k, ok := strings.Cut(w, "=")
		if !ok || !audit.IsURL(u) {
			return usageError{fmt.Sprintf("--witness %s: want URL=VKEY", w)}
		}
		vk, err := readKeyArg(k)
		if err != nil {
			return err
		}
		wv, err := audit.NewWitnessVerifier(vk)
		if err != nil {
			return fmt.Errorf("govshare: --witness %s: %w", u, err)
		}
		peers = append(peers, audit.WitnessPeer{Client: &audit.WitnessClient{URL: u}, Verifier: wv})
	}
	l, err := openLog(e, filepath.Clean(*dir), *keyFile)
	if err != nil {
		return err
	}
	defer l.Close()
	op, err := audit.NewOperator(l, reg)
	if err != nil {
		return err
	}
	op.SetSkew(*skew)
	var wit *audit.Witnessing
	if len(peers) > 0 {
		wit = audit.NewWitnessing(l, peers...)
	}
	srv := audit.NewServer(op, wit)
	defer srv.Close()
	srv.OnWitnessError = func(err error) { fmt.Fprintf(e.stderr, "govshare: witnessing: %v\n", err) }
	ck, _ := audit.ParseCheckpoint(checkpointBody(l.Checkpoint()))
	return serveHTTP(e, *addr, srv, fmt.Sprintf("share-record log %s (%d records, %d departments registered, %d witnesses)", ck.Origin, l.Size(), n, len(peers)))
}

// checkpointBody is a signed checkpoint's text.
func checkpointBody(signed []byte) []byte {
	if i := strings.Index(string(signed), "\n\n"); i >= 0 {
		return signed[:i+1]
	}
	return signed
}

// serveHTTP serves h on addr until serveContext ends.
func serveHTTP(e *env, addr string, h http.Handler, what string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("govshare: listening on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, cancel := serveContext()
	defer cancel()
	fmt.Fprintf(e.stderr, "serving %s at http://%s\n", what, ln.Addr())
	if serveListening != nil {
		serveListening(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("govshare: serving: %w", err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("govshare: stopping: %w", err)
	}
	return nil
}

// cmdLogWitness runs a witness: it cosigns a log's checkpoints only if
// each is consistent with the last one it cosigned.
func cmdLogWitness(e *env, args []string) error {
	fs := newFlags(e, "log")
	addr := fs.String("addr", "", "address to listen on, HOST:PORT (required)")
	keyFile := fs.String("key", "", "the witness's signing key file, from log witness-key (required)")
	stateFile := fs.String("state", "", "the witness's state: the last checkpoint it cosigned per log (required; never delete it: a witness that forgot must get a new key)")
	var logKeys repeated
	fs.Var(&logKeys, "log-vkey", "the verifier key (file or key) of a log to witness (repeatable, required)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *addr == "" || *keyFile == "" || *stateFile == "" || len(logKeys) == 0 {
		return usageError{"log witness needs --addr, --key, --state and at least one --log-vkey"}
	}
	sk, err := readSecretFile(*keyFile)
	if err != nil {
		return err
	}
	signer, err := audit.NewWitnessSigner(audit.SignerKey(sk))
	if err != nil {
		return fmt.Errorf("govshare: witness key %s: %w", *keyFile, err)
	}
	var vs []note.Verifier
	for _, k := range logKeys {
		vk, err := readKeyArg(k)
		if err != nil {
			return err
		}
		v, err := audit.NewVerifier(vk)
		if err != nil {
			return fmt.Errorf("govshare: --log-vkey %s: %w", k, err)
		}
		vs = append(vs, v)
	}
	w, err := audit.NewWitness(signer, *stateFile, vs...)
	if err != nil {
		return err
	}
	return serveHTTP(e, *addr, w, fmt.Sprintf("witness %s for %d logs", w.Name(), len(vs)))
}

// cmdLogWitnessKey makes a witness's key pair: KEY (secret, 0600) and
// KEY.vkey, the verifier key to give to those who require its cosignature.
func cmdLogWitnessKey(e *env, args []string) error {
	fs := newFlags(e, "log")
	name := fs.String("name", "", "the witness's name, e.g. audit.gov.example/witness (required)")
	keyFile := fs.String("key", "", "where to write the secret key (required; must not exist)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *name == "" || *keyFile == "" {
		return usageError{"log witness-key needs --name and --key"}
	}
	sk, vk, err := audit.GenerateWitnessKey(*name)
	if err != nil {
		return err
	}
	kf, err := createAtomic(*keyFile, true)
	if err != nil {
		return err
	}
	defer kf.Abort()
	if _, err := kf.WriteString(string(sk) + "\n"); err != nil {
		return err
	}
	vf, err := createAtomic(*keyFile+".vkey", true)
	if err != nil {
		return err
	}
	defer vf.Abort()
	if _, err := vf.WriteString(vk + "\n"); err != nil {
		return err
	}
	if err := kf.Commit(); err != nil {
		return err
	}
	if err := vf.Commit(); err != nil {
		return err
	}
	_ = os.Chmod(*keyFile+".vkey", 0o644) // public
	fmt.Fprintf(e.stdout, "%s\n", vk)
	fmt.Fprintf(e.stderr, "witness key %s (secret), verifier key %s\n", *keyFile, *keyFile+".vkey")
	return nil
}
