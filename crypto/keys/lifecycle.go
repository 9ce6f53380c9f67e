package keys

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tink-crypto/tink-go/v2/keyset"
)

// Key lifecycle. Every key a department publishes (its KEM and signing keys,
// the kinds of [PublicBundle.Handle]) has a state and a validity period,
// kept in the keyring and published, signed, in the public bundle:
//
//   - active: the key is in use. The primary key of a kind is always active.
//   - retired: the key no longer makes new outputs; it was valid until
//     NotAfter (exclusive). [Keyring.Rotate] retires the previous primary at
//     the rotation time; [Keyring.Retire] retires any other key.
//   - revoked: the key is compromised or withdrawn; it is invalid from
//     RevokedAt on ([Keyring.Revoke]), which may be in the past.
//
// A key is valid at t when NotBefore ≤ t (if set), t < NotAfter (if set) and
// t < RevokedAt (if revoked). Times are whole seconds. Signatures the key made
// while valid stay valid; a signature that claims a time at which its key was
// not valid does not (envelope.Open checks an envelope's issue time this way).
//
// A time a signer states about itself can be backdated: a thief of a revoked
// key can claim a time before RevokedAt. Revoke from the earliest time the key
// may have been exposed, and rely on a time someone else vouches for (the
// share-record log's checkpoints) where it matters.

// KeyState is a published key's state. The zero value is invalid.
type KeyState uint8

// Key states. The numeric values are part of the keyring file and the signed
// bundle: never renumber.
const (
	KeyActive  KeyState = 1
	KeyRetired KeyState = 2
	KeyRevoked KeyState = 3
)

var stateNames = [...]string{"", "active", "retired", "revoked"}

// String returns "active", "retired" or "revoked".
func (s KeyState) String() string {
	if s.valid() {
		return stateNames[s]
	}
	return fmt.Sprintf("KeyState(%d)", uint8(s))
}

func (s KeyState) valid() bool { return s >= KeyActive && s <= KeyRevoked }

func parseKeyState(name string) (KeyState, bool) {
	for i := KeyActive; i <= KeyRevoked; i++ {
		if stateNames[i] == name {
			return i, true
		}
	}
	return 0, false
}

// KeyInfo is the lifecycle of one published key. It holds no key material.
// Zero times are unset: no NotBefore means valid since ever, no NotAfter
// valid until retired or revoked.
type KeyInfo struct {
	Kind      Kind
	ID        uint32
	State     KeyState
	NotBefore time.Time // set by Rotate to the rotation time
	NotAfter  time.Time // set when the key is retired
	RevokedAt time.Time // set when, and only when, the key is revoked
}

var (
	// ErrKeyNotValid means a key was not valid at the time asked about: before
	// its NotBefore, at or after its retirement, or at or after its
	// revocation.
	ErrKeyNotValid = errors.New("govshare/keys: key is not valid at that time")
	// ErrUnknownKey means a bundle or keyring has no key with that id.
	ErrUnknownKey = errors.New("govshare/keys: no such key")
	// ErrSignature means a signature does not verify under the key it names.
	ErrSignature = errors.New("govshare/keys: signature does not verify")
)

// ValidAt returns nil if the key was valid at t, and otherwise an error
// wrapping [ErrKeyNotValid] that says why.
func (ki KeyInfo) ValidAt(t time.Time) error {
	t = t.Truncate(time.Second)
	switch {
	case ki.State == KeyRevoked && !t.Before(ki.RevokedAt):
		return fmt.Errorf("%w: %v key %d was revoked at %s", ErrKeyNotValid, ki.Kind, ki.ID, stamp(ki.RevokedAt))
	case !ki.NotAfter.IsZero() && !t.Before(ki.NotAfter):
		return fmt.Errorf("%w: %v key %d was retired at %s", ErrKeyNotValid, ki.Kind, ki.ID, stamp(ki.NotAfter))
	case !ki.NotBefore.IsZero() && t.Before(ki.NotBefore):
		return fmt.Errorf("%w: %v key %d is valid from %s", ErrKeyNotValid, ki.Kind, ki.ID, stamp(ki.NotBefore))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// maxUnix is 9999-12-31T23:59:59Z: every stored time fits RFC 3339.
const maxUnix = 253402300799

// unixOf encodes a lifecycle time; 0 is "unset".
func unixOf(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.Unix())
}

func timeOf(s uint64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), 0).UTC()
}

