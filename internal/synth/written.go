package synth

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Written forms (issue 9): identifiers as departments really write them — full-width characters,
// groups and separators, prefixes, spreadsheet artefacts, plates with separators and special
// suffixes, OCR spacing, values nested in URLs, bare column values — and the look-alikes that must
// not be found (§2). Like the rest of the package this is built from the standards and from how
// values are written, never from the detector's rules: it is the measuring stick
// (classify/written_eval_test.go scores the detector on it, form by form).
//
// Span conventions, the same for every form:
//
//   - A span covers what is written, separators included: 138 1234 5678, 粤B·D12345, A123456 (7),
//     １３８１２３４５６７８ (full-width characters are 3 bytes each).
//   - Country-code prefixes before a mobile (+86, +86 , +86-, 86-, 0086, (+86), （+86）) are inside
//     the span; the brackets of an area code ((0755)12345678) are inside it; an extension
//     (010-12345678-8001, 0755-12345678转8001) is inside it and is part of the identifier proper.
//   - The identifier proper ([WrittenSpan.CoreStart], [WrittenSpan.CoreEnd]) runs from the first to the
//     last letter or digit of the value, prefix excluded: what a finding must cover. A finding that
//     leaves the prefix or a closing bracket out (13812345678 for +86 13812345678, 0755)12345678 for
//     (0755)12345678, A123456 (7 for A123456 (7)) still finds the value.
//   - Spreadsheet artefacts are outside the span: '110105…, ="13812345678" and 13812345678.0 give
//     the span of the identifier alone.
//   - A URL whose query string holds an ID or a mobile gives a span for the URL and one for each
//     nested value; they overlap.

// WrittenSpan is one identifier in a [WrittenCase]. Span (Type, Start, End, Value) covers what is
// written, including an optional prefix or bracket; [CoreStart, CoreEnd) is the identifier proper,
// from its first to its last letter or digit, in bytes of the case's Text.
type WrittenSpan struct {
	Span
	CoreStart, CoreEnd int
}

// WrittenCase is one labelled line: a sentence, a log line or a spreadsheet cell.
type WrittenCase struct {
	// Form is one of [WrittenForms]; negatives start with "neg_".
	Form string
	// Text is the line as written, valid UTF-8.
	Text string
	// Cell is true when Text is a whole spreadsheet cell (a bare value) rather than prose.
	Cell bool
	// Spans lists every identifier in Text, in order of Start; empty for a negative form.
	Spans []WrittenSpan
}

// WrittenForms lists the forms [Gen.WrittenCorpus] generates, positives first, in a fixed order.
// Negative forms start with "neg_" and contain no identifier at all.
//
// Positive forms (issue 9 §1):
//
//	fw_mobile            １３８１２３４５６７８, all full-width, or １３８　１２３４　５６７８
//	fw_resident_id       full-width digits, check character Ｘ or ｘ when it is X, sometimes 6-8-4 with U+3000
//	fw_uscc              full-width digits and letters
//	fw_bank_card         full-width digits, plain or in groups of 4 (space or U+3000)
//	fw_email             ＠, ．, 。 as the dot, or entirely full-width
//	fw_landline          （0755）12345678, （０７５５）１２３４５６７８, ０７５５－１２３４５６７８
//	fw_dash              － as the separator: 138－1234－5678, 110105－19491231－002X, 0755－12345678
//	fw_mixed             one run full-width, the rest ASCII (138１２３４5678): mobiles, IDs, cards, USCC
//	grp_resident_id_684  110105 19491231 002X (space, -, －)
//	grp_resident_id_4    1101 0519 4912 3100 2X (space, -, －)
//	grp_mobile_344       138 1234 5678, 138-1234-5678
//	grp_mobile_38        138 12345678, 138-12345678
//	grp_bank_card_16     6222 0202 0000 0006 (space, -)
//	grp_bank_card_19     6222 0202 0000 0000 006 (space, -)
//	grp_uscc             91 440300 MA5F12345 X (2-6-9-1) or 9144 0300 MA5F 1234 5X (4-4-4-4-2)
//	grp_landline_paren   (0755)12345678, (010) 62345678, （0512）41040901
//	grp_landline_ext     010-12345678-8001, 0755-12345678转8001, (0755)12345678-801
//	grp_landline_space   0755 12345678, 010 6234 5678, (0755) 8234 5678 (not named by the issue)
//	grp_landline_digits  075512345678, 01062345678: digits only, a real area code
//	grp_hk_id_space      A123456 (7), AB123456 (A), A123456 （7）
//	case_id_lower_x      11010519491231002x
//	prefix_mobile        +86 138…, +86138…, +86-138…, 86-138…, 0086138…, (+86)138…, +86 138 1234 5678
//	excel_quote          '11010519491231002X, '13812345678, '6222… (a cell)
//	excel_formula        ="11010519491231002X", ="13812345678" (a cell)
//	excel_float          13812345678.0 (a cell)
//	plate_sep            粤B·D12345, 粤B•12345, 粤B・12345, 粤B.12345, 粤B-12345, 粤B 12345
//	plate_special        粤B1234学, 粤B1234挂, 京A1234警, 粤Z1234港, 粤Z1234澳, 沪A1234领, 粤B1234试, 粤B1234超
//	ocr_checked          1101 05194 91231 002X: IDs, USCC and cards split by single spaces in no known grouping
//	ocr_mobile           1 3 8 1 2 3 4 5 6 7 8: every digit spaced (no check digit: prefix and length decide)
//	nested_url           https://host/q?sfzh=…&sjh=…: the URL and each nested ID or mobile
//	bare_org_code        D2143569X: a bare 9-character organization code (a cell)
//	bare_hk_id           A1234567: a bare HK ID without brackets (a cell)
//	mixed_fields         2–4 labelled fields of different forms in one line (身份证：… 手机：…), or a
//	                     pasted table row of bare values separated by tabs or " | "
//
// Negative forms (issue 9 §2):
//
//	neg_luhn_no_iin      Luhn-valid 16–19 digit numbers that start with no card issuer prefix
//	neg_luhn_context     Luhn-valid numbers with a real card BIN after 合同编号, 流水号, 交易号, 订单号, 发票号码, 单号, 编号, 工单号
//	neg_luhn19_prefix16  19-digit numbers that fail Luhn although their first 16 digits (a card BIN) pass
//	neg_version          版本12.17.8.182, v1.2.3.4, 第6.2.8.28条: dotted quads that are not addresses
//	neg_amount           13812345678元, ¥13,812,345.67, 13,812,345,678.00元: mobile-shaped amounts
//	neg_order18          18-digit order numbers whose ID check character passes but whose region or date is impossible
//	neg_hotline          12345, 12315, 95588, 10086 … service numbers
//	neg_400_800          400-820-8820, 4008208820, 800-810-8888
//	neg_icp              京ICP备12345678号-1
//	neg_gongan           京公网安备 11010502030143号
//	neg_masked           138****5678, 110105********002X, 6222 **** **** 1234
//	neg_timestamp        20261203093512, 1733212345678 (Unix ms), 1733212345, 2026-12-03 09:35:12
var WrittenForms = []string{
	"fw_mobile", "fw_resident_id", "fw_uscc", "fw_bank_card", "fw_email", "fw_landline", "fw_dash", "fw_mixed",
	"grp_resident_id_684", "grp_resident_id_4", "grp_mobile_344", "grp_mobile_38", "grp_bank_card_16",
	"grp_bank_card_19", "grp_uscc", "grp_landline_paren", "grp_landline_ext", "grp_landline_space",
	"grp_landline_digits", "grp_hk_id_space", "case_id_lower_x", "prefix_mobile", "excel_quote",
	"excel_formula", "excel_float", "plate_sep", "plate_special", "ocr_checked", "ocr_mobile", "nested_url",
	"bare_org_code", "bare_hk_id", "mixed_fields",

	"neg_luhn_no_iin", "neg_luhn_context", "neg_luhn19_prefix16", "neg_version", "neg_amount", "neg_order18",
	"neg_hotline", "neg_400_800", "neg_icp", "neg_gongan", "neg_masked", "neg_timestamp",
}

