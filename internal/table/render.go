package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is a built table: column descriptions and typed rows.
type Table struct {
	Name  string // JSON key of the table, e.g. "shm"
	Title string // line above the human table, e.g. "Shared Memory Segments"
	Cols  []Col
	Rows  [][]Value // rows given as values; Build leaves it nil and computes rows while rendering
	// Absent marks rows that could not be read (as opposed to none):
	// JSON null instead of [], and "-" for people.
	Absent bool

	// A built table computes each row's cells as it is rendered, so a
	// listing of thousands of objects never holds a Value per cell.
	n    int
	fill func(r int, dst []Value)
}

// Len is the number of rows.
func (t *Table) Len() int {
	if t.fill != nil {
		return t.n
	}
	return len(t.Rows)
}

// each calls fn with the values of every row in order; vals is reused
// between calls.
func (t *Table) each(fn func(vals []Value)) {
	if t.fill == nil {
		for _, row := range t.Rows {
			fn(row)
		}
		return
	}
	vals := make([]Value, len(t.Cols))
	for r := 0; r < t.n; r++ {
		t.fill(r, vals)
		fn(vals)
	}
}

// Col describes one built column.
type Col struct {
	Name  string
	Head  string // heading; "" = upper-cased Name
	Right bool
	Type  Type
}

// Header is the column's heading in the human and raw tables.
func (c Col) Header() string {
	if c.Head != "" {
		return c.Head
	}
	return strings.ToUpper(c.Name)
}

// Format is an output format.
type Format uint8

const (
	Human  Format = iota // aligned table for people
	Raw                  // space separated, whitespace escaped, for awk
	Export               // NAME="value" lines for eval
	JSON                 // typed JSON
)

// Time formats for --time-format.
const (
	TimeShort = "short"
	TimeFull  = "full"
	TimeISO   = "iso"
)

// Options control rendering.
type Options struct {
	Format       Format
	NoHeadings   bool   // no title and no column headings (human, raw)
	Bytes        bool   // sizes in bytes in the human table
	NumericPerms bool   // perms as octal digits instead of rw-r-----
	TimeFormat   string // short, full or iso; "" = short for people, iso for raw/export
	TTY          bool   // stdout is a terminal: the human table may fit the width
	Width        int    // terminal width, 0 = unknown
	Now          time.Time
	Location     *time.Location
}

