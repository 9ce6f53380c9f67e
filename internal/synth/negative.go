package synth

import (
	"strconv"
	"strings"
	"time"
)

// Look-alike negatives: values shaped like identifiers that fail the decisive check, or number
// formats that share an identifier's length. None of them is a valid identifier of any type: each
// is drawn again until the lenient looksValid rejects it (for example an 18-digit value that
// happens to pass Luhn would look like a bank card).

// NegativeKinds lists the kinds [Gen.Negative] returns, in a fixed order.
var NegativeKinds = []string{
	"bad_check_resident_id", "bad_check_uscc", "bad_check_org_code", "bad_luhn_bank_card",
	"bad_check_hk_id", "bad_check_tw_id", "order_number_18", "fake_11_digit", "sku",
}

// negative returns f() once looksValid rejects it. One or two draws suffice: each generator fails
// a checksum by construction and only rarely collides with another type's lenient check. The bound
// turns a broken generator into a loud failure instead of a hang.
func (g *Gen) negative(f func() string) string {
	for range 1000 {
		if s := f(); !looksAny(s) {
			return s
		}
	}
	panic("govshare/synth: negative generator keeps producing valid identifiers")
}

func looksAny(s string) bool {
	_, ok := looksValid(s)
	return ok
}

// otherThan returns a character of alphabet different from c.
func (g *Gen) otherThan(alphabet string, c byte) byte {
	for {
		if x := alphabet[g.r.IntN(len(alphabet))]; x != c {
			return x
		}
	}
}

// BadCheckResidentID returns an 18-character resident ID with a real region, a real birth date and
// a sequence, but the wrong check character.
func (g *Gen) BadCheckResidentID() string {
	return g.negative(func() string {
		id := g.ResidentID()
		return id[:17] + string(g.otherThan("0123456789X", id[17]))
	})
}

// BadCheckUSCC returns a unified social credit code with a valid structure (including a valid
// embedded organization code) but the wrong mod-31 check character.
func (g *Gen) BadCheckUSCC() string {
	return g.negative(func() string {
		s := g.USCC()
		return s[:17] + string(g.otherThan(usccAlphabet, s[17]))
	})
}

// BadCheckOrgCode returns a printed organization code XXXXXXXX-X with the wrong check character.
func (g *Gen) BadCheckOrgCode() string {
	return g.negative(func() string {
		s := g.OrgCode()
		return s[:9] + string(g.otherThan("0123456789X", s[9]))
	})
}

// BadLuhnBankCard returns a card number with a real BIN and length that fails the Luhn test.
func (g *Gen) BadLuhnBankCard() string {
	return g.negative(func() string {
		s := g.BankCard()
		return s[:len(s)-1] + string(g.otherThan("0123456789", s[len(s)-1]))
	})
}

// BadCheckHKID returns a printed HKID such as A123456(7) with the wrong check character.
func (g *Gen) BadCheckHKID() string {
	return g.negative(func() string {
		s := g.HKID()
		n := len(s)
		return s[:n-2] + string(g.otherThan("0123456789A", s[n-2])) + ")"
	})
}

// BadCheckTWID returns a Taiwan ID with the wrong check digit.
func (g *Gen) BadCheckTWID() string {
	return g.negative(func() string {
		s := g.TWID()
		return s[:9] + string(g.otherThan("0123456789", s[9]))
	})
}

// OrderNumber18 returns an 18-digit e-commerce order number: a yyyyMMddHHmmss time within the
// three years before g.Now followed by 4 random digits. It starts 19 or 20, never a province code.
func (g *Gen) OrderNumber18() string {
	return g.negative(func() string {
		day := g.dateBetween(g.Now.AddDate(-3, 0, 0), g.Now)
		t := day.Add(time.Duration(g.r.IntN(86400)) * time.Second)
		return t.Format("20060102150405") + g.digits(4)
	})
}

// Fake11Digit returns 11 random digits starting with 10, 11 or 12: the length of a mobile number
// without an allocated prefix (ticket, invoice and work-order numbers look like this).
func (g *Gen) Fake11Digit() string {
	return g.negative(func() string {
		return "1" + string(byte('0'+g.r.IntN(3))) + g.digits(9)
	})
}

// SKU returns a product code mixing letters, digits and dashes, such as SKU-20931-XL or A1B2-C3D4.
// Never a bare 13-digit EAN (those pass Luhn-like checks).
func (g *Gen) SKU() string {
	return g.negative(func() string {
		switch g.r.IntN(4) {
		case 0:
			return "SKU-" + g.digitsFrom(5, '1') + "-" + pick(g, []string{"XS", "S", "M", "L", "XL", "XXL"})
		case 1:
			var sb strings.Builder
			for i := 0; i < 8; i++ {
				if i == 4 {
					sb.WriteByte('-')
				}
				if i%2 == 0 {
					sb.WriteByte(g.plateLetter())
				} else {
					sb.WriteByte(byte('0' + g.r.IntN(10)))
				}
			}
			return sb.String()
		case 2:
			return string(g.plateLetter()) + string(g.plateLetter()) + "-" + g.digits(4) + "-" + g.digits(2)
		default:
			return pick(g, []string{"JD", "TM", "PDD", "HW", "MI"}) + strconv.Itoa(100+g.r.IntN(900)) + "-" +
				pick(g, []string{"BLK", "WHT", "RED", "BLU", "GRY"})
		}
	})
}

// Negative returns one look-alike negative of a randomly chosen kind from [NegativeKinds].
func (g *Gen) Negative() (kind, value string) {
	kind = pick(g, NegativeKinds)
	return kind, g.negativeOf(kind)
}

func (g *Gen) negativeOf(kind string) string {
	switch kind {
	case "bad_check_resident_id":
		return g.BadCheckResidentID()
	case "bad_check_uscc":
		return g.BadCheckUSCC()
	case "bad_check_org_code":
		return g.BadCheckOrgCode()
	case "bad_luhn_bank_card":
		return g.BadLuhnBankCard()
	case "bad_check_hk_id":
		return g.BadCheckHKID()
	case "bad_check_tw_id":
		return g.BadCheckTWID()
	case "order_number_18":
		return g.OrderNumber18()
	case "fake_11_digit":
		return g.Fake11Digit()
	default:
		return g.SKU()
	}
}
