package classify

import (
	"strings"
	"unicode/utf8"

	"github.com/govshare/govshare/catalog"
)

// This file holds what the scanner does for identifiers as people write
// them rather than as the standards print them: a folded view of the text
// (full-width forms read as ASCII, spans reported in the original bytes),
// groups joined by separators, brackets around area codes and country
// prefixes, extensions, identifiers nested in URLs, and the evidence that
// tells a card or an address from a number that merely passes a checksum.

// foldMark records that the folded text, from byte At on, is Delta bytes
// shorter than the original: each folded rune is one ASCII byte in place of
// its two or three.
type foldMark struct{ At, Delta int }

// foldMapped returns the folded view of s and the marks that map its byte
// offsets back to s. In running text only what can be part of an
// identifier is folded: full-width digits and letters, "＠", "．", "－",
// "＋", "＿", the ideographic space and dashes between characters, brackets
// around digits (（0755）), and "。" inside an e-mail domain (example。com).
// Full-width "，", "；", "：" and the rest stay as they are: they end URLs,
// e-mails and numbers in Chinese text.
func foldMapped(s string) (string, []foldMark) {
	var b strings.Builder // empty until the first rune that folds
	var marks []foldMark
	delta := 0
	last := 0 // start of the pending run copied verbatim
	for i := 0; i+2 < len(s); {
		if c := s[i]; c < 0xE2 || c > 0xEF || !foldLead(s, i) { // most bytes fail the first test
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		f := foldInText(s, i, r, n)
		if f == r {
			i += n
			continue
		}
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteByte(byte(f))
		delta += n - 1
		marks = append(marks, foldMark{At: b.Len(), Delta: delta})
		i += n
		last = i
	}
	if b.Cap() == 0 {
		return s, nil
	}
	b.WriteString(s[last:])
	return b.String(), marks
}

// foldInText decides what the rune r of n bytes at s[i:] is read as.
func foldInText(s string, i int, r rune, n int) rune {
	f := foldRune(r)
	switch {
	case f == r:
		if r == '。' && emailDomainBefore(s, i) && tldAt(s, i+n) {
			return '.'
		}
		// 138—1234—5678: an em dash between digits separates groups
		if r == '—' && i > 0 && isDigitRune(lastRune(s[:i])) {
			if nr, _ := utf8.DecodeRuneInString(s[i+n:]); isDigitRune(nr) {
				return '-'
			}
		}
		return r
	case f >= '0' && f <= '9', f >= 'A' && f <= 'Z', f >= 'a' && f <= 'z',
		f == '@', f == '.', f == '-', f == '+', f == '_', f == ' ':
		return f
	case f == '(':
		// （0755）, （+86）, and a bracketed check character （A）
		nr, m := utf8.DecodeRuneInString(s[i+n:])
		if isDigitRune(nr) || nr == '+' || nr == '＋' {
			return f
		}
		if isAlnumRune(nr) {
			if cr, _ := utf8.DecodeRuneInString(s[i+n+m:]); cr == '）' || cr == ')' {
				return f
			}
		}
	case f == ')':
		if pr, _ := utf8.DecodeLastRuneInString(s[:i]); isAlnumRune(pr) {
			return f
		}
	}
	return r
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

// isAlnumRune reports ASCII and full-width letters and digits.
func isAlnumRune(r rune) bool {
	r = foldRune(r)
	return r < utf8.RuneSelf && isAlnum(byte(r))
}

// commonTLDs are the top-level and second-level labels seen in Chinese
// e-mail addresses; after a "。" they tell a domain from a new sentence.
var commonTLDs = []string{"com", "cn", "net", "org", "gov", "edu", "info", "biz", "io", "hk", "mo", "tw", "top", "xyz", "vip", "cc", "co", "me"}

// tldAt reports whether a common domain label, in ASCII or full-width
// letters, starts s[k:] and ends there.
func tldAt(s string, k int) bool {
	var buf [8]byte
	w := buf[:0]
	for k < len(s) && len(w) < len(buf) {
		r, n := utf8.DecodeRuneInString(s[k:])
		r = foldRune(r)
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r < 'a' || r > 'z' {
			if r < utf8.RuneSelf && (isAlnum(byte(r)) || r == '_' || r == '@') {
				return false
			}
			break
		}
		w = append(w, byte(r))
		k += n
	}
	for _, t := range commonTLDs {
		if string(w) == t {
			return true
		}
	}
	return false
}

// emailDomainBefore reports whether s[:i] ends in local@domain-label, so that
// a "。" at i stands for a dot of the domain.
func emailDomainBefore(s string, i int) bool {
	for k := i; k > 0 && i-k < 128; {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		r = foldRune(r)
		switch {
		case r == '@':
			return k < i
		case r < utf8.RuneSelf && (hostChar(byte(r)) || emailLocal(byte(r))), r == '。':
			k -= n
		default:
			return false
		}
	}
	return false
}

// orig maps a byte offset of the scanned (folded) text to the original.
func (sc *scanner) orig(k int) int {
	m := sc.marks
	if len(m) == 0 {
		return k
	}
	// the last mark at or before k
	lo, hi := 0, len(m)
	for lo < hi {
		h := (lo + hi) / 2
		if m[h].At <= k {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo == 0 {
		return k
	}
	return k + m[lo-1].Delta
}

// group is one run of ASCII letters and digits in a written identifier.
type group struct{ start, end int }

const maxGroups = 20

// groups collects the runs that follow the run s[i:j], each after exactly
// one separator (space or dash, after folding). It stops at maxGroups
// groups or 24 characters, more than any identifier has (an ID with every
// digit spaced out has 18 groups).
func (sc *scanner) groups(i, j int, gs *[maxGroups]group) int {
	s := sc.s
	gs[0] = group{i, j}
	n, chars := 1, j-i
	k := j
	for n < len(gs) && k+1 < len(s) && isSeparator(s[k]) && isAlnum(s[k+1]) {
		e := k + 1
		for e < len(s) && isAlnum(s[e]) {
			e++
		}
		chars += e - k - 1
		if chars > 24 {
			break
		}
		gs[n] = group{k + 1, e}
		n++
		k = e
	}
	return n
}

// joinGroups writes the characters of gs upper-cased into buf.
func (sc *scanner) joinGroups(buf []byte, gs []group) []byte {
	for _, g := range gs {
		for k := g.start; k < g.end; k++ {
			c := sc.s[k]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			buf = append(buf, c)
		}
	}
	return buf
}

func groupLens(gs []group) (lens [maxGroups]int) {
	for x, g := range gs {
		lens[x] = g.end - g.start
	}
	return lens
}

// mobileGrouping reports the layouts mobiles are written in: 3-4-4, 3-8,
// 4-4-3 and one digit at a time.
func mobileGrouping(gs []group) bool {
	l := groupLens(gs)
	switch len(gs) {
	case 1:
		return l[0] == 11
	case 3:
		return (l[0] == 3 && l[1] == 4 && l[2] == 4) || (l[0] == 4 && l[1] == 4 && l[2] == 3)
	case 2:
		return l[0] == 3 && l[1] == 8
	case 11:
		return true
	}
	return false
}

// writtenGroups tries the identifiers that are written as separated groups
// starting with the run s[i:j]: resident IDs (6-8-4, groups of four, or OCR
// spacing, which the check digit proves), USCCs in groups, mobiles in their
// layouts (also after 86 / 0086), bank cards in groups, and landlines with a
// separated area code and an optional extension. It returns where scanning
// resumes, or 0.
func (sc *scanner) writtenGroups(i, j int) int {
	s := sc.s
	// A run inside a sequence of groups that did not make an identifier
	// from its start is not the start of one: 7206 0547 4444 3979 236 holds
	// no landline 0547 4444….
	if i >= 2 && isSeparator(s[i-1]) && isDigit(s[i-2]) {
		return 0
	}
	var arr [maxGroups]group
	n := sc.groups(i, j, &arr)
	if n < 2 {
		return 0
	}
	gs := arr[:n]
	var buf [32]byte
	allDigits := func(gs []group) bool {
		for _, g := range gs {
			if !sc.allDigits(g.start, g.end) {
				return false
			}
		}
		return true
	}
	// Landline: area code group, subscriber in one or two groups, extension.
	if s[i] == '0' && (j-i == 3 || j-i == 4) && allDigits(gs[:1]) {
		for k := min(n, 3); k >= 2; k-- {
			if !allDigits(gs[1:k]) {
				continue
			}
			d := sc.joinGroups(buf[:0], gs[:k])
			if landlineSplitDelim(string(d), true) == j-i {
				e := gs[k-1].end
				if k < n && s[gs[k-1].end] == '-' && gs[k].end-gs[k].start <= 5 && allDigits(gs[k:k+1]) {
					e = gs[k].end // extension -8001
				}
				return sc.emit(catalog.TypeLandline, i, sc.extension(e))
			}
		}
	}
	// Mobile after a country prefix written as its own group: 86 138…, 0086-138….
	if p := s[i:j]; p == "86" || p == "0086" {
		if e := sc.mobileInGroups(gs[1:]); e > 0 {
			start := i
			if i > 0 && s[i-1] == '+' {
				start--
			}
			return sc.emit(catalog.TypeMobile, start, e)
		}
		// +86 10 6234 5678: a landline's area code without its 0
		if n >= 3 && allDigits(gs[1:]) {
			for k := min(n, 4); k >= 3; k-- {
				d := append(buf[:0], '0')
				d = sc.joinGroups(d, gs[1:k])
				area := gs[1].end - gs[1].start + 1
				if landlineSplitDelim(string(d), true) == area {
					start := i
					if i > 0 && s[i-1] == '+' {
						start--
					}
					return sc.emit(catalog.TypeLandline, start, sc.extension(gs[k-1].end))
				}
			}
		}
	}
	// The longest run of groups that is a resident ID, USCC, card or mobile.
	for k := n; k >= 2; k-- {
		d := sc.joinGroups(buf[:0], gs[:k])
		e := gs[k-1].end
		switch len(d) {
		case 18:
			ds := string(d)
			if allDigits(gs[:k-1]) && sc.residentID(ds) {
				return sc.emit(catalog.TypeResidentID, i, e)
			}
			if usccStrict(ds) {
				return sc.emit(catalog.TypeUSCC, i, e)
			}
			if sc.lastDigitGroup(gs, k) && allDigits(gs[:k]) && !sc.idShape(ds) && sc.card(ds, i) {
				return sc.emit(catalog.TypeBankCard, i, e)
			}
		case 16, 17, 19:
			// A card is the whole run of groups: a 19-digit number that
			// fails Luhn is not a card in its first 16 digits.
			if sc.lastDigitGroup(gs, k) && allDigits(gs[:k]) && sc.card(string(d), i) {
				return sc.emit(catalog.TypeBankCard, i, e)
			}
		case 11:
			if e := sc.groupedMobile(gs[:k]); e > 0 {
				return sc.emit(catalog.TypeMobile, i, e)
			}
		case 15:
			// a first-generation ID has no check digit: only in its own
			// 6-6-3 layout (region, birth date, sequence)
			if l := groupLens(gs[:k]); k == 3 && l[0] == 6 && l[1] == 6 && l[2] == 3 && allDigits(gs[:k]) && sc.legacyID(string(d)) {
				return sc.emit(catalog.TypeResidentID, i, e)
			}
		}
	}
	return 0
}

// lastDigitGroup reports whether no group of digits follows gs[:k]: a card
// number is all of its groups.
func (sc *scanner) lastDigitGroup(gs []group, k int) bool {
	return k == len(gs) || !sc.allDigits(gs[k].start, gs[k].end)
}

// mobileInGroups returns the end of a mobile written in the first groups of
// gs, or 0.
func (sc *scanner) mobileInGroups(gs []group) int {
	for k := min(len(gs), 11); k >= 1; k-- {
		if e := sc.groupedMobile(gs[:k]); e > 0 {
			return e
		}
	}
	return 0
}

// groupedMobile returns the end of a mobile written in the groups gs (all
// of them), or 0.
func (sc *scanner) groupedMobile(gs []group) int {
	var buf [32]byte
	if len(gs) == 0 || len(gs) > 11 {
		return 0
	}
	d := sc.joinGroups(buf[:0], gs)
	if len(d) != 11 || !mobileGrouping(gs) || !mobileDigits(string(d)) {
		return 0
	}
	e := gs[len(gs)-1].end
	if sc.amountAfter(e) {
		return 0
	}
	return e
}

// extension extends a landline ending at e by an extension written after
// 转, 分机 or ext.
func (sc *scanner) extension(e int) int {
	s := sc.s
	k := e
	for k < len(s) && s[k] == ' ' && k-e < 2 {
		k++ // 0755-23456789 转 8001
	}
	switch {
	case strings.HasPrefix(s[k:], "转"):
		k += len("转")
	case strings.HasPrefix(s[k:], "分机号"):
		k += len("分机号")
	case strings.HasPrefix(s[k:], "分机"):
		k += len("分机")
	case strings.HasPrefix(s[k:], "ext.") || strings.HasPrefix(s[k:], "EXT."):
		k += 4
	case strings.HasPrefix(s[k:], "ext") || strings.HasPrefix(s[k:], "EXT"):
		k += 3
	default:
		return e
	}
	for k < len(s) && s[k] == ' ' {
		k++
	}
	d := k
	for d < len(s) && isDigit(s[d]) && d-k <= 6 {
		d++
	}
	if d == k || d-k > 6 || (d < len(s) && isAlnum(s[d])) {
		return e
	}
	return d
}

// paren handles an opening bracket at i: a landline with its area code in
// brackets, (0755)12345678 or (0755) 1234 5678, and a mobile after (+86).
func (sc *scanner) paren(i int) int {
	s := sc.s
	k := i + 1
	d := k
	if d < len(s) && s[d] == '+' {
		d++
	}
	for d < len(s) && isDigit(s[d]) && d-k < 5 {
		d++
	}
	if d >= len(s) || s[d] != ')' || d == k {
		return 0
	}
	inner := s[k:d]
	b := d + 1
	for b < len(s) && (s[b] == ' ' || s[b] == '-') && b-d <= 2 {
		b++
	}
	if b >= len(s) || !isDigit(s[b]) {
		return 0
	}
	e := b
	for e < len(s) && isAlnum(s[e]) {
		e++
	}
	var arr [maxGroups]group
	n := sc.groups(b, e, &arr)
	gs := arr[:n]
	switch inner {
	case "+86", "86", "0086", "+0086":
		if end := sc.mobileInGroups(gs); end > 0 {
			return sc.emit(catalog.TypeMobile, i, end)
		}
		if e-b == 11 && mobileDigits(s[b:e]) && !sc.amountAfter(e) {
			return sc.emit(catalog.TypeMobile, i, e)
		}
		return 0
	}
	if inner[0] != '0' || (len(inner) != 3 && len(inner) != 4) {
		return 0
	}
	var buf [32]byte
	for k := min(n, 2); k >= 1; k-- {
		if !sc.allDigits(gs[k-1].start, gs[k-1].end) {
			continue
		}
		num := append(append(buf[:0], inner...), sc.joinGroups(nil, gs[:k])...)
		if landlineSplitDelim(string(num), true) == len(inner) {
			end := gs[k-1].end
			if k < n && s[end] == '-' && gs[k].end-gs[k].start <= 5 && sc.allDigits(gs[k].start, gs[k].end) {
				end = gs[k].end
			}
			return sc.emit(catalog.TypeLandline, i, sc.extension(end))
		}
	}
	return 0
}

// card reports whether the digits d, written at i, are a payment card:
// issuer evidence (bankIIN), Luhn, and no context word before them that
// names another kind of number.
func (sc *scanner) card(d string, i int) bool {
	return bankIIN(d) && LuhnValid(d) && !sc.notCardContext(i)
}

// notCardWords name numbers that share a card's length and Luhn by chance:
// contracts, orders, transactions, invoices, tickets, serial numbers.
var notCardWords = []string{
	"合同编号", "合同号", "流水号", "交易号", "交易单号", "订单号", "订单编号", "发票号码", "发票号", "发票代码",
	"单号", "编号", "工单号", "批次号", "凭证号", "序列号", "业务号", "受理号", "申请号", "案号", "登记号",
	"追踪号", "运单号", "快递单号", "票号", "参考号", "流水", "订单", "合同", "序号",
	"order no.", "Order No.", "order", "Order", "ORDER", "invoice", "Invoice", "serial", "Serial", "transaction", "Transaction",
}

// notCardContext looks back from i, within the same clause, for a word of
// notCardWords.
func (sc *scanner) notCardContext(i int) bool {
	return sc.contextBefore(i, 30, notCardWords)
}

// contextBefore reports whether one of words ends within max bytes before i,
// with only separators (spaces, colons, "#", "号", brackets) between.
func (sc *scanner) contextBefore(i, max int, words []string) bool {
	s := sc.s
	k := i
	for k > 0 && i-k < 8 {
		c := s[k-1]
		if c == ' ' || c == ':' || c == '#' || c == '=' || c == '(' || c == '\'' || c == '"' || c == '[' || c == '\t' {
			k--
			continue
		}
		if strings.HasSuffix(s[:k], "为") || strings.HasSuffix(s[:k], "是") {
			k -= len("为")
			continue
		}
		break
	}
	lo := max
	if k < lo {
		lo = k
	}
	window := s[k-lo : k]
	for _, w := range words {
		if strings.HasSuffix(window, w) {
			// an English word must start a word: "ver" is not in "server"
			if b := k - len(w); b > 0 && isAlnum(w[0]) && isAlnum(s[b-1]) {
				continue
			}
			return true
		}
	}
	return false
}

// dottedMobile matches a mobile written 138.1234.5678 at i, whose first
// group s[i:j] has three digits; it returns the end, or 0.
func (sc *scanner) dottedMobile(i, j int) int {
	s := sc.s
	e := j + 10
	if j-i != 3 || e > len(s) || s[j] != '.' || s[j+5] != '.' || !sc.allDigits(j+1, j+5) || !sc.allDigits(j+6, e) ||
		(e < len(s) && (isAlnum(s[e]) || s[e] == '.' && e+1 < len(s) && isDigit(s[e+1]))) || (i > 0 && s[i-1] == '.') {
		return 0
	}
	var d [11]byte
	copy(d[:3], s[i:j])
	copy(d[3:7], s[j+1:j+5])
	copy(d[7:], s[j+6:e])
	if !mobileDigits(string(d[:])) {
		return 0
	}
	return e
}

// amountAfter reports whether the number ending at e is an amount of
// money: followed by a currency unit or by decimals other than a
// spreadsheet's ".0".
func (sc *scanner) amountAfter(e int) bool {
	s := sc.s
	k := e
	if k < len(s) && s[k] == '.' && k+1 < len(s) && isDigit(s[k+1]) {
		if !(s[k+1] == '0' && (k+2 >= len(s) || !isDigit(s[k+2]))) {
			return true
		}
		k += 2
	}
	for k < len(s) && s[k] == ' ' {
		k++
	}
	for _, u := range amountUnits {
		if strings.HasPrefix(s[k:], u) {
			return true
		}
	}
	return false
}

// amountUnits follow an amount of money.
var amountUnits = []string{"元", "万元", "亿元", "块", "角", "万", "亿", "美元", "港元", "RMB", "CNY", "yuan"}

// amountBefore reports whether the number starting at i follows a currency
// sign or a thousands group (13,812,345.67).
func (sc *scanner) amountBefore(i int) bool {
	s := sc.s
	if i > 0 && (s[i-1] == '$' || s[i-1] == ',' && i > 1 && isDigit(s[i-2])) {
		return true
	}
	return strings.HasSuffix(s[:i], "¥") || strings.HasSuffix(s[:i], "￥") || strings.HasSuffix(s[:i], "金额") || strings.HasSuffix(s[:i], "金额:")
}

// notIPWords precede dotted numbers that are versions or section numbers.
var notIPWords = []string{"版本号", "版本", "版", "第", "version", "Version", "VERSION", "ver", "Ver", "VER", "v", "V", "build", "Build", "条款", "章节", "节"}

// notIPv4 reports whether the dotted quad s[i:e] is a version or a
// section number by its context: 版本12.17.8.182, v1.2.3.4, 第6.2.8.28条.
func (sc *scanner) notIPv4(i, e int) bool {
	s := sc.s
	if i > 0 && (s[i-1] == '.' || s[i-1] == 'v' || s[i-1] == 'V') {
		return true
	}
	if sc.contextBefore(i, 12, notIPWords) {
		return true
	}
	for _, w := range []string{"条", "款", "项", "节", "章", "版"} {
		if strings.HasPrefix(s[e:], w) {
			return true
		}
	}
	return false
}

// standalone reports whether s[i:e] is the whole of its line apart from
// spaces and spreadsheet quoting: a column value rather than a word of
// running text.
func (sc *scanner) standalone(i, e int) bool {
	s := sc.s
	for k := i - 1; k >= 0 && s[k] != '\n'; k-- {
		if c := s[k]; c != ' ' && c != '\t' && c != '\'' && c != '"' && c != '=' && c != ',' {
			return false
		}
	}
	for k := e; k < len(s) && s[k] != '\n'; k++ {
		if c := s[k]; c != ' ' && c != '\t' && c != '"' && c != '\r' && c != ',' {
			return false
		}
	}
	return true
}

// Context words before bare organization codes and HK identity cards, whose
// nine- and eight-character bare forms pass a check digit by chance one
// time in eleven.
var (
	orgCodeWords = []string{"组织机构代码", "机构代码", "组织代码", "代码证", "org code", "Org code", "Organization code", "organization code"}
	hkidWords    = []string{"香港身份证", "香港身份证号码", "香港身份证号", "香港居民身份证", "HKID", "HK ID", "Hong Kong ID", "身份证"}
)

// nestedInURL reports the resident IDs and mobiles in the query string of
// the URL s[i:e], which are identifiers in their own right.
func (sc *scanner) nestedInURL(i, e int) {
	s := sc.s
	q := strings.IndexByte(s[i:e], '?')
	if q < 0 {
		return
	}
	k := i + q + 1
	if h := strings.IndexByte(s[k:e], '#'); h >= 0 {
		e = k + h
	}
	for k < e {
		end := e
		if amp := strings.IndexByte(s[k:e], '&'); amp >= 0 {
			end = k + amp
		}
		v := k
		if eq := strings.IndexByte(s[k:end], '='); eq >= 0 {
			v = k + eq + 1
		}
		if end > v {
			switch t := sc.token(v, end, sc.allDigits(v, end)); t {
			case catalog.TypeResidentID, catalog.TypeMobile:
				sc.emit(t, v, end)
			}
		}
		k = end + 1
	}
}
