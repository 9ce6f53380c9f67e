package fpe

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/classify"
)

// TestDefaultBoundIsTodayCST: with no MaxBirthDate the birth-date domain
// ends today in China Standard Time, whatever the machine's zone: at
// 00:30 on 2027-03-01 in Beijing (still 2027-02-28 in UTC) someone born
// that day encrypts and decrypts, and someone born the next day is refused.
func TestDefaultBoundIsTodayCST(t *testing.T) {
	holdClock(t, time.Date(2027, 2, 28, 16, 30, 0, 0, time.UTC))
	f := testFF1(t)
	withCheck := func(body string) string {
		c, _ := classify.ResidentIDCheckDigit(body)
		return body + string(c)
	}
	born := withCheck("44030520270301123")
	for _, opts := range []ResidentIDOptions{{}, {KeepRegion: true}, {KeepBirthYear: true, KeepSex: true}} {
		out, err := EncryptResidentID(f, []byte("t"), born, opts)
		if err != nil {
			t.Fatalf("%+v: born today (CST) refused: %v", opts, err)
		}
		if d := daysFromCivil(int(atou(out[6:10])), int(atou(out[10:12])), int(atou(out[12:14]))); d > daysFromCivil(2027, 3, 1) {
			t.Fatalf("%+v: output born after today", opts)
		}
		if back, err := DecryptResidentID(f, []byte("t"), out, opts); err != nil || back != born {
			t.Fatalf("%+v: round trip: %v", opts, err)
		}
		b, err := opts.BirthBound()
		if err != nil || !b.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("BirthBound = %v, %v", b, err)
		}
		// The recorded bound decrypts on a later day.
		later := opts
		later.MaxBirthDate = b
		holdClock(t, time.Date(2027, 9, 1, 12, 0, 0, 0, catalog.ChinaTime))
		if back, err := DecryptResidentID(f, []byte("t"), out, later); err != nil || back != born {
			t.Fatalf("%+v: decrypt with the recorded bound on a later day: %v", opts, err)
		}
		holdClock(t, time.Date(2027, 2, 28, 16, 30, 0, 0, time.UTC))
	}
	tomorrow := withCheck("44030520270302123")
	if _, err := EncryptResidentID(f, nil, tomorrow, ResidentIDOptions{}); !errors.Is(err, ErrInvalidIdentifier) {
		t.Errorf("born tomorrow (CST): %v", err)
	}
	// A bound after today (CST) is refused; today itself is allowed.
	if _, err := EncryptResidentID(f, nil, born, ResidentIDOptions{MaxBirthDate: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, ErrOptions) {
		t.Errorf("bound tomorrow: %v", err)
	}
	if _, err := EncryptResidentID(f, nil, born, ResidentIDOptions{MaxBirthDate: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Errorf("bound today: %v", err)
	}
}

// TestSmallDomainRefused: NIST SP 800-38G Rev. 1 — no FPE on fewer than
// 10^6 values. Keeping region and birth year leaves at most 366 × 1,000
// (× 500 with the sex kept) and is refused for every ID; keeping the
// region alone is refused only for a bound that leaves too few days.
func TestSmallDomainRefused(t *testing.T) {
	atLegacyBound(t)
	f := testFF1(t)
	const id = "11010519491231002X"
	for _, opts := range []ResidentIDOptions{{KeepRegion: true, KeepBirthYear: true}, {KeepRegion: true, KeepBirthYear: true, KeepSex: true}} {
		if err := opts.Check(); !errors.Is(err, ErrSmallDomain) {
			t.Errorf("%+v: Check = %v", opts, err)
		}
		for _, fn := range []func(*FF1, []byte, string, ResidentIDOptions) (string, error){EncryptResidentID, DecryptResidentID} {
			if out, err := fn(f, nil, id, opts); !errors.Is(err, ErrSmallDomain) || out != "" {
				t.Errorf("%+v: %v", opts, err)
			} else if strings.Contains(err.Error(), id[:6]) {
				t.Errorf("error echoes the value")
			}
		}
	}
	// Domains per mode, for a 1949 birth with the bound at 2025-12-31.
	days := uint64(legacyBound - minBirthDay + 1) // 46,021
	for _, c := range []struct {
		opts ResidentIDOptions
		want uint64
	}{
		{ResidentIDOptions{}, 350_000 * days * 1000},
		{ResidentIDOptions{KeepRegion: true}, days * 1000},
		{ResidentIDOptions{KeepRegion: true, KeepSex: true}, days * 500},
		{ResidentIDOptions{KeepBirthYear: true}, 350_000 * 365 * 1000},
		{ResidentIDOptions{KeepBirthYear: true, KeepSex: true}, 350_000 * 365 * 500},
		{ResidentIDOptions{KeepRegion: true, KeepBirthYear: true}, 365 * 1000},
		{ResidentIDOptions{KeepRegion: true, KeepBirthYear: true, KeepSex: true}, 365 * 500},
	} {
		n, err := ResidentIDDomain(id, c.opts)
		if n != c.want || (err != nil) != (c.want < MinDomain) {
			t.Errorf("%+v: domain %d, %v; want %d", c.opts, n, err, c.want)
		}
	}
	// Per value: a bound early in 1902 leaves 1902-01-01 … 1902-03-31 plus
	// 1900–1901 (820 days): × 1,000 is below 10^6 with the region kept.
	early := ResidentIDOptions{KeepRegion: true, MaxBirthDate: time.Date(1902, 3, 31, 0, 0, 0, 0, time.UTC)}
	old := "110105190001010011"
	c, _ := classify.ResidentIDCheckDigit(old[:17])
	old = old[:17] + string(c)
	if _, err := EncryptResidentID(f, nil, old, early); !errors.Is(err, ErrSmallDomain) {
		t.Errorf("early bound, region kept: %v", err)
	}
	early.KeepRegion = false
	if _, err := EncryptResidentID(f, nil, old, early); err != nil {
		t.Errorf("early bound, region encrypted: %v", err)
	}
	// The other identifiers: 10^8 (mobile), 10^(n−7) (cards of n digits),
	// 31^8 (USCC): all at least 10^6, down to 13-digit cards.
	card13 := "6222021234565"
	if !classify.LuhnValid(card13) {
		c, _ := classify.LuhnCheckDigit(card13[:12])
		card13 = card13[:12] + string(c)
	}
	out, err := EncryptBankCard(f, nil, card13)
	if err != nil || len(out) != 13 || !classify.LuhnValid(out) {
		t.Fatalf("13-digit card: %v", err)
	}
	if back, err := DecryptBankCard(f, nil, out); err != nil || back != card13 {
		t.Fatalf("13-digit card round trip: %v", err)
	}
	if _, err := EncryptBankCard(f, nil, "622202123455"); !errors.Is(err, ErrInvalidIdentifier) {
		t.Errorf("12-digit card (10^5 values) accepted: %v", err)
	}
}

// TestWrittenForms: the identifier functions take every written form
// classify accepts and act on its canonical value, so one identifier
// written several ways encrypts to one output.
func TestWrittenForms(t *testing.T) {
	atLegacyBound(t)
	f := testFF1(t)
	opts := ResidentIDOptions{KeepRegion: true}
	cases := []struct {
		enc   func(string) (string, error)
		forms []string
	}{
		{func(s string) (string, error) { return EncryptResidentID(f, nil, s, opts) }, []string{
			"11010519491231002X", "11010519491231002x", "110105 19491231 002X", "1101 0519 4912 3100 2X",
			"１１０１０５１９４９１２３１００２ｘ", "'11010519491231002X", "110105-19491231-002X",
		}},
		{func(s string) (string, error) { return EncryptMobile(f, nil, s) }, []string{
			"13812345678", "138-1234-5678", "+86 138 1234 5678", "008613812345678", "(+86)13812345678", "１３８１２３４５６７８", "13812345678.0",
		}},
		{func(s string) (string, error) { return EncryptBankCard(f, nil, s) }, []string{
			"6222021234567890128", "6222 0212 3456 7890 128", "６２２２０２１２３４５６７８９０１２８",
		}},
		{func(s string) (string, error) { return EncryptUSCC(f, nil, s) }, []string{
			"91350100M000100Y43", "9135 0100 M000 100Y 43", "91350100m000100y43", "９１３５０１００Ｍ０００１００Ｙ４３",
		}},
	}
	for i, c := range cases {
		want, err := c.enc(c.forms[0])
		if err != nil {
			t.Fatalf("case %d: canonical form: %v", i, err)
		}
		for j, form := range c.forms[1:] {
			if got, err := c.enc(form); err != nil || got != want {
				t.Errorf("case %d form %d: differs from the canonical form's output (%v)", i, j+1, err)
			}
		}
	}
	// A legacy 15-digit ID is encrypted as its 18-character form.
	legacy, err := EncryptResidentID(f, nil, "110105491231002", opts)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := DecryptResidentID(f, nil, legacy, opts); err != nil || back != "11010519491231002X" {
		t.Errorf("legacy ID decrypts to another value (%v)", err)
	}
}

// TestUSCCFree: codes whose char 17 is not the organization-code check of
// chars 9–16 (valid USCCs all the same) encrypt into codes of the same kind
// and back.
func TestUSCCFree(t *testing.T) {
	f := testFF1(t)
	rng := rand.New(rand.NewPCG(21, 22))
	for i := range 2000 {
		u := []byte(genUSCC(rng))
		for {
			u[16] = usccAlphabet[rng.IntN(31)]
			if oc, _ := classify.OrgCodeCheckDigit(string(u[8:16])); oc != u[16] {
				break
			}
		}
		u[17], _ = classify.USCCCheckDigit(string(u[:17]))
		in := string(u)
		tweak := []byte(fmt.Sprint(i % 7))
		out, err := EncryptUSCC(f, tweak, in)
		if err != nil || !classify.ValidUSCC(out) || out[:8] != in[:8] {
			t.Fatalf("input %s: %v", fingerprint(in), err)
		}
		if oc, _ := classify.OrgCodeCheckDigit(out[8:16]); oc == out[16] {
			t.Fatalf("input %s: output changed kind", fingerprint(in))
		}
		if out == in {
			t.Fatalf("input %s: unchanged", fingerprint(in))
		}
		if back, err := DecryptUSCC(f, tweak, out); err != nil || back != in {
			t.Fatalf("input %s: round trip (%v)", fingerprint(in), err)
		}
	}
}
