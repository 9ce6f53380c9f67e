package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/govshare/govshare/crypto/keys"
	"golang.org/x/mod/sumdb/note"
)

// Departments of the sample records: gongan shares and refuses, minzheng
// opens and disputes; shuiwu is a third party.
var testDepts struct {
	once sync.Once
	kr   map[string]*keys.Keyring
	err  error
}

func deptKeyring(t testing.TB, dept string) *keys.Keyring {
	t.Helper()
	testDepts.once.Do(func() {
		testDepts.kr = map[string]*keys.Keyring{}
		for _, d := range []string{"gongan", "minzheng", "shuiwu"} {
			kr, err := keys.New(d)
			if err != nil {
				testDepts.err = err
				return
			}
			testDepts.kr[d] = kr
		}
	})
	if testDepts.err != nil {
		t.Fatal(testDepts.err)
	}
	return testDepts.kr[dept]
}

func deptSigner(t testing.TB, dept string) RecordSigner {
	t.Helper()
	s, err := KeyringSigner(deptKeyring(t, dept), keys.KindSignEd25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testRegistry registers the given departments' bundles (all three by
// default).
func testRegistry(t testing.TB, depts ...string) *BundleRegistry {
	t.Helper()
	if len(depts) == 0 {
		depts = []string{"gongan", "minzheng", "shuiwu"}
	}
	r, err := NewRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range depts {
		if err := r.Add(deptKeyring(t, d).Public()); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// testClock is a settable clock for a log: the operator's time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// newOperator opens a log in dir under s, with its clock at the sample
// records' times, and returns its operator.
func newOperator(t testing.TB, dir string, s note.Signer) (*Operator, *testClock) {
	t.Helper()
	l, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: baseTime}
	l.clock = clk.now
	op, err := NewOperator(l, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return op, clk
}

// signSample signs sample record i by its maker for origin.
func signSample(t testing.TB, origin string, i int) SignedRecord {
	t.Helper()
	return signRecord(t, origin, sampleRecord(i))
}

func signRecord(t testing.TB, origin string, rec Record) SignedRecord {
	t.Helper()
	sr, err := Sign(rec, origin, deptSigner(t, Actor(rec)))
	if err != nil {
		t.Fatal(err)
	}
	return sr
}

// appendSigned appends signed sample records [from, to) through op.
func appendSigned(t testing.TB, op *Operator, clk *testClock, from, to int) []Receipt {
	t.Helper()
	var rs []Receipt
	for i := from; i < to; i++ {
		clk.set(baseTime.Add(time.Duration(i)*time.Second + 300*time.Millisecond))
		r, err := op.Append(context.Background(), signSample(t, op.Origin(), i))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		rs = append(rs, r)
	}
	return rs
}

func TestSignedAppendVerify(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := filepath.Join(t.TempDir(), "log")
	op, clk := newOperator(t, dir, s)
	rs := appendSigned(t, op, clk, 0, 8)
	// One unsigned record (Log.Append, the local one-department path).
	if _, err := op.Log().Append(ctx, sampleRecord(8)); err != nil {
		t.Fatal(err)
	}
	reg := testRegistry(t)
	for i, r := range rs {
		if r.Index != uint64(i) || r.Entry == nil {
			t.Fatalf("receipt %d: index %d, entry %v", i, r.Index, r.Entry != nil)
		}
		if err := VerifyReceipt(r, sampleRecord(i), v); err != nil {
			t.Fatalf("receipt %d: %v", i, err)
		}
		sr, c, err := VerifySignedReceipt(r, v, reg)
		if err != nil || sr.Signer != Actor(sampleRecord(i)) || c.Size != uint64(i+1) {
			t.Fatalf("signed receipt %d: %v %s %d", i, err, sr.Signer, c.Size)
		}
		// The receipt's checkpoint is the commit's: its time is the logged time.
		if c.Time.IsZero() || !c.Time.Equal(baseTime.Add(time.Duration(i)*time.Second+300*time.Millisecond)) {
			t.Fatalf("receipt %d: checkpoint time %v", i, c.Time)
		}
		if err := VerifyReceipt(r, sampleRecord(i+1), v); !errors.Is(err, ErrNotVerified) {
			t.Fatalf("receipt %d verified another record: %v", i, err)
		}
		js, _ := json.Marshal(r)
		var back Receipt
		if err := json.Unmarshal(js, &back); err != nil || !bytes.Equal(back.Entry, r.Entry) {
			t.Fatalf("receipt JSON round trip: %v", err)
		}
	}
	res, err := VerifyDir(dir, v, VerifyOptions{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checkpoint.Size != 9 || res.Signed != 8 || res.Unsigned != 1 || !res.SignaturesChecked {
		t.Fatalf("result %+v", res)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: reg, RequireSigned: true}); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned record with RequireSigned: %v", err)
	}
	n := 0
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Index < 8 {
			sr, ok := e.Signed()
			if !ok || e.Signer != Actor(sampleRecord(n)) || e.Logged.IsZero() || sr.Verify(s.Name(), reg) != nil {
				t.Fatalf("entry %d: signed %v signer %s", e.Index, ok, e.Signer)
			}
			if !bytes.Equal(e.RecordBytes(), mustMarshal(t, sampleRecord(n))) {
				t.Fatalf("entry %d: record bytes differ", e.Index)
			}
		} else if e.Signer != "" {
			t.Fatal("unsigned entry has a signer")
		}
		n++
	}
	// Reopen: the log, its index and its receipts survive.
	op.Log().Close()
	op2, clk2 := newOperator(t, dir, s)
	clk2.set(baseTime.Add(3*time.Second + 300*time.Millisecond))
	r, err := op2.Append(ctx, signSample(t, s.Name(), 3))
	if err != nil || r.Index != 3 || op2.Log().Size() != 9 {
		t.Fatalf("appending a record again after reopening: index %d, size %d, %v", r.Index, op2.Log().Size(), err)
	}
}

// TestOperatorCannotInvent: the operator cannot append a record that its
// maker did not sign, and one that it writes anyway (bypassing the checks)
// fails Verify; a department cannot append an act of another's.
func TestOperatorCannotInvent(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	appendSigned(t, op, clk, 0, 2)
	clk.set(baseTime.Add(2 * time.Second))
	origin := op.Origin()
	share := sampleRecord(4).(ShareRecord) // gongan's share
	good := signRecord(t, origin, share)

	cases := []struct {
		name string
		sr   func() SignedRecord
		want error
	}{
		{"operator's garbage signature", func() SignedRecord {
			sr := good
			sr.Signature = append([]byte{1, 0, 0, 0, 0}, bytes.Repeat([]byte{7}, 64)...)
			copy(sr.Signature[1:5], good.Signature[1:5])
			return sr
		}, ErrBadSignature},
		{"signature bit flipped", func() SignedRecord {
			sr := good
			sr.Signature = bytes.Clone(good.Signature)
			sr.Signature[20] ^= 1
			return sr
		}, ErrBadSignature},
		{"record changed after signing", func() SignedRecord {
			rec := share
			rec.Recipient = "shuiwu"
			sr := good
			sr.Record, sr.raw = rec, nil
			return sr
		}, ErrBadSignature},
		{"minzheng signs gongan's share as itself", func() SignedRecord {
			msg := signedMessage(origin, "minzheng", mustMarshal(t, share))
			sig, id, err := deptSigner(t, "minzheng").Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			return SignedRecord{Record: share, Signer: "minzheng", KeyID: id, Signature: sig}
		}, ErrWrongSigner},
		{"minzheng signs gongan's share in gongan's name", func() SignedRecord {
			msg := signedMessage(origin, "gongan", mustMarshal(t, share))
			sig, id, err := deptSigner(t, "minzheng").Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			return SignedRecord{Record: share, Signer: "gongan", KeyID: id, Signature: sig}
		}, ErrUnknownSigner}, // minzheng's key id is not in gongan's bundle
		{"minzheng's signature under gongan's key id", func() SignedRecord {
			msg := signedMessage(origin, "gongan", mustMarshal(t, share))
			sig, _, err := deptSigner(t, "minzheng").Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			return SignedRecord{Record: share, Signer: "gongan", KeyID: good.KeyID, Signature: sig}
		}, ErrBadSignature},
		{"signed for another log", func() SignedRecord { return signRecord(t, "other.example/log", share) }, ErrBadSignature},
		{"department not registered", func() SignedRecord {
			rec := share
			rec.Provider = "weijian"
			msg := signedMessage(origin, "weijian", mustMarshal(t, rec))
			sig, id, _ := deptSigner(t, "shuiwu").Sign(msg)
			return SignedRecord{Record: rec, Signer: "weijian", KeyID: id, Signature: sig}
		}, ErrUnknownSigner},
	}
	for _, c := range cases {
		if _, err := op.Append(ctx, c.sr()); !errors.Is(err, c.want) || !errors.Is(err, ErrNotVerified) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Sign(share, origin, deptSigner(t, "minzheng")); !errors.Is(err, ErrWrongSigner) {
		t.Errorf("Sign let minzheng sign gongan's share: %v", err)
	}
	if op.Log().Size() != 2 {
		t.Fatalf("refused records were logged: size %d", op.Log().Size())
	}
	// The operator writes a forged record past its own checks: Verify with
	// the departments' keys finds it.
	forged := cases[0].sr()
	form, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Log().appendEncoded(ctx, &pending{recs: [][]byte{form}, signed: true, recBytes: mustMarshal(t, share), recTime: share.Time, skew: MaxSkew}); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, v); err != nil {
		t.Fatalf("structural Verify: %v", err)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: testRegistry(t)}); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("Verify with the departments' keys: %v", err)
	}
	// A registry missing a department: its records are not vouched for.
	if _, err := VerifyDir(dir, v, VerifyOptions{Registry: testRegistry(t, "gongan")}); !errors.Is(err, ErrUnknownSigner) {
		t.Fatalf("Verify without minzheng's bundle: %v", err)
	}
}

// TestRevokedKeyRefused: a record signed with a key revoked before the
// record's time is refused, by the operator and by Verify.
func TestRevokedKeyRefused(t *testing.T) {
	kr, err := keys.New("gongan")
	if err != nil {
		t.Fatal(err)
	}
	old, err := kr.PrimaryKeyID(keys.KindSignEd25519)
	if err != nil {
		t.Fatal(err)
	}
	oldSigner, _ := KeyringSigner(kr, keys.KindSignEd25519)
	if _, err := kr.RotateAt(keys.KindSignEd25519, baseTime.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := kr.Revoke(keys.KindSignEd25519, old, baseTime.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	reg, _ := NewRegistry(kr.Public(), deptKeyring(t, "minzheng").Public())
	s, _, _ := newKeys(t)
	l, err := Open(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.clock = func() time.Time { return baseTime }
	op, _ := NewOperator(l, reg)
	sr, err := Sign(sampleRecord(0), op.Origin(), oldSigner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Append(ctx, sr); !errors.Is(err, ErrBadSignature) || !errors.Is(err, keys.ErrKeyNotValid) {
		t.Fatalf("record signed with a revoked key: %v", err)
	}
	newSigner, _ := KeyringSigner(kr, keys.KindSignEd25519)
	if sr, err = Sign(sampleRecord(0), op.Origin(), newSigner); err != nil {
		t.Fatal(err)
	}
	if _, err := op.Append(ctx, sr); err != nil {
		t.Fatalf("record signed with the new key: %v", err)
	}
}

// TestDuplicateAppend: appending the same signed record again (a retry)
// returns the first receipt's index and logs nothing; a duplicate written
// past the operator fails Verify.
func TestDuplicateAppend(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	appendSigned(t, op, clk, 0, 3)
	sr := signSample(t, op.Origin(), 1)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if r, err := op.Append(ctx, sr); err != nil || r.Index != 1 {
				t.Errorf("retry: index %d, %v", r.Index, err)
			}
		})
	}
	wg.Wait()
	if op.Log().Size() != 3 {
		t.Fatalf("retries were logged: size %d", op.Log().Size())
	}
	// Concurrent first appends of one new record: logged once.
	clk.set(baseTime.Add(3 * time.Second))
	fresh := signSample(t, op.Origin(), 3)
	for range 8 {
		wg.Go(func() {
			if r, err := op.Append(ctx, fresh); err != nil || r.Index != 3 {
				t.Errorf("concurrent append: index %d, %v", r.Index, err)
			}
		})
	}
	wg.Wait()
	if op.Log().Size() != 4 {
		t.Fatalf("a record appended concurrently was logged %d times", op.Log().Size()-3)
	}
	form, _ := sr.Marshal()
	if _, err := op.Log().appendEncoded(ctx, &pending{recs: [][]byte{form}, signed: true, recBytes: sr.raw, recTime: recordTime(sr.Record), skew: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if op.Log().Size() != 4 {
		t.Fatal("the log's own duplicate check let it through")
	}
	// Past every check: write the frame by hand through a second log value
	// whose index is empty.
	l2, err := Open(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	l2.index = map[uint64]int64{}
	l2.clock = clk.now
	if _, err := l2.appendEncoded(ctx, &pending{recs: [][]byte{form}, signed: true, recBytes: sr.raw, recTime: recordTime(sr.Record), skew: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate signed record: %v", err)
	}
}

// TestTime: checkpoints carry the operator's time, which does not go back
// when its clock does; a record far from the operator's clock is refused.
func TestTime(t *testing.T) {
	s, v, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	appendSigned(t, op, clk, 0, 3)
	c1, _ := OpenCheckpoint(op.Log().Checkpoint(), v)
	if !c1.Time.Equal(baseTime.Add(2*time.Second + 300*time.Millisecond)) {
		t.Fatalf("checkpoint time %v", c1.Time)
	}
	// The clock goes back a minute: the next checkpoint keeps the time.
	clk.set(baseTime.Add(-time.Minute))
	if _, err := op.Append(ctx, signSample(t, op.Origin(), 3)); err != nil {
		t.Fatal(err)
	}
	c2, _ := OpenCheckpoint(op.Log().Checkpoint(), v)
	if c2.Time.Before(c1.Time) {
		t.Fatalf("checkpoint time went back: %v after %v", c2.Time, c1.Time)
	}
	// Skew.
	clk.set(baseTime.Add(4*time.Second + 11*time.Minute))
	if _, err := op.Append(ctx, signSample(t, op.Origin(), 4)); !errors.Is(err, ErrTimeSkew) {
		t.Fatalf("record 11 minutes off: %v", err)
	}
	clk.set(baseTime.Add(4*time.Second + 9*time.Minute))
	if _, err := op.Append(ctx, signSample(t, op.Origin(), 4)); err != nil {
		t.Fatalf("record 9 minutes off: %v", err)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, v, VerifyOptions{Skew: time.Minute}); !errors.Is(err, ErrTimeSkew) {
		t.Fatalf("Verify with a 1-minute skew: %v", err)
	}
	// Two checkpoints of one tree, the second older: a rollback.
	c := c2
	c.Time = c1.Time.Add(-time.Hour)
	older, err := signCheckpoint(c, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyConsistency(op.Log().Checkpoint(), older, nil, v); err == nil {
		t.Fatal("a checkpoint of a smaller tree verified")
	}
	same, _ := signCheckpoint(Checkpoint{Origin: c2.Origin, Size: c2.Size, Root: c2.Root, Time: c2.Time.Add(-time.Second)}, s)
	ck2, _ := signCheckpoint(c2, s)
	if err := VerifyConsistency(ck2, same, nil, v); !errors.Is(err, ErrRollback) {
		t.Fatalf("same tree, earlier time: %v", err)
	}
	// A record's time outside the skew of its receipt's checkpoint.
	if p, err := ParseCheckpoint(c2.Marshal()); err != nil || !p.Time.Equal(c2.Time) {
		t.Fatalf("time line does not round-trip: %v", err)
	}
}

func TestRedeliveries(t *testing.T) {
	s, _, _ := newKeys(t)
	dir := t.TempDir()
	op, clk := newOperator(t, dir, s)
	open := sampleRecord(1).(OpenRecord)
	for k, rec := range []Record{
		sampleRecord(0), open,
		func() Record { r := open; r.Time = r.Time.Add(time.Minute); return r }(),
		func() Record {
			r := open
			r.Time = r.Time.Add(2 * time.Minute)
			r.Outcome = OutcomeWrongPurpose
			return r
		}(),
		func() Record { r := open; r.Time = r.Time.Add(3 * time.Minute); return r }(),
	} {
		clk.set(recordTime(rec))
		if _, err := op.Append(ctx, signRecord(t, op.Origin(), rec)); err != nil {
			t.Fatalf("record %d: %v", k, err)
		}
	}
	var all []Entry
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	got := Redeliveries(all)
	if len(got) != 1 || got[0].EnvelopeID != open.EnvelopeID || got[0].Opener != "minzheng" ||
		len(got[0].Indexes) != 3 || got[0].Indexes[0] != 1 || got[0].Indexes[2] != 4 {
		t.Fatalf("redeliveries %+v", got)
	}
}

func TestSignedFormStrict(t *testing.T) {
	sr := signSample(t, testOrigin, 0)
	form, err := sr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSigned(form)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := back.Marshal()
	if !bytes.Equal(again, form) {
		t.Fatal("signed form does not round-trip")
	}
	for name, in := range map[string][]byte{
		"space":        bytes.Replace(form, []byte(`,"key"`), []byte(`, "key"`), 1),
		"key order":    bytes.Replace(form, []byte(`{"signer":`), []byte(`{"signer" :`), 1),
		"leading zero": bytes.Replace(form, []byte(`"key":`), []byte(`"key":0`), 1),
		"trailing":     append(bytes.Clone(form), ' '),
		"no record":    form[:bytes.Index(form, []byte(`,"record"`))],
		"bad base64":   bytes.Replace(form, []byte(`"sig":"`), []byte(`"sig":"*`), 1),
		"sig newline":  bytes.Replace(form, []byte(`"sig":"`), []byte(`"sig":"\n`), 1),
		"wrong signer": bytes.Replace(form, []byte(`"signer":"gongan"`), []byte(`"signer":"minzheng"`), 1),
	} {
		if _, err := ParseSigned(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
