package fpe

import "github.com/govshare/govshare/classify"

// Proleptic Gregorian day numbers (days since 1970-01-01), after Howard
// Hinnant's days_from_civil: integer-only, so the resident ID path needs no
// time.Time and no allocation. Valid for years ≥ 0, which covers 1900 on.

func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	doy := (153*((m+9)%12)+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int) (y, m, d int) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// daysIn is classify.DaysIn, named locally for the date arithmetic here.
var daysIn = classify.DaysIn
