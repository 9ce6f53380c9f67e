package keys

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/govshare/govshare/internal/fsread"
	"github.com/tink-crypto/tink-go/v2/keyset"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Keyring file layout (<dept>.keys). Every byte is either checked exactly
// (magic, department, tags, lengths) or authenticated by the master AEAD,
// so flipping any byte makes [Load] fail:
//
//	"GSKR" ‖ version 0x02 ‖ u16 len ‖ dept ‖ u8 count (= 11)
//	count × ( u8 tag ‖ u32 len ‖ ciphertext )
//
// The tags are the 9 kinds in Kind order, then 0xF0 (the root key) and 0xF1
// (the lifecycle: key states and bundle version). A Tink kind's ciphertext,
// and the root's, is the encrypted keyset of
// [keyset.Handle.WriteWithAssociatedData] (the unauthenticated KeysetInfo
// Tink would add is dropped); the OPRF and lifecycle entries are
// master.Encrypt of their blobs. The associated data of each entry is
// lp("govshare/keys/v1") ‖ lp(dept) ‖ lp(name), name being the kind name,
// "root" or "lifecycle", so an entry cannot be moved to another department's
// file or to another slot.
//
// Version 0x01 files (count = 9, no root or lifecycle) still load: every key
// is active with no bounds, the bundle is version 1, and a new root key is
// made in memory. [Keyring.Save] writes version 0x02; until then every load
// makes another root, so save the keyring before publishing its bundle.
const (
	keyringMagic   = "GSKR"
	keyringVersion = 2
	keyringV1      = 1
	keyringADLabel = "govshare/keys/v1"
	maxKeyringSize = 16 << 20
	tagRoot        = 0xF0
	tagLifecycle   = 0xF1
	entryRoot      = "root"
	entryLifecycle = "lifecycle"
	extraEntries   = 2
	kindEntries    = int(numKinds - 1)
	keyringV2Count = kindEntries + extraEntries
	keyringV1Count = kindEntries
)

var (
	// ErrDecrypt means the keyring did not authenticate under the master key:
	// the master key is wrong or the file was modified.
	ErrDecrypt = errors.New("govshare/keys: keyring does not decrypt: wrong master key or the file was modified")
	// ErrMalformedKeyring means the keyring file's structure is invalid
	// (truncated, extended, or edited outside its encrypted parts).
	ErrMalformedKeyring = errors.New("govshare/keys: malformed keyring file (modified or truncated)")
	// ErrInsecurePermissions means a secret file is accessible by group or
	// others.
	ErrInsecurePermissions = errors.New("govshare/keys: secret file is accessible by group or others")
)

// FileError names the file an error happened on.
type FileError struct {
	Path string
	Err  error
}

// Error reads "govshare/keys: PATH: reason".
func (e *FileError) Error() string {
	msg := e.Err.Error()
	// An os error already names its path: say it once.
	if pe, ok := e.Err.(*fs.PathError); ok && pe.Path == e.Path {
		msg = pe.Op + ": " + pe.Err.Error()
	}
	return "govshare/keys: " + e.Path + ": " + strings.TrimPrefix(msg, "govshare/keys: ")
}

// Unwrap returns the cause, so errors.Is(err, ErrDecrypt) works.
func (e *FileError) Unwrap() error { return e.Err }

func entryAD(dept, name string) []byte {
	b := AppendLengthPrefixed(nil, keyringADLabel)
	b = AppendLengthPrefixed(b, dept)
	return AppendLengthPrefixed(b, name)
}

// captureWriter keeps the ciphertext of an encrypted keyset.
type captureWriter struct{ ct []byte }

func (w *captureWriter) Write(*tinkpb.Keyset) error {
	return errors.New("govshare/keys: refusing to write a cleartext keyset")
}

func (w *captureWriter) WriteEncrypted(ks *tinkpb.EncryptedKeyset) error {
	w.ct = ks.GetEncryptedKeyset()
	return nil
}

// ciphertextReader hands a stored ciphertext back to Tink.
type ciphertextReader struct{ ct []byte }

func (r ciphertextReader) Read() (*tinkpb.Keyset, error) {
	return nil, errors.New("govshare/keys: refusing to read a cleartext keyset")
}

func (r ciphertextReader) ReadEncrypted() (*tinkpb.EncryptedKeyset, error) {
	return &tinkpb.EncryptedKeyset{EncryptedKeyset: r.ct}, nil
}