// lifeTime checks and normalizes a time given to Rotate, Retire or Revoke.
func lifeTime(t time.Time, what string) (time.Time, error) {
	if t.IsZero() {
		return t, fmt.Errorf("govshare/keys: %s time is required", what)
	}
	t = t.Truncate(time.Second).UTC()
	if s := t.Unix(); s <= 0 || s > maxUnix {
		return t, fmt.Errorf("govshare/keys: %s time must be after 1970 and before 10000", what)
	}
	return t, nil
}

// lifecycle is a keyring's published-key states and its bundle version. It is
// immutable once in a state: changes copy it.
type lifecycle struct {
	version uint64    // public bundle version, from 1; +1 on every published change
	infos   []KeyInfo // one per published key, in Kind order then keyset order
}

func (l lifecycle) clone() lifecycle {
	return lifecycle{version: l.version, infos: slices.Clone(l.infos)}
}

func (l lifecycle) find(kind Kind, id uint32) (int, bool) {
	for i, ki := range l.infos {
		if ki.Kind == kind && ki.ID == id {
			return i, true
		}
	}
	return 0, false
}

// defaultLifecycle is the lifecycle of keys that predate it (a version-1
// keyring file or public bundle): version 1, every key active, no bounds.
func defaultLifecycle(handles *[numKinds]*keyset.Handle) lifecycle {
	l := lifecycle{version: 1}
	for _, k := range Kinds() {
		if !k.isPublic() || handles[k] == nil {
			continue
		}
		for _, ki := range handles[k].KeysetInfo().GetKeyInfo() {
			l.infos = append(l.infos, KeyInfo{Kind: k, ID: ki.GetKeyId(), State: KeyActive})
		}
	}
	return l
}

// sortInfos puts infos in Kind order, then in keyset order.
func sortInfos(infos []KeyInfo, handles *[numKinds]*keyset.Handle) {
	pos := func(ki KeyInfo) int {
		for i, x := range handles[ki.Kind].KeysetInfo().GetKeyInfo() {
			if x.GetKeyId() == ki.ID {
				return i
			}
		}
		return -1
	}
	slices.SortStableFunc(infos, func(a, b KeyInfo) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return pos(a) - pos(b)
	})
}

// checkLifecycle verifies that l describes exactly the published keys of
// handles, each once, with consistent states and times; that every primary
// key is active and unbounded above; and that no two signing keys share an
// id (so a signing key id alone names a key).
func checkLifecycle(l lifecycle, handles *[numKinds]*keyset.Handle) error {
	if l.version == 0 {
		return errors.New("bundle version must be at least 1")
	}
	want := 0
	signIDs := map[uint32]Kind{}
	for _, k := range Kinds() {
		if !k.isPublic() {
			continue
		}
		info := handles[k].KeysetInfo()
		want += len(info.GetKeyInfo())
		for _, x := range info.GetKeyInfo() {
			id := x.GetKeyId()
			if isSigning(k) {
				if other, dup := signIDs[id]; dup {
					return fmt.Errorf("signing key id %d is used by both %v and %v", id, other, k)
				}
				signIDs[id] = k
			}
			i, ok := l.find(k, id)
			if !ok {
				return fmt.Errorf("%v key %d has no lifecycle entry", k, id)
			}
			ki := l.infos[i]
			if err := ki.check(); err != nil {
				return err
			}
			if id == info.GetPrimaryKeyId() && (ki.State != KeyActive || !ki.NotAfter.IsZero()) {
				return fmt.Errorf("primary %v key %d is %v: a primary key must be active", k, id, ki.State)
			}
		}
	}
	if len(l.infos) != want {
		return errors.New("lifecycle lists keys that are not published, or a key twice")
	}
	return nil
}

