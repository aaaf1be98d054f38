package iptext

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// maxLineErrors bounds the lines a ParseError quotes; the rest are
// counted.
const maxLineErrors = 10

// ParseError says which lines of a text a parser could not read. The
// parser still returns everything it could read from the other lines.
type ParseError struct {
	What  string      // the output it was read as: "ip route", "ifconfig"...
	Lines []LineError // the first few lines not read
	More  int         // how many more were not read
	Read  int         // how many records were read
}

// LineError is one line that was not read, and why.
type LineError struct {
	Line   int // 1-based
	Text   string
	Reason string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.What)
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString(";")
		}
		// %q, and the reason escaped: both may hold the node's text
		// ("unknown word …"), and with it control characters.
		fmt.Fprintf(&b, " line %d: %s (%q)", l.Line, safetext.Term(l.Reason), truncate(l.Text, 80))
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more lines not read", e.More)
	}
	return b.String()
}

// errs collects the lines a parser could not read.
type errs struct {
	e ParseError
}

func (c *errs) add(line int, text, reason string) {
	if len(c.e.Lines) < maxLineErrors {
		c.e.Lines = append(c.e.Lines, LineError{Line: line, Text: text, Reason: reason})
		return
	}
	c.e.More++
}

// err is the ParseError, or nil when every line was read.
func (c *errs) err(what string, read int) error {
	if len(c.e.Lines) == 0 {
		return nil
	}
	c.e.What, c.e.Read = what, read
	e := c.e
	return &e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary, so that %q shows the text and not bytes.
	for n > 0 && n < len(s) && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// textLines splits text into lines without their "\r", counting from 1.
func textLines(text string, fn func(n int, line string)) {
	n := 0
	for len(text) > 0 {
		n++
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		fn(n, strings.TrimRight(line, "\r"))
	}
}

// indented reports whether a line starts with white space (a detail or
// continuation line in ip's and ifconfig's outputs).
func indented(line string) bool {
	return line != "" && (line[0] == ' ' || line[0] == '\t')
}

// ipNetString is an address and prefix length written exactly as the
// collector writes a netlink address (net.IPNet.String of the address's
// bytes, not masked): 4 bytes for IPv4, 16 for IPv6.
func ipNetString(ip net.IP, bits int) string {
	return (&net.IPNet{IP: ip, Mask: net.CIDRMask(bits, 8*len(ip))}).String()
}

// parseAddr reads "10.0.0.1", "10.0.0.1/24", "fe80::1/64" into an
// address and a prefix length (the full length when none is written).
// IPv4-mapped IPv6 addresses stay 16 bytes, as the kernel sends them in
// an IPv6 message.
func parseAddr(s string) (ip net.IP, bits int, ok bool) {
	addr, plen, hasLen := strings.Cut(s, "/")
	ip = net.ParseIP(addr)
	if ip == nil {
		return nil, 0, false
	}
	v6 := strings.Contains(addr, ":")
	if !v6 {
		ip = ip.To4()
	}
	bits = 8 * len(ip)
	if hasLen {
		n, err := strconv.Atoi(plen)
		if err != nil || n < 0 || n > 8*len(ip) {
			return nil, 0, false
		}
		bits = n
	}
	return ip, bits, true
}

// familyOf is 4 or 6 for an address as ip prints it.
func familyOf(ip net.IP, text string) int {
	if strings.Contains(text, ":") || ip.To4() == nil {
		return 6
	}
	return 4
}

// atoi reads a non-negative decimal that fits an int (tables and rule
// priorities reach 2^32-1).
func atoi(s string) (int, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}