// WrittenCorpus returns perForm cases of every form in [WrittenForms], form by form in that
// order. The same seed and g.Now give the same corpus.
func (g *Gen) WrittenCorpus(perForm int) []WrittenCase {
	out := make([]WrittenCase, 0, perForm*len(WrittenForms))
	for _, f := range WrittenForms {
		for range perForm {
			out = append(out, g.WrittenCase(f))
		}
	}
	return out
}

// WrittenCase returns one case of the given form. It panics on a form not in [WrittenForms], a
// programming error.
func (g *Gen) WrittenCase(form string) WrittenCase {
	if strings.HasPrefix(form, "neg_") {
		return g.writtenNegative(form)
	}
	switch form {
	case "excel_quote", "excel_formula", "excel_float":
		return g.excelCase(form)
	case "nested_url":
		return g.nestedURLCase()
	case "mixed_fields":
		return g.mixedFieldsCase()
	case "bare_org_code":
		return g.cell(form, wv{typ: "cn_org_code", body: g.unambiguous("cn_org_code", func() string {
			body := g.orgBody()
			c, _ := orgCheck(body)
			return body + string(c)
		})})
	case "bare_hk_id":
		return g.cell(form, wv{typ: "hk_id", body: g.unambiguous("hk_id", func() string {
			body := g.hkidBody()
			c, _ := hkidCheck(body)
			return body + string(c)
		})})
	}
	w, ok := positiveWriters[form]
	if !ok {
		panic("govshare/synth: unknown written form " + strconv.Quote(form))
	}
	return g.writtenLine(form, func() wv { return w.write(g) }, w.style)
}

// unambiguous returns f() once the bare value it returns is valid as no type but typ: a bare
// two-letter HK ID can also pass the organization-code check or be shaped like a passport number
// (EV1234567), and an organization code like a travel permit (C12345678). Real data has such
// collisions; a labelled corpus must not.
func (g *Gen) unambiguous(typ string, f func() string) string {
	for {
		s := f()
		n := 0
		for _, t := range []string{"cn_org_code", "hk_id", "cn_passport", "cn_travel_permit", "tw_id"} {
			if validWritten(t, s, g.Now) {
				n++
			}
		}
		if n == 1 && validWritten(typ, s, g.Now) && !documentShaped(s) {
			return s
		}
	}
}

// documentShaped reports whether a 9-character bare value has the shape of a travel document
// number: one letter and 8 digits (a passport such as G12345678, a home-return permit H12345678 or
// M12345678 without its 2-digit issue count, a travel permit C12345678), or E or C, a letter and 7
// digits. An organization code of that shape is a real code but not a fair test of a bare value.
func documentShaped(s string) bool {
	if len(s) != 9 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	return isDigits(s[1:]) || (s[0] == 'E' || s[0] == 'C') && s[1] >= 'A' && s[1] <= 'Z' && isDigits(s[2:])
}

// wv is one written value: prefix + body + suffix is what is written and forms the span; body is
// the identifier proper and starts and ends with a letter or digit.
type wv struct{ typ, prefix, body, suffix string }

func (v wv) String() string { return v.prefix + v.body + v.suffix }

// style says how a form's values sit in a line.
type style struct {
	cell    float64 // probability that a one-value case is a bare cell
	english float64 // probability of an English context
	second  float64 // probability of a second value of the same form in the line
}

var (
	proseStyle = style{cell: 0.15, english: 0.25, second: 0.2}
	fwStyle    = style{cell: 0.1, english: 0.05, second: 0.15} // full-width comes from a Chinese IME
)

type writer struct {
	write func(g *Gen) wv
	style style
}

