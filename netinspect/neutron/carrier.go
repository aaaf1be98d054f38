package neutron

import (
	"fmt"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Why a kernel device passes no traffic. The three need different hands:
// a device set down is brought up with ip link; a device that is up but
// has no carrier (NO-CARRIER) has nothing at its other end (a tap that
// no qemu holds open, a veth whose peer is down), and setting it up
// changes nothing.
const (
	FaultAdminDown = "admin_down" // ip link set X down
	FaultNoCarrier = "no_carrier" // up, but IFF_LOWER_UP is clear
	FaultOperDown  = "oper_down"  // up with carrier, yet the kernel says down (dormant, testing)
)

// Fault says why a device passes no traffic: "" when it does.
func Fault(l *topo.Link) string {
	switch {
	case !l.AdminUp:
		return FaultAdminDown
	case !l.Carrier:
		return FaultNoCarrier
	}
	switch l.OperState {
	// Both spellings: the kernel's (and ip's) and the netlink library's,
	// which collection records ("lower-layer-down").
	case "down", "lowerlayerdown", "lower-layer-down", "notpresent", "not-present", "dormant", "testing":
		return FaultOperDown
	}
	return ""
}

// Trouble is a device that passes no traffic, and what to do about it.
type Trouble struct {
	Device    string `json:"device"`
	Namespace string `json:"namespace,omitempty"`
	Fault     string `json:"fault"` // FaultAdminDown, FaultNoCarrier, FaultOperDown
	// Problem is one line for a port's problems and a trace hop.
	Problem string `json:"problem"`
	// Found is the device's state in a few words ("admin down", "up, no
	// carrier (oper state down)").
	Found string `json:"found"`
	// Next is what to run: ip link set … up for a device set down; for a
	// tap without carrier, where its instance is and who holds the tap.
	Next string `json:"next"`
}

// LinkLookup finds a kernel device by namespace ("" for the node's own)
// and name, or returns nil.
type LinkLookup func(ns, name string) *topo.Link

// Links indexes every device of a snapshot, for looking many up.
func Links(s *topo.Snapshot) LinkLookup {
	n := 0
	for i := range s.Namespaces {
		n += len(s.Namespaces[i].Links)
	}
	idx := make(map[[2]string]*topo.Link, n)
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		name := ns.Name
		if ns.Root {
			name = ""
		}
		for j := range ns.Links {
			idx[[2]string{name, ns.Links[j].Name}] = &ns.Links[j]
		}
	}
	return func(ns, name string) *topo.Link { return idx[[2]string{ns, name}] }
}

// inNS prefixes a command with ip netns exec for a device in a namespace.
func inNS(ns, cmd string) string {
	if ns == "" {
		return cmd
	}
	return "ip netns exec " + ns + " " + cmd
}

// TroubleOf explains a device that passes no traffic, nil when it does.
// instanceID (the port's vm-uuid, may be empty) and portID name what a tap
// without carrier belongs to; links finds a veth's peer. How the node runs
// its services is unknown to it: a hint that depends on it names each way
// (TroubleOn knows).
func TroubleOf(ns string, l *topo.Link, instanceID, portID string, links LinkLookup) *Trouble {
	return TroubleOn(nil, ns, l, instanceID, portID, links)
}

// TroubleOn is TroubleOf on a node deployed as dep (the snapshot's
// Deployment; nil when unknown): a hint that runs a command where the
// service lives names kolla's container only on a kolla node.
func TroubleOn(dep *topo.Deployment, ns string, l *topo.Link, instanceID, portID string, links LinkLookup) *Trouble {
	fault := Fault(l)
	if fault == "" {
		return nil
	}
	t := &Trouble{Device: l.Name, Namespace: ns, Fault: fault}
	switch fault {
	case FaultAdminDown:
		// The text ports have always carried for a device set down.
		t.Problem = fmt.Sprintf("%s is down (oper state %s)", l.Name, l.OperState)
		t.Found = "admin down (oper state " + l.OperState + ")"
		t.Next = inNS(ns, "ip link set "+l.Name+" up")
	case FaultOperDown:
		t.Problem = fmt.Sprintf("%s is down (oper state %s)", l.Name, l.OperState)
		t.Found = "up, with carrier, oper state " + l.OperState
		t.Next = inNS(ns, "ip -d link show "+l.Name) + " (the driver or a protocol holds it down)"
	case FaultNoCarrier:
		t.Found = "up, no carrier (oper state " + l.OperState + ")"
		t.Problem, t.Next = noCarrier(dep, ns, l, instanceID, portID, links)
	}
	return t
}

