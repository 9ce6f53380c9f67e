package parquetio

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// codec turns the values of one Parquet column type into text and back.
// parse(render(v)) == v for every value render accepts, so a column that
// passes through the pipeline unchanged is written with its own type.
type codec struct {
	kind   parquet.Kind
	render func(dst []byte, v parquet.Value) ([]byte, error)
	parse  func(s string) (parquet.Value, error)
}

var (
	errNotText   = errors.New("value is not valid UTF-8 text")
	errBadNumber = errors.New("value is not a number of the column's type")
	errBadTime   = errors.New("value is not a date or time of the column's form")
)

// unixEpochDay is the Julian day number of 1970-01-01, for INT96 times.
const unixEpochDay = 2440588

// codecOf returns the codec of a leaf type, or an error saying why the
// type is not supported.
func codecOf(t parquet.Type) (*codec, error) {
	lt := t.LogicalType()
	ct := t.ConvertedType()
	k := t.Kind()
	switch k {
	case parquet.Boolean:
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			return strconv.AppendBool(dst, v.Boolean()), nil
		}, parse: func(s string) (parquet.Value, error) {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return parquet.Value{}, errBadNumber
			}
			return parquet.BooleanValue(b), nil
		}}, nil
	case parquet.Int32, parquet.Int64:
		return intCodec(k, lt, ct)
	case parquet.Float:
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			return strconv.AppendFloat(dst, float64(v.Float()), 'g', -1, 32), nil
		}, parse: func(s string) (parquet.Value, error) {
			f, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return parquet.Value{}, errBadNumber
			}
			return parquet.FloatValue(float32(f)), nil
		}}, nil
	case parquet.Double:
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			return strconv.AppendFloat(dst, v.Double(), 'g', -1, 64), nil
		}, parse: func(s string) (parquet.Value, error) {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return parquet.Value{}, errBadNumber
			}
			return parquet.DoubleValue(f), nil
		}}, nil
	case parquet.ByteArray:
		if lt != nil && lt.Value != nil {
			switch lt.Value.(type) {
			case *format.StringType, *format.EnumType, *format.JsonType:
			default:
				return nil, fmt.Errorf("the Parquet type %s is not supported", t)
			}
		}
		// Text, or bytes with no annotation: either way the value must be
		// UTF-8 text to be a field.
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			b := v.ByteArray()
			if !utf8.Valid(b) {
				return dst, errNotText
			}
			return append(dst, b...), nil
		}, parse: func(s string) (parquet.Value, error) {
			return parquet.ByteArrayValue(bytesOf(s)), nil
		}}, nil
	case parquet.Int96:
		// Legacy timestamps (nanoseconds of the day, Julian day), as older
		// writers store them.
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			i := v.Int96()
			nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
			day := int64(i[2]) - unixEpochDay
			tm := time.Unix(day*86400, nanos).UTC()
			return tm.AppendFormat(dst, time.RFC3339Nano), nil
		}, parse: func(s string) (parquet.Value, error) {
			tm, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return parquet.Value{}, errBadTime
			}
			tm = tm.UTC()
			sec := tm.Unix()
			day := sec / 86400
			if sec%86400 < 0 {
				day--
			}
			nanos := uint64((sec-day*86400)*1e9 + int64(tm.Nanosecond()))
			return parquet.Int96Value(deprecated.Int96{uint32(nanos), uint32(nanos >> 32), uint32(day + unixEpochDay)}), nil
		}}, nil
	}
	return nil, fmt.Errorf("the Parquet type %s is not supported", t)
}

