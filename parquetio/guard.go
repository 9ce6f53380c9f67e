package parquetio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/format"
)

// parquet-go's Thrift decoder allocates what a length or a list size in
// the footer or a page header claims (up to 2 GiB a field, and lists of
// that many structs) before it reads the bytes, so one damaged byte can
// take all memory. The guard walks those structures first, without
// allocating, and refuses a length or size larger than the bytes that
// remain, a page larger than maxPage and a page of more than maxPageValues
// values.

const (
	maxPage       = 256 << 20
	maxPageValues = 64 << 20
	maxDepth      = 32
)

var errThrift = errors.New("damaged metadata")

// thriftWalk walks Thrift compact-protocol structs in b.
type thriftWalk struct {
	b   []byte
	pos int
	// In the top-level struct (a page header): the page sizes (fields 2
	// and 3), and the value count of its data, dictionary or v2 data page
	// header (fields 5, 7, 8: their field 1).
	uncompressed, compressed, values int64
	pageType                         int64
	defLen, repLen                   int64 // a v2 data page's level bytes (its fields 5 and 6)
}

func (w *thriftWalk) byte() (byte, error) {
	if w.pos >= len(w.b) {
		return 0, io.ErrUnexpectedEOF
	}
	c := w.b[w.pos]
	w.pos++
	return c, nil
}

func (w *thriftWalk) uvarint() (uint64, error) {
	x, n := binary.Uvarint(w.b[w.pos:])
	if n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if n < 0 {
		return 0, errThrift
	}
	w.pos += n
	return x, nil
}

func (w *thriftWalk) varint() (int64, error) {
	x, err := w.uvarint()
	return int64(x>>1) ^ -int64(x&1), err
}

func (w *thriftWalk) skip(n uint64) error {
	if n > uint64(len(w.b)-w.pos) {
		return io.ErrUnexpectedEOF
	}
	w.pos += int(n)
	return nil
}

// structure walks one struct; depth 0 is the top level, whose fields 2, 3
// and (in 5, 7, 8) 1 are kept.
func (w *thriftWalk) structure(depth int, parent int16) error {
	if depth > maxDepth {
		return errThrift
	}
	var id int16
	for {
		h, err := w.byte()
		if err != nil {
			return err
		}
		if h == 0 {
			return nil
		}
		t := h & 0x0f
		if d := h >> 4; d != 0 {
			id += int16(d)
		} else {
			x, err := w.varint()
			if err != nil {
				return err
			}
			id = int16(x)
		}
		var v int64
		switch t {
		case 5, 6: // i32, i64: the sizes and counts the guard keeps
			if v, err = w.varint(); err != nil {
				return err
			}
			switch {
			case depth == 0 && id == 1:
				w.pageType = v
			case depth == 1 && parent == 8 && id == 5:
				w.defLen = v
			case depth == 1 && parent == 8 && id == 6:
				w.repLen = v
			case depth == 0 && id == 2:
				w.uncompressed = v
			case depth == 0 && id == 3:
				w.compressed = v
			case depth == 1 && id == 1 && (parent == 5 || parent == 7 || parent == 8):
				w.values = v
			}
			continue
		case 12:
			if err := w.structure(depth+1, id); err != nil {
				return err
			}
			continue
		}
		if err := w.value(t, depth); err != nil {
			return err
		}
	}
}

// value walks one value of type t.
func (w *thriftWalk) value(t byte, depth int) error {
	switch t {
	case 1, 2: // a boolean in a struct field: no payload
		return nil
	case 3:
		_, err := w.byte()
		return err
	case 4, 5, 6:
		_, err := w.varint()
		return err
	case 7:
		return w.skip(8)
	case 8:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	case 9, 10:
		h, err := w.byte()
		if err != nil {
			return err
		}
		n, et := uint64(h>>4), h&0x0f
		if n == 15 {
			if n, err = w.uvarint(); err != nil {
				return err
			}
		}
		// Every element takes a byte at least.
		if n > uint64(len(w.b)-w.pos) {
			return io.ErrUnexpectedEOF
		}
		for range n {
			if et == 1 || et == 2 { // a boolean element is one byte
				if _, err := w.byte(); err != nil {
					return err
				}
				continue
			}
			if err := w.element(et, depth); err != nil {
				return err
			}
		}
		return nil
	case 11:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if n > uint64(len(w.b)-w.pos) {
			return io.ErrUnexpectedEOF
		}
		kv, err := w.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := w.element(kv>>4, depth); err != nil {
				return err
			}
			if err := w.element(kv&0x0f, depth); err != nil {
				return err
			}
		}
		return nil
	}
	return errThrift
}

func (w *thriftWalk) element(t byte, depth int) error {
	if t == 12 {
		return w.structure(depth+1, -1)
	}
	if t == 1 || t == 2 {
		_, err := w.byte()
		return err
	}
	return w.value(t, depth+1)
}

