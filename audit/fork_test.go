package audit

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// rebuilt makes a log in a new directory under the same key s, holding
// the signed sample records at the given positions of the original (the
// operator keeps its departments' signed records and replays a selection:
// it cannot sign new acts, but it can choose which to show).
func rebuilt(t *testing.T, s note.Signer, records ...int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rebuilt")
	op, clk := newOperator(t, dir, s)
	for _, i := range records {
		clk.set(baseTime.Add(time.Duration(i)*time.Second + 300*time.Millisecond))
		if _, err := op.Append(ctx, signSample(t, op.Origin(), i)); err != nil {
			t.Fatal(err)
		}
	}
	op.Log().Close()
	return dir
}

// TestForkAndRollback: the log's operator rebuilds the log under the same
// key with fewer or other records. A verifier with remembered state, a
// witness, and a department holding a receipt each detect it, as a fork
// (another history) or a rollback (an older one), by a distinct error.
func TestForkAndRollback(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := filepath.Join(t.TempDir(), "log")
	op, clk := newOperator(t, dir, s)
	receipts := appendSigned(t, op, clk, 0, 10)
	op.Log().Close()
	reg := testRegistry(t)

	// The honest log verifies and is remembered.
	state, err := LoadState(filepath.Join(t.TempDir(), "verifier.state"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: reg, State: state}); err != nil {
		t.Fatal(err)
	}
	// A witness cosigns it.
	ws, _ := newWitnessKeys(t, "supervisor.example/witness")
	w, err := NewWitness(ws, filepath.Join(t.TempDir(), "witness.state"), v)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AddCheckpoint(0, nil, l.Checkpoint()); err != nil {
		t.Fatal(err)
	}
	l.Close()

	views := []struct {
		name    string
		records []int
		want    error
	}{
		// Records 0 and 1 kept, the rest dropped, others added.
		{"fork: first two kept, others added", []int{0, 1, 4, 5, 6, 7, 8, 9, 2, 3, 11, 12}, ErrForked},
		{"fork: same size, other order", []int{0, 1, 2, 3, 4, 5, 6, 8, 7, 9}, ErrForked},
		{"rollback: fewer records", []int{0, 1, 2, 3, 4}, ErrRollback},
	}
	for _, view := range views {
		other := rebuilt(t, s, view.records...)
		// Each view is sound on its own terms: same key, valid records.
		if _, err := VerifyDir(other, v, VerifyOptions{Registry: reg}); err != nil {
			t.Fatalf("%s: the rebuilt log does not verify on its own: %v", view.name, err)
		}
		// 1. The verifier with its remembered state.
		st, _ := LoadState(state.path)
		if _, err := VerifyDir(other, v, VerifyOptions{Registry: reg, State: st}); !errors.Is(err, view.want) || !errors.Is(err, ErrNotVerified) {
			t.Errorf("%s: pinned verifier: %v", view.name, err)
		}
		// 2. The witness.
		ol, err := Open(other, s)
		if err != nil {
			t.Fatal(err)
		}
		held, _ := w.Latest(s.Name())
		hc, _ := ParseCheckpoint(bodyOf(held))
		oldSize := min(hc.Size, ol.Size())
		proof, err := ol.ConsistencyProof(oldSize, ol.Size())
		if err != nil {
			t.Fatal(err)
		}
		_, werr := w.AddCheckpoint(hc.Size, proofOrNil(oldSize == hc.Size, proof), ol.Checkpoint())
		if !errors.Is(werr, view.want) {
			t.Errorf("%s: witness: %v", view.name, werr)
		}
		ol.Close()
		// 3. The department holding the receipt of record 7.
		if _, _, err := VerifyReceiptInLog(other, receipts[7], v); !errors.Is(err, view.want) {
			t.Errorf("%s: receipt holder: %v", view.name, err)
		}
		// ... and one who only remembers a checkpoint and holds a receipt:
		// the receipt's tree must extend into what the log shows now.
		ol2, _ := Open(other, s)
		rc, _ := OpenCheckpoint([]byte(receipts[7].Checkpoint), v)
		now, _ := OpenCheckpoint(ol2.Checkpoint(), v)
		var p []Hash
		if rc.Size <= now.Size {
			p, _ = ol2.ConsistencyProof(rc.Size, now.Size)
		}
		if err := VerifyConsistency([]byte(receipts[7].Checkpoint), ol2.Checkpoint(), p, v); !errors.Is(err, view.want) {
			t.Errorf("%s: receipt against the log's checkpoint: %v", view.name, err)
		}
		ol2.Close()
	}
	// The honest log still verifies against the state and grows.
	op2, clk2 := newOperator(t, dir, s)
	appendSigned(t, op2, clk2, 10, 12)
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: reg, State: state}); err != nil {
		t.Fatalf("honest log after growing: %v", err)
	}
	if _, _, err := VerifyReceiptInLog(dir, receipts[7], v); err != nil {
		t.Fatalf("receipt in the honest log: %v", err)
	}
	// A state saved to its file and read back pins as well.
	st, err := LoadState(state.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Checkpoint(s.Name()); !ok {
		t.Fatal("state file lost the log")
	}
	if _, err := VerifyDir(rebuilt(t, s, 0, 1), v, VerifyOptions{State: st}); !errors.Is(err, ErrRollback) {
		t.Fatalf("state read back: %v", err)
	}
	// A log re-signed under a new key with the same name: the pinned
	// verifier has the old key, so the checkpoint does not verify.
	s2, _, _ := newKeys(t)
	if _, err := VerifyDir(rebuilt(t, s2, 0, 1, 2), v, VerifyOptions{State: st}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("log under another key: %v", err)
	}
}

