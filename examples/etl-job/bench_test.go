package main

// The speed of the job's two paths, each as a ratio to a plain copy of the
// same data measured in the same run (docs/benchmarks.md):
//
//	GOVSHARE_BENCH_DIR=/tmp/govshare-etl-bench go test -run XXX -bench . -benchtime 3x -timeout 60m ./examples/etl-job
//
// Each of the -benchtime rounds measures the copy and the job one after the
// other; the figures are the medians.
//
// BenchmarkParquetMask: a Parquet register of workload (a) (bench/pipeline:
// 20 columns, mask/generalize/redact on 6) through mask, Parquet to
// Parquet, against parquet-go reading and writing the same rows.
// BenchmarkPostgresShare: a 1,000,000-row table shared (envelope and log
// record) against COPY … TO STDOUT into a file. Inputs are generated once
// into GOVSHARE_BENCH_DIR (and a table kept in the test database).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/govshare/govshare"
	"github.com/govshare/govshare/catalog"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/synth"
	"github.com/govshare/govshare/parquetio"
	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
)

// extra public columns bring the register to 20 columns, as in bench/pipeline.
var extra = []synth.Column{
	{Name: "序号", Type: "none"}, {Name: "登记机关", Type: "none"}, {Name: "状态", Type: "none"},
	{Name: "数据来源", Type: "none"}, {Name: "更新时间", Type: "none"}, {Name: "备注", Type: "none"},
}

func registerColumns() []synth.Column { return append(synth.PopulationColumns(), extra...) }

// workloadA is bench/pipeline's catalog (a): work_reference defaults on 6
// personal columns (mask, generalize, redact), 14 public columns kept.
func workloadA() string {
	personal := map[string]bool{"姓名": true, "手机号码": true, "电子邮箱": true, "出生日期": true, "户籍地址": true, "性别": true}
	s := "resource: population-register\nprovider: " + provider + "\ntier: unconditional\nfields:\n"
	for _, c := range registerColumns() {
		cat := "public"
		if personal[c.Name] {
			cat = "personal"
		}
		s += fmt.Sprintf("  - {name: %s, type: %s, category: %s, level: general, sensitive: false}\n", c.Name, c.Type, cat)
	}
	return s
}

