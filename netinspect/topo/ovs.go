package topo

import (
	"strconv"
	"strings"
)

// OVS is the Open vSwitch state of the node: the OVSDB rows ostopo reads and
// the OpenFlow tables of every bridge.
type OVS struct {
	UUID        string            `json:"uuid,omitempty"`
	Version     string            `json:"ovs_version,omitempty"`
	DBVersion   string            `json:"db_version,omitempty"`
	ExternalIDs map[string]string `json:"external_ids,omitempty"`
	OtherConfig map[string]string `json:"other_config,omitempty"`
	Managers    []Manager         `json:"managers"`
	Bridges     []Bridge          `json:"bridges"`
}

// Bridge returns the bridge with that name, or nil.
func (o *OVS) Bridge(name string) *Bridge {
	for i := range o.Bridges {
		if o.Bridges[i].Name == name {
			return &o.Bridges[i]
		}
	}
	return nil
}

// Port returns the port with that name on any bridge (OVS port names are
// unique across bridges), or nil.
func (o *OVS) Port(name string) *Port {
	for i := range o.Bridges {
		if p := o.Bridges[i].Port(name); p != nil {
			return p
		}
	}
	return nil
}

// PortOnBridge is an OVS port and the bridge that holds it.
type PortOnBridge struct {
	Bridge *Bridge
	Port   *Port
}

// PortIndex maps every OVS port name to its port and bridge, for code that
// looks ports up by name many times. A name OVS does not have maps to the
// zero PortOnBridge (nil Bridge and Port).
func (o *OVS) PortIndex() map[string]PortOnBridge {
	n := 0
	for i := range o.Bridges {
		n += len(o.Bridges[i].Ports)
	}
	idx := make(map[string]PortOnBridge, n)
	for i := range o.Bridges {
		b := &o.Bridges[i]
		for j := range b.Ports {
			idx[b.Ports[j].Name] = PortOnBridge{Bridge: b, Port: &b.Ports[j]}
		}
	}
	return idx
}

// Manager is a row of the Manager table.
type Manager struct {
	Target      string `json:"target"`
	IsConnected bool   `json:"is_connected"`
}

// Controller is a row of the Controller table.
type Controller struct {
	Target          string `json:"target"`
	IsConnected     bool   `json:"is_connected"`
	Role            string `json:"role,omitempty"`
	InactivityProbe int    `json:"inactivity_probe,omitempty"`
}

// Bridge is a row of the Bridge table with its ports and flows.
type Bridge struct {
	UUID         string            `json:"uuid"`
	Name         string            `json:"name"`
	FailMode     string            `json:"fail_mode,omitempty"`
	DatapathType string            `json:"datapath_type,omitempty"`
	DatapathID   string            `json:"datapath_id,omitempty"`
	Protocols    []string          `json:"protocols,omitempty"`
	ExternalIDs  map[string]string `json:"external_ids,omitempty"`
	OtherConfig  map[string]string `json:"other_config,omitempty"`
	Controllers  []Controller      `json:"controllers"`
	Ports        []Port            `json:"ports"`
	Flows        []Flow            `json:"flows"`
}

// Port returns the port with that name, or nil.
func (b *Bridge) Port(name string) *Port {
	for i := range b.Ports {
		if b.Ports[i].Name == name {
			return &b.Ports[i]
		}
	}
	return nil
}

// Port is a row of the Port table with its interfaces.
type Port struct {
	UUID        string            `json:"uuid"`
	Name        string            `json:"name"`
	Tag         int               `json:"tag,omitempty"` // 0: untagged
	Trunks      []int             `json:"trunks,omitempty"`
	VLANMode    string            `json:"vlan_mode,omitempty"`
	ExternalIDs map[string]string `json:"external_ids,omitempty"`
	OtherConfig map[string]string `json:"other_config,omitempty"`
	Interfaces  []Interface       `json:"interfaces"`
}

