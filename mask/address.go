package mask

import (
	"github.com/govshare/govshare/classify"
	"github.com/govshare/govshare/internal/region"
	"github.com/govshare/govshare/internal/space"
)

// AddressLevel is how far GeneralizeAddress keeps an address. The zero
// value is invalid so a forgotten option fails instead of keeping too much.
type AddressLevel int

// Address levels, coarsest first.
const (
	Province AddressLevel = iota + 1 // 省级: "浙江省"
	City                             // 地级: "浙江省杭州市" (a municipality: "北京市")
	District                         // 县级: "浙江省杭州市西湖区"
)

// GeneralizeAddress reduces an address to its province, prefecture-level
// city or county-level district, named as GB/T 2260 names them, with every
// level above it, so equal regions compare equal: "广西南宁市青秀区…" at City
// is "广西壮族自治区南宁市", and "杭州市西湖区…" at Province is "浙江省". The
// City of a municipality (北京, 天津, 上海, 重庆) or SAR is the municipality
// itself ("北京市"); a county-level city directly under its province (济源市,
// 仙桃市) has no City level.
//
// The divisions come from the GB/T 2260 table (current and former names,
// package internal/region) and must start the address: full names anywhere
// in order, short ones (广东, 深圳, 南山) only where the context proves them,
// and a county named alone only if no other county has its name. Text that
// merely looks like a division (某某市幸福区) is none. A level the address
// does not name is an error wrapping ErrMalformed: the address is never
// passed on in place of it.
func GeneralizeAddress(s string, level AddressLevel) (string, error) {
	if level < Province || level > District {
		return "", badArg("address level %d", int(level))
	}
	f, valid := classify.FoldValid(s)
	if !valid {
		return "", malformed("address")
	}
	p, ok := region.Match(space.Trim(f))
	if !ok {
		return "", malformed("address: no known division")
	}
	if out := p.Name(region.Level(level)); out != "" {
		return out, nil
	}
	switch level {
	case City:
		return "", malformed("address: no prefecture-level division")
	case District:
		return "", malformed("address: no county-level division")
	}
	return "", malformed("address: no province")
}

// GeneralizeAddressUpTo is GeneralizeAddress at the finest level, up to
// level, that the address names: at District, the district if the address
// names one, or else its city, or else its province. It returns the level
// reached, and an error wrapping ErrMalformed when the address names no
// known division at all.
func GeneralizeAddressUpTo(s string, level AddressLevel) (string, AddressLevel, error) {
	return generalizeUpTo(region.Match, s, level)
}

// Addresses coarsens the addresses of one run, as GeneralizeAddressUpTo
// does, remembering the divisions it has found: a register's addresses
// repeat a few hundred counties, and finding them is most of the cost. The
// answers are GeneralizeAddressUpTo's exactly. It holds the beginnings of
// the addresses it has seen (the divisions and a few characters after
// them), so keep it no longer than the run. It is safe for concurrent use.
type Addresses struct{ m *region.Matcher }

// NewAddresses returns an Addresses with nothing remembered.
func NewAddresses() *Addresses { return &Addresses{region.NewMatcher()} }

// GeneralizeUpTo is GeneralizeAddressUpTo(s, level).
func (a *Addresses) GeneralizeUpTo(s string, level AddressLevel) (string, AddressLevel, error) {
	return generalizeUpTo(a.m.Match, s, level)
}

func generalizeUpTo(match func(string) (region.Place, bool), s string, level AddressLevel) (string, AddressLevel, error) {
	if level < Province || level > District {
		return "", 0, badArg("address level %d", int(level))
	}
	f, valid := classify.FoldValid(s)
	if !valid {
		return "", 0, malformed("address")
	}
	p, ok := match(space.Trim(f))
	if !ok {
		return "", 0, malformed("address: no known division")
	}
	for l := level; l >= Province; l-- {
		if out := p.Name(region.Level(l)); out != "" {
			return out, l, nil
		}
	}
	return "", 0, malformed("address: no province")
}

// IDRegionName names the region of a valid resident ID (any written form
// classify accepts) at the given level from its 6-digit region code, as
// GeneralizeAddress names an address: "广东省深圳市" for a 440305… ID at
// City. Codes abolished since the ID was issued keep their last name (an ID
// from 110103, 崇文区, is 北京市崇文区 at District). A level the table does not
// know for the code is an error wrapping ErrMalformed.
func IDRegionName(id string, level AddressLevel) (string, error) {
	if level < Province || level > District {
		return "", badArg("address level %d", int(level))
	}
	c, ok := canonicalID(id)
	if !ok {
		return "", malformed("cn_resident_id")
	}
	p, ok := region.Lookup(c[:6])
	if !ok {
		return "", malformed("cn_resident_id: unknown region")
	}
	if out := p.Name(region.Level(level)); out != "" {
		return out, nil
	}
	return "", malformed("cn_resident_id: region level not in the division table")
}
