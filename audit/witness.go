package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govshare/govshare/internal/fsread"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Witnesses (C2SP tlog-witness, tlog-cosignature): a witness is a party
// other than the operator — a supervisory department — that keeps, for
// each log it watches, the last checkpoint it cosigned, and cosigns a new
// one only with a consistency proof from it. Two histories of one log can
// then not both be cosigned by the same witness: a verifier that requires
// its cosignature ("govshare log verify --witness K --min-witnesses 1")
// sees one history only, whoever shows it the log.

// ErrUnknownLog: a witness was asked to cosign a log it does not watch.
var ErrUnknownLog = errors.New("govshare/audit: witness does not watch this log")

// errOldBeyond: a tlog-witness request whose old size is beyond its
// checkpoint (HTTP 400).
var errOldBeyond = errors.New("old size beyond the checkpoint")

// cosignedFile holds, in a log directory, the latest checkpoint with its
// witnesses' cosignatures (written by Witnessing).
const cosignedFile = "cosigned"

// cosignatureAlg is the C2SP signed-note signature type of cosignature/v1.
const cosignatureAlg = 0x04

// cosignatureKeyHash is the key id of a cosignature/v1 key.
func cosignatureKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', cosignatureAlg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// cosignedMessage is what a cosignature/v1 signs.
func cosignedMessage(ts uint64, text []byte) []byte {
	m := []byte("cosignature/v1\ntime " + strconv.FormatUint(ts, 10) + "\n")
	return append(m, text...)
}

// GenerateWitnessKey creates a witness's cosignature/v1 key pair. The
// verifier key "name+hash+key" is public: give it to verifiers, who
// require its cosignature with "log verify --witness".
func GenerateWitnessKey(name string) (SignerKey, string, error) {
	if !validOrigin(name) {
		return "", "", errors.New("govshare/audit: witness name is empty or has spaces or '+'")
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", errors.New("govshare/audit: generating key failed")
	}
	kh := fmt.Sprintf("%08x", cosignatureKeyHash(name, pub))
	sk := "PRIVATE+KEY+" + name + "+" + kh + "+" + base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, priv.Seed()...))
	vk := name + "+" + kh + "+" + base64.StdEncoding.EncodeToString(append([]byte{cosignatureAlg}, pub...))
	return SignerKey(sk), vk, nil
}

type cosigner struct {
	name  string
	hash  uint32
	priv  ed25519.PrivateKey
	clock func() time.Time
}

func (c *cosigner) Name() string    { return c.name }
func (c *cosigner) KeyHash() uint32 { return c.hash }
func (c *cosigner) Sign(msg []byte) ([]byte, error) {
	ts := uint64(c.clock().Unix())
	sig := binary.BigEndian.AppendUint64(nil, ts)
	return append(sig, ed25519.Sign(c.priv, cosignedMessage(ts, msg))...), nil
}

// NewWitnessSigner decodes a witness key from GenerateWitnessKey.
func NewWitnessSigner(k SignerKey) (note.Signer, error) {
	bad := errors.New("govshare/audit: malformed witness key")
	rest, ok := strings.CutPrefix(string(k), "PRIVATE+KEY+")
	if !ok {
		return nil, bad
	}
	name, kh, key, err := splitKey(rest)
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != cosignatureAlg {
		return nil, bad
	}
	priv := ed25519.NewKeyFromSeed(key[1:])
	if cosignatureKeyHash(name, priv.Public().(ed25519.PublicKey)) != kh {
		return nil, bad
	}
	return &cosigner{name: name, hash: kh, priv: priv, clock: time.Now}, nil
}

type cosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

func (v *cosignatureVerifier) Name() string    { return v.name }
func (v *cosignatureVerifier) KeyHash() uint32 { return v.hash }
func (v *cosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(binary.BigEndian.Uint64(sig), msg), sig[8:])
}

// NewWitnessVerifier decodes a witness's verifier key (cosignature/v1,
// "name+hash+base64(0x04||key)").
func NewWitnessVerifier(vkey string) (note.Verifier, error) {
	name, kh, key, err := splitKey(vkey)
	if err != nil || len(key) != 1+ed25519.PublicKeySize || key[0] != cosignatureAlg {
		return nil, errors.New("govshare/audit: malformed witness verifier key")
	}
	pub := ed25519.PublicKey(key[1:])
	if cosignatureKeyHash(name, pub) != kh {
		return nil, errors.New("govshare/audit: malformed witness verifier key")
	}
	return &cosignatureVerifier{name: name, hash: kh, pub: pub}, nil
}