var positiveWriters = map[string]writer{
	"fw_mobile": {func(g *Gen) wv {
		if g.chance(0.25) {
			return wv{typ: "cn_mobile", body: g.fullWidthGroups(g.Mobile(), []int{3, 4, 4})}
		}
		return wv{typ: "cn_mobile", body: fullWidth(g.Mobile())}
	}, fwStyle},
	"fw_resident_id": {func(g *Gen) wv {
		id := g.residentIDWithX(0.4)
		if id[17] == 'X' && g.chance(0.5) {
			id = id[:17] + "x"
		}
		if g.chance(0.2) {
			return wv{typ: "cn_resident_id", body: g.fullWidthGroups(id, []int{6, 8, 4})}
		}
		return wv{typ: "cn_resident_id", body: fullWidth(id)}
	}, fwStyle},
	"fw_uscc": {func(g *Gen) wv { return wv{typ: "cn_uscc", body: fullWidth(g.USCC())} }, fwStyle},
	"fw_bank_card": {func(g *Gen) wv {
		c := g.BankCard()
		if g.chance(0.4) {
			c = groupEvery(c, 4, pick(g, []string{" ", "\u3000"}))
		}
		return wv{typ: "bank_card", body: fullWidth(c)}
	}, fwStyle},
	"fw_email":    {(*Gen).fwEmail, fwStyle},
	"fw_landline": {(*Gen).fwLandline, fwStyle},
	"fw_dash": {func(g *Gen) wv {
		switch g.r.IntN(3) {
		case 0:
			return wv{typ: "cn_mobile", body: group(g.Mobile(), []int{3, 4, 4}, "－")}
		case 1:
			return wv{typ: "cn_resident_id", body: group(g.residentIDWithX(0.2), []int{6, 8, 4}, "－")}
		default:
			area, num := g.landlineParts()
			return wv{typ: "cn_landline", body: area + "－" + num}
		}
	}, fwStyle},
	"fw_mixed": {func(g *Gen) wv {
		switch g.r.IntN(4) {
		case 0:
			return wv{typ: "cn_mobile", body: g.mixedWidth(g.Mobile())}
		case 1:
			return wv{typ: "cn_resident_id", body: g.mixedWidth(g.residentIDWithX(0.2))}
		case 2:
			return wv{typ: "bank_card", body: g.mixedWidth(g.BankCard())}
		default:
			return wv{typ: "cn_uscc", body: g.mixedWidth(g.USCC())}
		}
	}, fwStyle},
	"grp_resident_id_684": {func(g *Gen) wv {
		return wv{typ: "cn_resident_id", body: group(g.writtenID(), []int{6, 8, 4}, pick(g, idSeps))}
	}, proseStyle},
	"grp_resident_id_4": {func(g *Gen) wv {
		return wv{typ: "cn_resident_id", body: groupEvery(g.writtenID(), 4, pick(g, idSeps))}
	}, proseStyle},
	"grp_mobile_344": {func(g *Gen) wv {
		return wv{typ: "cn_mobile", body: group(g.Mobile(), []int{3, 4, 4}, pick(g, []string{" ", " ", "-"}))}
	}, proseStyle},
	"grp_mobile_38": {func(g *Gen) wv {
		return wv{typ: "cn_mobile", body: group(g.Mobile(), []int{3, 8}, pick(g, []string{" ", "-"}))}
	}, proseStyle},
	"grp_bank_card_16": {func(g *Gen) wv {
		return wv{typ: "bank_card", body: groupEvery(g.bankCardOfLength(16), 4, pick(g, []string{" ", " ", " ", "-"}))}
	}, proseStyle},
	"grp_bank_card_19": {func(g *Gen) wv {
		return wv{typ: "bank_card", body: groupEvery(g.bankCardOfLength(19), 4, pick(g, []string{" ", " ", " ", "-"}))}
	}, proseStyle},
	"grp_uscc": {func(g *Gen) wv {
		layout := []int{2, 6, 9, 1}
		if g.chance(0.5) {
			layout = []int{4, 4, 4, 4, 2}
		}
		return wv{typ: "cn_uscc", body: group(g.USCC(), layout, pick(g, []string{" ", " ", "-"}))}
	}, proseStyle},
	"grp_landline_paren": {func(g *Gen) wv {
		area, num := g.landlineParts()
		open, closing := "(", ")"
		if g.chance(0.25) {
			open, closing = "（", "）"
		}
		if g.chance(0.25) {
			closing += " "
		}
		return wv{typ: "cn_landline", prefix: open, body: area + closing + num}
	}, proseStyle},
	"grp_landline_ext": {func(g *Gen) wv {
		area, num := g.landlineParts()
		ext := g.digitsFrom(3+g.r.IntN(2), '1')
		sep := pick(g, []string{"-", "-", "转", "转"})
		if g.chance(0.2) {
			return wv{typ: "cn_landline", prefix: "(", body: area + ")" + num + sep + ext}
		}
		return wv{typ: "cn_landline", body: area + "-" + num + sep + ext}
	}, proseStyle},
	// A space between area code and number, or the number in groups of 4: common, though not
	// among the forms issue 9 names.
	"grp_landline_space": {func(g *Gen) wv {
		area, num := g.landlineParts()
		switch {
		case len(num) == 8 && g.chance(0.25):
			return wv{typ: "cn_landline", prefix: "(", body: area + ") " + num[:4] + " " + num[4:]}
		case len(num) == 8 && g.chance(0.35):
			return wv{typ: "cn_landline", body: area + " " + num[:4] + " " + num[4:]}
		}
		return wv{typ: "cn_landline", body: area + " " + num}
	}, proseStyle},
	"grp_landline_digits": {func(g *Gen) wv {
		area, num := g.landlineParts()
		return wv{typ: "cn_landline", body: area + num}
	}, proseStyle},
	"grp_hk_id_space": {func(g *Gen) wv {
		body := g.hkidBody()
		c, _ := hkidCheck(body)
		if g.chance(0.2) {
			return wv{typ: "hk_id", body: body + " （" + string(c), suffix: "）"}
		}
		return wv{typ: "hk_id", body: body + " (" + string(c), suffix: ")"}
	}, proseStyle},
	"case_id_lower_x": {func(g *Gen) wv {
		id := g.residentIDWithX(1)
		return wv{typ: "cn_resident_id", body: id[:17] + "x"}
	}, proseStyle},
	"prefix_mobile": {func(g *Gen) wv {
		if g.chance(0.2) { // the international display form: +86 138 1234 5678
			m := group(g.Mobile(), []int{3, 4, 4}, " ")
			return wv{typ: "cn_mobile", prefix: pick(g, []string{"+86 ", "+86 ", "0086 ", "(+86) ", "（+86）"}), body: m}
		}
		return wv{typ: "cn_mobile", prefix: pick(g, mobilePrefixForms), body: g.Mobile()}
	}, proseStyle},
	"plate_sep": {func(g *Gen) wv {
		p := g.Plate()
		_, n := utf8.DecodeRuneInString(p)
		return wv{typ: "cn_license_plate", body: p[:n+1] + pick(g, plateSeps) + p[n+1:]}
	}, proseStyle},
	"plate_special": {(*Gen).specialPlate, proseStyle},
	"ocr_checked": {func(g *Gen) wv {
		switch g.r.IntN(3) {
		case 0:
			return wv{typ: "cn_resident_id", body: g.ocrSplit(g.residentIDWithX(0.2))}
		case 1:
			return wv{typ: "cn_uscc", body: g.ocrSplit(g.USCC())}
		default:
			return wv{typ: "bank_card", body: g.ocrSplit(g.BankCard())}
		}
	}, style{cell: 0.1, english: 0.2}},
	// OCR output of a mobile: every digit followed by a space. A mobile has no check digit, so this
	// form rests on the allocated prefix and the length alone; it is a stricter test than the issue's
	// "when the check digit proves it" and is reported on its own.
	"ocr_mobile": {func(g *Gen) wv {
		return wv{typ: "cn_mobile", body: groupEvery(g.Mobile(), 1, " ")}
	}, style{cell: 0.1, english: 0.2}},
}

var (
	idSeps            = []string{" ", " ", "-", "－"}
	plateSeps         = []string{"·", "·", "•", "・", ".", "-", " "}
	mobilePrefixForms = []string{"+86 ", "+86 ", "+86", "+86-", "86-", "0086", "0086 ", "(+86)", "(+86) ", "（+86）"}
	// knownLayouts are groupings a writer uses on purpose; OCR splits avoid them.
	knownLayouts = [][]int{{6, 8, 4}, {4, 4, 4, 4, 2}, {2, 6, 9, 1}, {4, 4, 4, 4}, {4, 4, 4, 4, 3}, {6, 13}, {3, 4, 4}, {3, 8}}
)