// checkFooter walks the file's footer.
func checkFooter(ra io.ReaderAt, size int64) error {
	if size < 12 {
		return errors.New("not a Parquet file: too short")
	}
	var tail [8]byte
	if _, err := ra.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(tail[4:]) != "PAR1" {
		return errors.New("not a Parquet file: no PAR1 at its end")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n <= 0 || n > size-12 || n > maxPage {
		return fmt.Errorf("footer length %d does not fit the file", n)
	}
	b := make([]byte, n)
	if _, err := ra.ReadAt(b, size-8-n); err != nil {
		return err
	}
	w := &thriftWalk{b: b}
	if err := w.structure(1, -1); err != nil {
		return fmt.Errorf("footer: %w", errThrift)
	}
	return nil
}

// checkPages walks the page headers of every column chunk of md.
func checkPages(ra io.ReaderAt, size int64, md *format.FileMetaData) error {
	for g, rg := range md.RowGroups {
		for c := range rg.Columns {
			cm := &rg.Columns[c].MetaData
			// Where parquet-go starts reading the chunk.
			start := cm.DataPageOffset
			if cm.DictionaryPageOffset != 0 {
				start = cm.DictionaryPageOffset
			}
			end := start + cm.TotalCompressedSize
			if start < 4 || cm.TotalCompressedSize < 0 || end > size || end < start {
				return fmt.Errorf("row group %d: a column chunk lies outside the file", g+1)
			}
			for pos := start; pos < end; {
				hl, data, err := pageHeader(ra, pos, end)
				if err != nil {
					return fmt.Errorf("row group %d: page header at byte %d: %w", g+1, pos, err)
				}
				pos += hl + data
			}
		}
	}
	return nil
}

// pageHeader walks the page header at pos and returns its length and the
// length of the page's data, refusing sizes that overrun the chunk or the
// limits.
func pageHeader(ra io.ReaderAt, pos, end int64) (int64, int64, error) {
	for window := int64(4 << 10); ; window *= 4 {
		n := min(window, end-pos)
		b := make([]byte, n)
		if _, err := ra.ReadAt(b, pos); err != nil && err != io.EOF {
			return 0, 0, err
		}
		w := &thriftWalk{b: b}
		err := w.structure(0, -1)
		if errors.Is(err, io.ErrUnexpectedEOF) && n < end-pos {
			continue // a larger header: read more of the chunk
		}
		if err != nil {
			return 0, 0, errThrift
		}
		hl := int64(w.pos)
		switch {
		case w.compressed < 0 || w.compressed > end-pos-hl:
			return 0, 0, fmt.Errorf("page of %d bytes overruns its column chunk", w.compressed)
		case w.uncompressed < 0 || w.uncompressed > maxPage:
			return 0, 0, fmt.Errorf("page of %d bytes uncompressed is over the limit of %d", w.uncompressed, maxPage)
		case w.values < 0 || w.values > maxPageValues:
			return 0, 0, fmt.Errorf("page of %d values is over the limit of %d", w.values, maxPageValues)
		}
		if w.pageType == dataPageV2 {
			if err := checkLevels(ra, pos+hl, w); err != nil {
				return 0, 0, err
			}
		}
		return hl, w.compressed, nil
	}
}

// dataPageV2 is format.DataPageV2 as the header's page type.
const dataPageV2 = int64(format.DataPageV2)

// checkLevels walks the repetition and definition levels of a v2 data page
// (stored uncompressed before its values): the RLE runs may not add up to
// more than the page's values, which parquet-go's level decoder would
// allocate whatever a run claims.
func checkLevels(ra io.ReaderAt, at int64, w *thriftWalk) error {
	if w.repLen < 0 || w.defLen < 0 || w.repLen+w.defLen > w.compressed {
		return errors.New("page levels overrun the page")
	}
	b := make([]byte, w.repLen+w.defLen)
	if _, err := ra.ReadAt(b, at); err != nil && err != io.EOF {
		return err
	}
	for _, lv := range [][]byte{b[:w.repLen], b[w.repLen:]} {
		if len(lv) == 0 {
			continue
		}
		if n, ok := levelCount(lv); !ok || n > w.values+7 {
			return fmt.Errorf("page levels claim more values than the page's %d", w.values)
		}
	}
	return nil
}

// levelCount adds up the values of RLE/bit-packed hybrid runs of 1-bit
// levels (a flat column's); ok is false when a run is cut short.
func levelCount(b []byte) (int64, bool) {
	var n int64
	for len(b) > 0 {
		h, k := binary.Uvarint(b)
		if k <= 0 {
			return n, false
		}
		b = b[k:]
		if h&1 == 1 { // bit-packed: groups of 8 one-bit values, a byte each
			groups := h >> 1
			if groups > uint64(len(b)) {
				return n, false
			}
			b = b[groups:]
			n += int64(groups) * 8
		} else { // a run of one value, in one byte
			if len(b) < 1 {
				return n, false
			}
			b = b[1:]
			n += int64(h >> 1)
		}
		if n > maxPageValues {
			return n, false
		}
	}
	return n, true
}