// splitKey splits "name+hash+base64".
func splitKey(s string) (string, uint32, []byte, error) {
	bad := errors.New("malformed key")
	i := strings.Index(s, "+")
	if i <= 0 {
		return "", 0, nil, bad
	}
	name, rest := s[:i], s[i+1:]
	j := strings.Index(rest, "+")
	if j != 8 {
		return "", 0, nil, bad
	}
	h, err := hex.DecodeString(rest[:8])
	if err != nil || !validOrigin(name) {
		return "", 0, nil, bad
	}
	key, err := base64.StdEncoding.Strict().DecodeString(rest[9:])
	if err != nil {
		return "", 0, nil, bad
	}
	return name, binary.BigEndian.Uint32(h), key, nil
}

// OpenCosigned verifies a checkpoint that may carry witnesses'
// cosignatures: it must be signed by the log (logV) and is returned with
// the names of the witnesses among witnesses whose cosignatures verify.
// Signatures by other keys are ignored; a bad one by a known key fails
// (ErrBadSignature).
func OpenCosigned(signed []byte, logV note.Verifier, witnesses []note.Verifier) (Checkpoint, []string, error) {
	if logV == nil {
		return Checkpoint{}, nil, errors.New("govshare/audit: nil verifier")
	}
	if len(signed) > maxCheckpointSize*4 {
		return Checkpoint{}, nil, notVerified(nil, "cosigned checkpoint too large")
	}
	vs := append([]note.Verifier{logV}, witnesses...)
	n, err := note.Open(signed, note.VerifierList(vs...))
	if err != nil {
		return Checkpoint{}, nil, notVerified(ErrBadSignature, "cosigned checkpoint does not verify")
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, nil, wrapNotVerified(nil, err, "govshare/audit: cosigned checkpoint")
	}
	if c.Origin != logV.Name() {
		return Checkpoint{}, nil, notVerified(ErrBadSignature, "checkpoint origin differs from the key name")
	}
	logSigned := false
	var names []string
	seen := map[string]bool{}
	for _, s := range n.Sigs {
		if s.Name == logV.Name() && s.Hash == logV.KeyHash() {
			logSigned = true
			continue
		}
		for _, w := range witnesses {
			if s.Name == w.Name() && s.Hash == w.KeyHash() && !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	if !logSigned {
		return Checkpoint{}, nil, notVerified(ErrBadSignature, "checkpoint is not signed by the log's key")
	}
	return c, names, nil
}

// Witness cosigns checkpoints of the logs it watches, each only if it is
// consistent with the last one it cosigned for that log. Its state — per
// log origin, that checkpoint — is a file written before any cosignature
// is returned: a witness whose state is lost must get a new key, or it
// could cosign a second history. A Witness is safe for concurrent use and
// is an http.Handler serving C2SP tlog-witness's POST /add-checkpoint.
type Witness struct {
	signer note.Signer
	logs   map[string]note.Verifier
	path   string

	mu    sync.Mutex
	state map[string]string // origin → last cosigned checkpoint (signed by the log)
}

type witnessState struct {
	Logs map[string]string `json:"logs"`
}

// NewWitness returns a witness cosigning with key for the logs whose
// verifier keys are given, keeping its state in statePath.
func NewWitness(key note.Signer, statePath string, logs ...note.Verifier) (*Witness, error) {
	if key == nil || len(logs) == 0 {
		return nil, errors.New("govshare/audit: a witness needs its key and at least one log")
	}
	w := &Witness{signer: key, logs: map[string]note.Verifier{}, path: statePath, state: map[string]string{}}
	for _, v := range logs {
		w.logs[v.Name()] = v
	}
	b, err := fsread.ReadFile(statePath, maxStateSize)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("govshare/audit: reading witness state: %w", err)
	}
	if err == nil {
		var st witnessState
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, errors.New("govshare/audit: witness state file is malformed")
		}
		for origin, ck := range st.Logs {
			if _, err := ParseCheckpoint(bodyOf([]byte(ck))); err != nil {
				return nil, errors.New("govshare/audit: witness state file holds a malformed checkpoint")
			}
			w.state[origin] = ck
		}
	}
	return w, nil
}