// Render writes tables in the chosen format. JSON writes one object keyed by
// table name; the other formats write the tables one after another.
func Render(w io.Writer, opts Options, tables ...*Table) error {
	opts.setDefaults()
	// Several tables (ls of every kind) are rendered side by side on the
	// machine's cores and written in order.
	if len(tables) > 1 && !opts.terminal() {
		parts := make([]Part, len(tables))
		errs := make([]error, len(tables))
		var wg sync.WaitGroup
		for i, t := range tables {
			wg.Add(1)
			go func() {
				defer wg.Done()
				parts[i], errs[i] = RenderPart(t, opts)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		return WriteParts(w, opts, parts...)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	switch opts.Format {
	case JSON:
		writeJSON(bw, tables)
	case Export:
		for _, t := range tables {
			writeExport(bw, t, &opts)
		}
	case Raw:
		for _, t := range tables {
			writeRaw(bw, t, &opts)
		}
	default:
		wrote := false
		for _, t := range tables {
			if !opts.printsHuman(t) {
				continue
			}
			if wrote {
				bw.WriteByte('\n')
			}
			wrote = true
			if err := writeHuman(bw, t, &opts); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// printsHuman reports whether t prints anything in the human format: with
// -n, an empty table prints nothing, not even the blank line that
// separates it from the next.
func (o *Options) printsHuman(t *Table) bool {
	return !o.NoHeadings || t.Absent || t.Len() > 0
}

// terminal reports whether tables are laid out for a terminal, through
// tablewriter, which renders one table at a time.
func (o *Options) terminal() bool { return o.Format == Human && o.TTY }

// Part is one table rendered on its own by RenderPart, so a caller can
// render each table as soon as it is built, on several cores, and then
// write them all in order with WriteParts.
type Part struct {
	t *Table
	b []byte // nil for the terminal layout, which WriteParts renders
}

// RenderPart renders t alone: its JSON array, or exactly what Render
// writes for it in the other formats. opts must be the same for every
// part later written together (set Now once).
func RenderPart(t *Table, opts Options) (Part, error) {
	opts.setDefaults()
	if opts.terminal() {
		return Part{t: t}, nil
	}
	// Room for a generous 32 bytes a cell: memory fresh from the kernel
	// costs only where it is written, growing by copies costs every time.
	b := make([]byte, 0, t.Len()*len(t.Cols)*32+4096)
	if opts.Format == JSON {
		return Part{t: t, b: appendJSONArray(b, t, "  ", nil)}, nil
	}
	buf := bytes.NewBuffer(b)
	bw := bufio.NewWriterSize(buf, 64<<10)
	switch opts.Format {
	case Export:
		writeExport(bw, t, &opts)
	case Raw:
		writeRaw(bw, t, &opts)
	default:
		if err := writeHuman(bw, t, &opts); err != nil {
			return Part{}, err
		}
	}
	err := bw.Flush()
	return Part{t: t, b: buf.Bytes()}, err
}

// WriteParts writes rendered parts in order, as Render writes their tables.
func WriteParts(w io.Writer, opts Options, parts ...Part) error {
	opts.setDefaults()
	bw := bufio.NewWriterSize(w, 64<<10)
	if opts.Format == JSON {
		writeJSONParts(bw, parts)
		return bw.Flush()
	}
	wrote := false
	for _, p := range parts {
		if opts.Format == Human {
			if !opts.printsHuman(p.t) {
				continue
			}
			if wrote {
				bw.WriteByte('\n')
			}
			wrote = true
		}
		if p.b == nil && opts.terminal() {
			if err := writeHuman(bw, p.t, &opts); err != nil {
				return err
			}
			continue
		}
		bw.Write(p.b)
	}
	return bw.Flush()
}

func (o *Options) setDefaults() {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.TimeFormat == "" {
		o.TimeFormat = TimeShort
		if o.Format == Raw || o.Format == Export {
			o.TimeFormat = TimeISO
		}
	}
}

// AppendText appends v as text for the given format (not JSON).
func AppendText(b []byte, v Value, opts *Options) []byte {
	if v.Null {
		if opts.Format == Export {
			return b
		}
		return append(b, '-')
	}
	switch v.Type {
	case String:
		return append(b, v.Str...)
	case Int:
		return strconv.AppendInt(b, v.Int, 10)
	case Uint, Duration:
		return strconv.AppendUint(b, v.Uint, 10)
	case Size:
		if opts.Format == Human && !opts.Bytes {
			return appendHumanSize(b, v.Uint)
		}
		return strconv.AppendUint(b, v.Uint, 10)
	case Time:
		return appendTime(b, v.TimeOf(), opts)
	case Bool:
		if opts.Format == Human {
			if v.Bool {
				return append(b, "yes"...)
			}
			return append(b, "no"...)
		}
		return strconv.AppendBool(b, v.Bool)
	case Key:
		return appendKey(b, uint32(v.Uint))
	case Perms:
		if opts.NumericPerms {
			return strconv.AppendUint(b, v.Uint, 8)
		}
		return appendPerms(b, uint32(v.Uint))
	case Mode:
		return appendMode(b, uint32(v.Uint))
	case Percent:
		b = appendPercent(b, v.Uint)
		if opts.Format == Human {
			b = append(b, '%')
		}
		return b
	}
	return b
}

func appendKey(b []byte, k uint32) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '0', 'x')
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, hex[(k>>uint(shift))&0xf])
	}
	return b
}

func appendPerms(b []byte, m uint32) []byte {
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m&(1<<uint(8-i)) != 0 {
			b = append(b, rwx[i])
		} else {
			b = append(b, '-')
		}
	}
	return b
}

func appendMode(b []byte, m uint32) []byte {
	s := strconv.FormatUint(uint64(m), 8)
	for i := len(s); i < 4; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendTime(b []byte, t time.Time, opts *Options) []byte {
	t = t.In(opts.Location)
	switch opts.TimeFormat {
	case TimeISO:
		return t.AppendFormat(b, time.RFC3339)
	case TimeFull:
		return t.AppendFormat(b, "2006-01-02 15:04:05")
	}
	now := opts.Now.In(opts.Location)
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return t.AppendFormat(b, "15:04")
	case t.Year() == now.Year():
		return t.AppendFormat(b, "Jan02 15:04")
	}
	return t.AppendFormat(b, "2006-01-02")
}

// HumanSize formats bytes with binary units the way lsipc does: 0B, 512B, 4K, 1.5M.
func HumanSize(n uint64) string { return string(appendHumanSize(nil, n)) }

func appendHumanSize(b []byte, n uint64) []byte {
	const units = "BKMGTPE"
	if n < 1024 {
		return append(strconv.AppendUint(b, n, 10), 'B')
	}
	i, div := 0, uint64(1)
	for n/div >= 1024 && i < len(units)-1 {
		div *= 1024
		i++
	}
	whole := n / div
	tenth := (n%div*10 + div/2) / div // rounded first decimal; n%div < 2^60, so no overflow
	if tenth == 10 {
		whole, tenth = whole+1, 0
	}
	b = strconv.AppendUint(b, whole, 10)
	if tenth != 0 {
		b = append(b, '.', byte('0'+tenth))
	}
	return append(b, units[i])
}

// cellText renders every cell of t into one arena, returning the arena and
// the end offset of each cell (row-major), so large listings do not
// allocate a string per cell.
func cellText(t *Table, opts *Options) ([]byte, []int) {
	arena := make([]byte, 0, t.Len()*len(t.Cols)*8)
	ends := make([]int, 0, t.Len()*len(t.Cols))
	t.each(func(row []Value) {
		for _, v := range row {
			arena = AppendText(arena, v, opts)
			ends = append(ends, len(arena))
		}
	})
	return arena, ends
}

func displayWidth(b []byte) int {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.RuneCount(b)
		}
	}
	return len(b)
}