// check verifies one entry's internal consistency.
func (ki KeyInfo) check() error {
	if !ki.State.valid() {
		return fmt.Errorf("%v key %d: unknown state", ki.Kind, ki.ID)
	}
	if (ki.State == KeyRevoked) != !ki.RevokedAt.IsZero() {
		return fmt.Errorf("%v key %d: a revocation time goes with, and only with, the revoked state", ki.Kind, ki.ID)
	}
	if ki.State == KeyRetired && ki.NotAfter.IsZero() {
		return fmt.Errorf("%v key %d: a retired key needs not_after", ki.Kind, ki.ID)
	}
	if ki.State == KeyActive && !ki.NotAfter.IsZero() {
		return fmt.Errorf("%v key %d: an active key has no not_after", ki.Kind, ki.ID)
	}
	for _, t := range []time.Time{ki.NotBefore, ki.NotAfter, ki.RevokedAt} {
		if !t.IsZero() && (t.Unix() <= 0 || t.Unix() > maxUnix || t.Nanosecond() != 0) {
			return fmt.Errorf("%v key %d: time out of range", ki.Kind, ki.ID)
		}
	}
	if !ki.NotBefore.IsZero() && !ki.NotAfter.IsZero() && ki.NotAfter.Before(ki.NotBefore) {
		return fmt.Errorf("%v key %d: not_after before not_before", ki.Kind, ki.ID)
	}
	return nil
}

func isSigning(k Kind) bool {
	return k == KindSignEd25519 || k == KindSignMLDSA65Ed25519 || k == KindSignMLDSA87
}

// lifecycleBlobVersion and the layout below are the plaintext of the
// lifecycle entry of a keyring file: version(1) ‖ u64 bundle version ‖
// u32 count ‖ count × (u8 kind ‖ u32 id ‖ u8 state ‖ u64 not_before ‖
// u64 not_after ‖ u64 revoked_at), times in Unix seconds, 0 = unset.
const lifecycleBlobVersion = 1

func (l lifecycle) marshal() []byte {
	b := []byte{lifecycleBlobVersion}
	b = binary.BigEndian.AppendUint64(b, l.version)
	b = binary.BigEndian.AppendUint32(b, uint32(len(l.infos)))
	for _, ki := range l.infos {
		b = append(b, byte(ki.Kind))
		b = appendInfo(b, ki)
	}
	return b
}

// appendInfo appends id, state and times: the part of an entry the keyring
// file and the signed bundle share.
func appendInfo(b []byte, ki KeyInfo) []byte {
	b = binary.BigEndian.AppendUint32(b, ki.ID)
	b = append(b, byte(ki.State))
	b = binary.BigEndian.AppendUint64(b, unixOf(ki.NotBefore))
	b = binary.BigEndian.AppendUint64(b, unixOf(ki.NotAfter))
	return binary.BigEndian.AppendUint64(b, unixOf(ki.RevokedAt))
}

const infoSize = 1 + 4 + 1 + 3*8

func parseLifecycle(b []byte) (lifecycle, error) {
	bad := errors.New("govshare/keys: malformed lifecycle entry")
	var l lifecycle
	if len(b) < 13 || b[0] != lifecycleBlobVersion {
		return l, bad
	}
	l.version = binary.BigEndian.Uint64(b[1:])
	n := binary.BigEndian.Uint32(b[9:])
	b = b[13:]
	if uint64(len(b)) != uint64(n)*infoSize {
		return l, bad
	}
	for ; len(b) > 0; b = b[infoSize:] {
		k := Kind(b[0])
		if !k.isPublic() {
			return l, bad
		}
		l.infos = append(l.infos, KeyInfo{
			Kind:      k,
			ID:        binary.BigEndian.Uint32(b[1:]),
			State:     KeyState(b[5]),
			NotBefore: timeOf(binary.BigEndian.Uint64(b[6:])),
			NotAfter:  timeOf(binary.BigEndian.Uint64(b[14:])),
			RevokedAt: timeOf(binary.BigEndian.Uint64(b[22:])),
		})
	}
	return l, nil
}
