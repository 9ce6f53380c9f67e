package main

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/govshare/govshare/catalog"
)

// calendar says which days are working days (工作日) in China: Monday to
// Friday, except the national holidays, plus the weekend days worked in
// their place (调休). Days are calendar dates in China Standard Time.
//
// The file format (calendar-cn.txt is the shipped one), one entry a line:
//
//	# comment; blank lines are ignored
//	2026-10-01 holiday 国庆节
//	2026-10-10 workday 国庆节调休
//
// A date, then "holiday" (a weekday off) or "workday" (a weekend day
// worked), then an optional name. A date may appear once. Days of years
// the file does not cover follow the plain weekday rule.
type calendar struct {
	holidays map[string]string
	workdays map[string]string
	years    map[int]bool
}

// parseCalendar reads a calendar file. Errors name the line.
func parseCalendar(b []byte) (*calendar, error) {
	c := &calendar{holidays: map[string]string{}, workdays: map[string]string{}, years: map[int]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		f := strings.Fields(text)
		if len(f) < 2 {
			return nil, fmt.Errorf("calendar line %d: want DATE holiday|workday [NAME]", line)
		}
		d, err := time.ParseInLocation("2006-01-02", f[0], catalog.ChinaTime)
		if err != nil {
			return nil, fmt.Errorf("calendar line %d: date must be YYYY-MM-DD", line)
		}
		key := d.Format("2006-01-02")
		if _, dup := c.holidays[key]; dup {
			return nil, fmt.Errorf("calendar line %d: %s appears twice", line, key)
		}
		if _, dup := c.workdays[key]; dup {
			return nil, fmt.Errorf("calendar line %d: %s appears twice", line, key)
		}
		name := strings.Join(f[2:], " ")
		wd := d.Weekday()
		switch f[1] {
		case "holiday":
			c.holidays[key] = name
		case "workday":
			if wd != time.Saturday && wd != time.Sunday {
				return nil, fmt.Errorf("calendar line %d: %s is a weekday, already a working day", line, key)
			}
			c.workdays[key] = name
		default:
			return nil, fmt.Errorf("calendar line %d: kind must be holiday or workday", line)
		}
		c.years[d.Year()] = true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Working reports whether day (its date in China Standard Time) is a
// working day.
func (c *calendar) Working(day time.Time) bool {
	d := day.In(catalog.ChinaTime)
	key := d.Format("2006-01-02")
	if _, ok := c.workdays[key]; ok {
		return true
	}
	if _, ok := c.holidays[key]; ok {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Covers reports whether the file lists the year of t.
func (c *calendar) Covers(t time.Time) bool { return c.years[t.In(catalog.ChinaTime).Year()] }

// midnight is the start of t's day in China Standard Time.
func midnight(t time.Time) time.Time {
	y, m, d := t.In(catalog.ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, catalog.ChinaTime)
}

// Due is the deadline of an answer owed within n working days of
// submitted: the end of the n-th working day after the day of submission
// (the day itself does not count, as a time limit starts the next day),
// returned as the first instant after it.
func (c *calendar) Due(submitted time.Time, n int) time.Time {
	d := midnight(submitted)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.Working(d) {
			n--
		}
	}
	return d.AddDate(0, 0, 1)
}

// Remaining counts the whole working days left before due, after today:
// 5 on the day of submission under a 5-day limit, 0 on the last day and
// after it.
func (c *calendar) Remaining(now, due time.Time) int {
	n := 0
	for d := midnight(now).AddDate(0, 0, 1); d.Before(due); d = d.AddDate(0, 0, 1) {
		if c.Working(d) {
			n++
		}
	}
	return n
}
