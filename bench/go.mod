module github.com/govshare/govshare/bench

go 1.26.0

require (
	github.com/bytedance/godlp v1.2.15
	github.com/ggwhite/go-masker/v2 v2.2.0
	github.com/govshare/govshare v0.0.0
	github.com/m-mizutani/masq v0.2.1
)

require (
	github.com/bwesterb/go-ristretto v1.2.4 // indirect
	github.com/cloudflare/circl v1.6.5 // indirect
	github.com/tink-crypto/tink-go/v2 v2.9.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)

replace github.com/govshare/govshare => ../
