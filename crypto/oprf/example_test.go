package oprf_test

import (
	"fmt"
	"log"

	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/crypto/oprf"
)

// A department obtains the platform's token for a value without showing the
// value; the token equals the platform's own evaluation.
func ExampleNewClient() {
	platform, err := keys.New("sharing-platform")
	if err != nil {
		log.Fatal(err)
	}
	server, _ := oprf.NewServer(platform)

	client, _ := oprf.NewClient(platform.Public()) // from platform's .pub
	pending, request, _ := client.Blind([]string{"13800138000"})
	evaluation, err := server.Evaluate(request, "data_verification")
	if err != nil {
		log.Fatal(err)
	}
	tokens, err := client.Finalize(pending, evaluation, "data_verification")
	if err != nil {
		log.Fatal(err)
	}

	direct, _ := server.FullEvaluate("13800138000", "data_verification")
	other, _ := server.FullEvaluate("13800138000", "work_reference")
	fmt.Println(tokens[0] == direct, tokens[0] != other)
	// Output: true true
}

func ExampleNewServer() {
	platform, _ := keys.New("sharing-platform")
	server, _ := oprf.NewServer(platform)
	tok, _ := server.FullEvaluate("11010519491231002X", "data_verification")
	id, _ := oprf.KeyID(tok)
	fmt.Println(id == server.KeyID(), len(tok))
	// Output: true 50
}