// writtenID returns a resident ID, its check character X (one in five) sometimes written x.
func (g *Gen) writtenID() string {
	id := g.residentIDWithX(0.2)
	if id[17] == 'X' && g.chance(0.3) {
		id = id[:17] + "x"
	}
	return id
}

// fullWidthGroups writes the ASCII string s full-width in groups of the given sizes, separated by
// U+3000 or, less often, an ASCII space.
func (g *Gen) fullWidthGroups(s string, sizes []int) string {
	return strings.ReplaceAll(fullWidth(group(s, sizes, "\x01")), "\x01", pick(g, []string{"\u3000", "\u3000", " "}))
}

// residentIDWithX returns a resident ID whose check character is X with probability p (about 1 in
// 11 IDs has one naturally; the written forms of X are what is tested).
func (g *Gen) residentIDWithX(p float64) string {
	want := g.chance(p)
	for range 200 {
		id := g.ResidentID()
		if !want || id[17] == 'X' {
			return id
		}
	}
	return g.ResidentID()
}

// bankCardOfLength returns a card of exactly n digits (16 or 19) from a BIN that issues that length.
func (g *Gen) bankCardOfLength(n int) string {
	for {
		b := g.bin()
		for _, l := range b.lengths {
			if l == n {
				body := b.prefix + g.digits(n-1-len(b.prefix))
				c, _ := luhnCheck(body)
				return body + string(c)
			}
		}
	}
}

// landlineParts returns a real area code and a local number of a length that area uses.
func (g *Gen) landlineParts() (area, num string) {
	if g.chance(0.8) {
		area = pick(g, regions).area
	} else {
		area = pick(g, extraAreaCodes)
	}
	n := 8
	if len(area) == 4 && g.chance(0.3) {
		n = 7
	}
	return area, g.digitsFrom(n, '2')
}

func (g *Gen) fwEmail() wv {
	e := g.Email()
	local, domain, _ := strings.Cut(e, "@")
	switch g.r.IntN(5) {
	case 0:
		e = fullWidth(e)
	case 1:
		e = local + "＠" + domain
	case 2:
		e = local + "@" + strings.ReplaceAll(domain, ".", "。")
	case 3:
		e = local + "＠" + strings.ReplaceAll(domain, ".", "．")
	default:
		e = local + "＠" + strings.ReplaceAll(domain, ".", "。")
	}
	return wv{typ: "email", body: e}
}

func (g *Gen) fwLandline() wv {
	area, num := g.landlineParts()
	switch g.r.IntN(3) {
	case 0:
		return wv{typ: "cn_landline", prefix: "（", body: area + "）" + num}
	case 1:
		return wv{typ: "cn_landline", prefix: "（", body: fullWidth(area) + "）" + fullWidth(num)}
	default:
		return wv{typ: "cn_landline", body: fullWidth(area + "-" + num)}
	}
}

// specialSuffixes are the last characters of special-purpose plates.
var specialSuffixes = []string{"学", "挂", "警", "港", "澳", "领", "试", "超"}

// specialPlate returns a plate of the form province + letter + 4 characters + suffix: 粤B1234学
// (driving school, may hold a letter), 粤B1234挂 (trailer), 京A1234警 (police), 粤Z1234港 and
// 粤Z1234澳 (cross-border, always 粤Z), 沪A1234领 (consulate), 粤B1234试 (test), 粤B1234超 (oversize).
func (g *Gen) specialPlate() wv {
	suffix := pick(g, specialSuffixes)
	head := pick(g, plateProvinces) + string(g.plateLetter())
	mid := []byte(g.digits(4))
	switch suffix {
	case "港", "澳":
		head = "粤Z"
	case "学", "挂", "试", "超":
		if g.chance(0.3) {
			mid[g.r.IntN(4)] = g.plateLetter()
		}
	}
	sep := ""
	if g.chance(0.25) {
		sep = "·"
	}
	return wv{typ: "cn_license_plate", body: head + sep + string(mid) + suffix}
}

// ocrSplit puts single spaces into s at random places, in at least 3 groups and never in a layout
// that writers use on purpose.
func (g *Gen) ocrSplit(s string) string {
	for {
		var sizes []int
		for rest := len(s); rest > 0; {
			n := min(1+g.r.IntN(6), rest)
			sizes = append(sizes, n)
			rest -= n
		}
		if len(sizes) >= 3 && !isKnownLayout(sizes) {
			return group(s, sizes, " ")
		}
	}
}

func isKnownLayout(sizes []int) bool {
next:
	for _, l := range knownLayouts {
		if len(l) != len(sizes) {
			continue
		}
		for i := range l {
			if l[i] != sizes[i] {
				continue next
			}
		}
		return true
	}
	return false
}

// group joins consecutive pieces of s of the given sizes with sep (s is ASCII). Sizes must add up
// to len(s).
func group(s string, sizes []int, sep string) string {
	var sb strings.Builder
	i := 0
	for k, n := range sizes {
		if k > 0 {
			sb.WriteString(sep)
		}
		sb.WriteString(s[i : i+n])
		i += n
	}
	return sb.String()
}

// groupEvery splits the ASCII string s into groups of n from the left, the last group shorter.
func groupEvery(s string, n int, sep string) string {
	var sizes []int
	for rest := len(s); rest > 0; rest -= n {
		sizes = append(sizes, min(n, rest))
	}
	return group(s, sizes, sep)
}

// fullWidth maps printable ASCII to the full-width forms (U+FF01–U+FF5E) and the space to U+3000.
func fullWidth(s string) string {
	var sb strings.Builder
	for _, r := range s {
		sb.WriteRune(toFullWidth(r))
	}
	return sb.String()
}

func toFullWidth(r rune) rune {
	switch {
	case r > ' ' && r <= '~':
		return r + 0xFEE0
	case r == ' ':
		return '\u3000'
	}
	return r
}

// mixedWidth converts one contiguous run of the ASCII string s, neither empty nor all of s, to
// full width: what an input method that switches mode mid-value produces.
func (g *Gen) mixedWidth(s string) string {
	for {
		i := g.r.IntN(len(s))
		j := i + 1 + g.r.IntN(len(s)-i)
		if j-i < len(s) {
			return s[:i] + fullWidth(s[i:j]) + s[j:]
		}
	}
}

