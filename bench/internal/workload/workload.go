// Package workload is the pipeline benchmark's register and catalogs, one
// definition for bench/pipeline (1 GiB, processes) and go run ./bench (the
// harness, in memory): a generated 20-column population register and the
// catalogs of workload (a), non-cryptographic transforms on 6 personal
// columns, and (b), token, FPE, pseudonym, mask and generalize on 6.
package workload

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/govshare/govshare/internal/synth"
)

// Provider is the register's provider department.
const Provider = "public-security-bureau"

// extra public columns bring the register to 20 columns.
var extra = []synth.Column{
	{Name: "序号", Type: "none"}, {Name: "登记机关", Type: "none"}, {Name: "状态", Type: "none"},
	{Name: "数据来源", Type: "none"}, {Name: "更新时间", Type: "none"}, {Name: "备注", Type: "none"},
}

// CatalogYAML is the 20-column register's catalog: 6 personal columns get
// transforms, 14 leave as they are. crypto=false is workload (a), purpose
// work_reference with its defaults (mask for names, mobiles and e-mails,
// generalize for birth dates and addresses, redact for 性别, which has no
// type); crypto=true is workload (b), purpose administrative_basis with
// overrides to token, fpe, pseudonym, mask and generalize (each stricter
// than keep, so the policy accepts them). FPE goes on the bank card: the
// resident-ID FPE domain ends at 2025-12-31, and the register has newer
// births.
func CatalogYAML(crypto bool) string {
	personal := map[string]string{"姓名": "", "手机号码": "", "电子邮箱": "", "出生日期": "", "户籍地址": "", "性别": ""}
	if crypto {
		personal = map[string]string{"姓名": "mask", "银行卡号": "fpe", "手机号码": "token", "电子邮箱": "pseudonym", "出生日期": "generalize", "户籍地址": "generalize"}
	}
	var s strings.Builder
	s.WriteString("resource: population-register\nprovider: " + Provider + "\ntier: unconditional\nfields:\n")
	for _, c := range append(synth.PopulationColumns(), extra...) {
		t, ok := personal[c.Name]
		switch {
		case ok && t != "":
			fmt.Fprintf(&s, "  - {name: %s, type: %s, category: personal, level: general, sensitive: false, transform: {administrative_basis: %s}}\n", c.Name, c.Type, t)
		case ok:
			fmt.Fprintf(&s, "  - {name: %s, type: %s, category: personal, level: general, sensitive: false}\n", c.Name, c.Type)
		default:
			fmt.Fprintf(&s, "  - {name: %s, type: %s, category: public, level: general, sensitive: false}\n", c.Name, c.Type)
		}
	}
	return s.String()
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Write writes the register (header and rows, generated from a fixed seed)
// to w until about size bytes are written, and returns the number of rows.
func Write(w io.Writer, size int64) (int64, error) {
	cw := &counter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	out := csv.NewWriter(bw)
	g := synth.New(1)
	cols := append(synth.PopulationColumns(), extra...)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
	}
	if err := out.Write(header); err != nil {
		return 0, err
	}
	var rows int64
	states := []string{"正常", "迁出", "注销"}
	for ; ; rows++ {
		if rows%4096 == 0 {
			out.Flush()
			if cw.n+int64(bw.Buffered()) >= size {
				break
			}
		}
		row := g.PopulationRow()
		row = append(row, strconv.FormatInt(rows+1, 10), "某市公安局某分局", states[rows%3], "户籍系统", "2026-11-01 08:00:00", "")
		if err := out.Write(row); err != nil {
			return rows, err
		}
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return rows, err
	}
	return rows, bw.Flush()
}

// Copy is the pipeline's baseline: encoding/csv reads every record of r
// and writes it again (to io.Discard).
func Copy(r io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.ReuseRecord = true
	w := csv.NewWriter(io.Discard)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
