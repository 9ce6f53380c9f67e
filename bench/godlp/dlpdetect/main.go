// Command dlpdetect is the godlp side of `go run ./godlp -cli`: a whole
// process that does what `govshare detect --json FILE` does, with
// bytedance/godlp v1.2.15. It reads FILE, runs godlp's Detect over it in
// newline-ended chunks of at most 64 KiB (godlp refuses inputs over 1 MiB),
// and prints the findings as one JSON object in govshare's schema
// ({"findings":[{"type","start","end","value"}]}, offsets into the file).
//
//	dlpdetect FILE > findings.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	dlp "github.com/bytedance/godlp"
)

type finding struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Value string `json:"value"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dlpdetect FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "dlpdetect:", err)
		os.Exit(1)
	}
}

func run(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	eng, err := dlp.NewEngine("govshare.bench")
	if err != nil {
		return err
	}
	if err := eng.ApplyConfigDefault(); err != nil {
		return err
	}
	defer eng.Close()
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	out.WriteString(`{"findings":[`)
	n := 0
	for base := 0; base < len(data); {
		end := min(base+64<<10, len(data))
		if end < len(data) {
			if i := bytes.LastIndexByte(data[base:end], '\n'); i >= 0 {
				end = base + i + 1
			}
		}
		res, err := eng.Detect(string(data[base:end]))
		if err != nil {
			return err
		}
		for _, r := range res {
			if n > 0 {
				out.WriteByte(',')
			}
			n++
			b, err := json.Marshal(finding{r.InfoType, base + r.ByteStart, base + r.ByteEnd, r.Text})
			if err != nil {
				return err
			}
			out.Write(b)
		}
		base = end
	}
	out.WriteString("]}\n")
	return out.Flush()
}
