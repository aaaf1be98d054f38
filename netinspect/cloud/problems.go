package cloud

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// crossProblems finds what only shows across nodes in the placed ports,
// networks and routers (the mesh and the flood lists find their own).
func (c *Cloud) crossProblems() {
	reported := c.routerProblems()
	c.portProblems(reported)
	c.macProblems()
	c.segmentProblems()
}

// routerProblems: a router that answers on two nodes. Returns the routers
// it reported, whose ports are then not reported once more each.
func (c *Cloud) routerProblems() map[string]bool {
	reported := map[string]bool{}
	for _, r := range c.Routers {
		subject := "router " + r.ID
		if len(r.Active) > 1 {
			reported[r.ID] = true
			var ev []string
			for _, on := range r.On {
				if slices.Contains(r.Active, on.Node) {
					ev = append(ev, routerEvidence(on))
				}
			}
			text := fmt.Sprintf("%s router active on %s: both answer for its addresses", r.Kind, strings.Join(r.Active, " and "))
			switch {
			case r.HA:
				text = fmt.Sprintf("HA router active on %s: keepalived holds its addresses on both (split brain: the HA network between them is cut)", strings.Join(r.Active, " and "))
			case r.Kind == "dvr":
				text = fmt.Sprintf("distributed router's centralized SNAT on %s: both answer for its gateway address", strings.Join(r.Active, " and "))
			case r.Kind == "legacy":
				text = fmt.Sprintf("legacy router's namespace on %s: both answer for its addresses (a namespace left behind after rescheduling?)", strings.Join(r.Active, " and "))
			}
			c.Problems = append(c.Problems, Problem{Kind: ProblemRouterActiveTwice, Severity: Error, Nodes: r.Active, Subject: subject, Text: text, Evidence: ev})
		}
		if len(r.RoleUnknown) > 0 {
			text := fmt.Sprintf("HA role on %s not known (state file or addresses not read)", strings.Join(r.RoleUnknown, ", "))
			switch len(r.Active) {
			case 0:
				text += ": whether it is active anywhere is unknown"
			case 1:
				text += fmt.Sprintf(": active on %s, and perhaps there too", r.Active[0])
			}
			c.Unknown = append(c.Unknown, Unknown{Kind: ProblemRouterActiveTwice, Nodes: r.RoleUnknown, Subject: subject, Text: text})
		} else if r.HA && len(r.Active) == 0 && r.Kind == "ha" {
			// No collected node holds it: its active node was not
			// collected, or none is active. Which cannot be told from
			// these snapshots.
			c.Unknown = append(c.Unknown, Unknown{Kind: ProblemRouterActiveTwice, Nodes: nodesOf(r.On), Subject: subject,
				Text: "HA router standing by on every collected node (" + strings.Join(nodesOf(r.On), ", ") + "): its active node was not collected, or none holds it"})
		}
	}
	return reported
}

func nodesOf(on []RouterOn) []string {
	var out []string
	for _, o := range on {
		out = append(out, o.Node)
	}
	return out
}

func routerEvidence(on RouterOn) string {
	s := fmt.Sprintf("%s: %s kind=%s", on.Node, on.Namespace, on.Kind)
	if on.HARole != "" || on.HAState != "" {
		s += fmt.Sprintf(" ha_role=%s state=%s", orDefault(on.HARole, "?"), orDefault(on.HAState, "?"))
	}
	if on.SNATNamespace != "" {
		s += " snat=" + on.SNATNamespace
	}
	if on.Gateway != "" {
		s += " gateway=" + on.Gateway
	}
	return s
}

func portEvidence(p Port, on PortOn) string {
	s := fmt.Sprintf("%s: %s on %s", on.Node, orDefault(on.OVSPort, on.Namespace), orDefault(on.Bridge, "?"))
	if on.Namespace != "" && on.OVSPort != "" {
		s += " in " + on.Namespace
	}
	s += fmt.Sprintf(" (port %s, %s, MAC %s, local VLAN %d", p.ID, p.Role, orDefault(p.MAC, "?"), on.LocalVLAN)
	if on.Dead {
		s += ", dead VLAN: not bound there"
	}
	return s + ")"
}

// portProblems: one port plugged on two nodes. A distributed router's qr-
// ports and an HA router's ports are on several nodes by design.
func (c *Cloud) portProblems(routerReported map[string]bool) {
	for _, p := range c.Ports {
		if len(p.Nodes) < 2 || p.Replicated != "" || routerReported[p.RouterID] {
			continue
		}
		var ev []string
		live := 0
		for _, on := range p.On {
			ev = append(ev, portEvidence(p, on))
			if !on.Dead {
				live++
			}
		}
		prob := Problem{Kind: ProblemPortOnTwoNodes, Severity: Error, Nodes: p.Nodes, Subject: "port " + p.ID, Evidence: ev,
			Text: fmt.Sprintf("%s port plugged on %s: both answer for its MAC and addresses", p.Role, strings.Join(p.Nodes, " and "))}
		if live < 2 {
			prob.Severity = Warning
			prob.Text = fmt.Sprintf("%s port plugged on %s, in the dead VLAN on all but one: a live migration under way, or its old plug left behind", p.Role, strings.Join(p.Nodes, " and "))
		}
		c.Problems = append(c.Problems, prob)
	}
}