// noCarrier says what to look at for a device that is up without
// carrier, by kind: what holds its other end.
func noCarrier(dep *topo.Deployment, ns string, l *topo.Link, instanceID, portID string, links LinkLookup) (problem, next string) {
	holder := "grep -l 'iff:[[:space:]]*" + l.Name + "$' /proc/[0-9]*/fdinfo/*"
	switch {
	case l.Kind == "tuntap" && ns != "":
		// Not an instance's tap (those live in the node's namespace): an
		// OVS internal port of the userspace datapath, which
		// ovs-vswitchd holds.
		problem = fmt.Sprintf("%s is up but has no carrier: nothing holds it open", l.Name)
		next = "who holds it: " + holder + " (no output: nothing does; for an OVS internal port, is ovs-vswitchd running?)"
	case l.Kind == "tuntap":
		// A tap has carrier only while a process (qemu) holds its file
		// descriptor: the tun driver's fdinfo names the device ("iff:"),
		// so grep finds the holder, and finding none is the answer.
		inst := instanceID
		if inst == "" {
			inst = "<instance>"
		}
		problem = fmt.Sprintf("%s is up but has no carrier: nothing holds it open (instance %s not running, or its qemu lost the device)", l.Name, inst)
		var show string
		if instanceID != "" {
			show = "openstack server show " + instanceID + " (status, host)"
		} else {
			show = "openstack port show " + portID + " -c device_id -c binding_host_id, then openstack server show <device_id>"
		}
		next = show + "; on this node: " + virsh(dep, inst) + "; who holds the tap: " + holder + " (no output: nothing does)"
	case l.Kind == "veth":
		peer, peerNS := "", ""
		if l.Peer != nil {
			peer, peerNS = l.Peer.Name, l.Peer.Namespace
		}
		var pl *topo.Link
		if peer != "" && links != nil {
			pl = links(peerNS, peer)
		}
		switch {
		case peer == "":
			problem = fmt.Sprintf("%s is up but has no carrier: its veth peer is in a namespace that was not read, or gone", l.Name)
			next = inNS(ns, "ip -d link show "+l.Name) + " (link-netns names the peer's namespace)"
		case pl != nil && !pl.AdminUp:
			problem = fmt.Sprintf("%s is up but has no carrier: its veth peer %s%s is down", l.Name, peer, where(peerNS))
			next = inNS(peerNS, "ip link set "+peer+" up")
		default:
			problem = fmt.Sprintf("%s is up but has no carrier: its veth peer %s%s is down or gone", l.Name, peer, where(peerNS))
			next = inNS(peerNS, "ip link show "+peer) + "; bring it up (ip link set " + peer + " up)"
		}
	case l.Kind == "bridge":
		problem = fmt.Sprintf("%s is up but has no carrier: none of its ports is up", l.Name)
		next = inNS(ns, "ip link show master "+l.Name)
	default:
		problem = fmt.Sprintf("%s is up but has no carrier: nothing answers at the other end (cable, switch port, or the lower device)", l.Name)
		next = inNS(ns, "ip -s link show "+l.Name) + "; ethtool " + l.Name + "; check the cable and the switch port"
	}
	return problem, next
}

// virsh is how to ask libvirt about an instance on the node (virsh
// domstate, then list --all): in kolla's nova_libvirt container on a
// kolla node, plain on a node whose agents run from packages or by hand
// (libvirtd on the host), and both ways when how the node runs is
// unknown or neither (another orchestrator's pods, a mix). The deployment
// is read from Neutron's agents: kolla puts nova's libvirt in a container
// beside them, packages on the host.
func virsh(dep *topo.Deployment, inst string) string {
	const kolla = "nova_libvirt" // kolla-ansible's libvirt container
	plain := "virsh domstate " + inst + "; virsh list --all"
	style, engine := "", ""
	if dep != nil {
		style, engine = dep.Style, dep.Engine
	}
	switch style {
	case topo.DeployKolla:
		switch engine {
		case "docker", "podman":
			return engine + " exec " + kolla + " virsh domstate " + inst + "; " + engine + " exec " + kolla + " virsh list --all"
		}
		return "docker exec " + kolla + " virsh domstate " + inst + "; docker exec " + kolla + " virsh list --all (podman exec under podman)"
	case topo.DeploySystemd, topo.DeployProcess:
		return plain
	}
	return plain + " (kolla: docker exec " + kolla + " virsh …)"
}

func where(ns string) string {
	switch ns {
	case "":
		return ""
	case "?":
		return " (in a namespace that was not read)"
	}
	return " (in " + ns + ")"
}

// PortTroubles returns the troubles of a port's devices in path order,
// leaving out a device whose fault another device of the port already
// explains: a veth whose peer in the chain is faulty (qvb set down leaves
// qvo without carrier), a bridge one of whose members is faulty.
func PortTroubles(p *topo.NPort, links LinkLookup) []Trouble {
	return PortTroublesOn(nil, p, links)
}

// PortTroublesOn is PortTroubles on a node deployed as dep (see TroubleOn).
func PortTroublesOn(dep *topo.Deployment, p *topo.NPort, links LinkLookup) []Trouble {
	type member struct {
		dev  *topo.Device
		link *topo.Link
	}
	var ms []member
	for _, d := range []*topo.Device{p.Devices.Tap, p.Devices.QBR, p.Devices.QVB, p.Devices.QVO} {
		if d == nil || !d.InKernel {
			continue
		}
		if l := links(d.Namespace, d.Name); l != nil {
			ms = append(ms, member{d, l})
		}
	}
	faulty := map[string]bool{}
	for _, m := range ms {
		if Fault(m.link) != "" {
			faulty[m.link.Name] = true
		}
	}
	var out []Trouble
	for _, m := range ms {
		t := TroubleOn(dep, m.dev.Namespace, m.link, p.InstanceID, p.ID, links)
		if t == nil || explained(m.link, faulty) {
			continue
		}
		out = append(out, *t)
	}
	return out
}

// explained reports whether a device without carrier owes it to another
// faulty device of the same chain.
func explained(l *topo.Link, faulty map[string]bool) bool {
	if Fault(l) != FaultNoCarrier {
		return false
	}
	switch l.Kind {
	case "veth":
		return l.Peer != nil && faulty[l.Peer.Name]
	case "bridge":
		for name := range faulty {
			if name != l.Name {
				return true
			}
		}
	}
	return false
}