// intCodec is the codec of an INT32 or INT64 column: a plain or sized
// integer, a DATE, a TIMESTAMP or a DECIMAL.
func intCodec(k parquet.Kind, lt *format.LogicalType, ct *deprecated.ConvertedType) (*codec, error) {
	get := func(v parquet.Value) int64 {
		if k == parquet.Int32 {
			return int64(v.Int32())
		}
		return v.Int64()
	}
	bits := 64
	if k == parquet.Int32 {
		bits = 32
	}
	mk := func(x int64) parquet.Value {
		if k == parquet.Int32 {
			return parquet.Int32Value(int32(x))
		}
		return parquet.Int64Value(x)
	}
	var lv format.LogicalTypeValue
	if lt != nil {
		lv = lt.Value
	}
	if lv == nil && ct != nil {
		// Files from older writers carry only the converted type.
		switch *ct {
		case deprecated.Date:
			lv = &format.DateType{}
		case deprecated.TimestampMillis:
			lv = &format.TimestampType{IsAdjustedToUTC: true, Unit: format.TimeUnit{Value: &format.MilliSeconds{}}}
		case deprecated.TimestampMicros:
			lv = &format.TimestampType{IsAdjustedToUTC: true, Unit: format.TimeUnit{Value: &format.MicroSeconds{}}}
		case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
			lv = &format.IntType{BitWidth: int8(bits), IsSigned: false}
		}
	}
	switch l := lv.(type) {
	case nil:
	case *format.IntType:
		if !l.IsSigned {
			// Unsigned: the bits are the value's, read as unsigned.
			return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
				x := uint64(get(v))
				if k == parquet.Int32 {
					x = uint64(uint32(v.Int32()))
				}
				return strconv.AppendUint(dst, x, 10), nil
			}, parse: func(s string) (parquet.Value, error) {
				x, err := strconv.ParseUint(s, 10, bits)
				if err != nil {
					return parquet.Value{}, errBadNumber
				}
				return mk(int64(x)), nil
			}}, nil
		}
	case *format.DateType:
		if k != parquet.Int32 {
			break
		}
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			return time.Unix(get(v)*86400, 0).UTC().AppendFormat(dst, time.DateOnly), nil
		}, parse: func(s string) (parquet.Value, error) {
			tm, err := parseDate(s)
			if err != nil {
				return parquet.Value{}, err
			}
			return mk(tm.Unix() / 86400), nil
		}}, nil
	case *format.TimestampType:
		if k != parquet.Int64 {
			break
		}
		var unit time.Duration
		switch l.Unit.Value.(type) {
		case *format.MilliSeconds:
			unit = time.Millisecond
		case *format.MicroSeconds:
			unit = time.Microsecond
		case *format.NanoSeconds:
			unit = time.Nanosecond
		default:
			return nil, errors.New("a Parquet TIMESTAMP of an unknown unit is not supported")
		}
		// A timestamp not adjusted to UTC is a local wall time: written
		// without a zone, so no reader takes it for a UTC instant.
		layout := time.RFC3339Nano
		if !l.IsAdjustedToUTC {
			layout = "2006-01-02T15:04:05.999999999"
		}
		per := int64(time.Second / unit)
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			x := v.Int64()
			sec, frac := x/per, x%per
			if frac < 0 {
				sec, frac = sec-1, frac+per
			}
			return time.Unix(sec, frac*int64(unit)).UTC().AppendFormat(dst, layout), nil
		}, parse: func(s string) (parquet.Value, error) {
			tm, err := time.Parse(layout, s)
			if err != nil {
				return parquet.Value{}, errBadTime
			}
			return parquet.Int64Value(tm.Unix()*per + int64(tm.Nanosecond())/int64(unit)), nil
		}}, nil
	case *format.DecimalType:
		scale := int(l.Scale)
		return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
			return appendDecimal(dst, get(v), scale), nil
		}, parse: func(s string) (parquet.Value, error) {
			x, err := parseDecimal(s, scale, bits)
			if err != nil {
				return parquet.Value{}, err
			}
			return mk(x), nil
		}}, nil
	default:
		return nil, fmt.Errorf("the Parquet logical type %s on %s is not supported", lv, k)
	}
	return &codec{kind: k, render: func(dst []byte, v parquet.Value) ([]byte, error) {
		return strconv.AppendInt(dst, get(v), 10), nil
	}, parse: func(s string) (parquet.Value, error) {
		x, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			return parquet.Value{}, errBadNumber
		}
		return mk(x), nil
	}}, nil
}

// parseDate reads a DATE as the Reader writes it (YYYY-MM-DD), or as a
// generalized date leaves the pipeline: a year (YYYY, its first day) or
// a month (YYYY-MM, its first day).
func parseDate(s string) (time.Time, error) {
	layout := time.DateOnly
	switch len(s) {
	case 4:
		layout = "2006"
	case 7:
		layout = "2006-01"
	}
	tm, err := time.Parse(layout, s)
	if err != nil {
		return tm, errBadTime
	}
	return tm, nil
}

// appendDecimal writes the unscaled integer x with scale digits after the
// point.
func appendDecimal(dst []byte, x int64, scale int) []byte {
	if scale <= 0 {
		dst = strconv.AppendInt(dst, x, 10)
		for range -scale {
			dst = append(dst, '0')
		}
		return dst
	}
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
		dst = append(dst, '-')
	}
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	dst = append(dst, digits[:len(digits)-scale]...)
	dst = append(dst, '.')
	return append(dst, digits[len(digits)-scale:]...)
}

// parseDecimal reads a decimal with at most scale digits after the point
// into its unscaled integer.
func parseDecimal(s string, scale, bits int) (int64, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "eE/") {
		return 0, errBadNumber
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(scale, 0))), nil)))
	if scale < 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil)))
	}
	if !r.IsInt() {
		return 0, errBadNumber
	}
	n := r.Num()
	if !n.IsInt64() || n.BitLen() >= bits {
		return 0, errBadNumber
	}
	x := n.Int64()
	if bits == 32 && (x > math.MaxInt32 || x < math.MinInt32) {
		return 0, errBadNumber
	}
	return x, nil
}

// bytesOf views s as bytes without a copy: the Parquet writer copies a
// value's bytes into its own buffers before the row is dropped.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
