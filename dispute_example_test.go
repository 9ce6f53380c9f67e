package govshare_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/audit"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
)

// The recipient disputes a value in an envelope. Its keys prove it the
// recipient; the log gets a signed record with a reason code and a digest,
// and the text, which names a person, goes to the provider sealed. A
// keyring that is merely named for the recipient is refused.
func ExampleDispute() {
	psb, _ := keys.New("public-security-bureau")
	tax, _ := keys.New("tax-bureau")
	env := exampleShare(psb, tax)

	// The log: a directory operated here, accepting records signed by the
	// two departments (a served log: audit.OpenAppender with its URL).
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	sk, _, _ := audit.GenerateKey("example.gov/share-log")
	logKey, _ := audit.NewSigner(sk)
	registry, _ := audit.NewRegistry(psb.Public(), tax.Public())
	log, err := audit.OpenAppender(context.Background(), filepath.Join(dir, "log"),
		audit.AppenderOptions{Signer: logKey, Registry: registry})
	if err != nil {
		panic(err)
	}
	defer log.Close()

	var sealed bytes.Buffer // the text, sealed to the provider
	res, err := govshare.Dispute(context.Background(), log, bytes.NewReader(env), int64(len(env)),
		tax, psb.Public(), audit.DisputeFieldValue, "第 2 行张伟的手机号码已停用",
		&govshare.DisputeOptions{Text: &sealed})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Role, res.Record.By, res.Record.Reason, "record", res.Receipt.Index)

	// The provider opens the text and checks it against the record.
	var plain bytes.Buffer
	if _, err := govshare.Open(context.Background(), &plain, bytes.NewReader(sealed.Bytes()), int64(sealed.Len()),
		psb, tax.Public(), catalog.PurposeWorkReference, nil); err != nil {
		panic(err)
	}
	text, err := govshare.CheckDisputeText(plain.Bytes(), res.Record)
	fmt.Println(text, err)

	impostor, _ := keys.New("tax-bureau")
	_, err = govshare.Dispute(context.Background(), log, bytes.NewReader(env), int64(len(env)),
		impostor, psb.Public(), audit.DisputeRecordCount, "", nil)
	fmt.Println(errors.Is(err, govshare.ErrNotParty))
	// Output:
	// sealed 2 rows to tax-bureau for work_reference suite general
	// recipient tax-bureau field_value record 0
	// 第 2 行张伟的手机号码已停用 <nil>
	// true
}
