package audit

import (
	"bytes"
	"crypto/sha256"
	"reflect"
	"strings"
	"testing"
	"time"
)

var riskTime = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

func sampleRisk() *RiskFigures {
	return &RiskFigures{
		QuasiIdentifiers: []string{"区县", "性别", "出生日期"}, K: 5,
		Records: 145, Classes: 25, KMin: 1, Uniques: 1, RecordsInClassesBelowK: 1,
		ProsecutorMax: 1, ProsecutorAvg: 25.0 / 145, MaxProsecutorRisk: 0.2, MinK: 5,
	}
}

func riskShare(f *RiskFigures) ShareRecord {
	return ShareRecord{EnvelopeID: "env-1", HeaderHash: Digest{1}, Provider: "gongan", Recipient: "shuiwu",
		Purpose: "administrative_basis", Resource: "survey", Time: riskTime, Risk: f}
}

func riskRefusal(f *RiskFigures) RefuseRecord {
	return RefuseRecord{RequestID: "req-1", By: "gongan", Code: ReasonRiskExceeded, Time: riskTime, Risk: f}
}

// TestRiskFiguresRoundTrip: share and refuse records with figures encode
// canonically, parse back equal on the fast and the slow path, and a
// record without figures encodes as before (old logs keep their bytes).
func TestRiskFiguresRoundTrip(t *testing.T) {
	share := sampleRisk()
	share.MinK, share.MaxProsecutorRisk = 0, 0
	share.Records, share.Classes, share.KMin, share.Uniques, share.RecordsInClassesBelowK = 150, 25, 6, 0, 0
	share.ProsecutorMax, share.ProsecutorAvg = 1.0/6, 25.0/150
	refused := sampleRisk()
	refused.Coarsen = []string{"出生日期", "区县"}
	none := &RiskFigures{K: 5, Records: 3, Classes: 1, KMin: 3, RecordsInClassesBelowK: 3, ProsecutorMax: 1.0 / 3, ProsecutorAvg: 1.0 / 3}
	for i, rec := range []Record{riskShare(share), riskRefusal(refused), riskShare(none), riskShare(&RiskFigures{K: 1})} {
		b, err := Marshal(rec)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%d: %v\n%s", i, err, b)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Fatalf("%d: parsed %+v, want %+v", i, got, rec)
		}
		var w any
		if rec.Kind() == KindShare {
			w = &shareWire{}
		} else {
			w = &refuseWire{}
		}
		if err := strictJSON(b, w); err != nil {
			t.Fatalf("%d: the slow path refuses it: %v", i, err)
		}
	}
	b, _ := Marshal(riskShare(none))
	if !bytes.Contains(b, []byte(`"resource":"survey","risk":{"quasi_identifiers":[],"k":5,"records":3,`)) {
		t.Errorf("no quasi-identifier left encodes as %s", b)
	}
	plain := riskShare(nil)
	b, _ = Marshal(plain)
	if bytes.Contains(b, []byte("risk")) {
		t.Errorf("a record without figures names them: %s", b)
	}
	if _, err := Parse(b); err != nil {
		t.Fatal(err)
	}
}

// TestRiskFiguresRefused: figures no measurement gives, figures on the
// wrong record, and non-canonical spellings are refused.
func TestRiskFiguresRefused(t *testing.T) {
	bad := map[string]func(f *RiskFigures){
		"k 0":                       func(f *RiskFigures) { f.K = 0 },
		"more classes than records": func(f *RiskFigures) { f.Classes = 146 },
		"k_min too big":             func(f *RiskFigures) { f.KMin, f.Uniques, f.ProsecutorMax = 10, 0, 0.1 },
		"uniques without k_min 1":   func(f *RiskFigures) { f.Uniques = 0 },
		"wrong max":                 func(f *RiskFigures) { f.ProsecutorMax = 0.5 },
		"wrong avg":                 func(f *RiskFigures) { f.ProsecutorAvg = 0.5 },
		"negative count":            func(f *RiskFigures) { f.RecordsInClassesBelowK = -1 },
		"threshold over 1":          func(f *RiskFigures) { f.MaxProsecutorRisk = 2 },
		"duplicate name":            func(f *RiskFigures) { f.QuasiIdentifiers[1] = "区县" },
		"empty name":                func(f *RiskFigures) { f.QuasiIdentifiers[1] = "" },
		"coarsen unknown":           func(f *RiskFigures) { f.Coarsen = []string{"年龄"} },
		"no records but classes":    func(f *RiskFigures) { f.Records = 0 },
	}
	for name, spoil := range bad {
		f := sampleRisk()
		spoil(f)
		if _, err := Marshal(riskRefusal(f)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	withCoarsen := sampleRisk()
	withCoarsen.Coarsen = []string{"区县"}
	if _, err := Marshal(riskShare(withCoarsen)); err == nil {
		t.Error("a share record names quasi-identifiers to coarsen")
	}
	if _, err := Marshal(RefuseRecord{RequestID: "r", By: "gongan", Code: ReasonRiskExceeded, Time: riskTime}); err == nil {
		t.Error("a risk refusal without figures")
	}
	if _, err := Marshal(RefuseRecord{RequestID: "r", By: "gongan", Code: ReasonNoGrant, Time: riskTime, Risk: sampleRisk()}); err == nil {
		t.Error("figures on another refusal")
	}
	good, _ := Marshal(riskRefusal(sampleRisk()))
	for name, edit := range map[string][2]string{
		"explicit zero threshold": {`"min_k":5`, `"min_k":0`},
		"leading zero":            {`"records":145`, `"records":0145`},
		"spaces":                  {`"k":5,`, `"k": 5,`},
		"null list":               {`"quasi_identifiers":["区县","性别","出生日期"]`, `"quasi_identifiers":null`},
		"empty coarsen":           {`"min_k":5}`, `"min_k":5,"coarsen":[]}`},
		"float spelling":          {`"prosecutor_max":1,`, `"prosecutor_max":1.0,`},
		"reordered":               {`"k":5,"records":145`, `"records":145,"k":5`},
	} {
		b := strings.Replace(string(good), edit[0], edit[1], 1)
		if b == string(good) {
			t.Fatalf("%s: edit not applied to %s", name, good)
		}
		if _, err := Parse([]byte(b)); err == nil {
			t.Errorf("%s: parsed %s", name, b)
		}
	}
}

// FuzzParseRisk: records with figures never panic the parser, and what it
// accepts re-encodes to the same bytes, on both paths.
func FuzzParseRisk(f *testing.F) {
	refused := sampleRisk()
	refused.Coarsen = []string{"性别"}
	for _, r := range []Record{riskShare(&RiskFigures{K: 1}), riskRefusal(refused)} {
		b, _ := Marshal(r)
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
