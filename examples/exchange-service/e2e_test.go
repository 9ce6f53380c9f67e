package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// TestEndToEnd runs the whole flow through the HTTP API on each store:
// publish, apply, approve, deliver, download, open (only the recipient
// can), receipt, revoke; a refusal; then the log verifies and holds every
// state change, and the consistency check passes.
func TestEndToEnd(t *testing.T) {
	for name, url := range stores(t) {
		t.Run(name, func(t *testing.T) { testEndToEnd(t, url(t)) })
	}
}

func testEndToEnd(t *testing.T, dbURL string) {
	f := newFixture(t, dbURL)
	ctx := context.Background()
	res := f.publish()
	// The same resource again: the store's unique constraint, as 409 on both stores.
	f.do("POST", "/api/v1/resources", psbDept+"/provider", map[string]string{"catalog": f.catalog, "source": "population.csv"}, 409)
	list := f.json("GET", "/api/v1/resources", taxDept+"/recipient", nil, 200)
	if n := len(list["resources"].([]any)); n != 1 {
		t.Fatalf("%d resources", n)
	}

	// Apply, approve, deliver.
	fields := []string{"姓名", "性别", "出生日期", "银行卡号"}
	app := f.apply(res, fields...)
	m := f.json("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	if m["status"] != "approved" {
		t.Fatalf("after approval: %v", m["status"])
	}
	f.do("POST", "/api/v1/applications/"+app+"/decision", psbDept+"/reviewer", map[string]string{"decision": "refuse", "reason": "x"}, 409)
	d := f.waitDelivery(app)
	env := f.do("GET", d["download"].(string), taxDept+"/recipient", nil, 200)

	// The envelope id and digest the service shows are the file's.
	envID, digest, err := govshare.EnvelopeDigest(bytes.NewReader(env))
	if err != nil {
		t.Fatal(err)
	}
	if envID != d["envelope_id"] || fmt.Sprintf("%x", digest) != d["sha256"] {
		t.Fatalf("delivery shows %v %v, file is %s %x", d["envelope_id"], d["sha256"], envID, digest)
	}

	// Only the recipient opens it, and it holds only the requested fields.
	var plain bytes.Buffer
	if _, err := govshare.Open(ctx, &plain, bytes.NewReader(env), int64(len(env)), f.tax, f.psb.Public(), catalog.PurposeAdministrativeBasis, nil); err != nil {
		t.Fatalf("recipient cannot open: %v", err)
	}
	rows, err := csv.NewReader(&plain).ReadAll()
	if err != nil || len(rows) != 201 {
		t.Fatalf("opened %d rows, err %v", len(rows), err)
	}
	for _, col := range rows[0] {
		if !slices.Contains(fields, col) {
			t.Errorf("column %q was not requested", col)
		}
	}
	if !slices.Contains(rows[0], "银行卡号") {
		t.Errorf("the granted conditional field is missing: %v", rows[0])
	}
	impostor, _ := keys.New(taxDept)
	if _, err := govshare.Open(ctx, &bytes.Buffer{}, bytes.NewReader(env), int64(len(env)), impostor, f.psb.Public(), catalog.PurposeAdministrativeBasis, nil); err == nil {
		t.Fatal("a keyring that is not the recipient's opened the envelope")
	}

	// Receipt: a signature of another keyring is refused, the recipient's taken.
	bad, _ := govshare.SignReceipt(impostor, envID, digest)
	f.do("POST", "/api/v1/deliveries/"+d["id"].(string)+"/receipt", taxDept+"/recipient", map[string]string{"signature": base64.StdEncoding.EncodeToString(bad)}, 400)
	sig, err := govshare.SignReceipt(f.tax, envID, digest)
	if err != nil {
		t.Fatal(err)
	}
	m = f.json("POST", "/api/v1/deliveries/"+d["id"].(string)+"/receipt", taxDept+"/recipient", map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}, 200)
	if m["status"] != "received" {
		t.Fatalf("after receipt: %v", m["status"])
	}

	// Revoke: the envelope is no longer handed out.
	m = f.json("POST", "/api/v1/applications/"+app+"/revoke", psbDept+"/reviewer", nil, 200)
	if m["status"] != "revoked" {
		t.Fatalf("after revoke: %v", m["status"])
	}
	f.do("GET", d["download"].(string), taxDept+"/recipient", nil, 409)

	// Refusal: reasons required, then recorded; a second decision conflicts.
	app2 := f.apply(res, "姓名")
	f.do("POST", "/api/v1/applications/"+app2+"/decision", psbDept+"/reviewer", map[string]string{"decision": "refuse"}, 400)
	m = f.json("POST", "/api/v1/applications/"+app2+"/decision", psbDept+"/reviewer", map[string]string{"decision": "refuse", "reason": "超出职责范围"}, 200)
	if m["status"] != "refused" || m["reason"] != "超出职责范围" {
		t.Fatalf("after refusal: %v", m)
	}
	f.do("POST", "/api/v1/applications/"+app2+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 409)

	// Bad applications.
	for _, body := range []map[string]any{
		{"resource": res, "fields": []string{"姓名"}, "purpose": "curiosity", "legal_basis": "x", "not_after": "2099-01-01"},
		{"resource": res, "fields": []string{"无此字段"}, "purpose": "statistics", "legal_basis": "x", "not_after": "2099-01-01"},
		{"resource": res, "fields": []string{"姓名"}, "purpose": "statistics", "legal_basis": "x", "not_after": "2001-01-01"},
		{"resource": res, "fields": []string{"姓名"}, "purpose": "statistics", "legal_basis": "", "not_after": "2099-01-01"},
	} {
		f.do("POST", "/api/v1/applications", taxDept+"/recipient", body, 400)
	}

	// The log verifies with every signature, and holds every step.
	logDir := filepath.Join(f.cfg.DataDir, "log")
	reg, err := audit.NewRegistry(f.psb.Public(), f.tax.Public(), f.svc.platform.Public())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyDir(logDir, f.svc.verifier, audit.VerifyOptions{Registry: reg, RequireSigned: true}); err != nil {
		t.Fatalf("log does not verify: %v", err)
	}
	got := map[string][]string{}
	shares := 0
	for e, err := range audit.Entries(logDir) {
		if err != nil {
			t.Fatal(err)
		}
		switch r := e.Record.(type) {
		case audit.ApplicationRecord:
			got[r.Application] = append(got[r.Application], string(r.Event))
			wantSigner := psbDept
			if slices.Contains([]audit.ApplicationEvent{audit.AppSubmitted, audit.AppReceived, audit.AppOverdue, audit.AppDisputed}, r.Event) {
				wantSigner = f.svc.cfg.Platform
			}
			if e.Signer != wantSigner {
				t.Errorf("%s record signed by %s, want %s", r.Event, e.Signer, wantSigner)
			}
			if r.Event == audit.AppReceived {
				rs, _ := base64.StdEncoding.DecodeString(r.Receipt)
				if err := govshare.VerifyReceiptSignature(f.tax.Public(), r.EnvelopeID, r.Digest, rs, r.Time); err != nil {
					t.Errorf("the received record's receipt does not verify: %v", err)
				}
			}
			if strings.Contains(string(e.RecordBytes()), "个人所得税法") || strings.Contains(string(e.RecordBytes()), "超出职责范围") {
				t.Error("free text in the log")
			}
		case audit.ShareRecord:
			shares++
			if r.EnvelopeID != envID || r.GrantID != grantID(app) {
				t.Errorf("share record %s under %s", r.EnvelopeID, r.GrantID)
			}
		}
	}
	if want := []string{"submitted", "approved", "delivered", "received", "revoked"}; !slices.Equal(got[app], want) {
		t.Errorf("log for the approved application: %v, want %v", got[app], want)
	}
	if want := []string{"submitted", "refused"}; !slices.Equal(got[app2], want) {
		t.Errorf("log for the refused application: %v, want %v", got[app2], want)
	}
	if shares != 1 {
		t.Errorf("%d share records, want 1", shares)
	}
	problems, err := checkConsistency(ctx, f.svc.st, f.cfg.DataDir, f.svc.verifier, 0)
	if err != nil || len(problems) != 0 {
		t.Fatalf("check: %v %v", problems, err)
	}
	// The API's view of the log: every record's inclusion verified.
	lr := f.json("GET", "/api/v1/log/records", supDept+"/auditor", nil, 200)
	for _, r := range lr["records"].([]any) {
		if !r.(map[string]any)["inclusion_verified"].(bool) {
			t.Errorf("record %v: inclusion not verified", r.(map[string]any)["index"])
		}
	}
	_ = errors.New
}
