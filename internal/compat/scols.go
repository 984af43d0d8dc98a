package compat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
)

// A port of the parts of libsmartcols 2.38.1 (libsmartcols/src/print.c,
// calculate.c, lib/jsonwrt.c, include/carefulputc.h) that lsipc uses:
// one-level tables in human, raw, export and JSON form. The column width
// rules, the padding, the escaping and the JSON layout are libsmartcols',
// byte for byte, in the C locale.

// Column flags (SCOLS_FL_*).
const (
	flTrunc      = 1 << 0
	flRight      = 1 << 2
	flNoExtremes = 1 << 5
	flHidden     = 1 << 6
)

type scolsFormat int

const (
	scolsHuman scolsFormat = iota
	scolsRaw
	scolsExport
	scolsJSON
)

type scolsColumn struct {
	name  string
	whint float64
	flags int

	width, widthMin, widthMax, widthAvg int
	isExtreme                           bool
	extremeSum, extremeCount            int
}

func (c *scolsColumn) right() bool  { return c.flags&flRight != 0 }
func (c *scolsColumn) trunc() bool  { return c.flags&flTrunc != 0 }
func (c *scolsColumn) hidden() bool { return c.flags&flHidden != 0 }

// scolsLine holds one cell per column; a nil cell has no data.
type scolsLine struct {
	cells []*string
	sub   *scolsTable // lsipc's userdata: the semaphore elements
}

type scolsTable struct {
	name       string
	cols       []*scolsColumn
	lines      []*scolsLine
	format     scolsFormat
	noheadings bool
	shellvar   bool
	colsep     string
	isTerm     bool
	termwidth  int
	utf8       bool // the locale's charset is UTF-8
}

func newScolsTable() *scolsTable { return &scolsTable{colsep: " "} }

func (t *scolsTable) newColumn(name string, whint float64, flags int) {
	t.cols = append(t.cols, &scolsColumn{name: name, whint: whint, flags: flags})
}

func (t *scolsTable) newLine() *scolsLine {
	ln := &scolsLine{cells: make([]*string, len(t.cols))}
	t.lines = append(t.lines, ln)
	return ln
}

func (ln *scolsLine) set(i int, s string) { ln.cells[i] = &s }

// shellvarName is scols_column_get_name_as_shellvar: "USE%" → "USE_PCT".
func shellvarName(name string) string {
	if name == "" {
		return ""
	}
	var b strings.Builder
	if !isCAlpha(name[0]) {
		b.WriteByte('_')
	}
	for i := 0; i < len(name); i++ {
		if isCAlnum(name[i]) {
			b.WriteByte(name[i])
		} else {
			b.WriteByte('_')
		}
	}
	if name[len(name)-1] == '%' {
		b.WriteString("PCT")
	}
	return b.String()
}

func isCAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isCAlnum(c byte) bool { return isCAlpha(c) || (c >= '0' && c <= '9') }
func isCPrint(c byte) bool { return c >= 0x20 && c < 0x7f }
func isCCntrl(c byte) bool { return c < 0x20 || c == 0x7f }

const hexDigits = "0123456789abcdef"

