package compat

import (
	"fmt"
	"io"
	"strings"
)

// This file is a port of glibc's getopt_long (posix/getopt.c, glibc 2.26
// and later): the front-ends must accept and reject exactly what
// util-linux accepts and rejects, print getopt's own messages byte for
// byte (with the full argv[0]), and leave operands in the order getopt
// leaves them. Package flag and pflag differ in all three.

// Argument kinds of a long option (struct option's has_arg).
const (
	noArgument       = 0
	requiredArgument = 1
	optionalArgument = 2
)

// longOption is glibc's struct option without the flag pointer.
type longOption struct {
	name   string
	hasArg int
	val    int // the short option character, or a code above 255
}

// Option values that getopt itself returns.
const (
	optDone    = -1  // no more options
	optInvalid = '?' // error, already printed
)

type ordering int

const (
	permute       ordering = iota // GNU default: options may follow operands
	requireOrder                  // POSIXLY_CORRECT or a leading '+': stop at the first operand
	returnInOrder                 // leading '-': operands come back as option 1
)

// getopt holds the state glibc keeps in struct _getopt_data.
type getopt struct {
	argv      []string // permuted in place, as glibc does
	optstring string
	longopts  []longOption
	errOut    io.Writer

	optind      int
	optarg      string
	hasOptarg   bool // optarg is set (C: optarg != NULL)
	nextchar    string
	inWord      bool // nextchar points into an argv element (C: nextchar != NULL)
	firstNonopt int
	lastNonopt  int
	order       ordering
	printErrors bool
}

// newGetopt starts parsing argv (argv[0] is the program path, used in
// getopt's messages). posixlyCorrect is whether POSIXLY_CORRECT is set in
// the environment.
func newGetopt(argv []string, optstring string, longopts []longOption, errOut io.Writer, posixlyCorrect bool) *getopt {
	g := &getopt{argv: argv, longopts: longopts, errOut: errOut, optind: 1, printErrors: true}
	g.firstNonopt, g.lastNonopt = 1, 1
	switch {
	case strings.HasPrefix(optstring, "-"):
		g.order, optstring = returnInOrder, optstring[1:]
	case strings.HasPrefix(optstring, "+"):
		g.order, optstring = requireOrder, optstring[1:]
	case posixlyCorrect:
		g.order = requireOrder
	default:
		g.order = permute
	}
	if strings.HasPrefix(optstring, ":") {
		g.printErrors = false
	}
	g.optstring = optstring
	return g
}

// operands returns the arguments left after the last option, in the
// order getopt left them.
func (g *getopt) operands() []string { return g.argv[g.optind:] }

func (g *getopt) nonOption(i int) bool {
	a := g.argv[i]
	return a == "" || a[0] != '-' || len(a) == 1
}

// exchange moves the skipped operands argv[firstNonopt:lastNonopt] after
// the options argv[lastNonopt:optind], keeping the order within each
// group (glibc's exchange() is this rotation done by block swaps).
func (g *getopt) exchange() {
	bottom, middle, top := g.firstNonopt, g.lastNonopt, g.optind
	seg := g.argv[bottom:top]
	rotated := append(append(make([]string, 0, len(seg)), g.argv[middle:top]...), g.argv[bottom:middle]...)
	copy(seg, rotated)
	g.firstNonopt += g.optind - g.lastNonopt
	g.lastNonopt = g.optind
}

