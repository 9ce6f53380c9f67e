// Package blackbox tests the exchange service from outside: its tests build
// the service binary once, run it as a separate process on a temporary data
// directory, and talk to it only through its command line, its JSON API and
// its web pages (in headless Chromium), the way its users and operators do.
//
// browser_test.go walks the web pages from sign-in to download; restart_test.go
// kills the process with SIGKILL during approvals and downloads and checks,
// after every restart, that what it acknowledged survived and that the
// database and the share-record log agree.
package blackbox
