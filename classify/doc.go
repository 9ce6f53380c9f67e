// Package classify finds out what data is: it validates and detects Chinese
// government identifiers, profiles table columns into type,
// category, level, sensitivity and suggested share tier, and holds the
// catalog — the reviewed YAML that is the authority for every later stage.
//
// Start with:
//   - Detect (or a Detector) to find identifiers in free text;
//   - Profiler.ProfileColumn to classify a column from its header and a
//     sample of values, and DraftCatalog to turn profiles into a catalog
//     for review;
//   - LoadCatalog to read a reviewed catalog;
//   - Validate and the Valid* functions for single values.
//
// Checksums are decisive: a value that fails its check digit is not of that
// type, and an 18-digit string shaped like a resident ID (province prefix and
// real birth date) whose check digit fails is reported as nothing rather
// than as a bank card or credit code. Content wins over headers: a column
// named "phone" full of product codes is TypeNone.
//
// # Written forms
//
// Values are found as people write them, and reported with the span of what
// is written (so a full-width ID's span is its full-width bytes):
//
//   - Full-width digits, letters and ＠．－＋＿ read as ASCII (a Chinese input
//     method types them); brackets read as ASCII only around digits
//     (（0755）); "。" reads as "." only inside an e-mail domain before a
//     common label (example。com). Full-width "，；：" stay as they are: they
//     end values in Chinese text.
//   - Groups joined by single spaces or dashes: resident IDs in any grouping
//     (6-8-4, fours, or OCR spacing — its check digit proves it), USCCs in
//     groups, cards in groups (the whole run of groups is the card: a
//     19-digit number failing Luhn is not a card in its first 16), mobiles
//     as 3-4-4, 3-8, 4-4-3 or one digit at a time (no check digit, so only
//     these layouts), landlines with a separated or bracketed area code and an
//     extension after "-", 转, 分机 or ext.
//   - Prefixes: +86, 86, 0086, (+86) before a mobile are part of its span;
//     spreadsheet quoting ('…, ="…") is not, and a trailing ".0" is ignored.
//   - Plates with a separator after the office letter (· • ・ . - space) and
//     the special plates ending in 学 挂 警 港 澳 领 试 超 使.
//   - A resident ID or mobile that is a URL query value is reported as
//     itself as well as within the URL.
//   - A bare nine-character organization code (D2143569X) or bare HK ID
//     (A1234563) passes its check character by chance one time in eleven,
//     so it is reported only as a value on its own line (a column value) or
//     after its context word (组织机构代码, 香港身份证 …); Profiler decides
//     columns of them by their check characters.
//
// # What is not reported, and why
//
// A checksum is evidence only in proportion to its strength: one random
// number in ten passes Luhn, one in eleven a mod-11 check.
//
//   - A 15–19 digit Luhn-valid number is a bank_card only with issuer
//     evidence: UnionPay 62, Bank of China 6013, ICBC 9558 (19 digits), Visa
//     4, Mastercard 51–55 and 2221–2720, JCB 3528–3589, Amex 34/37 (15
//     digits); and never after a word naming another number (合同编号, 流水号,
//     交易号, 订单号, 发票号码, 单号, 编号, 工单号, order, invoice, serial …).
//   - An 18-digit number with a resident ID's region and birth date whose
//     check digit fails is nothing (not a card, not a USCC): a mistyped ID;
//     one whose date or region is impossible is not an ID.
//   - Dotted quads after 版本, version, v or 第, or before 条/款/节/章/版, are
//     versions and section numbers, not IPv4.
//   - An 11-digit number followed by 元 (or another currency unit) or by
//     decimals, or after ¥ or a thousands group, is an amount, not a mobile.
//   - Landlines need an area code: 010, 02X or 0[3-9]XX, and a subscriber
//     number that does not start with 0 (nor with 1 unless the area code is
//     bracketed or separated); 400/800 numbers, hotlines (12345, 95588 …),
//     ICP and 公安备案 numbers, masked values (138****5678) and timestamps
//     fit no type.
//
// No function here puts a value it examines into an error or a String
// method: Finding and ResidentID print redacted.
//
// # Drafts never fail open
//
// (The profiling rules of ProfileColumn, ProfileTable and DraftCatalog; kept
// apart from the detection rules above.)
//
// Content decides a column's type, but may only make a draft stricter than
// its header, never looser:
//
//   - A header that names an identifier type (身份证号, 公民身份号码, 证件号码,
//     手机号码, 联系电话, 银行卡号, 账号, 统一社会信用代码, 车牌号, 护照号, 邮箱,
//     住址, 姓名, 出生日期, 经度 …; URL headers excepted) over values that do
//     not validate as it keeps the column as protected as that type would
//     be, and at least personal and conditional; so does a header whose
//     values validate as a less protected type (USCCs under 身份证号). The
//     profile's Review and the draft field's review note mark the column,
//     and its first reason says why, naming the header, never a value. A
//     catalog with a review note does not validate: a reviewer checks the
//     field and deletes the note.
//   - Values are validated in every written form Validate accepts, so a
//     column of spaced, dashed or full-width IDs or mobiles is typed as
//     such; on a tie between types, a type with a check character wins (a
//     bare HK ID can also have the shape of a travel permit or passport).
//   - An amount of money attached to a person is personal and conditional.
//     It is attached by its nature when the header names what only a person
//     is paid, taxed or credited with (工资, 薪资, 薪酬, 应发/实发金额, 个税,
//     个人所得税, 缴费基数, wage, payroll, pay). Other amounts (金额, 补贴,
//     补助, 津贴, 奖金, 税额, 应纳税额, 罚款, 赔偿, 补偿, 缴费, 养老金, 公积金,
//     amount, subsidy, tax, fine, pension …) are attached when the table
//     identifies the person each row is about: it has an identity document
//     column (resident ID, passport, travel permit, HK or Taiwan ID), or,
//     having no organization code column (USCC, organization code), a person
//     name, mobile or bank card column — not counting a name under a header
//     for someone acting for an organization (法定代表人, 负责人, 联系人, 经办人
//     …). ProfileTable and DraftCatalog apply this table rule; ProfileColumn
//     sees one column and leaves such an amount public, with a reason saying
//     so. Income, deposits and balances (收入, 存款, 余额, income, salary)
//     are sensitive personal information and not shared by default, which is
//     stricter still.
package classify
