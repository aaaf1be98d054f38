package sosimport

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/ostopo/ostopo/netinspect/ovstext"
)

// Kernel output kinds, as the namespace's outputs use them.
const (
	kindLinks   = "ip address/link"
	kindIfcfg   = "ifconfig"
	kindRoutes  = "ip route"
	kindRouteN  = "route -n"
	kindRules   = "ip rule"
	kindNeigh   = "ip neigh"
	kindSysctl  = "sysctl -a"
	kindNAT     = "iptables"
	kindNetns   = "ip netns"
	kindBrctl   = "brctl show"
	kindNATPack = "ostopo NAT bundle" // contrib/sos/extras.d/ostopo's iptables-save per namespace
)

// recognised is one file of a folder of outputs (or of an extras
// file's), told by its content.
type recognised struct {
	path string
	// kind names what it is ("ovs-vsctl show", "ip route", ...); "" for
	// a file that is none of them.
	kind string
	// part is an OVS output, parsed.
	part *ovstext.Part
	// out is a kernel output, its command line (if it had one) taken
	// off; ns its namespace ("" the root), nsFrom what told it.
	out    output
	ns     string
	nsFrom string
	// family is 6 for ip -6 route/rule, 4 for ip -4, 0 unknown.
	family int
	// natSections are the namespaces' sections of an ostopo NAT bundle.
	natSections []natSection
	// why says why an unrecognised file is not used.
	why string
	// promptHost is the host its command line's prompt names.
	promptHost string
}

// natSection is one namespace's iptables-save in an ostopo NAT bundle.
type natSection struct {
	ns  string
	out output
}

// commandLine is a shell prompt and command at the top of a pasted
// output: "# ip netns exec qrouter-… ip a", "$ sudo ovs-ofctl dump-flows
// br-int", "[root@net1 ~]# ip route", "root@net1:~# ovs-vsctl show".
var commandLine = regexp.MustCompile(`^\s*(?:\[[^\]]*\]\s*[#$]|[\w.@:~/-]*[#$]|>)\s*(?:sudo\s+(?:-\S+\s+)*)?(.+)$`)

// knownCommands start a command line ostopo understands.
var knownCommands = map[string]bool{
	"ip": true, "ovs-vsctl": true, "ovs-ofctl": true, "ovsdb-client": true, "iptables-save": true,
	"iptables": true, "iptables-nft-save": true, "iptables-legacy-save": true, "sysctl": true,
	"ifconfig": true, "route": true, "brctl": true, "docker": true, "podman": true, "netstat": true,
}