func appendHexEscape(b []byte, c byte) []byte {
	return append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

// safeEncode is mbs_safe_encode_to_buffer: control characters, a literal
// "\x" and what the locale cannot print are written as \xHH (in the C
// locale every byte outside printable ASCII; in a UTF-8 locale invalid
// sequences and unprintable characters). It returns the text and its
// width in terminal cells.
func safeEncode(s string, utf8Locale bool) (string, int) {
	var b []byte
	width := 0
	for i := 0; i < len(s); {
		c := s[i]
		if (c == '\\' && i+1 < len(s) && s[i+1] == 'x') || isCCntrl(c) {
			b = appendHexEscape(b, c)
			width += 4
			i++
			continue
		}
		if !utf8Locale || c < utf8.RuneSelf {
			if !isCPrint(c) {
				b = appendHexEscape(b, c)
				width += 4
			} else {
				b = append(b, c)
				width++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b = appendHexEscape(b, c)
			width += 4
			n = 1
		case !unicode.IsGraphic(r):
			for k := 0; k < n; k++ {
				b = appendHexEscape(b, s[i+k])
				width += 4
			}
		default:
			b = append(b, s[i:i+n]...)
			width += runewidth.RuneWidth(r)
		}
		i += n
	}
	return string(b), width
}

// nonblank is carefulputc's fputs_nonblank (raw output).
func nonblank(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\\' || !isCPrint(c) || isCCntrl(c) {
			b = appendHexEscape(b, c)
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// quoted is fputs_quoted (export output).
func quoted(s string) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c == '`' || c == '$' || !isCPrint(c) || isCCntrl(c) {
			b = appendHexEscape(b, c)
		} else {
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// jsonQuoted is jsonwrt's fputs_quoted_case_json; lower lowers ASCII.
func jsonQuoted(s string, lower bool) string {
	b := []byte{'"'}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			if lower && c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return string(append(b, '"'))
}

// headerName is the column name as printed: shell-safe with -y.
func (t *scolsTable) headerName(c *scolsColumn) string {
	if t.shellvar {
		return shellvarName(c.name)
	}
	return c.name
}

// print is scols_print_table: nothing at all for an empty table (JSON
// prints an empty array), else the table and a final newline.
func (t *scolsTable) print(w *strings.Builder) {
	if len(t.lines) == 0 {
		if t.format == scolsJSON {
			j := &jsonWriter{w: w}
			j.open("", true, jsonObject)
			j.open(t.name, false, jsonArray)
			j.close(jsonArray)
			j.close(jsonObject)
		}
		return
	}
	var j *jsonWriter
	if t.format == scolsJSON {
		j = &jsonWriter{w: w}
		j.open("", true, jsonObject)
		j.open(t.name, false, jsonArray)
	}
	if t.format == scolsHuman {
		t.calculate()
	}
	t.printHeader(w)
	for i, ln := range t.lines {
		if j != nil {
			j.open("", true, jsonObject)
		}
		t.printLine(w, j, ln)
		if j != nil {
			j.close(jsonObject)
		} else if i != len(t.lines)-1 {
			w.WriteString("\n")
		}
	}
	if j != nil {
		j.close(jsonArray)
		j.close(jsonObject)
		return
	}
	w.WriteString("\n")
}

func (t *scolsTable) printHeader(w *strings.Builder) {
	if t.noheadings || t.format == scolsExport || t.format == scolsJSON || len(t.lines) == 0 {
		return
	}
	for i, c := range t.cols {
		if c.hidden() {
			continue
		}
		t.printData(w, nil, i, nil, t.headerName(c))
	}
	w.WriteString("\n")
}

func (t *scolsTable) printLine(w *strings.Builder, j *jsonWriter, ln *scolsLine) {
	for i, c := range t.cols {
		if c.hidden() {
			continue
		}
		data := ""
		if ln.cells[i] != nil {
			data = *ln.cells[i]
		}
		t.printData(w, j, i, ln, data)
	}
}

// printData is print.c's print_data for one cell (or header) of column i.
func (t *scolsTable) printData(w *strings.Builder, j *jsonWriter, i int, ln *scolsLine, data string) {
	c := t.cols[i]
	isLast := i == len(t.cols)-1
	switch t.format {
	case scolsRaw:
		w.WriteString(nonblank(data))
		if !isLast {
			w.WriteString(t.colsep)
		}
		return
	case scolsExport:
		w.WriteString(t.headerName(c))
		w.WriteByte('=')
		w.WriteString(quoted(data))
		if !isLast {
			w.WriteString(t.colsep)
		}
		return
	case scolsJSON:
		j.value(t.headerName(c), data)
		return
	}
	enc, length := safeEncode(data, t.utf8)
	width := c.width
	if isLast && length < width && !c.right() {
		width = length
	}
	if length > width && c.trunc() {
		enc, length = truncCells(enc, width, t.utf8)
	}
	if enc != "" {
		if c.right() {
			for k := length; k < width; k++ {
				w.WriteByte(' ')
			}
			length = width
		}
		w.WriteString(enc)
	}
	if isLast {
		return
	}
	for k := length; k < width; k++ {
		w.WriteByte(' ')
	}
	if length > width && !c.trunc() {
		t.printNewlinePadding(w, i)
	} else {
		w.WriteString(t.colsep)
	}
}

// truncCells is mbs_truncate: the longest head of s that fits in n cells,
// and its width.
func truncCells(s string, n int, utf8Locale bool) (string, int) {
	if !utf8Locale {
		if len(s) > n {
			return s[:n], n
		}
		return s, len(s)
	}
	cells := 0
	for i, r := range s {
		w := runewidth.RuneWidth(r)
		if cells+w > n {
			return s[:i], cells
		}
		cells += w
	}
	return s, cells
}

// printNewlinePadding continues after a cell wider than its column: a
// line break, then empty cells up to and including column i.
func (t *scolsTable) printNewlinePadding(w *strings.Builder, i int) {
	w.WriteString("\n")
	for k := 0; k <= i; k++ {
		c := t.cols[k]
		if k == len(t.cols)-1 {
			return
		}
		for n := 0; n < c.width; n++ {
			w.WriteByte(' ')
		}
		w.WriteString(t.colsep)
	}
}

// calculate is __scols_calculate: column widths from the data, then, on a
// terminal, fitting them to its width.
func (t *scolsTable) calculate() {
	colsep := len(t.colsep)
	width, widthMin, extremes := 0, 0, 0
	for i, c := range t.cols {
		if c.hidden() {
			continue
		}
		t.countColumnWidth(c, i)
		last := i == len(t.cols)-1
		width += c.width
		widthMin += c.widthMin
		if !last {
			width += colsep
			widthMin += colsep
		}
		if c.isExtreme {
			extremes++
		}
	}
	if !t.isTerm {
		return
	}
	term := t.termwidth
	// (min width reduction applies only to "maxout" tables)
	if width > term && extremes > 0 {
		for i, c := range t.cols {
			if !c.isExtreme || c.hidden() {
				continue
			}
			org := c.width
			t.countColumnWidth(c, i)
			if org > c.width {
				width -= org - c.width
			} else {
				extremes--
			}
		}
	}
	if width < term {
		if extremes > 0 {
			for _, c := range t.cols {
				if !c.isExtreme || c.hidden() {
					continue
				}
				add := term - width
				if add > 0 && c.width+add > c.widthMax {
					add = c.widthMax - c.width
				}
				c.width += add
				width += add
				if width == term {
					break
				}
			}
		}
		if width < term {
			last := t.cols[len(t.cols)-1]
			if !last.right() {
				last.width += term - width
				width = term
			}
		}
	}
	for stage := 1; width > term && stage <= 3; {
		org := width
		for _, c := range t.cols {
			if c.hidden() {
				continue
			}
			if width <= term {
				break
			}
			if c.width == c.widthMin || c.width == 0 {
				continue
			}
			relative := c.whint > 0 && c.whint < 1
			switch stage {
			case 1:
				if !c.trunc() || !relative || c.width < int(c.whint*float64(term)) {
					continue
				}
			case 2:
				if !c.trunc() {
					continue
				}
			case 3:
				if !relative {
					continue
				}
			}
			c.width--
			width--
			if c.width == 0 {
				c.flags |= flHidden
			}
		}
		if org == width {
			stage++
		}
	}
}

// countColumnWidth is count_column_width for a flat table.
func (t *scolsTable) countColumnWidth(c *scolsColumn, i int) {
	c.width = 0
	if c.widthMin == 0 {
		// (a relative width hint sets a minimum only in maxout mode)
		_, hl := safeEncode(c.name, t.utf8)
		if hl > c.widthMin {
			c.widthMin = hl
		}
		if c.widthMin == 0 {
			c.widthMin = 1
		}
	}
	for _, ln := range t.lines {
		length := 0
		if ln.cells[i] != nil {
			_, length = safeEncode(*ln.cells[i], t.utf8)
		}
		if length > c.widthMax {
			c.widthMax = length
		}
		if c.isExtreme && c.widthAvg > 0 && length > c.widthAvg*2 {
			continue
		}
		if c.flags&flNoExtremes != 0 {
			c.extremeSum += length
			c.extremeCount++
		}
		if length > c.width {
			c.width = length
		}
	}
	if c.extremeCount > 0 && c.widthAvg == 0 {
		c.widthAvg = c.extremeSum / c.extremeCount
		if c.widthAvg > 0 && c.widthMax > c.widthAvg*2 {
			c.isExtreme = true
		}
	}
	if c.width < c.widthMin {
		c.width = c.widthMin
	} else if c.whint >= 1 && c.width < int(c.whint) && c.widthMin < int(c.whint) {
		c.width = int(c.whint)
	}
}

// jsonWriter is lib/jsonwrt.c.
type jsonWriter struct {
	w          *strings.Builder
	indent     int
	afterClose bool
}

const (
	jsonObject = iota
	jsonArray
	jsonValue
)

func (j *jsonWriter) pad() {
	for i := 0; i < j.indent; i++ {
		j.w.WriteString("   ")
	}
}

// open is ul_jsonwrt_open; noName is C's NULL name.
func (j *jsonWriter) open(name string, noName bool, typ int) {
	if !noName {
		if j.afterClose {
			j.w.WriteString(",\n")
		}
		j.pad()
		j.w.WriteString(jsonQuoted(name, true))
	} else {
		if j.afterClose {
			j.w.WriteString(",")
		} else {
			j.pad()
		}
	}
	switch typ {
	case jsonObject:
		if noName {
			j.w.WriteString("{\n")
		} else {
			j.w.WriteString(": {\n")
		}
		j.indent++
	case jsonArray:
		if noName {
			j.w.WriteString("[\n")
		} else {
			j.w.WriteString(": [\n")
		}
		j.indent++
	case jsonValue:
		if noName {
			j.w.WriteString(" ")
		} else {
			j.w.WriteString(": ")
		}
	}
	j.afterClose = false
}

func (j *jsonWriter) close(typ int) {
	if j.indent == 1 {
		j.w.WriteString("\n}\n")
		j.indent--
		j.afterClose = true
		return
	}
	switch typ {
	case jsonObject:
		j.indent--
		j.w.WriteString("\n")
		j.pad()
		j.w.WriteString("}")
	case jsonArray:
		j.indent--
		j.w.WriteString("\n")
		j.pad()
		j.w.WriteString("]")
	}
	j.afterClose = true
}

// value is ul_jsonwrt_value_s: a string, or null when empty.
func (j *jsonWriter) value(name, data string) {
	j.open(name, false, jsonValue)
	if data != "" {
		j.w.WriteString(jsonQuoted(data, false))
	} else {
		j.w.WriteString("null")
	}
	j.close(jsonValue)
}
