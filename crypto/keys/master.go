package keys

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/core/registry"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// MasterFile is the name of the local master-key file inside its directory.
const MasterFile = "master.key"

const maxMasterSize = 64 << 10

// LocalMaster returns the AES256-GCM master AEAD kept in dir/master.key,
// creating the file (mode 0600, dir 0700) on first use. The file is a Tink
// binary keyset in clear, so it is only as safe as the account and disk that
// hold it: use [Master] with a KMS URI where one is available. An existing
// file that group or others can access is refused with an error asking for
// chmod 600.
func LocalMaster(dir string) (tink.AEAD, error) {
	path := filepath.Join(dir, MasterFile)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		if err := createMaster(dir, path); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	b, err := ReadSecretFile(path, maxMasterSize)
	if err != nil {
		return nil, err
	}
	h, err := insecurecleartextkeyset.Read(keyset.NewBinaryReader(bytes.NewReader(b)))
	if err != nil {
		return nil, &FileError{Path: path, Err: errors.New("not a Tink keyset")}
	}
	want, err := aesgcm.NewParameters(aesgcm.ParametersOpts{KeySizeInBytes: 32, IVSizeInBytes: 12, TagSizeInBytes: 16, Variant: aesgcm.VariantTink})
	if err != nil {
		return nil, err
	}
	for i := 0; i < h.Len(); i++ {
		e, err := h.Entry(i)
		if err != nil || !e.Key().Parameters().Equal(want) {
			return nil, &FileError{Path: path, Err: errors.New("master key is not an AES256-GCM keyset")}
		}
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return &masterAEAD{AEAD: a, desc: "local:" + dir}, nil
}

// createMaster writes a fresh master key. The file is linked into place only
// if none exists, so two processes starting at once agree on one key.
func createMaster(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("govshare/keys: %w", err)
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return fmt.Errorf("govshare/keys: new master key: %w", err)
	}
	var buf bytes.Buffer
	if err := insecurecleartextkeyset.Write(h, keyset.NewBinaryWriter(&buf)); err != nil {
		return fmt.Errorf("govshare/keys: encode master key: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+MasterFile+".tmp-*") // mode 0600
	if err != nil {
		return fmt.Errorf("govshare/keys: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = io.Copy(f, &buf)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &FileError{Path: path, Err: err}
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return &FileError{Path: path, Err: err}
	}
	return nil
}

// Master returns the master AEAD named by uri:
//
//   - "local:DIR" is [LocalMaster](DIR);
//   - anything else is a Tink KMS key URI (for example
//     "gcp-kms://projects/…/cryptoKeys/…" or "aws-kms://arn:aws:kms:…"),
//     served by a [registry.KMSClient] the program has registered with
//     [registry.RegisterKMSClient] before calling Master. govshare links no
//     KMS client itself, so it carries no cloud SDK; register the one for
//     your KMS (tink-go-gcpkms, tink-go-awskms, tink-go-hcvault, or your
//     own HSM's) at start-up.
func Master(uri string) (tink.AEAD, error) {
	if dir, ok := strings.CutPrefix(uri, "local:"); ok {
		if dir == "" {
			return nil, errors.New("govshare/keys: master uri \"local:\" needs a directory")
		}
		return LocalMaster(dir)
	}
	c, err := registry.GetKMSClient(uri)
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: no KMS client registered for master uri %q; register one with registry.RegisterKMSClient or use local:DIR", uri)
	}
	a, err := c.GetAEAD(uri)
	if err != nil {
		return nil, fmt.Errorf("govshare/keys: KMS master key %q: %w", uri, err)
	}
	return &masterAEAD{AEAD: a, desc: uri}, nil
}

// masterAEAD hides the wrapped primitive from fmt.
type masterAEAD struct {
	tink.AEAD
	desc string
}

func (m *masterAEAD) String() string             { return fmt.Sprintf("keys.Master{%s}", m.desc) }
func (m *masterAEAD) GoString() string           { return m.String() }
func (m *masterAEAD) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, m.String()) }
