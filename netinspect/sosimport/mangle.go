package sosimport

import (
	"strconv"
	"strings"
	"unicode"
)

// nameMax is the longest file name sos writes (its archive's name_max).
const nameMax = 255

// Mangle is the file name sos gives a command's output
// (sos/report/plugins/__init__.py _mangle_command, the same since 3.2):
// a leading /bin/, /sbin/, /usr/bin/ or /usr/sbin/ dropped, every run of
// characters other than word characters, '-', '.' and '/' turned into
// one '_', every '/' into '.', ' ._-' stripped from both ends, and the
// result cut to 255 characters.
//
//	Mangle("ip netns exec qrouter-1  ip -d address show")
//	  == "ip_netns_exec_qrouter-1_ip_-d_address_show"
func Mangle(command string) string {
	for _, p := range []string{"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"} {
		if rest, ok := strings.CutPrefix(command, p); ok {
			command = rest
			break
		}
	}
	var b strings.Builder
	run := false
	for _, r := range command {
		if keptInName(r) {
			if r == '/' {
				r = '.'
			}
			b.WriteRune(r)
			run = false
			continue
		}
		if !run {
			b.WriteByte('_')
		}
		run = true
	}
	s := strings.Trim(b.String(), " ._-")
	if r := []rune(s); len(r) > nameMax {
		s = string(r[:nameMax])
	}
	return s
}

// keptInName reports whether sos keeps r in a file name: Python's \w
// (Unicode letters, digits and '_'), '-', '.' and '/'.
func keptInName(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Nd, unicode.Pc)
}

// collision strips the ".N" sos appends to a name already taken
// (_make_command_filename), returning the base name and N (0 for none).
func collision(name string) (string, int) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return name, 0
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil || n <= 0 || name[i+1] == '0' {
		return name, 0
	}
	return name[:i], n
}