// Marshal encrypts every keyset, the root key and the lifecycle under
// master and returns the keyring file.
func (k *Keyring) Marshal(master tink.AEAD) ([]byte, error) {
	if master == nil {
		return nil, errors.New("govshare/keys: nil master key")
	}
	st := k.cur.Load()
	b := []byte(keyringMagic)
	b = append(b, keyringVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(k.dept)))
	b = append(b, k.dept...)
	b = append(b, byte(keyringV2Count))
	add := func(tag byte, ct []byte) {
		b = append(b, tag)
		b = binary.BigEndian.AppendUint32(b, uint32(len(ct)))
		b = append(b, ct...)
	}
	encryptKeyset := func(h *keyset.Handle, name string) ([]byte, error) {
		var w captureWriter
		if err := h.WriteWithAssociatedData(&w, master, entryAD(k.dept, name)); err != nil {
			return nil, fmt.Errorf("govshare/keys: encrypt %s keyset: %w", name, err)
		}
		return w.ct, nil
	}
	for _, kind := range Kinds() {
		var ct []byte
		var err error
		if kind == KindOPRF {
			blob, err := st.oprf.marshal()
			if err != nil {
				return nil, err
			}
			if ct, err = master.Encrypt(blob, entryAD(k.dept, kind.String())); err != nil {
				return nil, fmt.Errorf("govshare/keys: encrypt oprf keys: %w", err)
			}
		} else if ct, err = encryptKeyset(st.handles[kind], kind.String()); err != nil {
			return nil, err
		}
		add(byte(kind), ct)
	}
	ct, err := encryptKeyset(st.root, entryRoot)
	if err != nil {
		return nil, err
	}
	add(tagRoot, ct)
	if ct, err = master.Encrypt(st.life.marshal(), entryAD(k.dept, entryLifecycle)); err != nil {
		return nil, fmt.Errorf("govshare/keys: encrypt lifecycle: %w", err)
	}
	add(tagLifecycle, ct)
	return b, nil
}

// Parse decrypts a keyring file made by [Keyring.Marshal] for dept. It also
// reads version-1 files (see the file layout above).
func Parse(b []byte, dept string, master tink.AEAD) (*Keyring, error) {
	if err := ValidDept(dept); err != nil {
		return nil, err
	}
	if master == nil {
		return nil, errors.New("govshare/keys: nil master key")
	}
	if len(b) > maxKeyringSize {
		return nil, ErrMalformedKeyring
	}
	r := b
	take := func(n int) ([]byte, bool) {
		if n < 0 || len(r) < n {
			return nil, false
		}
		out := r[:n]
		r = r[n:]
		return out, true
	}
	hdr, ok := take(len(keyringMagic) + 3)
	if !ok || string(hdr[:4]) != keyringMagic || (hdr[4] != keyringVersion && hdr[4] != keyringV1) {
		return nil, ErrMalformedKeyring
	}
	v1 := hdr[4] == keyringV1
	name, ok := take(int(binary.BigEndian.Uint16(hdr[5:])))
	if !ok {
		return nil, ErrMalformedKeyring
	}
	if string(name) != dept {
		return nil, fmt.Errorf("%w: it belongs to another department", ErrMalformedKeyring)
	}
	want := keyringV2Count
	if v1 {
		want = keyringV1Count
	}
	cnt, ok := take(1)
	if !ok || int(cnt[0]) != want {
		return nil, ErrMalformedKeyring
	}
	// Check the whole structure, then authenticate every entry, before the
	// (slower) work of building keysets: a damaged file fails fast.
	type entry struct {
		tag  byte
		name string
		ct   []byte
	}
	var entries []entry
	for _, kind := range Kinds() {
		entries = append(entries, entry{tag: byte(kind), name: kind.String()})
	}
	if !v1 {
		entries = append(entries, entry{tag: tagRoot, name: entryRoot}, entry{tag: tagLifecycle, name: entryLifecycle})
	}
	for i := range entries {
		h, ok := take(5)
		if !ok || h[0] != entries[i].tag {
			return nil, ErrMalformedKeyring
		}
		if entries[i].ct, ok = take(int(binary.BigEndian.Uint32(h[1:]))); !ok {
			return nil, ErrMalformedKeyring
		}
	}
	if len(r) != 0 {
		return nil, fmt.Errorf("%w: trailing data", ErrMalformedKeyring)
	}
	var oprfBlob, lifeBlob []byte
	for _, e := range entries {
		pt, err := master.Decrypt(e.ct, entryAD(dept, e.name))
		if err != nil {
			return nil, fmt.Errorf("%w (entry %s)", ErrDecrypt, e.name)
		}
		switch e.tag {
		case byte(KindOPRF):
			oprfBlob = pt
		case tagLifecycle:
			lifeBlob = pt
		}
	}
	oset, err := parseOPRFSet(oprfBlob)
	if err != nil {
		return nil, err
	}
	readKeyset := func(e entry) (*keyset.Handle, error) {
		// Tink decrypts again (cheap) so the keyset is read only through
		// its encrypted-keyset API, never as cleartext here.
		h, err := keyset.ReadWithAssociatedData(ciphertextReader{e.ct}, master, entryAD(dept, e.name))
		if err != nil {
			return nil, fmt.Errorf("%w (entry %s)", ErrDecrypt, e.name)
		}
		return h, nil
	}
	var handles [numKinds]*keyset.Handle
	for _, kind := range Kinds() {
		if !kind.isTink() {
			continue
		}
		if handles[kind], err = readKeyset(entries[kind-1]); err != nil {
			return nil, err
		}
	}
	if v1 {
		root, err := newRoot()
		if err != nil {
			return nil, err
		}
		return newKeyring(dept, handles, oset, root, defaultLifecycle(&handles))
	}
	root, err := readKeyset(entries[kindEntries])
	if err != nil {
		return nil, err
	}
	life, err := parseLifecycle(lifeBlob)
	if err != nil {
		return nil, err
	}
	return newKeyring(dept, handles, oset, root, life)
}