// macProblems: two different ports with one MAC on two nodes. The same
// port on two nodes is portProblems'. A distributed or HA router's port
// is one port (one id) on all its nodes, so its MAC never counts twice;
// on the wire a DVR qr- MAC is rewritten to each node's DVR MAC, which
// the snapshot's port MAC is not.
func (c *Cloud) macProblems() {
	type use struct {
		port *Port
		node string
	}
	byMAC := map[string][]use{}
	for i := range c.Ports {
		p := &c.Ports[i]
		if p.MAC == "" {
			continue
		}
		for _, n := range p.Nodes {
			byMAC[p.MAC] = append(byMAC[p.MAC], use{p, n})
		}
	}
	for _, mac := range sortedKeys(byMAC) {
		uses := byMAC[mac]
		var nodes, ports, ev []string
		for _, u := range uses {
			if !slices.Contains(nodes, u.node) {
				nodes = append(nodes, u.node)
			}
			if !slices.Contains(ports, u.port.ID) {
				ports = append(ports, u.port.ID)
			}
			for _, on := range u.port.On {
				if on.Node == u.node {
					ev = append(ev, portEvidence(*u.port, on))
				}
			}
		}
		if len(nodes) < 2 || len(ports) < 2 {
			continue
		}
		sort.Strings(nodes)
		c.Problems = append(c.Problems, Problem{Kind: ProblemMACOnTwoNodes, Severity: Error, Nodes: nodes, Subject: "MAC " + mac, Evidence: ev,
			Text: fmt.Sprintf("MAC %s is used by %d ports on %s: the switches and the l2population tables learn it in two places", mac, len(ports), strings.Join(nodes, " and "))})
	}
}

// segmentProblems: one VNI for two networks, one network with two
// segments.
func (c *Cloud) segmentProblems() {
	type seg struct {
		typ string
		id  int
	}
	byVNI := map[seg]map[string][]string{} // segment -> network -> nodes
	for _, nw := range c.Networks {
		segs := map[string][]string{}
		var order []string
		for _, on := range nw.On {
			if on.Type == "" {
				continue
			}
			k := on.Type
			if on.SegmentationID != nil {
				k = fmt.Sprintf("%s %d", on.Type, *on.SegmentationID)
				if tunnelled(on.Type) {
					s := seg{on.Type, *on.SegmentationID}
					if byVNI[s] == nil {
						byVNI[s] = map[string][]string{}
					}
					byVNI[s][nw.ID] = append(byVNI[s][nw.ID], on.Node)
				}
			}
			if segs[k] == nil {
				order = append(order, k)
			}
			segs[k] = append(segs[k], on.Node)
		}
		if len(segs) < 2 {
			continue
		}
		var ev, nodes []string
		for _, k := range order {
			ev = append(ev, fmt.Sprintf("%s: %s (OVSDB other_config of its ports on br-int)", strings.Join(segs[k], ", "), k))
			nodes = append(nodes, segs[k]...)
		}
		sort.Strings(nodes)
		c.Problems = append(c.Problems, Problem{Kind: ProblemSegmentDiffers, Severity: Error, Nodes: slices.Compact(nodes), Subject: "network " + nw.ID, Evidence: ev,
			Text: fmt.Sprintf("network %s has different segments on different nodes (%s): their agents do not agree on it", nw.ID, strings.Join(order, " vs "))})
	}
	keys := make([]seg, 0, len(byVNI))
	for k := range byVNI {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].typ != keys[j].typ {
			return keys[i].typ < keys[j].typ
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		nets := byVNI[k]
		if len(nets) < 2 {
			continue
		}
		var ev, nodes []string
		for _, id := range sortedKeys(nets) {
			ev = append(ev, fmt.Sprintf("%s: network %s on %s %d", strings.Join(nets[id], ", "), id, k.typ, k.id))
			nodes = append(nodes, nets[id]...)
		}
		sort.Strings(nodes)
		nodes = slices.Compact(nodes)
		subject := fmt.Sprintf("%s %d", strings.ToUpper(k.typ), k.id)
		if k.typ == "vxlan" {
			subject = fmt.Sprintf("VNI %d", k.id)
		}
		c.Problems = append(c.Problems, Problem{Kind: ProblemVNIClash, Severity: Error, Nodes: nodes, Subject: subject, Evidence: ev,
			Text: fmt.Sprintf("%s %d carries %d networks (%s): across the tunnel their traffic lands in the wrong network", k.typ, k.id, len(nets), strings.Join(sortedKeys(nets), ", "))})
	}
}
