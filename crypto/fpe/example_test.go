package fpe_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/govshare/govshare/crypto/fpe"
)

// exampleKey is NIST's FF1 sample key; real keys come from the keyring,
// one per field and recipient.
var exampleKey, _ = hex.DecodeString("2B7E151628AED2A6ABF7158809CF4F3C")

func ExampleNewFF1() {
	f, err := fpe.NewFF1(exampleKey, 10)
	if err != nil {
		panic(err)
	}
	fmt.Println(f) // never prints the key
	// Output: fpe.FF1{[redacted]}
}

func ExampleFF1_EncryptString() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := f.EncryptString(nil, "0123456789", fpe.Digits) // NIST FF1 Sample 1
	pt, _ := f.DecryptString(nil, ct, fpe.Digits)
	fmt.Println(ct, pt)
	// Output: 2433477484 0123456789
}

func ExampleFF1_DecryptString() {
	f, _ := fpe.NewFF1(exampleKey, 36)
	tweak, _ := hex.DecodeString("3737373770717273373737")
	pt, _ := f.DecryptString(tweak, "a9tv40mll9kdu509eum", fpe.Base36) // NIST FF1 Sample 3
	fmt.Println(pt)
	// Output: 0123456789abcdefghi
}

func ExampleFF1_Encrypt() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	tweak := []byte("9876543210")
	ct, _ := f.Encrypt(tweak, []uint16{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) // NIST FF1 Sample 2
	fmt.Println(ct)
	// Output: [6 1 2 4 2 0 0 7 7 3]
}

func ExampleFF1_Decrypt() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	pt, _ := f.Decrypt(nil, []uint16{2, 4, 3, 3, 4, 7, 7, 4, 8, 4})
	fmt.Println(pt)
	// Output: [0 1 2 3 4 5 6 7 8 9]
}

func ExampleEncryptResidentID() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	tweak := []byte("field=sfzh;recipient=tax-bureau")
	// The bound is part of the permutation: outputs made under a fixed
	// bound decrypt on any later day. (The zero value is today in China
	// Standard Time; record BirthBound() to decrypt later.)
	bound := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	opts := fpe.ResidentIDOptions{KeepRegion: true, KeepSex: true, MaxBirthDate: bound}
	ct, err := fpe.EncryptResidentID(f, tweak, "110105 19491231 002x", opts)
	if err != nil {
		panic(err)
	}
	pt, _ := fpe.DecryptResidentID(f, tweak, ct, opts)
	fmt.Println(ct[:6], ct, pt)
	// Keeping region and birth year leaves too few values for FF1.
	_, err = fpe.EncryptResidentID(f, tweak, pt, fpe.ResidentIDOptions{KeepRegion: true, KeepBirthYear: true, MaxBirthDate: bound})
	fmt.Println(errors.Is(err, fpe.ErrSmallDomain))
	// Output:
	// 110105 110105201204118486 11010519491231002X
	// true
}

func ExampleDecryptResidentID() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	opts := fpe.ResidentIDOptions{MaxBirthDate: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}
	ct, _ := fpe.EncryptResidentID(f, nil, "11010519491231002X", opts)
	pt, _ := fpe.DecryptResidentID(f, nil, ct, opts)
	fmt.Println(ct, pt)
	// Output: 22161520171011859X 11010519491231002X
}

func ExampleEncryptMobile() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptMobile(f, []byte("field=sjhm"), "13812345678")
	fmt.Println(ct)
	// Output: 13801439626
}

func ExampleDecryptMobile() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptMobile(f, []byte("field=sjhm"), "13812345678")
	pt, _ := fpe.DecryptMobile(f, []byte("field=sjhm"), ct)
	fmt.Println(pt)
	// Output: 13812345678
}

func ExampleEncryptBankCard() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptBankCard(f, []byte("field=yhkh"), "6222021234567890128")
	fmt.Println(ct)
	// Output: 6222025765469800778
}

func ExampleDecryptBankCard() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptBankCard(f, []byte("field=yhkh"), "6222021234567890128")
	pt, _ := fpe.DecryptBankCard(f, []byte("field=yhkh"), ct)
	fmt.Println(pt)
	// Output: 6222021234567890128
}

func ExampleEncryptUSCC() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptUSCC(f, []byte("field=tyshxydm"), "91350100M000100Y43")
	fmt.Println(ct)
	// Output: 91350100N9Q013JW4F
}

func ExampleDecryptUSCC() {
	f, _ := fpe.NewFF1(exampleKey, 10)
	ct, _ := fpe.EncryptUSCC(f, []byte("field=tyshxydm"), "91350100M000100Y43")
	pt, _ := fpe.DecryptUSCC(f, []byte("field=tyshxydm"), ct)
	fmt.Println(pt)
	// Output: 91350100M000100Y43
}
