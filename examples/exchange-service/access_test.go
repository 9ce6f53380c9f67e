package main

import (
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/govshare/govshare"
)

// TestWrongRoleAndDepartment tries every endpoint as every account that
// may not use it — each wrong role in the right department, each role of
// the wrong departments — and expects 403 or 404, with nothing changed;
// without a token, 401.
func TestWrongRoleAndDepartment(t *testing.T) {
	for name, url := range stores(t) {
		t.Run(name, func(t *testing.T) { testWrongRole(t, url(t)) })
	}
}

func testWrongRole(t *testing.T, dbURL string) {
	f := newFixture(t, dbURL)
	res := f.publish()
	app1 := f.apply(res, "姓名", "性别")
	f.do("POST", "/api/v1/applications/"+app1+"/decision", psbDept+"/reviewer", map[string]string{"decision": "approve"}, 200)
	d := f.waitDelivery(app1)
	dl := d["id"].(string)
	app2 := f.apply(res, "姓名")
	env := f.do("GET", "/api/v1/deliveries/"+dl+"/envelope", taxDept+"/recipient", nil, 200)
	envID, digest, _ := govshare.EnvelopeDigest(bytesReader(env))
	sig, _ := govshare.SignReceipt(f.tax, envID, digest)
	taxPub, _ := f.tax.Public().Marshal()
	psbPub, _ := f.psb.Public().Marshal()

	all := func(depts []string, rs ...string) []string {
		var out []string
		for _, d := range depts {
			for _, r := range rs {
				out = append(out, d+"/"+r)
			}
		}
		return out
	}
	parties := []string{psbDept, taxDept}
	everyDept := []string{psbDept, taxDept, supDept}
	endpoints := []struct {
		method, path string
		body         any
		allowed      []string // accounts that may: not tried
	}{
		{"POST", "/api/v1/departments/" + taxDept + "/keys", taxPub, []string{taxDept + "/admin"}},
		{"POST", "/api/v1/departments/" + psbDept + "/keys", psbPub, []string{psbDept + "/admin"}},
		{"POST", "/api/v1/resources", map[string]string{"catalog": f.catalog, "source": "population.csv"}, []string{psbDept + "/provider"}},
		{"GET", "/api/v1/resources", nil, all(everyDept, roles...)},
		{"POST", "/api/v1/applications", map[string]any{"resource": res, "fields": []string{"姓名"}, "purpose": "statistics",
			"legal_basis": "x", "not_after": "2099-01-01"}, all(everyDept, roleRecipient)},
		{"GET", "/api/v1/applications", nil, all(everyDept, roleRecipient, roleReviewer, roleProvider, roleAdmin)},
		{"GET", "/api/v1/applications/" + app1, nil, all(parties, roleRecipient, roleReviewer, roleProvider, roleAdmin)},
		{"POST", "/api/v1/applications/" + app2 + "/decision", map[string]string{"decision": "approve"}, []string{psbDept + "/reviewer"}},
		{"POST", "/api/v1/applications/" + app1 + "/revoke", nil, []string{psbDept + "/reviewer"}},
		{"GET", "/api/v1/deliveries/" + dl + "/envelope", nil, []string{taxDept + "/recipient"}},
		{"POST", "/api/v1/deliveries/" + dl + "/receipt", map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}, []string{taxDept + "/recipient"}},
		{"POST", "/api/v1/deliveries/" + dl + "/dispute", map[string]string{"reason": "field_value"}, []string{taxDept + "/recipient"}},
		{"GET", "/api/v1/log/checkpoint", nil, all(everyDept, roleAuditor, roleAdmin)},
		{"GET", "/api/v1/log/records", nil, all(everyDept, roleAuditor, roleAdmin)},
		{"GET", "/api/v1/log/vkey", nil, all(everyDept, roles...)},
		{"GET", "/api/v1/admin/check", nil, all(everyDept, roleAuditor, roleAdmin)},
	}
	tried := 0
	for _, ep := range endpoints {
		if code, _ := f.try(ep.method, ep.path, "", ep.body); code != 401 {
			t.Errorf("%s %s without a token: %d, want 401", ep.method, ep.path, code)
		}
		for _, who := range all(everyDept, roles...) {
			if slices.Contains(ep.allowed, who) {
				continue
			}
			tried++
			code, body := f.try(ep.method, ep.path, who, ep.body)
			if code != 403 && code != 404 {
				t.Errorf("%s %s as %s: %d, want 403 or 404: %s", ep.method, ep.path, who, code, body)
			}
		}
	}
	if tried < 150 {
		t.Fatalf("only %d wrong-account requests tried", tried)
	}
	// Nothing changed.
	for app, want := range map[string]string{app1: "delivered", app2: "submitted"} {
		m := f.json("GET", "/api/v1/applications/"+app, taxDept+"/recipient", nil, 200)
		if m["status"] != want {
			t.Errorf("application %s is %v after the refused requests, want %s", app, m["status"], want)
		}
	}
	list := f.json("GET", "/api/v1/resources", taxDept+"/recipient", nil, 200)
	if n := len(list["resources"].([]any)); n != 1 {
		t.Errorf("%d resources after the refused requests", n)
	}
	_ = fmt.Sprint
}
