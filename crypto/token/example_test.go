package token_test

import (
	"fmt"
	"log"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/crypto/token"
)

func ExampleNew() {
	kr, err := keys.New("public-security-bureau")
	if err != nil {
		log.Fatal(err)
	}
	tax, _ := token.New(kr, "手机号", "tax-bureau")
	health, _ := token.New(kr, "手机号", "health-commission")

	t1, _ := tax.Token("13800138000")
	t2, _ := tax.Token("13800138000")
	t3, _ := health.Token("13800138000")
	fmt.Println("same recipient, same token:", t1 == t2)
	fmt.Println("other recipient, other token:", t1 != t3)

	v, _ := tax.Reverse(t1)
	fmt.Println("reversed:", v)
	_, err = health.Reverse(t1)
	fmt.Println(err)

	id, _ := token.KeyID(t1)
	primary, _ := kr.PrimaryKeyID(keys.KindToken)
	fmt.Println("records its key:", id == primary, len(t1))
	// Output:
	// same recipient, same token: true
	// other recipient, other token: true
	// reversed: 13800138000
	// govshare/token: invalid token for this field and recipient
	// records its key: true 50
}
