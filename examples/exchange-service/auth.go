package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Roles of an account. An account has one role in one department.
const (
	roleProvider  = "provider"  // publishes its department's resources
	roleReviewer  = "reviewer"  // decides applications for its department's resources
	roleRecipient = "recipient" // applies, downloads, signs receipts
	roleAuditor   = "auditor"   // reads and verifies the log
	roleAdmin     = "admin"     // registers its department's keys
)

var roles = []string{roleProvider, roleReviewer, roleRecipient, roleAuditor, roleAdmin}

// account is who a request acts as.
type account struct {
	ID, Dept, Name, Role string
	session              *session // set when signed in through the web
}

type session struct {
	idHash string
	csrf   string
}

// newToken returns a fresh 256-bit secret, base64url, with a prefix that
// says what it is (so a leaked one is recognizable in a scan).
func newToken(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is what the database keeps of a bearer token or session id:
// SHA-256 suffices for a 256-bit random secret (no guessing to slow down).
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// newID returns a random 128-bit hex id.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// argon2id parameters (RFC 9106's second recommendation, lowered in
// memory to OWASP's 19 MiB minimum so a small server signs in many).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashPassword returns an encoded argon2id hash of pw with a fresh salt.
func hashPassword(pw string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// checkPassword reports whether pw matches an encoded hash, comparing in
// constant time. A malformed hash never matches.
func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" {
		return false
	}
	// Bounds keep a tampered hash from costing more than ours do.
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m < 8 || m > 64*1024 || t == 0 || t > 8 || p == 0 || p > 4 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// createAccount adds an account (and its department, if new) and returns
// its bearer token, which is shown once and kept only as a hash.
func (s *store) createAccount(ctx context.Context, dept, name, role, password string) (string, error) {
	if err := validDept(dept); err != nil {
		return "", err
	}
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return "", errors.New("account name must be 1–64 bytes without spaces")
	}
	ok := false
	for _, r := range roles {
		ok = ok || r == role
	}
	if !ok {
		return "", fmt.Errorf("role must be one of %s", strings.Join(roles, ", "))
	}
	tok := newToken("xs_")
	ph := ""
	if password != "" {
		ph = hashPassword(password)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.ensureDept(ctx, tx, dept); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `INSERT INTO accounts (id, dept, name, role, token_hash, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			newID(), dept, name, role, hashToken(tok), ph, timeText(time.Now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("adding account %s/%s: %w", dept, name, err)
	}
	return tok, nil
}

func (s *store) ensureDept(ctx context.Context, tx *sql.Tx, dept string) error {
	var n int
	if err := s.queryRow(ctx, tx, `SELECT COUNT(*) FROM departments WHERE name = ?`, dept).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := s.exec(ctx, tx, `INSERT INTO departments (name, updated_at) VALUES (?, ?)`, dept, timeText(time.Now()))
	return err
}

// accountByToken finds the account of a bearer token. The lookup is by
// hash; the stored hash is compared again in constant time so that no
// index or collation behaviour decides alone.
func (s *store) accountByToken(ctx context.Context, tok string) (*account, error) {
	if len(tok) < 10 || len(tok) > 128 {
		return nil, errUnauthorized
	}
	h := hashToken(tok)
	var a account
	var stored string
	err := s.queryRow(ctx, nil, `SELECT id, dept, name, role, token_hash FROM accounts WHERE token_hash = ?`, h).Scan(&a.ID, &a.Dept, &a.Name, &a.Role, &stored)
	if err != nil || subtle.ConstantTimeCompare([]byte(stored), []byte(h)) != 1 {
		return nil, errUnauthorized
	}
	return &a, nil
}

var errUnauthorized = errors.New("not signed in or token not valid")

// Session cookie. Secure, HttpOnly, SameSite=Lax: browsers treat
// http://localhost and 127.0.0.1 as secure contexts, so Secure does not
// keep the cookie from a local test; Lax (not Strict) keeps the cookie on
// a top-level navigation from another page of the service; the CSRF token
// protects every POST.
const sessionCookie = "xs_session"

const sessionTTL = 8 * time.Hour

// login checks a password and starts a session: the cookie value and
// the session's CSRF token.
func (s *store) login(ctx context.Context, dept, name, password string) (cookie string, err error) {
	var id, ph string
	err = s.queryRow(ctx, nil, `SELECT id, password_hash FROM accounts WHERE dept = ? AND name = ?`, dept, name).Scan(&id, &ph)
	if err != nil {
		// Spend the same work on an unknown account as on a known one.
		checkPassword(dummyHash, password)
		return "", errUnauthorized
	}
	if ph == "" || !checkPassword(ph, password) {
		return "", errUnauthorized
	}
	cookie = newToken("xss_")
	s.exec(ctx, nil, `DELETE FROM sessions WHERE expires_at < ?`, timeText(time.Now()))
	_, err = s.exec(ctx, nil, `INSERT INTO sessions (id_hash, account_id, csrf, expires_at) VALUES (?, ?, ?, ?)`,
		hashToken(cookie), id, newToken(""), timeText(time.Now().Add(sessionTTL)))
	return cookie, err
}

var dummyHash = hashPassword("no such account")

func (s *store) accountBySession(ctx context.Context, cookie string) (*account, error) {
	if len(cookie) < 10 || len(cookie) > 128 {
		return nil, errUnauthorized
	}
	h := hashToken(cookie)
	var a account
	var se session
	var exp string
	err := s.queryRow(ctx, nil, `SELECT a.id, a.dept, a.name, a.role, s.id_hash, s.csrf, s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.id_hash = ?`, h).
		Scan(&a.ID, &a.Dept, &a.Name, &a.Role, &se.idHash, &se.csrf, &exp)
	if err != nil || subtle.ConstantTimeCompare([]byte(se.idHash), []byte(h)) != 1 || time.Now().After(parseTimeText(exp)) {
		return nil, errUnauthorized
	}
	a.session = &se
	return &a, nil
}

func (s *store) logout(ctx context.Context, a *account) {
	if a != nil && a.session != nil {
		s.exec(ctx, nil, `DELETE FROM sessions WHERE id_hash = ?`, a.session.idHash)
	}
}

// setSessionCookie writes the session cookie.
func setSessionCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// checkCSRF checks a form's synchronizer token against the session's, in
// constant time. Requests with a bearer token carry no cookie and need none.
func checkCSRF(a *account, r *http.Request) bool {
	if a == nil || a.session == nil {
		return true
	}
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.session.csrf)) == 1
}

// loginLimiter slows password guessing: after maxFailures failed sign-ins
// of one account within failureWindow, its sign-in is refused until the
// window has passed (a success clears the count). In memory: a restart
// forgets it, which costs a guesser a restart per few tries.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range l.failures[key] {
		if now.Sub(t) < failureWindow {
			keep = append(keep, t)
		}
	}
	return keep
}

// allowed reports whether key may try to sign in now.
func (l *loginLimiter) allowed(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) < maxFailures
}

func (l *loginLimiter) record(key string, ok bool, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = map[string][]time.Time{}
	}
	if ok {
		delete(l.failures, key)
		return
	}
	l.failures[key] = append(l.recent(key, now), now)
	if len(l.failures) > 100000 { // bound memory under a spray of names
		l.failures = map[string][]time.Time{}
	}
}
