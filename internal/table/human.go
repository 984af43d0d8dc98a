package table

import (
	"bufio"
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/clipperhouse/displaywidth"
)

// writeHuman writes t for people: a title line, headings and aligned
// columns, or a record's "NAME  value" lines. Every cell is shown whole:
// on a terminal narrower than the table, only free-text columns (Col.Wrap)
// wrap onto more lines; ids, keys, numbers, names and commands are never
// cut, and a table that still does not fit runs past the edge.
func writeHuman(w *bufio.Writer, t *Table, opts *Options, buf *humanBuf) {
	if t.Vertical {
		writeVertical(w, t, opts, buf)
		return
	}
	if !opts.NoHeadings && t.Title != "" {
		writeTitle(w, t.Title)
	}
	if t.Absent {
		w.WriteString("-")
		if t.AbsentWhy != "" {
			w.WriteString(" (")
			w.Write(appendSafe(nil, t.AbsentWhy))
			w.WriteString(")")
		}
		w.WriteString("\n")
		return
	}
	topts := *opts
	if topts.TimeFormat == "" {
		topts.TimeFormat = TimeShort
	}
	ncol := len(t.Cols)
	widths := make([]int, ncol)
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			widths[i] = displayWidth([]byte(c.Header()))
		}
	}
	cells := buf.cells(t, &topts, widths)
	arena, ends := cells.arena, cells.ends
	l := layout{w: w, cols: t.Cols, widths: widths, wide: cells.wide}
	widest := slices.Clone(widths)
	if t.Marks != nil {
		l.gutter, l.color = true, opts.Color
		opts := *opts
		opts.Width -= 2
		fitToTerminal(t.Cols, widths, &opts)
	} else {
		fitToTerminal(t.Cols, widths, opts)
	}
	for i, c := range t.Cols { // headings are measured as cells are
		if !isASCII([]byte(c.Header())) {
			cells.wide[i] = true
		}
	}
	l.plain = !l.gutter && slices.Equal(widest, widths) && !slices.Contains(cells.wide, true)
	row := make([][]byte, ncol)
	if !opts.NoHeadings {
		for i, c := range t.Cols {
			row[i] = []byte(c.Header())
		}
		l.row(row)
	}
	start := 0
	for r := 0; len(ends) > 0; r++ {
		for c, e := range ends[:ncol] {
			end := int(e)
			row[c] = arena[start:end]
			start = end
		}
		ends = ends[ncol:]
		if r < len(t.Marks) {
			l.mark = t.Marks[r]
		}
		l.row(row)
	}
}

// markColors are the SGR colors of marked rows.
var markColors = [...]string{"", "\x1b[32m", "\x1b[33m", "\x1b[31m"}

func writeTitle(w *bufio.Writer, title string) {
	w.WriteString("------ ")
	w.Write(appendSafe(nil, title))
	w.WriteString(" ------\n")
}

// layout writes rows of cells in columns of fixed widths, one space
// apart; a left-aligned last column gets no trailing padding. Each line
// is put together in line and written at its end, in one call.
type layout struct {
	w      *bufio.Writer
	line   []byte
	cols   []Col
	widths []int
	wide   []bool // per column, whether a cell or the heading has characters wider or narrower than a byte
	// plain: no gutter, nothing to wrap, and every cell and heading one
	// terminal column per byte: each row is then its cells copied to
	// fixed places in a line of spaces (see plainRow).
	plain bool
	blank []byte     // a plain line's spaces
	lines [][][]byte // per column, the lines of a wrapped cell

	gutter bool // rows start with their mark
	color  bool // and marked rows are painted
	mark   Mark // of the row being written
}

// begin starts a line: the gutter, and the color of the row's mark.
func (l *layout) begin() {
	l.line = l.line[:0]
	if !l.gutter {
		return
	}
	l.line = append(l.line, l.mark.Gutter()...)
	if l.color && l.mark != Same {
		l.line = append(l.line, markColors[l.mark]...)
	}
}

// end ends a line.
func (l *layout) end() {
	if l.color && l.mark != Same {
		l.line = append(l.line, "\x1b[0m"...)
	}
	l.w.Write(append(l.line, '\n'))
}

