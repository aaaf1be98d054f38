package routefix

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Check is one pre-check of a plan.
type Check struct {
	What   string `json:"what"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Skipped: the check could not be made here (a replay cannot ask the
	// network); it does not block the plan.
	Skipped bool `json:"skipped,omitempty"`
}

// Plan is the repair: the default routes before and after, the equivalent
// command, and the pre-checks. Nothing in a plan changes the node.
type Plan struct {
	Namespace string       `json:"namespace"` // "" = the node's own
	Dev       string       `json:"dev"`
	Gateway   string       `json:"gateway"`
	Before    []topo.Route `json:"before"` // every IPv4 default route of the main table now
	After     topo.Route   `json:"after"`
	Command   string       `json:"command"`
	Checks    []Check      `json:"checks"`
	Reminder  string       `json:"reminder"`
}

// OK reports whether every pre-check passed.
func (p *Plan) OK() bool {
	for _, c := range p.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// ErrRefused is returned by Apply for a plan whose pre-checks failed.
var ErrRefused = errors.New("refused: a pre-check failed, nothing was changed")

// NewPlan works out the repair for the node's namespace from a snapshot.
// With dev empty it takes the first management candidate; the gateway must
// be given (ostopo cannot guess which host on the management network
// forwards and NATs). The "gateway answers" check is added by the caller
// that can probe the network (Probe).
func NewPlan(s *topo.Snapshot, dev, gateway string) (*Plan, error) {
	root := s.Root()
	if root == nil {
		return nil, errors.New("the snapshot has no node namespace")
	}
	ovsPorts := s.OVS.PortIndex()
	if dev == "" {
		c := Candidates(root, ovsPorts)
		if len(c) == 0 {
			return nil, errors.New("no management NIC candidate (up, with carrier and an IPv4 address, not an OVS port): give --dev")
		}
		dev = c[0].Dev
	}
	gw, err := netip.ParseAddr(gateway)
	if err != nil || !gw.Is4() {
		return nil, fmt.Errorf("gateway %q is not an IPv4 address (give --gateway, a host on %s's network that forwards and NATs)", gateway, dev)
	}
	p := &Plan{Namespace: s.Root().Name, Dev: dev, Gateway: gateway, Before: []topo.Route{},
		After:    topo.Route{Table: topo.RouteTableMain, Dst: "default", Gateway: gateway, Dev: dev, Family: 4, Protocol: "static"},
		Command:  "ip route replace default via " + gateway + " dev " + dev,
		Reminder: gateway + " must forward (net.ipv4.ip_forward=1) and NAT the node's traffic (e.g. iptables -t nat -A POSTROUTING -s <node network> -j MASQUERADE) for the node to reach the internet through it"}
	for _, rt := range root.Routes {
		if rt.Dst == "default" && rt.Table == topo.RouteTableMain && rt.Family == 4 {
			p.Before = append(p.Before, rt)
		}
	}
	l := root.Link(dev)
	switch {
	case l == nil:
		p.Checks = append(p.Checks, Check{What: "device exists", OK: false, Detail: dev + " is not a device of the node"})
	default:
		p.Checks = append(p.Checks, Check{What: "device exists", OK: true, Detail: fmt.Sprintf("%s (%s, mtu %d)", dev, l.Kind, l.MTU)})
		p.Checks = append(p.Checks, Check{What: "device up with carrier", OK: l.Up() && l.Carrier, Detail: fmt.Sprintf("oper_state %s, carrier %v", l.OperState, l.Carrier)})
		if br := ovsPorts[dev].Bridge; br != nil {
			p.Checks = append(p.Checks, Check{What: "device is not an OVS port", OK: false, Detail: dev + " is a port of " + br.Name})
		}
		in := Check{What: "gateway inside one of the device's subnets", Detail: gateway + " is in none of " + dev + "'s subnets"}
		for _, a := range l.Addrs {
			if pr, err := netip.ParsePrefix(a.Prefix); err == nil && pr.Addr().Is4() && pr.Masked().Contains(gw) && pr.Addr() != gw {
				in.OK, in.Detail = true, gateway+" is in "+pr.Masked().String()+" ("+a.Prefix+" on "+dev+")"
				p.Reminder = strings.Replace(p.Reminder, "<node network>", pr.Masked().String(), 1)
			}
		}
		p.Checks = append(p.Checks, in)
	}
	return p, nil
}