func proofOrNil(ok bool, p []Hash) []Hash {
	if ok {
		return p
	}
	return nil
}

// TestStateAccept: a verifier that follows a served log by checkpoints
// and consistency proofs (State.Accept) detects a fork and a rollback.
func TestStateAccept(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	appendSigned(t, op, clk, 0, 6)
	st, _ := LoadState(filepath.Join(t.TempDir(), "state"))
	if _, err := st.Accept(op.Log().Checkpoint(), nil, v); err != nil {
		t.Fatal(err)
	}
	appendSigned(t, op, clk, 6, 9)
	p, _ := op.Log().ConsistencyProof(6, 9)
	if _, err := st.Accept(op.Log().Checkpoint(), p, v); err != nil {
		t.Fatal(err)
	}
	// Receipts keep working against the remembered checkpoint.
	rc, _ := op.Log().Receipt(4) // against the checkpoint of 9 records
	p, _ = op.Log().ConsistencyProof(9, 9)
	if err := st.CheckReceipt(rc, sampleRecord(4), p, v); err != nil {
		t.Fatalf("receipt against the remembered checkpoint: %v", err)
	}
	fork := rebuilt(t, s, 0, 1, 2, 3, 4, 5, 8, 7, 6, 9)
	fl, _ := Open(fork, s)
	defer fl.Close()
	p, _ = fl.ConsistencyProof(9, 10)
	if _, err := st.Accept(fl.Checkpoint(), p, v); !errors.Is(err, ErrForked) {
		t.Fatalf("fork: %v", err)
	}
	// A receipt from the forked history, for a record of the remembered
	// tree's size or less: another history.
	fr, _ := fl.Receipt(8) // record 6, third of the reordered ones
	p, _ = fl.ConsistencyProof(9, 10)
	if err := st.CheckReceipt(fr, sampleRecord(6), p, v); !errors.Is(err, ErrForked) {
		t.Fatalf("receipt from the forked log: %v", err)
	}
	short := rebuilt(t, s, 0, 1, 2)
	sl, _ := Open(short, s)
	defer sl.Close()
	if _, err := st.Check(sl.Checkpoint(), nil, v); !errors.Is(err, ErrRollback) {
		t.Fatalf("rollback: %v", err)
	}
}