// Name is the witness's key name.
func (w *Witness) Name() string { return w.signer.Name() }

// Latest returns the last checkpoint the witness cosigned for origin.
func (w *Witness) Latest(origin string) ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ck, ok := w.state[origin]
	return []byte(ck), ok
}

// ConflictError says that a witness's last cosigned checkpoint of the log
// has another size than the caller assumed (HTTP 409): the caller proves
// consistency from Size and tries again. When Size is beyond the offered
// checkpoint, it also wraps ErrRollback.
type ConflictError struct {
	Size    uint64
	Offered uint64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("govshare/audit: the witness last cosigned a tree of %d records", e.Size)
}

func (e *ConflictError) Unwrap() []error {
	if e.Size > e.Offered {
		return []error{ErrNotVerified, ErrRollback}
	}
	return nil
}

// AddCheckpoint cosigns the signed checkpoint if it extends the last one
// the witness cosigned for its log, which must have oldSize records; proof
// is the consistency proof from oldSize. It returns the cosignature line
// ("— name base64\n"). Errors: ErrUnknownLog, ErrBadSignature,
// *ConflictError, ErrForked (the proof does not verify: another history),
// ErrRollback (a smaller tree or an earlier time).
func (w *Witness) AddCheckpoint(oldSize uint64, proof []Hash, signed []byte) ([]byte, error) {
	if len(signed) > maxCheckpointSize*4 {
		return nil, notVerified(nil, "checkpoint too large")
	}
	body, err := ParseCheckpoint(bodyOf(signed))
	if err != nil {
		return nil, wrapNotVerified(nil, err, "govshare/audit")
	}
	v, ok := w.logs[body.Origin]
	if !ok {
		return nil, ErrUnknownLog
	}
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return nil, notVerified(ErrBadSignature, "checkpoint is not signed by the log's key")
	}
	c, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return nil, wrapNotVerified(nil, err, "govshare/audit")
	}
	if oldSize > c.Size {
		return nil, &verifyError{kind: ErrRollback, msg: fmt.Sprintf("govshare/audit: old size %d is beyond the checkpoint's %d", oldSize, c.Size), err: errOldBeyond}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var old Checkpoint
	if prev, ok := w.state[c.Origin]; ok {
		if old, err = ParseCheckpoint(bodyOf([]byte(prev))); err != nil {
			return nil, errors.New("govshare/audit: witness state is damaged")
		}
	} else {
		old = Checkpoint{Origin: c.Origin, Size: 0, Root: emptyRoot}
	}
	if oldSize != old.Size {
		return nil, &ConflictError{Size: old.Size, Offered: c.Size}
	}
	err = checkExtends(old, c, func() error {
		if err := tlog.CheckTree(proof, int64(c.Size), c.Root, int64(old.Size), old.Root); err != nil {
			return notVerified(ErrForked, "consistency proof from %d to %d does not verify: another history", old.Size, c.Size)
		}
		return nil
	}, len(proof))
	if err != nil {
		return nil, err
	}
	text := []byte(n.Text)
	// Persist before cosigning: a cosignature the witness could forget
	// would let it cosign a second history after a restart.
	next := make(map[string]string, len(w.state)+1)
	for k, s := range w.state {
		next[k] = s
	}
	next[c.Origin] = string(signed)
	if err := w.save(next); err != nil {
		return nil, err
	}
	w.state = next
	out, err := note.Sign(&note.Note{Text: string(text)}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: cosigning: %w", err)
	}
	return out[len(text)+1:], nil
}

func (w *Witness) save(st map[string]string) error {
	b, err := json.MarshalIndent(witnessState{Logs: st}, "", "  ")
	if err != nil {
		return fmt.Errorf("govshare/audit: encoding witness state: %w", err)
	}
	dir, name := filepath.Split(w.path)
	if dir == "" {
		dir = "."
	}
	if err := writeFileAtomic(dir, name, append(b, '\n'), true); err != nil {
		return fmt.Errorf("govshare/audit: writing witness state: %w", err)
	}
	return nil
}

// maxAddCheckpointBody bounds a tlog-witness request: a proof has at most
// 63 hashes.
const maxAddCheckpointBody = 64 << 10

