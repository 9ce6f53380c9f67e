package main

import _ "embed"

// calendarFile is the shipped working-day calendar (format: calendar.go).
//
//go:embed calendar-cn.txt
var calendarFile []byte
