package audit_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// A data exchange records each step of an application: the provider signs
// its approval, the platform the submission it took on the applicant's
// behalf. The terms are a digest: the log holds no free text.
func ExampleApplicationRecord() {
	psb, _ := keys.New("public-security-bureau")
	platform, _ := keys.New("exchange-platform")
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sk, _, _ := audit.GenerateKey("example.gov/exchange-log")
	logKey, _ := audit.NewSigner(sk)
	reg, _ := audit.NewRegistry(psb.Public(), platform.Public())
	log, err := audit.OpenAppender(context.Background(), filepath.Join(dir, "log"), audit.AppenderOptions{Signer: logKey, Registry: reg})
	if err != nil {
		panic(err)
	}
	defer log.Close()

	rec := audit.ApplicationRecord{Application: "a1", Event: audit.AppSubmitted, By: "exchange-platform",
		Provider: "public-security-bureau", Recipient: "tax-bureau", Resource: "population-register",
		Purpose: catalog.PurposeAdministrativeBasis, Digest: sha256.Sum256([]byte(`{"fields":["姓名"]}`)), Time: time.Now()}
	ps, _ := audit.KeyringSigner(platform, keys.KindSignEd25519)
	r1, err := audit.SignAndAppend(context.Background(), log, ps, rec)
	fmt.Println("submitted: record", r1.Index, err)

	rec.Event, rec.By, rec.GrantID, rec.Digest = audit.AppApproved, "public-security-bureau", "app-a1", audit.Digest{}
	_, err = audit.SignAndAppend(context.Background(), log, ps, rec) // the platform cannot sign the provider's act
	fmt.Println("approval signed by the platform:", err != nil)
	pk, _ := audit.KeyringSigner(psb, keys.KindSignEd25519)
	r2, err := audit.SignAndAppend(context.Background(), log, pk, rec)
	fmt.Println("approved: record", r2.Index, err)
	// Output:
	// submitted: record 0 <nil>
	// approval signed by the platform: true
	// approved: record 1 <nil>
}
