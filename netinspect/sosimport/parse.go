package sosimport

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ostopo/ostopo/netinspect/iptext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// The parsers of each output (netinspect/iptext, topo.ParseIPTablesSave),
// chosen by the command that made it.

// parseLinks reads a device list: ifconfig's or ip's.
func parseLinks(o output) (*iptext.Links, error) {
	if strings.HasSuffix(o.Command, "ifconfig -a") || strings.HasSuffix(o.Command, "ifconfig") {
		return iptext.ParseIfconfig(o.Text)
	}
	return iptext.ParseIPLinks(o.Text)
}

// parseRoutes reads ip route (or route -n) of any family.
func parseRoutes(o output, tables map[string]int) (*iptext.Routes, error) {
	if strings.HasSuffix(o.Command, "route -n") {
		return iptext.ParseRouteN(o.Text)
	}
	return iptext.ParseRoutes(o.Text, iptext.Options{Tables: tables})
}

// parseRoutes6 reads ip -6 route.
func parseRoutes6(o output, tables map[string]int) (*iptext.Routes, error) {
	return iptext.ParseRoutes(o.Text, iptext.Options{Family: 6, Tables: tables})
}

// parseRules reads ip rule, ip -4 rule or ip -6 rule.
func parseRules(o output, tables map[string]int) ([]topo.Rule, error) {
	opt := iptext.Options{Tables: tables}
	switch {
	case strings.Contains(o.Command, "ip -6 rule"):
		opt.Family = 6
	case strings.Contains(o.Command, "ip -4 rule"):
		opt.Family = 4
	}
	return iptext.ParseRules(o.Text, opt)
}

// parseNetns reads ip netns: the names.
func parseNetns(text string) ([]string, error) {
	entries, err := iptext.ParseNetns(text)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return names, err
}

// netnsIDs are the ids an ip netns output gives the namespaces; nil when
// it was not read.
func netnsIDs(o output) map[int]string {
	if !o.ok() {
		return nil
	}
	entries, _ := iptext.ParseNetns(o.Text)
	return iptext.NetnsIDs(entries)
}

// parseNAT reads the nat table of iptables-save (or iptables -t nat -S).
// A text without a nat table says nothing of NAT (the host's iptables
// may be the other backend than the L3 agent's: the live collector asks
// that one then); nor does one whose backend warns that the other holds
// tables too, when it shows no Neutron chain.
func parseNAT(text string) (*topo.NATTable, error) {
	n, err := iptext.ParseNAT(text)
	if err != nil {
		return nil, err
	}
	switch {
	case n.Table == nil:
		return nil, errors.New("no nat table in it (iptables there may be the other backend than the L3 agent's)")
	case n.OtherBackend != "" && !n.Table.HasNeutronChains():
		return nil, fmt.Errorf("no Neutron chain in it, and it says %s tables are present too: the L3 agent's rules may be there, which this output does not show", n.OtherBackend)
	}
	return n.Table, nil
}

// hasNeutronNAT says whether an iptables-save output holds the L3 agent's
// chains (as collect reads it).
func hasNeutronNAT(text string) bool {
	n, err := iptext.ParseNAT(text)
	return err == nil && n.Table.HasNeutronChains()
}

// resolvePeers names the veth peers across the namespaces' devices
// (iptext.ResolvePeers); rootIDs are the ids the root namespace gives the
// others (its ip netns), nil when not read.
func resolvePeers(nss []topo.Namespace, links []*iptext.Links, rootIDs map[int]string) {
	scopes := make([]iptext.PeerScope, len(nss))
	for i := range nss {
		scopes[i] = iptext.PeerScope{NS: &nss[i], Lower: links[i].Lower}
		if nss[i].Root {
			scopes[i].IDs = rootIDs
		}
	}
	iptext.ResolvePeers(scopes)
}