// Context words for written forms: those of text.go plus the labels forms and tables use.
var writtenContextCN = map[string][]string{
	"cn_resident_id":   {"身份证：", "证件号：", "身份证号码:", "居民身份证号码"},
	"cn_uscc":          {"社会信用代码：", "统一代码", "信用代码:"},
	"cn_org_code":      {"组织代码：", "代码证号"},
	"cn_mobile":        {"联系方式：", "手机号码：", "TEL：", "移动电话", "手机:"},
	"cn_landline":      {"联系电话：", "电话：", "传真：", "电话:"},
	"bank_card":        {"银行账号：", "开户账号", "工资卡号：", "银行卡:"},
	"cn_license_plate": {"车牌号码：", "号牌：", "车辆", "号牌号码"},
	"hk_id":            {"香港居民身份证", "HKID：", "香港身份证号:"},
	"email":            {"电邮：", "E-mail：", "邮箱地址", "邮箱:"},
	"url":              {"链接：", "接口地址：", "访问地址"},
}

var writtenContextEN = map[string][]string{
	"cn_resident_id":   {"ID No.: ", "PRC ID "},
	"cn_uscc":          {"Unified Social Credit Code: "},
	"cn_mobile":        {"Mobile: ", "Phone ", "Cell: "},
	"cn_landline":      {"Tel: ", "Fax: ", "Office: "},
	"bank_card":        {"Card No.: ", "Account "},
	"cn_license_plate": {"Plate No. ", "vehicle plate "},
	"hk_id":            {"HKID No.: "},
	"email":            {"Email: ", "contact "},
	"url":              {"GET ", "link: "},
}

func (g *Gen) contextFor(typ string, english bool) string {
	if english {
		if g.chance(0.15) {
			return pick(g, plainEN)
		}
		return pick(g, append(append([]string{}, contextEN[typ]...), writtenContextEN[typ]...))
	}
	if g.chance(0.2) {
		return pick(g, plainCN)
	}
	return pick(g, append(append([]string{}, contextCN[typ]...), writtenContextCN[typ]...))
}

// joiners separate two values of one form in a line.
var joinCN = []string{"、", "，", "；", "或", " / ", "/"}
var joinEN = []string{", ", " or ", " / ", "; ", "/"}

// Line endings right after a value. tailASCII puts a full stop, comma or semicolon right after the
// value, as English prose does; it is outside the span.
var tailCN = []string{"。", "，请核实。", "；", "（已核验）", "", "，已登记。", "、"}
var tailEN = []string{" today.", " (verified)", " for verification.", ""}
var tailASCII = []string{".", ",", ";"}

// writtenLine embeds one or two values of a form in a line of prose, or makes a bare cell.
func (g *Gen) writtenLine(form string, next func() wv, st style) WrittenCase {
	v := next()
	if g.chance(st.cell) {
		return g.cell(form, v)
	}
	vals := []wv{v}
	if g.chance(st.second) {
		for range 20 { // a second value of the same type, so the context word fits both
			if w := next(); w.typ == v.typ {
				vals = append(vals, w)
				break
			}
		}
	}
	english := g.chance(st.english)
	var b lineBuilder
	if g.chance(0.25) {
		b.text(g.filler())
	}
	pre := g.contextFor(v.typ, english)
	wrapped := false
	if !english && pre != "" && g.chance(0.1) && !strings.ContainsAny(v.String(), "(（") {
		pre += "（"
		wrapped = true
	} else if !english && g.chance(0.05) {
		pre += "“"
	}
	paren := !wrapped && english && g.chance(0.1) && !strings.ContainsAny(v.String(), "(（")
	if paren {
		pre += "("
	}
	b.text(pre)
	for i, x := range vals {
		if i > 0 {
			if english {
				b.text(pick(g, joinEN))
			} else {
				b.text(pick(g, joinCN))
			}
		}
		b.value(x)
	}
	trailer := g.chance(0.2) // a sentence follows
	switch {
	case wrapped:
		b.text("）" + pick(g, suffixCN))
	case strings.HasSuffix(pre, "“"):
		b.text("”" + pick(g, suffixCN))
	case paren:
		b.text(")" + pick(g, tailEN))
	case english && g.chance(0.4):
		b.text(pick(g, tailASCII))
	case english:
		b.text(pick(g, tailEN))
	default:
		tail := pick(g, tailCN)
		if trailer && !strings.HasSuffix(tail, "。") {
			tail = strings.TrimRight(tail, "、；") + "。"
		}
		b.text(tail)
	}
	if trailer {
		if english {
			b.text(" ")
		}
		b.text(g.filler())
	}
	return WrittenCase{Form: form, Text: strings.TrimRight(b.sb.String(), " "), Spans: b.spans}
}

// filler returns a sentence without identifiers; an English one ends in a space, so that what
// follows does not touch its full stop.
func (g *Gen) filler() string {
	f := pick(g, fillers)
	if f[len(f)-1] == '.' {
		f += " "
	}
	return f
}

// cell returns a case whose whole text is the value.
func (g *Gen) cell(form string, v wv) WrittenCase {
	var b lineBuilder
	b.value(v)
	return WrittenCase{Form: form, Text: b.sb.String(), Cell: true, Spans: b.spans}
}

type lineBuilder struct {
	sb    strings.Builder
	spans []WrittenSpan
}

func (b *lineBuilder) text(s string) { b.sb.WriteString(s) }

func (b *lineBuilder) value(v wv) {
	start := b.sb.Len()
	b.sb.WriteString(v.prefix)
	cs := b.sb.Len()
	b.sb.WriteString(v.body)
	ce := b.sb.Len()
	b.sb.WriteString(v.suffix)
	s := b.sb.String()
	b.spans = append(b.spans, WrittenSpan{
		Span:      Span{Type: v.typ, Start: start, End: b.sb.Len(), Value: s[start:]},
		CoreStart: cs, CoreEnd: ce,
	})
}

// excelCase is a spreadsheet cell with the artefact of a text-typed number: a leading apostrophe,
// the formula ="…", or the .0 of a number read as a float. The span is the identifier alone.
func (g *Gen) excelCase(form string) WrittenCase {
	var v wv
	switch k := g.r.IntN(10); {
	case form == "excel_float" || k < 4:
		v = wv{typ: "cn_mobile", body: g.Mobile()}
	case k < 8:
		v = wv{typ: "cn_resident_id", body: g.residentIDWithX(0.2)}
	default:
		v = wv{typ: "bank_card", body: g.BankCard()}
	}
	var b lineBuilder
	switch form {
	case "excel_quote":
		b.text("'")
		b.value(v)
	case "excel_formula":
		b.text(`="`)
		b.value(v)
		b.text(`"`)
	default:
		b.value(v)
		b.text(".0")
	}
	return WrittenCase{Form: form, Text: b.sb.String(), Cell: true, Spans: b.spans}
}

var (
	urlIDParams     = []string{"sfzh", "idCard", "idno", "zjhm", "certNo"}
	urlMobileParams = []string{"sjh", "mobile", "phone", "tel", "sjhm"}
	urlOtherParams  = []string{"page=1", "page=2", "type=query", "lang=zh", "from=app", "v=2"}
	urlPaths        = []string{"/api/v1/query", "/bsfw/cx", "/q", "/services/person/detail", "/zwfw/verify", "/open/check"}
)

