package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/govshare/govshare/internal/fsread"
	"golang.org/x/mod/sumdb/note"
)

// State is a verifier's memory of the logs it has verified: for each log
// origin, the last checkpoint it accepted. With it, a later view of a log
// that is not an extension of the remembered one — a log rebuilt under the
// same key with fewer or other records, or a second history shown to this
// verifier — fails with ErrForked or ErrRollback instead of verifying on
// its own terms ("govshare log verify --state F").
//
// The file is JSON, {"logs":{"<origin>":"<signed checkpoint>"}}, replaced
// atomically. Keep it where the log's operator cannot write.
type State struct {
	path string
	mu   sync.Mutex
	logs map[string]string
}

type stateFile struct {
	Logs map[string]string `json:"logs"`
}

// maxStateSize bounds a state file.
const maxStateSize = 16 << 20

// LoadState reads the state file at path; a missing file is an empty
// state, created on the first Save.
func LoadState(path string) (*State, error) {
	s := &State{path: path, logs: map[string]string{}}
	b, err := fsread.ReadFile(path, maxStateSize)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("govshare/audit: reading state: %w", err)
	}
	if len(b) > maxStateSize {
		return nil, errors.New("govshare/audit: state file too large")
	}
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, errors.New("govshare/audit: state file is not a verifier state")
	}
	for origin, ck := range sf.Logs {
		c, err := ParseCheckpoint(bodyOf([]byte(ck)))
		if err != nil || c.Origin != origin {
			return nil, errors.New("govshare/audit: state file holds a malformed checkpoint")
		}
		s.logs[origin] = ck
	}
	return s, nil
}

// Checkpoint returns the remembered signed checkpoint of origin.
func (s *State) Checkpoint(origin string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ck, ok := s.logs[origin]
	return []byte(ck), ok
}

// Origins lists the remembered logs.
func (s *State) Origins() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.logs))
}

// pinned returns the remembered checkpoint of origin, verified with v
// (nil if none).
func (s *State) pinned(origin string, v note.Verifier) (*Checkpoint, error) {
	signed, ok := s.Checkpoint(origin)
	if !ok {
		return nil, nil
	}
	c, err := OpenCheckpoint(signed, v)
	if err != nil {
		// The log's key changed under its name, or the state was edited.
		return nil, wrapNotVerified(ErrForked, err, "govshare/audit: the remembered checkpoint of %s does not verify with this key", origin)
	}
	return &c, nil
}

// Check checks that a signed checkpoint, verified with v, extends the one
// remembered for its origin, given a consistency proof from the
// remembered size (as a log server's /proof/consistency returns). It does
// not remember it: Accept does.
func (s *State) Check(signed []byte, proof []Hash, v note.Verifier) (Checkpoint, error) {
	c, err := OpenCheckpoint(signed, v)
	if err != nil {
		return c, err
	}
	old, ok := s.Checkpoint(c.Origin)
	if !ok {
		return c, nil
	}
	return c, VerifyConsistency(old, signed, proof, v)
}

// Accept checks as Check does, then remembers the checkpoint and saves.
func (s *State) Accept(signed []byte, proof []Hash, v note.Verifier) (Checkpoint, error) {
	c, err := s.Check(signed, proof, v)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	s.logs[c.Origin] = string(signed)
	s.mu.Unlock()
	return c, s.Save()
}

// remember stores a verified signed checkpoint and saves the state.
func (s *State) remember(origin string, signed []byte) error {
	s.mu.Lock()
	s.logs[origin] = string(signed)
	s.mu.Unlock()
	return s.Save()
}

// Save writes the state file atomically.
func (s *State) Save() error {
	s.mu.Lock()
	b, err := json.MarshalIndent(stateFile{Logs: s.logs}, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("govshare/audit: encoding state: %w", err)
	}
	dir, name := filepath.Split(s.path)
	if dir == "" {
		dir = "."
	}
	if err := writeFileAtomic(dir, name, append(b, '\n'), true); err != nil {
		return fmt.Errorf("govshare/audit: writing state: %w", err)
	}
	return nil
}

// CheckReceipt checks a receipt for rec with the log's verifier key, and
// that the receipt's tree and the one remembered for its log are one
// history: proof is the consistency proof from the smaller of the two
// trees to the larger (a log server's /proof/consistency gives it). A
// receipt from another history fails with ErrForked.
func (s *State) CheckReceipt(r Receipt, rec Record, proof []Hash, v note.Verifier) error {
	if err := VerifyReceipt(r, rec, v); err != nil {
		return err
	}
	rc, err := OpenCheckpoint([]byte(r.Checkpoint), v)
	if err != nil {
		return err
	}
	remembered, ok := s.Checkpoint(rc.Origin)
	if !ok {
		return nil
	}
	mc, err := OpenCheckpoint(remembered, v)
	if err != nil {
		return wrapNotVerified(ErrForked, err, "govshare/audit: the remembered checkpoint of %s", rc.Origin)
	}
	if rc.Size <= mc.Size {
		return VerifyConsistency([]byte(r.Checkpoint), remembered, proof, v)
	}
	return VerifyConsistency(remembered, []byte(r.Checkpoint), proof, v)
}