// KeysPath and PublicPath return where [Keyring.Save] puts a department's
// files.
func KeysPath(dir, dept string) string { return filepath.Join(dir, dept+".keys") }

// PublicPath is the public bundle's path; see [KeysPath].
func PublicPath(dir, dept string) string { return filepath.Join(dir, dept+".pub") }

// Save writes dir/<dept>.keys (every keyset encrypted under master, mode
// 0600) and dir/<dept>.pub (the public bundle, mode 0644), each atomically
// through a temporary file and a rename, creating dir (0700) if needed.
func (k *Keyring) Save(dir string, master tink.AEAD) error {
	b, err := k.Marshal(master)
	if err != nil {
		return err
	}
	pub, err := k.Public().Marshal()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("govshare/keys: %w", err)
	}
	if err := writeAtomic(KeysPath(dir, k.dept), b, 0o600); err != nil {
		return err
	}
	return writeAtomic(PublicPath(dir, k.dept), pub, 0o644)
}

// Load reads and decrypts dir/<dept>.keys. It refuses a file that group or
// others can access, and fails with [ErrDecrypt] under the wrong master key
// or after any modification; errors name the file.
func Load(dir, dept string, master tink.AEAD) (*Keyring, error) {
	if err := ValidDept(dept); err != nil {
		return nil, err
	}
	path := KeysPath(dir, dept)
	b, err := ReadSecretFile(path, maxKeyringSize)
	if err != nil {
		return nil, err
	}
	kr, err := Parse(b, dept, master)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return kr, nil
}

// ReadSecretFile reads a regular file of at most limit bytes after checking
// it is private to its owner (no group or other permission: "chmod 600").
// Keyrings and master keys are read with it; so are other secrets kept in
// files, such as a share-record log's signing key. A FIFO, a device or a
// directory is refused before it is read, without blocking (the file is
// opened with O_NONBLOCK and checked by fstat); errors wrap
// [fsread.ErrNotRegular] or [fsread.ErrTooLarge] and never hold the content.
func ReadSecretFile(path string, limit int64) ([]byte, error) {
	f, fi, err := fsread.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	if err := checkPrivate(path, fi); err != nil {
		return nil, err
	}
	b, err := fsread.ReadAll(f, path, limit)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return b, nil
}

// checkPrivate refuses non-regular files and, where Unix permissions exist,
// any group or other permission bit.
func checkPrivate(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &FileError{Path: path, Err: errors.New("not a regular file")}
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return &FileError{Path: path, Err: fmt.Errorf("%w (mode %04o); run: chmod 600 %s", ErrInsecurePermissions, perm, path)}
	}
	return nil
}

// writeAtomic writes b to path through a temporary file in the same
// directory, so readers see the old or the new file, never a torn one.
func writeAtomic(path string, b []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("govshare/keys: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return &FileError{Path: path, Err: err}
	}
	// CreateTemp makes the file 0600; set the final mode before any data
	// is written so a 0600 file is never briefly wider.
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := io.Copy(f, bytes.NewReader(b)); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return &FileError{Path: path, Err: err}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return &FileError{Path: path, Err: err}
	}
	// Persist the rename itself; not all systems allow syncing a directory.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