func writeHuman(w *bufio.Writer, t *Table, opts *Options) error {
	if !opts.NoHeadings && t.Title != "" {
		w.WriteString("------ " + t.Title + " ------\n")
	}
	if t.Absent {
		w.WriteString("-\n")
		return nil
	}
	if opts.TTY {
		return writeTerminal(w, t, opts)
	}
	arena, ends := cellText(t, opts)
	ncol := len(t.Cols)
	widths := make([]int, ncol)
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			widths[i] = len(c.Name)
		}
	}
	start := 0
	for k, end := range ends {
		if n := displayWidth(arena[start:end]); n > widths[k%ncol] {
			widths[k%ncol] = n
		}
		start = end
	}
	pad := func(n int) {
		for ; n > 0; n-- {
			w.WriteByte(' ')
		}
	}
	cell := func(i int, text []byte, width int) {
		last := i == ncol-1
		switch {
		case t.Cols[i].Right:
			pad(widths[i] - width)
			w.Write(text)
		case last:
			w.Write(text)
		default:
			w.Write(text)
			pad(widths[i] - width)
		}
		if !last {
			w.WriteByte(' ')
		}
	}
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			h := c.Header()
			cell(i, []byte(h), len(h))
		}
		w.WriteByte('\n')
	}
	start = 0
	for k, end := range ends {
		text := arena[start:end]
		cell(k%ncol, text, displayWidth(text))
		if k%ncol == ncol-1 {
			w.WriteByte('\n')
		}
		start = end
	}
	return nil
}

