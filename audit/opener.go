package audit

import (
	"errors"
	"strconv"
	"strings"
)

// keyOpenerPrefix starts an opener named by its signing key (KeyOpener).
const keyOpenerPrefix = "key:"

// KeyOpener names the maker of an open by its signing key rather than by
// its department: "key:<dept>/<keyID>". An open whose keyring is not
// proven to be the envelope's recipient (its KEM key is not the one the
// envelope was sealed to) is recorded so: dept is only what the keyring
// claims, keyID the signing key that signed the record, and a reader
// checks the one against the other in the department's public bundle. The
// record's signer is dept, with key keyID (SignedRecord.KeyID must match).
func KeyOpener(dept string, keyID uint32) string {
	return keyOpenerPrefix + dept + "/" + strconv.FormatUint(uint64(keyID), 10)
}

// OpenerKey splits an opener named by KeyOpener; ok is false for one named
// by its department.
func OpenerKey(opener string) (dept string, keyID uint32, ok bool) {
	rest, found := strings.CutPrefix(opener, keyOpenerPrefix)
	if !found {
		return "", 0, false
	}
	dept, id, found := strings.Cut(rest, "/")
	if !found || checkDept("opener", dept) != nil {
		return "", 0, false
	}
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil || strconv.FormatUint(n, 10) != id {
		return "", 0, false
	}
	return dept, uint32(n), true
}

// openerDept is the department that signs an open record: the opener's,
// or the one a key-named opener claims.
func openerDept(opener string) string {
	if dept, _, ok := OpenerKey(opener); ok {
		return dept
	}
	return opener
}

// checkOpener accepts a department or KeyOpener's form.
func checkOpener(s string) error {
	if strings.HasPrefix(s, keyOpenerPrefix) {
		if _, _, ok := OpenerKey(s); !ok {
			return errors.New("govshare/audit: opener named by key must be key:<department>/<key id>")
		}
		return nil
	}
	return checkDept("opener", s)
}

// checkOpenerKey checks that an open record naming its opener by key is
// signed with that key.
func checkOpenerKey(r Record, keyID uint32) error {
	var opener string
	switch o := r.(type) {
	case OpenRecord:
		opener = o.Opener
	case *OpenRecord:
		opener = o.Opener
	default:
		return nil
	}
	if _, id, ok := OpenerKey(opener); ok && id != keyID {
		return notVerified(ErrWrongSigner, "an open record naming its opener by key %d is signed with key %d", id, keyID)
	}
	return nil
}