// ServeHTTP serves POST /add-checkpoint (C2SP tlog-witness): the body is
// "old <size>", the consistency proof's hashes in base64 one a line, an
// empty line, and the checkpoint. 200 returns the cosignature line; 404
// an unknown log; 403 a bad log signature; 400 a malformed request; 409
// (text/x.tlog.size) the size the witness holds; 422 a proof that does not
// verify or a checkpoint older than the witness's (body "forked" or
// "rollback").
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/add-checkpoint" {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", "POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAddCheckpointBody+1))
	if err != nil || len(body) > maxAddCheckpointBody {
		http.Error(rw, "request too large or unreadable", http.StatusBadRequest)
		return
	}
	oldSize, proof, ck, err := parseAddCheckpoint(body)
	if err != nil {
		http.Error(rw, "malformed request", http.StatusBadRequest)
		return
	}
	cosig, err := w.AddCheckpoint(oldSize, proof, ck)
	var conflict *ConflictError
	switch {
	case err == nil:
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Write(cosig)
	case errors.Is(err, errOldBeyond):
		http.Error(rw, "old size beyond the checkpoint", http.StatusBadRequest)
	case errors.As(err, &conflict):
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", conflict.Size)
	case errors.Is(err, ErrUnknownLog):
		http.Error(rw, "unknown log", http.StatusNotFound)
	case errors.Is(err, ErrBadSignature):
		http.Error(rw, "checkpoint signature does not verify", http.StatusForbidden)
	case errors.Is(err, ErrForked):
		http.Error(rw, "forked", http.StatusUnprocessableEntity)
	case errors.Is(err, ErrRollback):
		http.Error(rw, "rollback", http.StatusUnprocessableEntity)
	case errors.Is(err, ErrNotVerified):
		http.Error(rw, "malformed checkpoint", http.StatusBadRequest)
	default:
		http.Error(rw, "internal error", http.StatusInternalServerError)
	}
}

func parseAddCheckpoint(b []byte) (uint64, []Hash, []byte, error) {
	bad := errors.New("malformed")
	line, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok {
		return 0, nil, nil, bad
	}
	sizeText, ok := strings.CutPrefix(string(line), "old ")
	if !ok {
		return 0, nil, nil, bad
	}
	size, err := strconv.ParseUint(sizeText, 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != sizeText {
		return 0, nil, nil, bad
	}
	var proof []Hash
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return 0, nil, nil, bad
		}
		if len(line) == 0 {
			break
		}
		if len(proof) == 63 {
			return 0, nil, nil, bad
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(raw) != HashSize {
			return 0, nil, nil, bad
		}
		var h Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	return size, proof, rest, nil
}

func formatAddCheckpoint(oldSize uint64, proof []Hash, ck []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", oldSize)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(ck)
	return b.Bytes()
}

// WitnessClient asks a witness served over HTTP to cosign.
type WitnessClient struct {
	URL  string // the witness's base URL; the request goes to URL + "/add-checkpoint"
	HTTP *http.Client
}

// AddCheckpoint sends a checkpoint with its consistency proof from oldSize
// and returns the witness's cosignature line. Errors are Witness's.
func (c *WitnessClient) AddCheckpoint(ctx context.Context, oldSize uint64, proof []Hash, signed []byte) ([]byte, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+"/add-checkpoint", bytes.NewReader(formatAddCheckpoint(oldSize, proof, signed)))
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: witness request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: witness: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCheckpointSize))
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: witness: %w", err)
	}
	offered := uint64(0)
	if c, err := ParseCheckpoint(bodyOf(signed)); err == nil {
		offered = c.Size
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusConflict:
		size, err := strconv.ParseUint(strings.TrimSpace(string(body)), 10, 64)
		if err != nil {
			return nil, errors.New("govshare/audit: witness answered 409 without a size")
		}
		return nil, &ConflictError{Size: size, Offered: offered}
	case http.StatusNotFound:
		return nil, ErrUnknownLog
	case http.StatusForbidden:
		return nil, notVerified(ErrBadSignature, "the witness says the checkpoint's signature does not verify")
	case http.StatusUnprocessableEntity:
		if strings.TrimSpace(string(body)) == "rollback" {
			return nil, notVerified(ErrRollback, "the witness refused the checkpoint: older than the one it cosigned")
		}
		return nil, notVerified(ErrForked, "the witness refused the checkpoint: not consistent with the one it cosigned")
	}
	return nil, fmt.Errorf("govshare/audit: witness answered %s", resp.Status)
}

