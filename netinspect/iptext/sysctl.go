package iptext

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Sysctls are the kernel settings ostopo reads in a namespace. The
// collector reads one: net.ipv4.ip_forward, recorded as
// topo.Namespace.IPForward under the source "sysctl/<namespace>".
type Sysctls struct {
	// IPForward is net.ipv4.ip_forward ("1" is true, as the collector
	// reads /proc/sys); nil when the text does not hold it.
	IPForward *bool
}

// IPForwardKey is the setting behind IPForward, as sysctl -a names it.
const IPForwardKey = "net.ipv4.ip_forward"

// ParseSysctl reads sysctl -a ("key = value" lines; its "sysctl: ..."
// complaints about keys it may not read are skipped, and so is every
// other line that is not a setting, each named in the error).
func ParseSysctl(text string) (Sysctls, error) {
	var s Sysctls
	var e errs
	read := 0
	textLines(text, func(n int, line string) {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "sysctl: ") {
			return
		}
		key, value, ok := strings.Cut(line, " = ")
		if !ok {
			// A value may be empty: "kernel.domainname = " trimmed to
			// "kernel.domainname =".
			key, ok = strings.CutSuffix(strings.TrimRight(line, " "), " =")
		}
		if !ok || strings.ContainsAny(key, " \t") || key == "" {
			e.add(n, line, "not a setting")
			return
		}
		read++
		// Some sysctl builds write keys with slashes.
		if strings.ReplaceAll(key, "/", ".") == IPForwardKey {
			on := strings.TrimSpace(value) == "1"
			s.IPForward = &on
		}
	})
	return s, e.err("sysctl -a", read)
}

// Apply records the settings on the namespace, as the collector does.
func (s Sysctls) Apply(ns *topo.Namespace) {
	if s.IPForward != nil {
		v := *s.IPForward
		ns.IPForward = &v
	}
}