// naturalWidth is the width of t laid out without truncation, one space between columns.
func naturalWidth(t *Table, opts *Options) int {
	widths := make([]int, len(t.Cols))
	for i, c := range t.Cols {
		widths[i] = len(c.Name)
	}
	arena, ends := cellText(t, opts)
	start := 0
	for k, end := range ends {
		widths[k%len(widths)] = max(widths[k%len(widths)], displayWidth(arena[start:end]))
		start = end
	}
	total := len(widths) - 1
	for _, w := range widths {
		total += w
	}
	return total
}

// writeTerminal renders the human table for a person at a terminal with
// tablewriter, which can fit the table to the terminal width. Pipes take
// the plain aligner above: tablewriter spends ~17µs a row measuring and
// wrapping, too slow for listings of thousands of objects.
func writeTerminal(w *bufio.Writer, t *Table, opts *Options) error {
	aligns := make([]tw.Align, len(t.Cols))
	headers := make([]any, len(t.Cols))
	for i, c := range t.Cols {
		aligns[i] = tw.AlignLeft
		if c.Right {
			aligns[i] = tw.AlignRight
		}
		headers[i] = c.Header()
	}
	cfg := tablewriter.Config{
		Header: tw.CellConfig{
			Alignment:  tw.CellAlignment{PerColumn: aligns},
			Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapNone},
		},
		Row: tw.CellConfig{
			Alignment:  tw.CellAlignment{PerColumn: aligns},
			Formatting: tw.CellFormatting{AutoWrap: tw.WrapTruncate},
		},
		Behavior: tw.Behavior{TrimSpace: tw.Off},
	}
	// Only squeeze a table that does not fit: tablewriter's MaxWidth caps
	// every column at a share of the width, truncating 20-digit sizes in
	// tables that would fit.
	if opts.Width > 0 && naturalWidth(t, opts) > opts.Width {
		cfg.MaxWidth = opts.Width
	}
	tbl := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithConfig(cfg),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: " ", Overwrite: true}),
	)
	if !opts.NoHeadings {
		tbl.Header(headers...)
	}
	var buf []byte
	var appendErr error
	t.each(func(r []Value) {
		row := make([]string, len(t.Cols)) // tablewriter keeps the slice: one per row
		for i, v := range r {
			buf = AppendText(buf[:0], v, opts)
			row[i] = string(buf)
		}
		if err := tbl.Append(row); err != nil && appendErr == nil {
			appendErr = fmt.Errorf("render table: %w", err)
		}
	})
	if appendErr != nil {
		return appendErr
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

// appendRawEscaped escapes whitespace, backslash and control bytes as \xNN
// so that every raw value is one whitespace-free field.
func appendRawEscaped(b, text []byte) []byte {
	const hex = "0123456789abcdef"
	for _, c := range text {
		if c <= ' ' || c == '\\' || c == 0x7f {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return b
}

func writeRaw(w *bufio.Writer, t *Table, opts *Options) {
	var line []byte
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			if i > 0 {
				line = append(line, ' ')
			}
			line = append(line, c.Header()...)
		}
		w.Write(append(line, '\n'))
	}
	var cell []byte
	t.each(func(row []Value) {
		line = line[:0]
		for i, v := range row {
			if i > 0 {
				line = append(line, ' ')
			}
			cell = AppendText(cell[:0], v, opts)
			line = appendRawEscaped(line, cell)
		}
		w.Write(append(line, '\n'))
	})
}

// appendShellQuoted appends text inside double quotes, escaping what a
// POSIX shell would expand there.
func appendShellQuoted(b, text []byte) []byte {
	b = append(b, '"')
	for _, c := range text {
		switch c {
		case '"', '\\', '$', '`':
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func writeExport(w *bufio.Writer, t *Table, opts *Options) {
	names := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		names[i] = strings.ToUpper(c.Name)
	}
	var line, cell []byte
	t.each(func(row []Value) {
		line = line[:0]
		for i, v := range row {
			if i > 0 {
				line = append(line, ' ')
			}
			line = append(line, names[i]...)
			line = append(line, '=')
			cell = AppendText(cell[:0], v, opts)
			line = appendShellQuoted(line, cell)
		}
		w.Write(append(line, '\n'))
	})
}