// registerRows calls emit with n rows of the register.
func registerRows(n int, emit func([]string) error) error {
	g := synth.New(1)
	states := []string{"正常", "迁出", "注销"}
	for i := range n {
		row := g.PopulationRow()
		row = append(row, strconv.Itoa(i+1), "某市公安局某分局", states[i%3], "户籍系统", "2026-11-01 08:00:00", "")
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

func benchDir(b *testing.B) string {
	dir := os.Getenv("GOVSHARE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "govshare-etl-bench")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchRows(b *testing.B, env string, def int) int {
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("%s: %v", env, err)
		}
		return n
	}
	return def
}

// parquetTypes: 序号 is an INT64, the dates DATE, the rest strings.
func parquetTypes(col string) parquetio.Output {
	switch col {
	case "序号":
		return parquetio.Output{In: parquetio.Column{Node: parquet.Int(64)}, Keep: true}
	case "出生日期", "登记日期":
		return parquetio.Output{In: parquetio.Column{Node: parquet.Optional(parquet.Date())}, Keep: true}
	}
	return parquetio.Output{}
}

// genParquet writes the register of n rows once; a file of that size is
// reused.
func genParquet(b *testing.B, path string, n int) {
	if r, err := parquetio.Open(path); err == nil {
		rows := r.NumRows()
		r.Close()
		if rows == int64(n) {
			return
		}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := parquetio.NewWriter(f, path, parquetTypes, nil)
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	header := []string{}
	for _, c := range registerColumns() {
		header = append(header, c.Name)
	}
	_ = cw.Write(header)
	if err := registerRows(n, cw.Write); err != nil {
		b.Fatal(err)
	}
	cw.Flush()
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// copyParquet is the baseline: parquet-go reads every row of in and writes
// it to out, row group by row group, with the writer settings mask uses.
func copyParquet(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return err
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	defer o.Close()
	w := parquet.NewWriter(o, pf.Schema(), parquet.MaxRowsPerRowGroup(parquetio.DefaultRowGroupRows), parquet.Compression(&parquet.Snappy))
	buf := make([]parquet.Row, 256)
	for _, rg := range pf.RowGroups() {
		rows := rg.Rows()
		for {
			n, err := rows.ReadRows(buf)
			if n > 0 {
				if _, werr := w.WriteRows(buf[:n]); werr != nil {
					return werr
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		rows.Close()
	}
	if err := w.Close(); err != nil {
		return err
	}
	return o.Close()
}

// maskParquet is `govshare mask` Parquet to Parquet, as the CLI runs it.
func maskParquet(in, out string, cat *catalog.Catalog) (int64, error) {
	r, err := parquetio.Open(in)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	o, err := govshare.CreateOutput(out, true, in)
	if err != nil {
		return 0, err
	}
	defer o.Abort()
	cols := map[string]parquetio.Column{}
	for _, c := range r.Schema() {
		cols[c.Name] = c
	}
	personal := map[string]bool{"姓名": true, "手机号码": true, "电子邮箱": true, "出生日期": true, "户籍地址": true, "性别": true}
	w := parquetio.NewWriter(o, out, func(col string) parquetio.Output {
		if col == "出生日期" {
			return parquetio.Output{Date: "year"}
		}
		return parquetio.Output{In: cols[col], Keep: !personal[col]}
	}, &parquetio.WriterOptions{Escaped: true})
	defer w.Abort()
	rep, err := govshare.Apply(context.Background(), w, govshare.Input{Reader: r.CSV(true), Name: in}, nil, "tax-bureau", purpose, cat, nil)
	if err != nil {
		return 0, err
	}
	return rep.Rows, nil
}

func BenchmarkParquetMask(b *testing.B) {
	dir := benchDir(b)
	n := benchRows(b, "GOVSHARE_BENCH_PARQUET_ROWS", 9_400_000) // about 1 GiB of Parquet
	in := filepath.Join(dir, fmt.Sprintf("register-%d.parquet", n))
	genParquet(b, in, n)
	st, _ := os.Stat(in)
	cat, err := catalog.Parse([]byte(workloadA()), "a.yaml")
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "out.parquet")
	var copySecs, maskSecs []float64
	b.ResetTimer()
	// Rounds interleave copy and mask, so a noisy stretch of the shared
	// machine spreads over both; the figures are medians.
	for range b.N {
		os.Remove(out)
		t0 := time.Now()
		if err := copyParquet(in, out); err != nil {
			b.Fatal(err)
		}
		copySecs = append(copySecs, time.Since(t0).Seconds())
		os.Remove(out)
		t0 = time.Now()
		rows, err := maskParquet(in, out, cat)
		if err != nil {
			b.Fatal(err)
		}
		maskSecs = append(maskSecs, time.Since(t0).Seconds())
		if rows != int64(n) {
			b.Fatalf("%d rows masked, want %d", rows, n)
		}
		b.Logf("round: copy %.1fs, mask %.1fs, mask/copy %.2f", copySecs[len(copySecs)-1], maskSecs[len(maskSecs)-1], copySecs[len(copySecs)-1]/maskSecs[len(maskSecs)-1])
	}
	mb := float64(st.Size()) / 1e6
	b.ReportMetric(float64(st.Size())/(1<<20), "input_MiB")
	b.ReportMetric(mb/median(copySecs), "copy_MB/s")
	b.ReportMetric(mb/median(maskSecs), "mask_MB/s")
	b.ReportMetric(median(copySecs)/median(maskSecs), "mask/copy")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchTable fills (once) a table of n register rows in the test
// database; it is kept for the next run.
func benchTable(b *testing.B, conn *pgx.Conn, n int) string {
	ctx := context.Background()
	table := fmt.Sprintf("govshare_etl_bench_%d", n)
	var have int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&have); err == nil && have == int64(n) {
		return table
	}
	cols := ""
	for i, c := range registerColumns() {
		if i > 0 {
			cols += ", "
		}
		typ := "text"
		switch c.Name {
		case "序号":
			typ = "bigint"
		case "出生日期", "登记日期":
			typ = "date"
		}
		cols += pgx.Identifier{c.Name}.Sanitize() + " " + typ
	}
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+table+"; CREATE TABLE "+table+" ("+cols+")"); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	flush := func() {
		cw.Flush()
		if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(buf.Bytes()), "COPY "+table+" FROM STDIN WITH (FORMAT csv)"); err != nil {
			b.Fatal(err)
		}
		buf.Reset()
	}
	if err := registerRows(n, func(row []string) error {
		if err := cw.Write(row); err != nil {
			return err
		}
		if buf.Len() > 16<<20 {
			flush()
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	flush()
	return table
}

func BenchmarkPostgresShare(b *testing.B) {
	url := os.Getenv("GOVSHARE_TEST_PG")
	if url == "" {
		url = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Skipf("PostgreSQL unreachable at %s: %v", url, err)
	}
	defer conn.Close(ctx)
	n := benchRows(b, "GOVSHARE_BENCH_PG_ROWS", 1_000_000)
	table := benchTable(b, conn, n)
	dir := benchDir(b)
	work, err := os.MkdirTemp(dir, "share-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(work)
	catPath := filepath.Join(work, "a.yaml")
	if err := os.WriteFile(catPath, []byte(workloadA()), 0o644); err != nil {
		b.Fatal(err)
	}
	kdir, rdir := filepath.Join(work, "keys"), filepath.Join(work, "rkeys")
	for _, k := range [][2]string{{provider, kdir}, {recipient, rdir}} {
		kr, err := keys.New(k[0])
		if err != nil {
			b.Fatal(err)
		}
		m, err := keys.LocalMaster(k[1])
		if err != nil {
			b.Fatal(err)
		}
		if err := kr.Save(k[1], m); err != nil {
			b.Fatal(err)
		}
	}
	copyFile := filepath.Join(work, "copy.txt")
	var copySecs []float64
	var copied int64
	share := map[string][]float64{}
	b.ResetTimer()
	for i := range b.N {
		os.Remove(copyFile)
		t0 := time.Now()
		f, err := os.Create(copyFile)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		tag, err := conn.PgConn().CopyTo(ctx, bw, "COPY "+table+" TO STDOUT")
		if err != nil {
			b.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		copySecs = append(copySecs, time.Since(t0).Seconds())
		copied = tag.RowsAffected()
		b.Logf("round: COPY TO file %.1fs", copySecs[len(copySecs)-1])
		for _, stream := range []string{"copy", "rows"} {
			cfg := &Config{PG: url, Table: table, Stream: stream, Catalog: catPath, Purpose: string(purpose),
				From: kdir, Dept: provider, To: keys.PublicPath(rdir, recipient),
				Log: filepath.Join(work, fmt.Sprintf("log-%s-%d", stream, i)), Out: filepath.Join(work, fmt.Sprintf("%s-%d.env", stream, i))}
			t0 := time.Now()
			res, err := Run(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			share[stream] = append(share[stream], time.Since(t0).Seconds())
			if res.Rows != int64(n) || copied != int64(n) {
				b.Fatalf("%d rows shared, %d copied, want %d", res.Rows, copied, n)
			}
			os.Remove(cfg.Out)
		}
	}
	rows := float64(n)
	b.ReportMetric(rows/median(copySecs), "copy_rows/s")
	for _, s := range []string{"copy", "rows"} {
		b.ReportMetric(rows/median(share[s]), "share_"+s+"_rows/s")
		b.ReportMetric(median(copySecs)/median(share[s]), "share_"+s+"/copy")
	}
}