// nestedURLCase is a line with a URL whose query string carries one or two personal identifiers.
func (g *Gen) nestedURLCase() WrittenCase {
	english := g.chance(0.25)
	var b lineBuilder
	if g.chance(0.2) {
		b.text(g.filler())
	}
	b.text(g.contextFor("url", english))
	type param struct {
		key string
		v   wv
	}
	var ps []param
	if g.chance(0.7) {
		ps = append(ps, param{pick(g, urlIDParams), wv{typ: "cn_resident_id", body: g.residentIDWithX(0.2)}})
	}
	if len(ps) == 0 || g.chance(0.5) {
		ps = append(ps, param{pick(g, urlMobileParams), wv{typ: "cn_mobile", body: g.Mobile()}})
	}
	if len(ps) == 2 && g.chance(0.5) {
		ps[0], ps[1] = ps[1], ps[0]
	}
	start := b.sb.Len()
	b.text(pick(g, []string{"https://", "https://", "http://"}) + pick(g, urlHosts) + pick(g, urlPaths) + "?")
	var inner []WrittenSpan
	if g.chance(0.3) {
		b.text(pick(g, urlOtherParams) + "&")
	}
	for i, p := range ps {
		if i > 0 {
			b.text("&")
		}
		b.text(p.key + "=")
		b.value(p.v)
	}
	inner, b.spans = b.spans, nil
	if g.chance(0.3) {
		b.text("&" + pick(g, urlOtherParams))
	}
	end := b.sb.Len()
	u := b.sb.String()[start:end]
	b.spans = append([]WrittenSpan{{Span: Span{Type: "url", Start: start, End: end, Value: u}, CoreStart: start, CoreEnd: end}}, inner...)
	if english {
		b.text(pick(g, tailEN))
	} else {
		b.text(pick(g, suffixCN))
	}
	return WrittenCase{Form: "nested_url", Text: strings.TrimRight(b.sb.String(), " "), Spans: b.spans}
}

// mixedFormsOf are the forms mixed_fields draws from: every positive written form that is a
// single value.
var mixedFormsOf = []string{
	"fw_mobile", "fw_resident_id", "fw_uscc", "fw_bank_card", "fw_email", "fw_landline", "fw_dash", "fw_mixed",
	"grp_resident_id_684", "grp_resident_id_4", "grp_mobile_344", "grp_mobile_38", "grp_bank_card_16",
	"grp_bank_card_19", "grp_uscc", "grp_landline_paren", "grp_landline_ext", "grp_landline_space",
	"grp_landline_digits", "grp_hk_id_space", "case_id_lower_x", "prefix_mobile", "plate_sep", "plate_special",
	"ocr_checked",
}

// mixedFieldsCase is a line of 2 to 4 fields of different written forms: labelled fields as a form
// or a letter writes them (身份证：1101 0519 4912 3100 2X；手机：138-1234-5678), or, one time in
// four, the bare values of a table row pasted as text, separated by a tab or " | ".
func (g *Gen) mixedFieldsCase() WrittenCase {
	n := 2 + g.r.IntN(3)
	forms := make([]string, 0, n)
	for len(forms) < n {
		if f := pick(g, mixedFormsOf); !inList(forms, f) {
			forms = append(forms, f)
		}
	}
	row := g.chance(0.25)
	english := !row && g.chance(0.2)
	var b lineBuilder
	var sep string
	switch {
	case row:
		sep = pick(g, []string{"\t", " | ", "\t"})
	case english:
		sep = pick(g, []string{", ", "; ", "  "})
	default:
		sep = pick(g, []string{"，", "；", "  ", " ", "\t"})
	}
	for i, f := range forms {
		v := positiveWriters[f].write(g)
		if i > 0 {
			b.text(sep)
		}
		if !row {
			var words []string
			if english {
				words = append(append(words, contextEN[v.typ]...), writtenContextEN[v.typ]...)
			} else {
				words = append(append(words, contextCN[v.typ]...), writtenContextCN[v.typ]...)
			}
			b.text(pick(g, words))
		}
		b.value(v)
	}
	if !row {
		if english {
			b.text(pick(g, []string{".", "", " (verified)"}))
		} else {
			b.text(pick(g, []string{"。", "", "；"}))
		}
	}
	return WrittenCase{Form: "mixed_fields", Text: b.sb.String(), Spans: b.spans}
}

// Negatives.

// luhnContextWords are the labels of §2 that say a Luhn-valid number is not a card.
var luhnContextWords = []string{"合同编号", "流水号", "交易号", "订单号", "发票号码", "单号", "编号", "工单号",
	"交易流水号", "订单编号", "物流单号"}

func (g *Gen) writtenNegative(form string) WrittenCase {
	var phrase string
	cellP := 0.0
	switch form {
	case "neg_luhn_no_iin":
		v := g.luhnNoIIN()
		if g.chance(0.2) { // a membership or gift card number, printed in groups
			v = groupEvery(v, 4, " ")
		}
		phrase = g.label([]string{"档案号", "序列号：", "凭证号", "批次号：", "证书编号：", "记录号:", "会员卡号：", "Ref ", "S/N: "}) + v
		cellP = 0.2
	case "neg_luhn_context":
		phrase = g.label(luhnContextWords) + g.BankCard()
	case "neg_luhn19_prefix16":
		phrase = g.label([]string{"卡号：", "银行卡号", "账号：", "Card No.: ", ""}) + g.luhn19Prefix16()
		cellP = 0.2
	case "neg_version":
		phrase = g.versionString()
	case "neg_amount":
		phrase = g.amount()
	case "neg_order18":
		phrase = g.label([]string{"订单号：", "订单编号", "运单号：", "交易单号", "Order No. ", "证件号码：", ""}) + g.order18()
		cellP = 0.15
	case "neg_hotline":
		phrase = g.hotline()
	case "neg_400_800":
		phrase = g.label([]string{"客服电话：", "全国服务热线", "咨询电话:", "Hotline: ", "免费电话"}) + g.number400()
	case "neg_icp":
		phrase = g.icp()
		if g.chance(0.3) {
			phrase += pick(g, []string{" ", "　", " | "}) + g.gongan()
		}
	case "neg_gongan":
		phrase = g.gongan()
	case "neg_masked":
		phrase = g.masked()
		cellP = 0.2
	case "neg_timestamp":
		phrase = g.timestamp()
		cellP = 0.1
	default:
		panic("govshare/synth: unknown written form " + strconv.Quote(form))
	}
	if g.chance(cellP) {
		return WrittenCase{Form: form, Text: stripLabel(phrase), Cell: true}
	}
	var sb strings.Builder
	if g.chance(0.25) {
		sb.WriteString(g.filler())
	}
	sb.WriteString(strings.Replace(phrase, labelSep, "", 1))
	sb.WriteString(pick(g, []string{"。", "，请核实。", "；", "", "，已归档。"}))
	if g.chance(0.2) {
		sb.WriteString(g.filler())
	}
	return WrittenCase{Form: form, Text: strings.TrimRight(sb.String(), " ")}
}