func (l *layout) row(cells [][]byte) {
	if l.plain {
		l.plainRow(cells)
		return
	}
	defer func() { l.mark = Same }()
	// Most rows are one line: write them straight.
	wraps := false
	for i, c := range cells {
		if l.cols[i].Wrap && l.width(i, c) > l.widths[i] {
			wraps = true
			break
		}
	}
	if !wraps {
		l.begin()
		for i, c := range cells {
			l.cell(i, c)
		}
		l.end()
		return
	}
	if l.lines == nil {
		l.lines = make([][][]byte, len(cells))
	}
	n := 1
	for i, c := range cells {
		if l.cols[i].Wrap {
			l.lines[i] = wrapText(c, l.widths[i])
		} else {
			l.lines[i] = [][]byte{c}
		}
		n = max(n, len(l.lines[i]))
	}
	for line := 0; line < n; line++ {
		// A continuation line holds only the wrapped cells: stop after
		// the last of them rather than pad the rest with spaces.
		last := 0
		for i := range cells {
			if line < len(l.lines[i]) && len(l.lines[i][line]) > 0 {
				last = i
			}
		}
		l.begin()
		for i := 0; i <= last; i++ {
			var c []byte
			if line < len(l.lines[i]) {
				c = l.lines[i][line]
			}
			if i == last && !l.cols[i].Right {
				l.line = append(l.line, c...)
				break
			}
			l.cell(i, c)
		}
		l.end()
	}
}

// plainRow writes a row of a plain layout as row would, with one copy per
// cell rather than appends of text and padding (5% of ls of 96 000
// objects).
func (l *layout) plainRow(cells [][]byte) {
	if l.blank == nil {
		n := max(1, len(cells)) // the spaces between cells, and the newline
		for _, w := range l.widths {
			n += w
		}
		l.blank = bytes.Repeat([]byte{' '}, n)
		l.line = make([]byte, n)
	}
	line := l.line[:len(l.blank)]
	copy(line, l.blank)
	pos, end := 0, 0
	for i, c := range cells {
		w := l.widths[i]
		if l.cols[i].Right {
			copy(line[pos+w-len(c):], c)
			end = pos + w
		} else {
			copy(line[pos:], c)
			end = pos + len(c) // the last column is not padded
		}
		pos += w + 1
	}
	line[end] = '\n'
	l.w.Write(line[:end+1])
}

// width is the display width of text, a cell of column i.
func (l *layout) width(i int, text []byte) int {
	if i < len(l.wide) && !l.wide[i] {
		return len(text)
	}
	return displayWidth(text)
}

func (l *layout) cell(i int, text []byte) {
	last := i == len(l.cols)-1
	pad := l.widths[i] - l.width(i, text)
	switch {
	case l.cols[i].Right:
		l.pad(pad)
		l.line = append(l.line, text...)
	case last:
		l.line = append(l.line, text...)
	default:
		l.line = append(l.line, text...)
		l.pad(pad)
	}
	if !last {
		l.line = append(l.line, ' ')
	}
}

// spaces pads cells: one append per pad, not one per space.
var spaces = []byte("                                                                ")

func (l *layout) pad(n int) {
	for n > 0 {
		k := min(n, len(spaces))
		l.line = append(l.line, spaces[:k]...)
		n -= k
	}
}

// minWrapWidth is the narrowest a free-text column is squeezed to.
const minWrapWidth = 16

