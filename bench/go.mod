module github.com/govshare/govshare/bench

go 1.26.0

require (
	github.com/bytedance/godlp v1.2.15
	github.com/govshare/govshare v0.0.0
)

require (
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)

replace github.com/govshare/govshare => ../
