package sosimport

import (
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptext"
)

// kernelKinds maps iptext's kinds to the outputs a namespace is built
// from.
var kernelKinds = map[iptext.Kind]string{
	iptext.KindIPAddress:    kindLinks,
	iptext.KindIPLink:       kindLinks,
	iptext.KindIfconfig:     kindIfcfg,
	iptext.KindIPRoute:      kindRoutes,
	iptext.KindRouteN:       kindRouteN,
	iptext.KindIPRule:       kindRules,
	iptext.KindIPNeigh:      kindNeigh,
	iptext.KindIPNetns:      kindNetns,
	iptext.KindSysctl:       kindSysctl,
	iptext.KindBrctlShow:    kindBrctl,
	iptext.KindIPTablesSave: kindNAT,
	iptext.KindIPTablesS:    kindNAT,
}

// recogniseKernel tells a kernel output's kind from its content
// (iptext.Recognise), and the address family of a route or rule list
// when its addresses say (0 when they do not); for a text that is none,
// why.
func recogniseKernel(text string) (kind string, family int, why string) {
	k := iptext.Recognise(text)
	switch k {
	case iptext.KindEmpty:
		return "", 0, "empty"
	case iptext.KindError:
		return "", 0, "an error message: " + strings.Join(iptext.ErrorLines(text), "; ")
	}
	kind, ok := kernelKinds[k]
	if !ok {
		return "", 0, "not an output ostopo reads"
	}
	switch kind {
	case kindRoutes:
		if rt, _ := iptext.ParseRoutes(text, iptext.Options{}); rt != nil {
			family = routesFamily(rt)
		}
	case kindRules:
		family = textFamily(text)
	}
	return kind, family, ""
}

// routesFamily is 4 or 6 when every route is of that family, else 0.
func routesFamily(rt *iptext.Routes) int {
	f := 0
	for _, r := range rt.Routes {
		switch {
		case f == 0:
			f = r.Family
		case f != r.Family:
			return 0
		}
	}
	return f
}

// textFamily is the family of the addresses a rule list names: 6 when it
// names IPv6 ones only, 4 otherwise (ip rule without -6 lists IPv4).
func textFamily(text string) int {
	v4, v6 := false, false
	for _, w := range strings.Fields(text) {
		switch {
		case strings.Count(w, ":") >= 2:
			v6 = true
		case strings.Count(w, ".") == 3 && w[0] >= '0' && w[0] <= '9':
			v4 = true
		}
	}
	if v6 && !v4 {
		return 6
	}
	return 4
}