// fitToTerminal narrows the free-text columns of a table wider than the
// terminal, widest first, down to minWrapWidth (or their heading).
func fitToTerminal(cols []Col, widths []int, opts *Options) {
	if !opts.TTY || opts.Wide || opts.Width <= 0 {
		return
	}
	total := len(widths) - 1
	for _, w := range widths {
		total += w
	}
	for total > opts.Width {
		widest := -1
		for i, c := range cols {
			floor := max(minWrapWidth, len(c.Header()))
			if c.Wrap && widths[i] > floor && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		floor := max(minWrapWidth, len(cols[widest].Header()))
		cut := min(total-opts.Width, widths[widest]-floor)
		widths[widest] -= cut
		total -= cut
	}
}

// wrapText breaks text into lines of at most width columns, at spaces
// where it can and inside a word only when the word alone is too long.
func wrapText(text []byte, width int) [][]byte {
	var lines [][]byte
	for len(text) > 0 {
		if displayWidth(text) <= width {
			lines = append(lines, text)
			break
		}
		cut, lastSpace, w := 0, -1, 0
		for cut < len(text) {
			_, size := utf8.DecodeRune(text[cut:])
			cw := displayWidth(text[cut : cut+size])
			if w+cw > width {
				break
			}
			if text[cut] == ' ' {
				lastSpace = cut
			}
			w += cw
			cut += size
		}
		if cut == 0 { // one character wider than the column
			_, cut = utf8.DecodeRune(text)
		}
		if lastSpace > 0 && cut < len(text) && text[cut] != ' ' {
			cut = lastSpace
		}
		lines = append(lines, text[:cut])
		text = text[cut:]
		for len(text) > 0 && text[0] == ' ' {
			text = text[1:]
		}
	}
	return lines
}

// writeVertical writes a record: its fields as "NAME  value" lines, names
// aligned, then its nested tables. Times are in full unless asked
// otherwise: a record is read closely, not scanned.
func writeVertical(w *bufio.Writer, t *Table, opts *Options, buf *humanBuf) {
	ropts := *opts
	if ropts.TimeFormat == "" {
		ropts.TimeFormat = TimeFull
	}
	if !opts.NoHeadings && t.Title != "" {
		writeTitle(w, t.Title)
	}
	width := 0
	for _, c := range t.Cols {
		width = max(width, len(c.Header()))
	}
	var line []byte
	t.each(func(row []Value) {
		for i, c := range t.Cols {
			line = line[:0]
			mark := Same
			if t.Marks != nil {
				if i < len(t.Marks) {
					mark = t.Marks[i]
				}
				line = append(line, mark.Gutter()...)
				if opts.Color && mark != Same {
					line = append(line, markColors[mark]...)
				}
			}
			line = append(line, c.Header()...)
			for n := len(c.Header()); n < width+2; n++ {
				line = append(line, ' ')
			}
			line = AppendText(line, row[i], &ropts)
			if opts.Color && mark != Same {
				line = append(line, "\x1b[0m"...)
			}
			w.Write(append(line, '\n'))
		}
	})
	for _, n := range t.Nested {
		w.WriteByte('\n')
		writeHuman(w, n, &ropts, buf)
	}
}

// humanBuf holds the text of every cell of a table while it is laid out
// (widths first, then the rows), reused from one table to the next so a
// listing of several large kinds allocates it once.
type humanBuf struct {
	arena []byte
	ends  []int32
}

// cells is the text of a table's cells being rendered, and what is
// measured on the way.
type cells struct {
	arena  []byte
	ends   []int32 // end offset of each cell in arena, row-major
	widths []int   // per column, the widest cell so far
	wide   []bool  // per column: some cell is not one column per byte
	text   []bool  // per column: it holds text (other types print ASCII)
}

// add measures the cell of column i that starts at start and ends the arena.
func (c *cells) add(i, start int) {
	n := len(c.arena) - start
	if c.text[i] && !isASCII(c.arena[start:]) {
		c.wide[i] = true
		n = displaywidth.Bytes(c.arena[start:])
	}
	if n > c.widths[i] {
		c.widths[i] = n
	}
	c.ends = append(c.ends, int32(len(c.arena)))
}

// cells renders every cell of t into the arena, and widens widths to the
// widest cell of each column. Only text can be other than one terminal
// column per byte (every other type prints ASCII), and the columns whose
// cells are all ASCII are marked so that layout measures them by length.
func (b *humanBuf) cells(t *Table, opts *Options, widths []int) *cells {
	if n := t.Len() * len(t.Cols); cap(b.ends) < n {
		b.ends = make([]int32, 0, n)
		b.arena = make([]byte, 0, n*8)
	}
	c := &cells{arena: b.arena[:0], ends: b.ends[:0], widths: widths,
		wide: make([]bool, len(t.Cols)), text: make([]bool, len(t.Cols))}
	for i, col := range t.Cols {
		c.text[i] = col.Type == String
	}
	if t.text != nil {
		t.text(c, opts)
	} else {
		t.each(func(row []Value) {
			for i, v := range row {
				start := len(c.arena)
				c.arena = AppendText(c.arena, v, opts)
				c.add(i, start)
			}
		})
	}
	b.arena, b.ends = c.arena, c.ends
	return c
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// displayWidth is the number of terminal columns b takes.
func displayWidth(b []byte) int {
	if isASCII(b) {
		return len(b)
	}
	return displaywidth.Bytes(b)
}