// WitnessPeer is one witness a log's operator asks to cosign.
type WitnessPeer struct {
	Client   *WitnessClient
	Verifier note.Verifier // the witness's cosignature key
}

// Witnessing gets a log's checkpoints cosigned by its witnesses and keeps
// the latest cosigned checkpoint in the log directory's "cosigned" file,
// which "log serve" serves as /checkpoint and VerifyDir reads.
type Witnessing struct {
	log   *Log
	peers []WitnessPeer

	mu       sync.Mutex
	sizes    []uint64 // each peer's last cosigned size, as far as known
	cosigned []byte
}

// NewWitnessing returns a Witnessing for l.
func NewWitnessing(l *Log, peers ...WitnessPeer) *Witnessing {
	w := &Witnessing{log: l, peers: peers, sizes: make([]uint64, len(peers))}
	if b, err := os.ReadFile(filepath.Join(l.dir, cosignedFile)); err == nil {
		w.cosigned = b
	}
	return w
}

// Cosigned returns the latest cosigned checkpoint (nil before any).
func (w *Witnessing) Cosigned() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.cosigned)
}

// Update offers the log's latest checkpoint to every witness and, if any
// cosigned it, stores it with their cosignatures. It returns the
// cosigned checkpoint and the witnesses' refusals joined.
func (w *Witnessing) Update(ctx context.Context) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ck := w.log.Checkpoint()
	c, err := ParseCheckpoint(bodyOf(ck))
	if err != nil {
		return nil, err
	}
	var lines [][]byte
	var errs []error
	for i, p := range w.peers {
		line, err := w.offer(ctx, i, c, ck)
		if err != nil {
			errs = append(errs, fmt.Errorf("witness %s: %w", p.Verifier.Name(), err))
			continue
		}
		// Keep only a cosignature that verifies.
		if _, names, err := OpenCosigned(append(bytes.Clone(ck), line...), w.log.verifier(), []note.Verifier{p.Verifier}); err != nil || len(names) != 1 {
			errs = append(errs, fmt.Errorf("witness %s: its cosignature does not verify", p.Verifier.Name()))
			continue
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return bytes.Clone(w.cosigned), errors.Join(errs...)
	}
	out := bytes.Clone(ck)
	for _, l := range lines {
		out = append(out, l...)
	}
	if err := writeFileAtomic(w.log.dir, cosignedFile, out, true); err != nil {
		return nil, fmt.Errorf("govshare/audit: writing cosigned checkpoint: %w", err)
	}
	w.cosigned = out
	return bytes.Clone(out), errors.Join(errs...)
}

// offer sends ck to peer i, retrying once from the size a 409 names.
func (w *Witnessing) offer(ctx context.Context, i int, c Checkpoint, ck []byte) ([]byte, error) {
	for try := 0; ; try++ {
		old := w.sizes[i]
		if old > c.Size {
			return nil, notVerified(ErrRollback, "the witness holds %d records, the log %d", old, c.Size)
		}
		proof, err := w.log.ConsistencyProof(old, c.Size)
		if err != nil {
			return nil, err
		}
		line, err := w.peers[i].Client.AddCheckpoint(ctx, old, proof, ck)
		var conflict *ConflictError
		if errors.As(err, &conflict) && try == 0 {
			w.sizes[i] = conflict.Size
			continue
		}
		if err != nil {
			return nil, err
		}
		w.sizes[i] = c.Size
		return line, nil
	}
}

// verifier returns the note verifier of the log's own key.
func (l *Log) verifier() note.Verifier {
	return signerVerifier{l.signer}
}

// signerVerifier verifies a checkpoint the log just signed: Ed25519 is
// deterministic, so signing again and comparing is verifying.
type signerVerifier struct{ s note.Signer }

func (v signerVerifier) Name() string    { return v.s.Name() }
func (v signerVerifier) KeyHash() uint32 { return v.s.KeyHash() }
func (v signerVerifier) Verify(msg, sig []byte) bool {
	again, err := v.s.Sign(msg)
	return err == nil && bytes.Equal(again, sig)
}