// labelSep separates a label from the value it introduces in a cell-less line; stripLabel removes
// it for a bare cell.
const labelSep = "\x00"

// label returns a context word and a marker that stripLabel can cut at.
func (g *Gen) label(words []string) string { return pick(g, words) + labelSep }

func stripLabel(phrase string) string {
	if _, v, ok := strings.Cut(phrase, labelSep); ok {
		return v
	}
	return phrase
}

// luhnNoIIN returns a Luhn-valid number of 16–19 digits starting with 10, 17–19 or 7x (not 71):
// no card scheme issues these prefixes, and none is a province code for an 18-digit ID.
func (g *Gen) luhnNoIIN() string {
	pre := pick(g, []string{"10", "17", "18", "19", "70", "72", "73", "75", "76", "77", "78", "79"})
	body := pre + g.digits(15+g.r.IntN(4)-len(pre))
	c, _ := luhnCheck(body)
	return body + string(c)
}

// luhn19Prefix16 returns 19 digits whose first 16 are a Luhn-valid card with a 16-digit BIN and
// whose whole fails Luhn: a card with three extra digits typed, or an account number.
func (g *Gen) luhn19Prefix16() string {
	card := g.bankCardOfLength(16)
	for {
		s := card + g.digits(3)
		if !luhnValid(s) {
			return s
		}
	}
}

// versionString returns a dotted quad of small numbers that reads as a version or a section.
func (g *Gen) versionString() string {
	v := strconv.Itoa(1+g.r.IntN(20)) + "." + strconv.Itoa(g.r.IntN(30)) + "." + strconv.Itoa(g.r.IntN(256)) + "." + strconv.Itoa(g.r.IntN(256))
	sec := strconv.Itoa(1+g.r.IntN(12)) + "." + strconv.Itoa(1+g.r.IntN(9)) + "." + strconv.Itoa(1+g.r.IntN(20)) + "." + strconv.Itoa(1+g.r.IntN(40))
	switch g.r.IntN(9) {
	case 0:
		return "版本" + v
	case 1:
		return "版本号：V" + v
	case 2:
		return "客户端v" + v + "已发布"
	case 3:
		return "Version " + v
	case 4:
		return "升级至 v" + v
	case 5:
		return "第" + sec + "条"
	case 6:
		return "依据第" + sec + "款规定"
	case 7:
		return "详见" + sec + "节"
	default:
		return "固件版本:" + v
	}
}

// amount returns a sum of money whose digits are a valid mobile number, written as a plain
// 11-digit figure followed by 元 or with thousands separators and decimals.
func (g *Gen) amount() string {
	m := g.Mobile()
	if g.chance(0.4) {
		return pick(g, []string{"合同金额", "共计", "预算", "应缴金额：", "Total "}) + m + pick(g, []string{"元", " 元", "元整"})
	}
	n := 8 + g.r.IntN(4) // integer digits: 8 to 11
	frac := g.digits(2)
	return pick(g, []string{"¥", "￥", "人民币", "金额：", "RMB ", "合计"}) + thousands(m[:n]) + "." + frac +
		pick(g, []string{"元", "", " 元", ""})
}

