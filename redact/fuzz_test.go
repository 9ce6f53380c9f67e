package redact_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/govshare/govshare/redact"
)

// fuzzNode is a struct the fuzzer nests, with tags, pointers, an
// interface, a map and unexported fields.
type fuzzNode struct {
	Name   string `govshare:"person_name"`
	Mobile string
	Any    any
	Next   *fuzzNode
	Kids   []fuzzNode
	Map    map[string]*fuzzNode
	Arr    [2]any
	When   time.Time
	Err    error
	hidden string
	n      int
}

// builder turns fuzz bytes into a nested value: maps, slices, structs,
// pointers, interfaces, errors, strings with identifiers, and back
// references to earlier containers (cycles).
type builder struct {
	data  []byte
	maps  []map[string]any
	nodes []*fuzzNode
	lists [][]any
}

var fuzzStrings = []string{"13812345678", "138-1234-5678", "１３８１２３４５６７８", "11010519491231002X", "110105 19491231 002x",
	"6222021234567891234", "a.b@example.com", "姓名：张三", "北京市朝阳区建国路88号", "", "plain", "\xff\xfe", "身份证号", "mobile"}

func (b *builder) byte() byte {
	if len(b.data) == 0 {
		return 0
	}
	c := b.data[0]
	b.data = b.data[1:]
	return c
}

func (b *builder) str() string {
	c := b.byte()
	if int(c) < len(fuzzStrings)*8 {
		return fuzzStrings[int(c)%len(fuzzStrings)]
	}
	n := min(int(c)%16, len(b.data))
	s := string(b.data[:n])
	b.data = b.data[n:]
	return s
}

func (b *builder) value(depth int) any {
	if depth > 12 || len(b.data) == 0 {
		return b.str()
	}
	switch b.byte() % 12 {
	case 0, 1:
		return b.str()
	case 2:
		return int(b.byte()) * 1000003
	case 3:
		m := map[string]any{}
		b.maps = append(b.maps, m)
		for range int(b.byte() % 4) {
			m[b.str()] = b.value(depth + 1)
		}
		return m
	case 4:
		l := make([]any, int(b.byte()%4))
		b.lists = append(b.lists, l)
		for i := range l {
			l[i] = b.value(depth + 1)
		}
		return l
	case 5:
		return b.node(depth + 1)
	case 6:
		if len(b.maps) > 0 {
			return b.maps[int(b.byte())%len(b.maps)] // a back reference
		}
		return nil
	case 7:
		if len(b.nodes) > 0 {
			return b.nodes[int(b.byte())%len(b.nodes)]
		}
		return nil
	case 8:
		if len(b.lists) > 0 {
			return b.lists[int(b.byte())%len(b.lists)]
		}
		return []string{b.str(), b.str()}
	case 9:
		return fmt.Errorf("wrapped %s: %w", b.str(), errors.New(b.str()))
	case 10:
		return *b.node(depth + 1)
	}
	if b.byte()%2 == 0 {
		return json.Number("13812345678")
	}
	return json.Number(fmt.Sprint(int(b.byte()) * 7919))
}

func (b *builder) node(depth int) *fuzzNode {
	n := &fuzzNode{Name: b.str(), Mobile: b.str(), hidden: b.str(), n: int(b.byte())}
	b.nodes = append(b.nodes, n)
	n.Any = b.value(depth + 1)
	switch b.byte() % 4 {
	case 0:
		if len(b.nodes) > 0 {
			n.Next = b.nodes[int(b.byte())%len(b.nodes)]
		}
	case 1:
		n.Kids = []fuzzNode{{Mobile: b.str()}, {Any: b.value(depth + 1)}}
	case 2:
		n.Map = map[string]*fuzzNode{b.str(): n, b.str(): nil}
	case 3:
		n.Arr = [2]any{b.value(depth + 1), n}
		n.Err = errors.New(b.str())
	}
	return n
}

func FuzzStruct(f *testing.F) {
	for _, s := range []string{"", "\x03\x02\x00\x05\x05\x00", "\x05\x05\x00\x01\x02\x06\x00\x07\x00",
		"\x04\x03\x03\x01\x00\x06\x00\x08\x00", "\x0a\x05\x05\x05\x05\x05\x02\x02\x02"} {
		f.Add([]byte(s))
	}
	r := must(redact.New())
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &builder{data: data}
		v := b.value(0)
		before := snapshot(v)
		if _, err := r.Struct(v); err != nil {
			t.Fatalf("Struct: %v", err)
		}
		_ = fmt.Sprintf("%v %+v %#v %q", r.Value(v), r.Value(v), r.Value(v), r.Value(v))
		if _, err := json.Marshal(r.Value(v)); err != nil {
			t.Fatalf("json.Marshal failed") // cycles are cut, masked json.Numbers become strings; its error may quote a value
		}
		var buf bytes.Buffer
		slog.New(redact.NewHandler(slog.NewJSONHandler(&buf, nil), r)).Info("m", "v", v)
		slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), r)).Info("m", "v", v)
		if !slices.Equal(before, snapshot(v)) {
			t.Fatalf("the input changed")
		}
	})
}
