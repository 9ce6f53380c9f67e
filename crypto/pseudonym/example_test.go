package pseudonym_test

import (
	"fmt"
	"log"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/crypto/pseudonym"
)

func ExampleNew() {
	kr, err := keys.New("public-security-bureau")
	if err != nil {
		log.Fatal(err)
	}
	tax, _ := pseudonym.New(kr, "身份证号", "tax-bureau")
	health, _ := pseudonym.New(kr, "身份证号", "health-commission")

	p1, _ := tax.Pseudonym("11010519491231002X")
	p2, _ := tax.Pseudonym("11010519491231002X")
	p3, _ := health.Pseudonym("11010519491231002X")
	id, _ := pseudonym.KeyID(p1)
	fmt.Println(p1 == p2, p1 != p3, id == tax.KeyID(), len(p1))
	// Output: true true true 28
}
