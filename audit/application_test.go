package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
)

func sampleApplication(ev ApplicationEvent) ApplicationRecord {
	r := ApplicationRecord{Application: "3f2a9c", Event: ev, By: "gongan", Provider: "gongan", Recipient: "minzheng",
		Resource: "人口基础信息", Purpose: catalog.PurposeDataVerification,
		Time: time.Date(2026, 3, 2, 9, 0, 0, 250e6, time.UTC)}
	switch ev {
	case AppSubmitted:
		r.By, r.Digest = "shuiwu", sha256.Sum256([]byte("terms"))
	case AppDelivered, AppReceived:
		r.GrantID, r.EnvelopeID, r.Digest = "app-3f2a9c", "0123456789abcdef0123456789abcdef", sha256.Sum256([]byte("envelope"))
		if ev == AppReceived {
			r.By, r.Receipt = "shuiwu", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1, 250, 7}, 40))
		}
	}
	return r
}

func TestApplicationRecordRoundTrip(t *testing.T) {
	for _, ev := range ApplicationEvents {
		r := sampleApplication(ev)
		b := mustMarshal(t, r)
		if !bytes.HasPrefix(b, []byte(`{"v":1,"type":"application","application":"3f2a9c","event":"`+string(ev)+`"`)) {
			t.Fatalf("%s: encoding %s", ev, b)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("%s: round trip changed the record", ev)
		}
		if pb := mustMarshal(t, &r); !bytes.Equal(pb, b) {
			t.Fatalf("%s: pointer encodes differently", ev)
		}
		if Actor(r) != r.By || Actor(&r) != r.By {
			t.Fatalf("%s: actor %q", ev, Actor(r))
		}
		// The slow parser agrees that the bytes are a canonical record
		// (it explains only failures).
		if err := parseSlow(b); err != errNotCanonical {
			t.Fatalf("%s: slow parser: %v", ev, err)
		}
	}
}

func TestApplicationRecordInvalid(t *testing.T) {
	for name, mut := range map[string]func(*ApplicationRecord){
		"unknown event":           func(r *ApplicationRecord) { r.Event = "approved_by_phone" },
		"no application id":       func(r *ApplicationRecord) { r.Application = "" },
		"id with a space":         func(r *ApplicationRecord) { r.Application = "a b" },
		"bad signer":              func(r *ApplicationRecord) { r.By = "../x" },
		"unknown purpose":         func(r *ApplicationRecord) { r.Purpose = "curiosity" },
		"no time":                 func(r *ApplicationRecord) { r.Time = time.Time{} },
		"receipt without receipt": func(r *ApplicationRecord) { r.Receipt = "AAAA" },
		"receipt not base64":      func(r *ApplicationRecord) { r.Event, r.Receipt = AppReceived, "张三 13800138000" },
		"received, no receipt":    func(r *ApplicationRecord) { r.Event = AppReceived },
		"receipt too long":        func(r *ApplicationRecord) { r.Event, r.Receipt = AppReceived, strings.Repeat("A", maxReceiptLen+4) },
		"resource with newline":   func(r *ApplicationRecord) { r.Resource = "a\nb" },
	} {
		r := sampleApplication(AppApproved)
		mut(&r)
		if _, err := Marshal(r); err == nil {
			t.Errorf("%s: marshalled", name)
		}
	}
	good := mustMarshal(t, sampleApplication(AppDelivered))
	for name, b := range map[string][]byte{
		"digest upper case": bytes.Replace(good, []byte(`"digest":"`), []byte(`"digest":"A`), 1),
		"key order":         bytes.Replace(good, []byte(`"by":"gongan","provider"`), []byte(`"provider":"gongan","by"`), 1),
		"space":             bytes.Replace(good, []byte(`,"event"`), []byte(`, "event"`), 1),
		"extra key":         bytes.Replace(good, []byte(`,"time"`), []byte(`,"x":"","time"`), 1),
	} {
		if _, err := Parse(b); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// TestApplicationRecordSignedLog: application records are signed by
// their By department, appended through an operator that checks the
// signature, deduplicated on retry, and verify with the log.
func TestApplicationRecordSignedLog(t *testing.T) {
	dir := t.TempDir()
	sk, vk, err := GenerateKey("example.gov/exchange")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := NewSigner(sk)
	v, _ := NewVerifier(vk)
	l, err := Open(filepath.Join(dir, "log"), signer)
	if err != nil {
		t.Fatal(err)
	}
	op, err := NewOperator(l, testRegistry(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	for _, ev := range []ApplicationEvent{AppSubmitted, AppApproved, AppDelivered, AppReceived} {
		r := sampleApplication(ev)
		r.Time = now
		if _, err := SignAndAppend(ctx, op, deptSigner(t, r.By), r); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		// A retry (same record) returns the first receipt.
		rc, err := SignAndAppend(ctx, op, deptSigner(t, r.By), r)
		if err != nil || rc.Index != l.Size()-1 {
			t.Fatalf("%s: retry: %v, index %d of %d", ev, err, rc.Index, l.Size())
		}
	}
	if l.Size() != 4 {
		t.Fatalf("%d records, want 4 (retries deduplicated)", l.Size())
	}
	// Another department cannot sign the provider's act.
	r := sampleApplication(AppRefused)
	r.Time = now
	if _, err := SignAndAppend(ctx, op, deptSigner(t, "minzheng"), r); !errors.Is(err, ErrWrongSigner) {
		t.Fatalf("signed by another department: %v", err)
	}
	l.Close()
	res, err := VerifyDir(filepath.Join(dir, "log"), v, VerifyOptions{Registry: testRegistry(t), RequireSigned: true})
	if err != nil || res.Signed != 4 {
		t.Fatalf("verify: %v, %d signed", err, res.Signed)
	}
	var events []ApplicationEvent
	for e, err := range Entries(filepath.Join(dir, "log")) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e.Record.(ApplicationRecord).Event)
	}
	if !reflect.DeepEqual(events, []ApplicationEvent{AppSubmitted, AppApproved, AppDelivered, AppReceived}) {
		t.Fatalf("events %v", events)
	}
}

// FuzzParseApplication: whatever Parse accepts from mutated application
// records re-encodes to the same bytes, and the two parsers agree.
func FuzzParseApplication(f *testing.F) {
	for _, ev := range ApplicationEvents {
		b, _ := Marshal(sampleApplication(ev))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Parse(b)
		if err != nil {
			if parseSlow(b) == nil {
				t.Fatalf("the slow parser accepts what the fast one refuses (input sha256 %x)", sha256.Sum256(b))
			}
			return
		}
		again, err := marshal(rec, false)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical record (input sha256 %x): %v", sha256.Sum256(b), err)
		}
	})
}