// Interface is a row of the Interface table.
type Interface struct {
	UUID        string            `json:"uuid"`
	Name        string            `json:"name"`
	Type        string            `json:"type,omitempty"` // "" (system), internal, patch, vxlan, gre, geneve...
	OFPort      int               `json:"ofport"`         // -1 when OVS could not open it
	Options     map[string]string `json:"options,omitempty"`
	ExternalIDs map[string]string `json:"external_ids,omitempty"`
	OtherConfig map[string]string `json:"other_config,omitempty"`
	LinkState   string            `json:"link_state,omitempty"`
	AdminState  string            `json:"admin_state,omitempty"`
	MTU         int               `json:"mtu,omitempty"`
	Error       string            `json:"error,omitempty"`
}

// Flow is one OpenFlow flow as ovs-ofctl dump-flows printed it.
type Flow struct {
	Table       int     `json:"table"`
	Priority    int     `json:"priority"`
	Cookie      string  `json:"cookie"`
	Match       string  `json:"match"` // without priority; port numbers as printed
	Actions     string  `json:"actions"`
	Packets     uint64  `json:"n_packets"`
	Bytes       uint64  `json:"n_bytes"`
	Duration    float64 `json:"duration_s,omitempty"`
	IdleTimeout int     `json:"idle_timeout,omitempty"`
	HardTimeout int     `json:"hard_timeout,omitempty"`
}

// MatchField returns the value of a match field ("in_port", "dl_vlan",
// "tun_id") and whether it is present. Bare protocol words ("arp") have "".
func (f *Flow) MatchField(key string) (string, bool) {
	for kv := range strings.SplitSeq(f.Match, ",") { // no slice: called per flow by Derive, doctor and trace
		k, v, _ := strings.Cut(kv, "=")
		if k == key {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}

// MatchInt returns a numeric match field (decimal or 0x hex).
func (f *Flow) MatchInt(key string) (int, bool) {
	v, ok := f.MatchField(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 0, 64)
	return int(n), err == nil
}

// ActionList splits the actions at top-level commas, keeping learn(...) whole.
func (f *Flow) ActionList() []string { return SplitActions(f.Actions) }

// SplitActions splits an OpenFlow action list (as ovs-ofctl prints it, or
// ofproto/trace's datapath actions) at the commas outside parentheses.
func SplitActions(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// ModVLAN returns the VLAN id a flow pushes or rewrites (mod_vlan_vid:N or
// set_field:N->vlan_vid with the present bit), if any.
func (f *Flow) ModVLAN() (int, bool) {
	for _, a := range f.ActionList() {
		if v, ok := strings.CutPrefix(a, "mod_vlan_vid:"); ok {
			n, err := strconv.Atoi(v)
			return n, err == nil
		}
		if v, ok := strings.CutPrefix(a, "set_field:"); ok && strings.HasSuffix(v, "->vlan_vid") {
			n, err := strconv.ParseInt(strings.TrimSuffix(v, "->vlan_vid"), 0, 32)
			return int(n) &^ 0x1000, err == nil
		}
	}
	return 0, false
}

// SetTunnelID returns the tunnel id a flow loads (load:0x3e9->NXM_NX_TUN_ID[],
// set_field:0x3e9->tun_id, set_tunnel:0x3e9), if any.
func (f *Flow) SetTunnelID() (int, bool) {
	for _, a := range f.ActionList() {
		var v string
		switch {
		case strings.HasPrefix(a, "load:") && strings.HasSuffix(a, "->NXM_NX_TUN_ID[]"):
			v = strings.TrimSuffix(strings.TrimPrefix(a, "load:"), "->NXM_NX_TUN_ID[]")
		case strings.HasPrefix(a, "set_field:") && strings.HasSuffix(a, "->tun_id"):
			v = strings.TrimSuffix(strings.TrimPrefix(a, "set_field:"), "->tun_id")
		case strings.HasPrefix(a, "set_tunnel:"), strings.HasPrefix(a, "set_tunnel64:"):
			_, v, _ = strings.Cut(a, ":")
		default:
			continue
		}
		n, err := strconv.ParseInt(v, 0, 64)
		return int(n), err == nil
	}
	return 0, false
}

// Outputs returns the ports named in output:N actions, as printed.
func (f *Flow) Outputs() []string {
	var out []string
	for _, a := range f.ActionList() {
		if v, ok := strings.CutPrefix(a, "output:"); ok {
			out = append(out, strings.Trim(v, `"`))
		}
	}
	return out
}
