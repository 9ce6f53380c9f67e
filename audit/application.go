package audit

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
)

// KindApplication is the kind of an ApplicationRecord.
const KindApplication Kind = "application"

// ApplicationEvent is a step of a data-sharing application
// (ApplicationRecord.Event).
type ApplicationEvent string

// Application events: the states an application moves through.
const (
	AppSubmitted ApplicationEvent = "submitted" // the using department applied
	AppApproved  ApplicationEvent = "approved"  // the provider granted it
	AppRefused   ApplicationEvent = "refused"   // the provider refused it, with reasons (digested)
	AppDelivered ApplicationEvent = "delivered" // the envelope is ready for the recipient
	AppReceived  ApplicationEvent = "received"  // the recipient signed its receipt
	AppRevoked   ApplicationEvent = "revoked"   // the grant was revoked
	AppOverdue   ApplicationEvent = "overdue"   // no answer within the time limit
	AppDisputed  ApplicationEvent = "disputed"  // the recipient disputes a delivery
)

// ApplicationEvents lists the application events.
var ApplicationEvents = []ApplicationEvent{AppSubmitted, AppApproved, AppRefused, AppDelivered,
	AppReceived, AppRevoked, AppOverdue, AppDisputed}

// Known reports whether e is one of ApplicationEvents.
func (e ApplicationEvent) Known() bool { return slices.Contains(ApplicationEvents, e) }

// maxReceiptLen bounds the base64 receipt signature of a received event:
// an ML-DSA-87 signature (4627 bytes) with its prefix fits.
const maxReceiptLen = 8 << 10

// ApplicationRecord records one step of an application to share a
// catalogued resource: who applied to whom, for what purpose, and what
// became of it. Like every record it holds ids, codes, department names and
// digests, never a data value or free text: the requested terms, a
// refusal's reasons and the delivered envelope are in Digest (SHA-256 of
// the terms, of the reason text, or of the envelope file).
//
// By is the department that signs the record: the provider for its own acts
// (approved, refused, delivered, revoked), else the platform that runs the
// exchange (submitted, overdue, received, disputed are recorded by it on the
// applicant's behalf). A received event carries the recipient's own
// signature over the envelope (Receipt, base64), so the platform cannot
// forge an acknowledgement.
type ApplicationRecord struct {
	Application string           // application id: [A-Za-z0-9._:+/=-], 1–128 bytes
	Event       ApplicationEvent // one of ApplicationEvents
	By          string           // signing department
	Provider    string           // providing department
	Recipient   string           // applying (receiving) department
	Resource    string           // catalog resource name
	Purpose     catalog.Purpose
	GrantID     string // the grant (approved and later); "" before
	EnvelopeID  string // the envelope (delivered and later); "" before
	Digest      Digest // what the event is about (see above); zero if nothing
	Receipt     string // received only: the recipient's receipt signature, base64
	Time        time.Time
}

// Kind implements Record.
func (ApplicationRecord) Kind() Kind { return KindApplication }

type applicationWire struct {
	V           int    `json:"v"`
	Type        Kind   `json:"type"`
	Application string `json:"application"`
	Event       string `json:"event"`
	By          string `json:"by"`
	Provider    string `json:"provider"`
	Recipient   string `json:"recipient"`
	Resource    string `json:"resource"`
	Purpose     string `json:"purpose"`
	GrantID     string `json:"grant"`
	EnvelopeID  string `json:"envelope"`
	Digest      string `json:"digest"`
	Receipt     string `json:"receipt"`
	Time        string `json:"time"`
}

func (r ApplicationRecord) validate() error {
	if !r.Event.Known() {
		return errors.New("govshare/audit: application record: unknown event")
	}
	if err := firstErr(
		checkID("application", r.Application, false),
		checkDept("by", r.By),
		checkDept("provider", r.Provider),
		checkDept("recipient", r.Recipient),
		checkName("resource", r.Resource, false),
		checkPurpose(r.Purpose),
		checkName("grant", r.GrantID, true),
		checkID("envelope", r.EnvelopeID, true),
		checkTime(r.Time),
	); err != nil {
		return err
	}
	if (r.Event == AppReceived) != (r.Receipt != "") {
		return errors.New("govshare/audit: application record: a receipt goes with a received event, and only with one")
	}
	if len(r.Receipt) > maxReceiptLen {
		return fmt.Errorf("govshare/audit: application record: receipt is longer than %d bytes", maxReceiptLen)
	}
	for i := 0; i < len(r.Receipt); i++ {
		if charClass[r.Receipt[i]]&classID == 0 || r.Receipt[i] == '.' || r.Receipt[i] == '_' || r.Receipt[i] == ':' || r.Receipt[i] == '-' {
			return errors.New("govshare/audit: application record: receipt is not base64")
		}
	}
	return nil
}

func (r ApplicationRecord) wire(bool) (any, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	d := ""
	if r.Digest != (Digest{}) {
		d = r.Digest.String()
	}
	return &applicationWire{RecordVersion, KindApplication, r.Application, string(r.Event), r.By, r.Provider,
		r.Recipient, r.Resource, string(r.Purpose), r.GrantID, r.EnvelopeID, d, r.Receipt, formatTime(r.Time)}, nil
}

func (w *applicationWire) record() (Record, error) {
	t, err := parseTime(w.Time)
	if err != nil {
		return nil, err
	}
	var d Digest
	if w.Digest != "" && !decodeLowerHex(d[:], w.Digest) {
		return nil, errors.New("govshare/audit: application record: digest must be 64 lowercase hex digits")
	}
	return ApplicationRecord{w.Application, ApplicationEvent(w.Event), w.By, w.Provider, w.Recipient, w.Resource,
		catalog.Purpose(w.Purpose), w.GrantID, w.EnvelopeID, d, w.Receipt, t}, nil
}

// decodeApplication reads the rest of a canonical application record
// (after `{"v":1,"type":"application","application":`).
func decodeApplication(s *scanner, r *ApplicationRecord) error {
	r.Application = s.str()
	s.lit(`,"event":`)
	r.Event = ApplicationEvent(s.str())
	s.lit(`,"by":`)
	r.By = s.str()
	s.lit(`,"provider":`)
	r.Provider = s.str()
	s.lit(`,"recipient":`)
	r.Recipient = s.str()
	s.lit(`,"resource":`)
	r.Resource = s.str()
	s.lit(`,"purpose":`)
	r.Purpose = catalog.Purpose(s.str())
	s.lit(`,"grant":`)
	r.GrantID = s.str()
	s.lit(`,"envelope":`)
	r.EnvelopeID = s.str()
	s.lit(`,"digest":`)
	r.Digest = s.digest()
	s.lit(`,"receipt":`)
	r.Receipt = s.str()
	s.lit(`,"time":`)
	r.Time = s.time()
	if !s.end() {
		return errNotCanonical
	}
	return r.validate()
}

// cloneApplication copies r's strings out of the input they alias.
func cloneApplication(r ApplicationRecord) ApplicationRecord {
	c := strings.Clone
	r.Application, r.Event, r.By, r.Provider = c(r.Application), ApplicationEvent(c(string(r.Event))), c(r.By), c(r.Provider)
	r.Recipient, r.Resource, r.Purpose = c(r.Recipient), c(r.Resource), catalog.Purpose(c(string(r.Purpose)))
	r.GrantID, r.EnvelopeID, r.Receipt = c(r.GrantID), c(r.EnvelopeID), c(r.Receipt)
	return r
}