func thousands(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// order18 returns an 18-digit number whose last digit is the GB 11643 check of the first 17 but
// whose region or birth date is impossible: an order number (yyyyMMddHHmmss + sequence, starting
// 19 or 20, no province) or a province-prefixed number with a month or day that does not exist or
// a year in the future. Luhn-valid draws are rejected so that no card can be meant.
func (g *Gen) order18() string {
	for {
		var body string
		if g.chance(0.5) {
			day := g.dateBetween(g.Now.AddDate(-3, 0, 0), g.Now)
			t := day.Add(time.Duration(g.r.IntN(86400)) * time.Second)
			body = t.Format("20060102150405") + g.digits(3)
		} else {
			var date string
			switch g.r.IntN(4) {
			case 0:
				date = strconv.Itoa(1950+g.r.IntN(60)) + pick(g, []string{"00", "13", "14", "19", "20", "31", "45"}) + "1" + g.digits(1)
			case 1:
				date = strconv.Itoa(1950+g.r.IntN(60)) + pick(g, []string{"01", "03", "06", "11"}) + pick(g, []string{"00", "32", "35", "38", "41"})
			case 2:
				date = strconv.Itoa(1950+g.r.IntN(60)) + "02" + pick(g, []string{"30", "31"})
			default:
				date = strconv.Itoa(g.Now.Year()+2+g.r.IntN(60)) + "0" + strconv.Itoa(1+g.r.IntN(9)) + "1" + g.digits(1)
			}
			body = pick(g, regions).code + date + g.digits(3)
		}
		c, _ := residentCheck(body)
		s := body + string(c)
		if c != 'X' && !luhnValid(s) && !validResidentID18(s, g.Now, 1900) {
			return s
		}
	}
}

var hotlines = []struct{ number, context string }{
	{"12345", "政务服务便民热线"}, {"12315", "消费者投诉举报电话"}, {"95588", "工商银行客服"},
	{"10086", "中国移动客服"}, {"10010", "中国联通客服"}, {"12306", "铁路客服"}, {"12366", "纳税服务热线"},
	{"12333", "人社服务热线"}, {"95533", "建设银行客服"}, {"12388", "纪检监察举报电话"}, {"110", "报警电话"},
	{"12320", "卫生健康热线"},
}

func (g *Gen) hotline() string {
	h := pick(g, hotlines)
	switch g.r.IntN(5) {
	case 0:
		return "请拨打" + h.context + h.number
	case 1:
		return h.context + "：" + h.number
	case 2:
		return "如有问题请拨打" + h.number + "咨询"
	case 3:
		return "call " + h.number
	default:
		return "拨打" + h.number + pick(g, []string{"热线", "反映", "转人工"})
	}
}

func (g *Gen) number400() string {
	pre := pick(g, []string{"400", "400", "400", "800"})
	a, b := g.digitsFrom(3, '1'), g.digits(4)
	switch g.r.IntN(5) {
	case 0:
		return pre + a + b
	case 1:
		return pre + " " + a + " " + b
	case 2:
		return pre + "-" + a[:3] + b[:1] + "-" + b[1:]
	case 3:
		return pre + "-" + a + "-" + b + "转" + strconv.Itoa(1+g.r.IntN(9))
	default:
		return pre + "-" + a + "-" + b
	}
}

var provinceAbbrev = map[string]string{
	"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
	"32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
	"44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵", "53": "云", "54": "藏", "61": "陕",
	"62": "甘", "63": "青", "64": "宁", "65": "新",
}

// icp returns an ICP filing number: province + ICP备 + 8 digits (year of filing first) or 10 digits
// (four-digit year) + 号, often with a site suffix -N.
func (g *Gen) icp() string {
	r := pick(g, regions)
	var num string
	if g.chance(0.5) {
		num = itoa3(g.r.IntN(20))[1:] + g.digits(6)
	} else {
		num = strconv.Itoa(2010+g.r.IntN(17)) + g.digits(6)
	}
	s := provinceAbbrev[r.code[:2]] + "ICP备" + num + "号"
	if g.chance(0.6) {
		s += "-" + strconv.Itoa(1+g.r.IntN(9))
	}
	if g.chance(0.3) {
		s = pick(g, []string{"备案号：", "ICP备案：", "网站备案号 "}) + s
	}
	return s
}

// gongan returns a public-security filing number: province + 公网安备, the 6-digit region code of
// the filing bureau and 8 digits, + 号.
func (g *Gen) gongan() string {
	r := pick(g, regions)
	return provinceAbbrev[r.code[:2]] + "公网安备" + pick(g, []string{" ", "", "　"}) + r.code + "0" + g.digits(7) + "号"
}

// masked returns an ID, mobile or card as display masking leaves it.
func (g *Gen) masked() string {
	stars := func(n int) string { return strings.Repeat("*", n) }
	switch g.r.IntN(3) {
	case 0:
		id := g.residentIDWithX(0.2)
		var v string
		switch g.r.IntN(4) {
		case 0:
			v = id[:6] + stars(8) + id[14:]
		case 1:
			v = id[:3] + stars(11) + id[14:]
		case 2:
			v = id[:1] + stars(16) + id[17:]
		default:
			v = id[:10] + stars(4) + id[14:]
		}
		return g.label([]string{"身份证号：", "证件号码", "ID: "}) + v
	case 1:
		m := g.Mobile()
		var v string
		switch g.r.IntN(4) {
		case 0:
			v = m[:3] + stars(4) + m[7:]
		case 1:
			v = m[:3] + " **** " + m[7:]
		case 2:
			v = m[:3] + "-****-" + m[7:]
		default:
			v = m[:7] + stars(4)
		}
		return g.label([]string{"手机：", "联系电话", "Mobile: "}) + v
	default:
		c := g.BankCard()
		var v string
		switch g.r.IntN(3) {
		case 0:
			v = c[:4] + " **** **** " + c[len(c)-4:]
		case 1:
			v = c[:6] + stars(len(c)-10) + c[len(c)-4:]
		default:
			v = "**** **** **** " + c[len(c)-4:]
		}
		return g.label([]string{"卡号：", "银行卡号", "Card: "}) + v
	}
}

// timestamp returns a time near g.Now as a log or database writes it.
func (g *Gen) timestamp() string {
	t := g.Now.Add(time.Duration(g.r.Int64N(int64(800*24*time.Hour))) - 400*24*time.Hour)
	var v string
	switch g.r.IntN(6) {
	case 0:
		v = t.Format("20060102150405")
	case 1:
		v = strconv.FormatInt(t.UnixMilli(), 10)
	case 2:
		v = strconv.FormatInt(t.Unix(), 10)
	case 3:
		v = t.Format("2006-01-02 15:04:05")
	case 4:
		v = t.Format("2006/01/02 15:04:05")
	default:
		v = t.Format("2006-01-02T15:04:05") + "+08:00"
	}
	if g.chance(0.15) { // a log line
		return "[" + v + "] INFO " + pick(g, []string{"request done", "数据同步完成", "task finished"})
	}
	return g.label([]string{"创建时间：", "更新时间", "时间戳：", "ts=", "timestamp ", "提交时间 "}) + v
}

// normalizeWritten turns a written span value back into the canonical form the package's
// validators accept: full-width to ASCII, separators and prefixes removed, x upper-cased, a
// landline as area-number without brackets or extension. It is used by the tests only, to prove
// that every positive is a valid value written differently.
func normalizeWritten(typeID, s string) string {
	s = foldWidth(s)
	switch typeID {
	case "email":
		return strings.ReplaceAll(s, "。", ".")
	case "url":
		return s
	case "cn_license_plate":
		return strings.NewReplacer("·", "", "•", "", "・", "", "･", "", ".", "", "-", "", " ", "").Replace(s)
	case "hk_id":
		return strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	case "cn_landline":
		if i := strings.Index(s, "转"); i >= 0 {
			s = s[:i]
		}
		var area, num string
		if strings.HasPrefix(s, "(") {
			area, num, _ = strings.Cut(s[1:], ")")
		} else if a, n, ok := strings.Cut(s, "-"); ok {
			area, num = a, n
		} else if a, n, ok := strings.Cut(s, " "); ok {
			area, num = a, n
		} else {
			return s
		}
		num = strings.TrimLeft(num, " -")
		num, _, _ = strings.Cut(num, "-") // extension
		return area + "-" + strings.ReplaceAll(num, " ", "")
	case "cn_mobile":
		for _, p := range []string{"(+86)", "+86", "0086", "86-"} {
			if strings.HasPrefix(s, p) {
				s = s[len(p):]
				break
			}
		}
	}
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
}

// foldWidth maps full-width ASCII forms to ASCII and U+3000 to a space.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// validWritten reports whether the normalized value v is valid for typeID, accepting the forms
// that [valid] does not generate: bare organization codes and HK IDs, special-purpose plates.
func validWritten(typeID, v string, now time.Time) bool {
	switch typeID {
	case "cn_org_code":
		return validOrgCode(v, false) || validOrgCode(v, true)
	case "hk_id":
		return validHKID(v, true) || validHKID(v, false)
	case "cn_license_plate":
		return valid(typeID, v, now) || validSpecialPlate(v)
	}
	return valid(typeID, v, now)
}

// validSpecialPlate: province + letter + 4 digits or letters + a special suffix; 港 and 澳 only
// after 粤Z, and 警 and 领 with digits only.
func validSpecialPlate(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	if !inList(plateProvinces, string(r)) || len(s) < size+1 || !isPlateLetter(s[size]) {
		return false
	}
	suf, n := utf8.DecodeLastRuneInString(s)
	mid := s[size+1 : len(s)-n]
	if !inList(specialSuffixes, string(suf)) || len(mid) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if !isDigit(mid[i]) && !isPlateLetter(mid[i]) {
			return false
		}
	}
	switch suf {
	case '港', '澳':
		return strings.HasPrefix(s, "粤Z") && isDigits(mid)
	case '警', '领':
		return isDigits(mid)
	}
	return true
}

// significant reports whether r is a letter or digit, ASCII or not: the characters of an
// identifier proper, as opposed to its separators and brackets.
func significant(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
