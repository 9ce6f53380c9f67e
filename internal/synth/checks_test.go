package synth

import (
	"fmt"
	"hash/fnv"
	"testing"
	"time"
)

// fp identifies a value in a failure message without printing it (test rule: no raw identifiers
// in output, even synthetic ones, so logs never train anyone to accept them).
func fp(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("len=%d fnv=%016x", len(s), h.Sum64())
}

func TestResidentCheckVectors(t *testing.T) {
	for _, v := range []string{"11010519491231002X", "440524188001010014"} {
		c, ok := residentCheck(v[:17])
		if !ok || c != v[17] {
			t.Errorf("residentCheck(%s) = %q, %v; want %q", v[:17], c, ok, v[17])
		}
	}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if !validResidentID18("11010519491231002X", now, 1930) {
		t.Error("vector 11010519491231002X rejected")
	}
	for _, bad := range []string{
		"110105194912310021", // wrong check
		"11010519491231002x", // lower-case x is not what the standard prints
		"11010519490230002X", // 30 February
		"01010519491231002X", // province 01 does not exist
		"1101051949123100",   // short
	} {
		if validResidentID18(bad, now, 1930) {
			t.Errorf("validResidentID18 accepted %q", bad)
		}
	}
	// A real date in the future (relative to now) is rejected even with a correct check char.
	body := "11010520301231002"
	c, _ := residentCheck(body)
	if validResidentID18(body+string(c), now, 1930) {
		t.Error("future birth date accepted")
	}
	if _, ok := residentCheck("1101051949123100A"); ok {
		t.Error("residentCheck accepted a letter in the body")
	}
}

func TestUSCCCheckVectors(t *testing.T) {
	const v = "91350100M000100Y43"
	c, ok := usccCheck(v[:17])
	if !ok || c != '3' {
		t.Fatalf("usccCheck(%s) = %q, %v; want '3'", v[:17], c, ok)
	}
	// The embedded organization code M000100Y-4 has its own valid GB 11714 check.
	if !validOrgCode(v[8:17], false) {
		t.Error("embedded org code of the USCC vector rejected")
	}
	if _, ok := usccCheck("91350100M000100Y" + "I"); ok {
		t.Error("usccCheck accepted I, which is not in the alphabet")
	}
	// Every wrong final character fails.
	for i := 0; i < len(usccAlphabet); i++ {
		if usccAlphabet[i] != '3' && usccOK(v[:17]+string(usccAlphabet[i])) {
			t.Errorf("usccOK accepted check %q", usccAlphabet[i])
		}
	}
}

func TestOrgCheckVectors(t *testing.T) {
	for _, v := range []string{"D2143569-X", "M000100Y-4"} {
		if !validOrgCode(v, true) {
			t.Errorf("vector %s rejected", v)
		}
	}
	for _, bad := range []string{"D2143569-0", "D2143569X", "D2143569_X", "d2143569-X"} {
		if validOrgCode(bad, true) {
			t.Errorf("validOrgCode accepted %q", bad)
		}
	}
	// c = 11 - sum mod 11 = 11 maps to '0': find a body with sum ≡ 0 (mod 11) by search.
	found := false
	for n := 0; n < 1000 && !found; n++ {
		body := fmt.Sprintf("%08d", n)
		sum := 0
		for i := 0; i < 8; i++ {
			sum += int(body[i]-'0') * orgWeights[i]
		}
		if sum%11 == 0 {
			c, _ := orgCheck(body)
			if c != '0' {
				t.Errorf("orgCheck(%s) = %q, want '0'", body, c)
			}
			found = true
		}
	}
	if !found {
		t.Error("no body with sum divisible by 11 found")
	}
}

func TestHKIDCheckVectors(t *testing.T) {
	for _, v := range []string{"A123456(3)", "G123456(A)", "AB987654(3)"} {
		if !validHKID(v, true) {
			t.Errorf("vector %s rejected", v)
		}
	}
	for _, bad := range []string{"A123456(4)", "A123456(3", "a123456(3)", "A12345(3)", "ABC123456(3)"} {
		if validHKID(bad, true) {
			t.Errorf("validHKID accepted %q", bad)
		}
	}
	if !validHKID("A1234563", false) {
		t.Error("unprinted vector rejected")
	}
}

func TestTWIDCheckVectors(t *testing.T) {
	if !validTWID("A123456789") {
		t.Error("vector A123456789 rejected")
	}
	for _, bad := range []string{"A123456788", "A323456789", "a123456789", "A12345678"} {
		if validTWID(bad) {
			t.Errorf("validTWID accepted %q", bad)
		}
	}
	// Letters whose codes are out of alphabetical order: I=34, O=35, W=32, Z=33.
	for letter, code := range map[byte]int{'I': 34, 'O': 35, 'W': 32, 'Z': 33, 'X': 30, 'J': 18} {
		if twLetterCodes[letter-'A'] != code {
			t.Errorf("code of %c = %d, want %d", letter, twLetterCodes[letter-'A'], code)
		}
	}
}

func TestLuhnVectors(t *testing.T) {
	for _, v := range []string{"79927398713", "4111111111111111", "5555555555554444", "378282246310005"} {
		if !luhnValid(v) {
			t.Errorf("vector %s rejected", v)
		}
	}
	for _, bad := range []string{"79927398710", "4111111111111112", "1", "4111a11111111111"} {
		if luhnValid(bad) {
			t.Errorf("luhnValid accepted %q", bad)
		}
	}
}

func TestParseDate(t *testing.T) {
	for s, want := range map[string]bool{
		"19491231": true, "20000229": true, "19000229": false, "20230230": false,
		"20231301": false, "20230100": false, "2023011": false, "2023o101": false,
	} {
		if _, ok := parseDate(s); ok != want {
			t.Errorf("parseDate(%s) ok = %v, want %v", s, ok, want)
		}
	}
}