// next returns the next option character (or long option value), '?'
// after an error it has printed, ':' for a missing argument when the
// optstring starts with ':', 1 for an operand in return-in-order mode, and
// optDone at the end. g.optarg holds the argument when g.hasOptarg.
func (g *getopt) next() int {
	argc := len(g.argv)
	if argc < 1 {
		return optDone
	}
	g.optarg, g.hasOptarg = "", false

	if !g.inWord || g.nextchar == "" {
		if g.lastNonopt > g.optind {
			g.lastNonopt = g.optind
		}
		if g.firstNonopt > g.optind {
			g.firstNonopt = g.optind
		}
		if g.order == permute {
			if g.firstNonopt != g.lastNonopt && g.lastNonopt != g.optind {
				g.exchange()
			} else if g.lastNonopt != g.optind {
				g.firstNonopt = g.optind
			}
			for g.optind < argc && g.nonOption(g.optind) {
				g.optind++
			}
			g.lastNonopt = g.optind
		}
		if g.optind != argc && g.argv[g.optind] == "--" {
			g.optind++
			if g.firstNonopt != g.lastNonopt && g.lastNonopt != g.optind {
				g.exchange()
			} else if g.firstNonopt == g.lastNonopt {
				g.firstNonopt = g.optind
			}
			g.lastNonopt = argc
			g.optind = argc
		}
		if g.optind == argc {
			if g.firstNonopt != g.lastNonopt {
				g.optind = g.firstNonopt
			}
			return optDone
		}
		if g.nonOption(g.optind) {
			if g.order == requireOrder {
				return optDone
			}
			g.optarg, g.hasOptarg = g.argv[g.optind], true
			g.optind++
			return 1
		}
		if g.longopts != nil && g.argv[g.optind][1] == '-' {
			g.nextchar, g.inWord = g.argv[g.optind][2:], true
			return g.longOption("--")
		}
		g.nextchar, g.inWord = g.argv[g.optind][1:], true
	}

	c := g.nextchar[0]
	g.nextchar = g.nextchar[1:]
	idx := strings.IndexByte(g.optstring, c)
	if g.nextchar == "" {
		g.optind++
	}
	if idx < 0 || c == ':' || c == ';' {
		if g.printErrors {
			fmt.Fprintf(g.errOut, "%s: invalid option -- '%s'\n", g.argv[0], []byte{c})
		}
		return optInvalid
	}
	spec := g.optstring[idx:]
	if len(spec) > 1 && spec[1] == ':' {
		if len(spec) > 2 && spec[2] == ':' {
			// optional argument: only when attached (-ashm)
			if g.nextchar != "" {
				g.optarg, g.hasOptarg = g.nextchar, true
				g.optind++
			}
		} else {
			switch {
			case g.nextchar != "":
				g.optarg, g.hasOptarg = g.nextchar, true
				g.optind++
			case g.optind == argc:
				if g.printErrors {
					fmt.Fprintf(g.errOut, "%s: option requires an argument -- '%s'\n", g.argv[0], []byte{c})
				}
				if strings.HasPrefix(g.optstring, ":") {
					return ':'
				}
				return optInvalid
			default:
				g.optarg, g.hasOptarg = g.argv[g.optind], true
				g.optind++
			}
		}
		g.nextchar, g.inWord = "", false
	}
	return int(c)
}

// longOption is glibc's process_long_option for getopt_long (not
// getopt_long_only): exact names first, then unique prefixes; prefixes of
// several options with the same meaning are not ambiguous.
func (g *getopt) longOption(prefix string) int {
	name, value, hasValue := strings.Cut(g.nextchar, "=")
	found := -1
	for i, o := range g.longopts {
		if o.name == name {
			found = i
			break
		}
	}
	if found < 0 {
		var ambiguous []int
		for i, o := range g.longopts {
			if !strings.HasPrefix(o.name, name) {
				continue
			}
			if found < 0 {
				found = i
				continue
			}
			f := g.longopts[found]
			if f.hasArg != o.hasArg || f.val != o.val {
				if ambiguous == nil {
					ambiguous = append(ambiguous, found)
				}
				ambiguous = append(ambiguous, i)
			}
		}
		if ambiguous != nil {
			if g.printErrors {
				var b strings.Builder
				fmt.Fprintf(&b, "%s: option '%s%s' is ambiguous; possibilities:", g.argv[0], prefix, g.nextchar)
				// glibc lists them in the order of the option table
				for i := range g.longopts {
					for _, a := range ambiguous {
						if a == i {
							fmt.Fprintf(&b, " '%s%s'", prefix, g.longopts[i].name)
						}
					}
				}
				b.WriteString("\n")
				io.WriteString(g.errOut, b.String())
			}
			g.nextchar, g.inWord = "", false
			g.optind++
			return optInvalid
		}
	}
	if found < 0 {
		if g.printErrors {
			fmt.Fprintf(g.errOut, "%s: unrecognized option '%s%s'\n", g.argv[0], prefix, g.nextchar)
		}
		g.nextchar, g.inWord = "", false
		g.optind++
		return optInvalid
	}
	o := g.longopts[found]
	g.optind++
	g.nextchar, g.inWord = "", false
	switch {
	case hasValue:
		if o.hasArg == noArgument {
			if g.printErrors {
				fmt.Fprintf(g.errOut, "%s: option '%s%s' doesn't allow an argument\n", g.argv[0], prefix, o.name)
			}
			return optInvalid
		}
		g.optarg, g.hasOptarg = value, true
	case o.hasArg == requiredArgument:
		if g.optind >= len(g.argv) {
			if g.printErrors {
				fmt.Fprintf(g.errOut, "%s: option '%s%s' requires an argument\n", g.argv[0], prefix, o.name)
			}
			if strings.HasPrefix(g.optstring, ":") {
				return ':'
			}
			return optInvalid
		}
		g.optarg, g.hasOptarg = g.argv[g.optind], true
		g.optind++
	}
	return o.val
}
