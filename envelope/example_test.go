package envelope_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/envelope"
)

// sealSample seals a two-line CSV from the public security bureau to the tax
// bureau for administrative_basis, valid for 30 days.
func sealSample() (env []byte, provider, recipient *keys.Keyring) {
	provider, err := keys.New("public-security-bureau")
	if err != nil {
		log.Fatal(err)
	}
	recipient, err = keys.New("tax-bureau")
	if err != nil {
		log.Fatal(err)
	}
	csv := "姓名,身份证号\n张*,tok:8f3a…\n"
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	_, err = envelope.Seal(&out, strings.NewReader(csv), envelope.SealOptions{
		Purpose:  catalog.PurposeAdministrativeBasis,
		Grant:    "g-2026-0042",
		Resource: "population-register",
		NotAfter: now.AddDate(0, 0, 30),
		Fields: []envelope.Field{
			{Name: "姓名", Type: catalog.TypePersonName, Category: catalog.CategoryPersonal, Level: catalog.LevelGeneral, Transform: catalog.TransformMask},
			{Name: "身份证号", Type: catalog.TypeResidentID, Category: catalog.CategoryPersonal, Level: catalog.LevelImportant, Transform: catalog.TransformToken},
		},
		ContentType:   "text/csv",
		RecordCount:   1,
		PayloadLength: uint64(len(csv)),
		Now:           now,
	}, provider, recipient.Public())
	if err != nil {
		log.Fatal(err)
	}
	return out.Bytes(), provider, recipient
}

func ExampleSeal() {
	env, _, _ := sealSample()
	h, err := envelope.Inspect(bytes.NewReader(env))
	if err != nil {
		log.Fatal(err)
	}
	// The 身份证号 field is important data, so the envelope uses the
	// important suite (X-Wing + ML-DSA-65/Ed25519).
	fmt.Println(h.Suite, h.Provider, "→", h.Recipient, h.Purpose)
	// Output: important public-security-bureau → tax-bureau administrative_basis
}

func ExampleOpen() {
	env, provider, recipient := sealSample()
	opts := envelope.OpenOptions{
		Keys:    recipient,
		Purpose: catalog.PurposeAdministrativeBasis,
		Trust:   provider.Public(),
		Now:     time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}
	var out bytes.Buffer
	if _, err := envelope.Open(&out, bytes.NewReader(env), int64(len(env)), opts); err != nil {
		log.Fatal(err)
	}
	fmt.Print(out.String())

	// The same recipient declaring another purpose is refused.
	opts.Purpose = catalog.PurposeStatistics
	_, err := envelope.Open(&out, bytes.NewReader(env), int64(len(env)), opts)
	fmt.Println(errors.Is(err, envelope.ErrWrongPurpose))
	// Output:
	// 姓名,身份证号
	// 张*,tok:8f3a…
	// true
}

func ExampleInspect() {
	env, _, _ := sealSample()
	h, err := envelope.Inspect(bytes.NewReader(env))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Resource, h.Grant, h.NotAfter.Format(time.DateOnly), h.OnwardTransferProhibited)
	for _, f := range h.Fields {
		fmt.Println(f.Name, f.Type, f.Level, f.Transform)
	}
	// Output:
	// population-register g-2026-0042 2026-03-31 true
	// 姓名 person_name general mask
	// 身份证号 cn_resident_id important token
}

func ExampleReshare() {
	env, _, _ := sealSample()
	other, err := keys.New("civil-affairs")
	if err != nil {
		log.Fatal(err)
	}
	err = envelope.Reshare(bytes.NewReader(env), other.Public())
	fmt.Println(errors.Is(err, envelope.ErrOnwardTransferProhibited))
	// Output: true
}