// neutronNS finds a Neutron namespace name in a path or text.
var neutronNS = regexp.MustCompile(`(?:qrouter|qdhcp|snat|fip|qlbaas|ovnmeta)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// splitCommand takes a leading command line off a pasted output: the
// command (words) and the rest of the text. No command line: nil.
func splitCommand(text string) ([]string, string) {
	first, rest, _ := strings.Cut(text, "\n")
	m := commandLine.FindStringSubmatch(strings.TrimRight(first, "\r"))
	if m == nil {
		return nil, text
	}
	words := strings.Fields(m[1])
	if len(words) == 0 || !knownCommands[path.Base(words[0])] {
		return nil, text
	}
	return words, rest
}

// commandNamespace is the namespace a command runs in ("ip netns exec NS
// …", "ip -n NS …", "ip -netns NS …"), after a "docker exec CTR" or
// "podman exec CTR" prefix; "" for none.
func commandNamespace(words []string) (string, []string) {
	for len(words) > 2 && (words[0] == "docker" || words[0] == "podman") && words[1] == "exec" {
		words = words[2:]
		for len(words) > 0 && strings.HasPrefix(words[0], "-") {
			words = words[1:]
		}
		if len(words) > 0 {
			words = words[1:] // the container
		}
	}
	if len(words) >= 4 && words[0] == "ip" && words[1] == "netns" && words[2] == "exec" {
		return words[3], words[4:]
	}
	if len(words) >= 3 && words[0] == "ip" && (words[1] == "-n" || words[1] == "-netns" || words[1] == "--netns") {
		return words[2], append([]string{"ip"}, words[3:]...)
	}
	return "", words
}

// sosNamespace is the namespace a sos-style file name runs its command
// in ("ip_netns_exec_<ns>_<command>"), "" for none.
func sosNamespace(name string) string {
	rest, ok := strings.CutPrefix(name, "ip_netns_exec_")
	if !ok {
		return ""
	}
	base, _ := collision(rest)
	for _, suf := range nsCommandSuffixes {
		if m, ok := strings.CutSuffix(base, suf); ok && m != "" {
			return m
		}
	}
	return ""
}

// recogniseAll recognises every file under dir of a tree ("" for all).
func recogniseAll(t *Tree, dir string) ([]recognised, error) {
	var out []recognised
	for _, p := range t.Files() {
		if dir != "" && !strings.HasPrefix(p, dir+"/") {
			continue
		}
		data, err := t.ReadFile(p)
		if err != nil {
			out = append(out, recognised{path: p, why: oneLine(err)})
			continue
		}
		rec, err := recognise(p, data)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// recognise tells what one file is from its content, and its namespace
// and bridge from its command line or its name.
func recognise(p string, data []byte) (recognised, error) {
	rec := recognised{path: p}
	if k := ovstext.Sniff(head(data)); k == ovstext.KindConfDB {
		part := ovstext.FromConfDB(p, data)
		rec.kind, rec.part = k.String(), &part
		return rec, nil
	}
	words, text := splitCommand(string(data))
	if words != nil {
		first, _, _ := strings.Cut(string(data), "\n")
		if m := promptLine.FindStringSubmatch(first); m != nil {
			rec.promptHost = m[1]
		}
	}
	ns, cmd := commandNamespace(words)
	rec.out = output{Path: p, Text: text, Looked: []string{p}, Command: strings.Join(cmd, " ")}
	if words != nil {
		rec.ns, rec.nsFrom = ns, "its command line"
	}
	if rec.nsFrom == "" || rec.ns == "" {
		if n := sosNamespace(path.Base(p)); n != "" {
			rec.ns, rec.nsFrom = n, "its name"
		} else if found := unique(neutronNS.FindAllString(p, -1)); len(found) == 1 {
			rec.ns, rec.nsFrom = found[0], "its name"
		} else if len(found) > 1 {
			return rec, fmt.Errorf("%s: its path names %d namespaces (%s): which one its output is of is not clear; name one", p, len(found), strings.Join(found, ", "))
		}
	}
	if strings.HasPrefix(strings.TrimSpace(text), natBundleMark) {
		rec.kind = kindNATPack
		rec.natSections = natBundle(p, text)
		return rec, nil
	}
	if k := ovstext.Sniff(head([]byte(text))); k != ovstext.KindUnknown {
		rec.kind = k.String()
		part := ovsPart(k, p, text, cmd)
		rec.part = &part
		return rec, nil
	}
	kind, family, why := recogniseKernel(text)
	if kind == "" {
		rec.why = why
		return rec, nil
	}
	rec.kind, rec.family = kind, family
	if f := commandFamily(cmd); f != 0 {
		rec.family = f
	}
	if rec.out.Command == "" {
		rec.out.Command = kind
	}
	return rec, nil
}

// head is the start of a file, for Sniff.
func head(data []byte) []byte {
	return data[:min(len(data), 4096)]
}

// ovsPart parses an OVS output of kind k; cmd is its command line's
// words, when it had one (the bridge of a flow dump, the table of a list).
func ovsPart(k ovstext.Kind, p, text string, cmd []string) ovstext.Part {
	switch k {
	case ovstext.KindShow:
		return ovstext.FromShow(p, text)
	case ovstext.KindList:
		table := ""
		if i := indexOf(cmd, "list"); i >= 0 && i+1 < len(cmd) {
			table = cmd[i+1]
		}
		return ovstext.FromList(p, table, text)
	case ovstext.KindDump:
		return ovstext.FromDump(p, text)
	case ovstext.KindPortDesc:
		part := ovstext.FromPortDesc(p, text)
		if part.Ports != nil && part.Ports.Bridge == "" {
			part.Ports.Bridge = commandBridge(cmd, p)
		}
		return part
	case ovstext.KindFlows:
		protocol := ""
		if i := indexOf(cmd, "-O"); i >= 0 && i+1 < len(cmd) {
			protocol = cmd[i+1]
		}
		br := commandBridge(cmd, p)
		if f, ok := parseOfctlName(path.Base(p)); ok && br == "" {
			br, protocol = f.bridge, f.protocol
		}
		return ovstext.FromFlows(p, br, protocol, text)
	}
	return ovstext.Part{Kind: k, Origin: p}
}

// commandBridge is the bridge an ovs-ofctl command line names (its last
// word), or the one a sos-style file name does.
func commandBridge(cmd []string, p string) string {
	if i := indexOf(cmd, "ovs-ofctl"); i >= 0 && len(cmd) > i+2 {
		return cmd[len(cmd)-1]
	}
	if f, ok := parseOfctlName(path.Base(p)); ok {
		return f.bridge
	}
	return ""
}

func commandFamily(cmd []string) int {
	for _, w := range cmd {
		switch w {
		case "-6":
			return 6
		case "-4":
			return 4
		}
	}
	return 0
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}

func unique(s []string) []string {
	sort.Strings(s)
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// natBundleMark starts each section of the NAT bundle
// contrib/sos/extras.d/ostopo makes: "# ostopo: ip netns exec <ns>
// iptables-save".
const natBundleMark = "# ostopo: ip netns exec "

// natBundle splits an ostopo NAT bundle into its namespaces' sections.
func natBundle(p, text string) []natSection {
	var out []natSection
	var cur *natSection
	var b strings.Builder
	flush := func() {
		if cur != nil {
			cur.out.Text = b.String()
			out = append(out, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if rest, ok := strings.CutPrefix(line, natBundleMark); ok {
			flush()
			f := strings.Fields(rest)
			if len(f) == 0 {
				cur = nil
				continue
			}
			cur = &natSection{ns: f[0], out: output{Path: p + " (" + f[0] + ")", Command: "ip netns exec " + f[0] + " iptables-save", Looked: []string{p}}}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return out
}
