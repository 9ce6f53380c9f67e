package audit

import (
	"bytes"
	"sort"
)

// Redelivery is an envelope opened more than once by the same department:
// allowed (a recipient may open its copy again) but visible, since each
// open is an act on record ("govshare log show" lists them).
type Redelivery struct {
	EnvelopeID string   `json:"envelope"`
	Opener     string   `json:"opener"`
	Indexes    []uint64 `json:"indexes"` // the successful open records, in log order
}

// Redeliveries finds, among entries, the envelopes opened successfully
// (OutcomeOpened) more than once by the same department, in order of
// their first open.
func Redeliveries(entries []Entry) []Redelivery {
	type key struct{ env, opener string }
	opens := map[key][]uint64{}
	var order []key
	for _, e := range entries {
		r, ok := e.Record.(OpenRecord)
		if !ok || r.Outcome != OutcomeOpened {
			continue
		}
		k := key{r.EnvelopeID, r.Opener}
		if _, seen := opens[k]; !seen {
			order = append(order, k)
		}
		opens[k] = append(opens[k], e.Index)
	}
	var out []Redelivery
	for _, k := range order {
		if idx := opens[k]; len(idx) > 1 {
			sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
			out = append(out, Redelivery{EnvelopeID: k.env, Opener: k.opener, Indexes: idx})
		}
	}
	return out
}

// RecordBytes returns the canonical bytes of the entry's record: Raw for
// an unsigned entry, the record inside it for a signed one.
func (e Entry) RecordBytes() []byte {
	var l leaf
	if err := parseLeaf(e.Raw, &l); err != nil {
		return nil
	}
	return bytes.Clone(l.rec)
}

// SignedRecord returns the signed record a receipt's entry holds; false
// for a receipt of an unsigned record or a malformed entry. It does not
// verify anything: VerifySignedReceipt does.
func (r Receipt) SignedRecord() (SignedRecord, bool) {
	var l leaf
	if r.Entry == nil || parseLeaf(r.Entry, &l) != nil || !l.signed {
		return SignedRecord{}, false
	}
	return l.signedRecord(), true
}
