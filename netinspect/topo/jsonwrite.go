package topo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// The snapshot's bulk (kernel links, OVS ports and flows, Neutron ports:
// 3 MB of a 1000-instance node's 3.5 MB) is written by hand below rather
// than by encoding/json's reflection, which spent 24 ms of CPU on it per
// snapshot, half of it growing and copying buffers, at the very end of
// the run where nothing else overlaps it. The bytes are encoding/json's
// (HTML escaping off, then '<' and the C1 controls escaped as
// safetext.JSON does), field for field: the tests compare both on every
// fixture (codec_test.go), on the 1000-instance snapshot and on snapshots
// built with every field filled in (jsonwrite_test.go), so a field added
// to one of these types and not written here fails them.
// Types with few values per node (sources, rules, NAT tables, networks,
// routers) are handed to encoding/json whole.

// jsonWriter appends JSON to b and, when it has a sink, passes it on
// whenever b holds flushSize bytes, so that b stays small. The first error
// (from encoding/json, a NaN or infinite number, which JSON cannot hold,
// or from the sink) is kept in err.
type jsonWriter struct {
	b    []byte
	sink io.Writer // nil: everything stays in b
	err  error
	// cold encodes the values handed to encoding/json.
	cold    bytes.Buffer
	coldEnc *json.Encoder
}

const flushSize = 32 << 10

func newJSONWriter(sink io.Writer) *jsonWriter {
	w := &jsonWriter{b: make([]byte, 0, 2*flushSize), sink: sink}
	w.coldEnc = json.NewEncoder(&w.cold)
	w.coldEnc.SetEscapeHTML(false)
	return w
}

// flushIfFull passes b on to the sink once it holds flushSize bytes.
func (w *jsonWriter) flushIfFull() {
	if w.sink != nil && len(w.b) >= flushSize {
		w.flush()
	}
}

// raw writes JSON encoded elsewhere: straight to the sink, after what b
// holds, rather than through b.
func (w *jsonWriter) raw(p []byte) {
	if w.sink == nil {
		w.b = append(w.b, p...)
		return
	}
	if w.flush() == nil {
		if _, err := w.sink.Write(p); err != nil {
			w.err = err
		}
	}
}

// flush passes b on to the sink and returns the first error so far.
func (w *jsonWriter) flush() error {
	if w.sink != nil && len(w.b) > 0 && w.err == nil {
		if _, err := w.sink.Write(w.b); err != nil {
			w.err = err
		}
		w.b = w.b[:0]
	}
	return w.err
}

// value writes v as encoding/json does, then with '<' and C1 escaped
// (safetext.JSON): the values handed to it whole (routers, NAT rules,
// sources) hold names and error texts too.
func (w *jsonWriter) value(v any) {
	w.cold.Reset()
	if err := w.coldEnc.Encode(v); err != nil {
		if w.err == nil {
			w.err = err
		}
		w.b = append(w.b, "null"...) // keeps the document well-formed; err is returned
		return
	}
	// safetext.JSON looks for what it rewrites with IndexByte
	// (vectorised): the 200 KB of these values on a 1000-instance node
	// cost no byte loop.
	w.b = append(w.b, safetext.JSON(bytes.TrimSuffix(w.cold.Bytes(), []byte("\n")))...)
}

// str writes a JSON string with encoding/json's escapes (quote, backslash
// and control characters; invalid UTF-8 as U+FFFD; U+2028 and U+2029) and
// safetext.JSON's: '<' and the C1 controls U+0080-U+009F as \u escapes,
// so that no tag survives a snapshot opened where HTML is rendered and no
// C1 CSI drives a terminal that cats it. '>' and '&' stay as they are
// (every flow holds load:0x3e9->NXM_NX_TUN_ID[], and people grep for it).
// Both checks sit in the one loop over the bytes, which is the snapshot's
// hot path: a second pass over 3.5 MB would cost more than they do. ASCII
// is looked up in jsonPlain: one load instead of four comparisons per byte,
// as fast as the three before '<' was escaped.
func (w *jsonWriter) str(s string) {
	const hex = "0123456789abcdef"
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonPlain[c] != 0 {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r <= 0x9f: // C1 (a decoded non-ASCII rune is at least 0x80)
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}

// jsonPlain[c] is 1 for an ASCII byte that a JSON string holds as it is:
// not a control character, '"', '\\' or '<' (TestJSONPlainTable).
const jsonPlain = "" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
	"\x01\x01\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"

func (w *jsonWriter) int(v int)     { w.b = strconv.AppendInt(w.b, int64(v), 10) }
func (w *jsonWriter) uint(v uint64) { w.b = strconv.AppendUint(w.b, v, 10) }
func (w *jsonWriter) bool(v bool)   { w.b = strconv.AppendBool(w.b, v) }
func (w *jsonWriter) null()         { w.b = append(w.b, "null"...) }

// float writes a float64 as encoding/json does (ES6 number formatting).
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		if w.err == nil {
			w.err = fmt.Errorf("json: unsupported value: %v", f)
		}
		w.null()
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// e-09 -> e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	w.b = b
}

func (w *jsonWriter) strs(v []string) { list(w, v, func(w *jsonWriter, s *string) { w.str(*s) }) }

// strMap writes a map with its keys sorted, as encoding/json does.
func (w *jsonWriter) strMap(m map[string]string) {
	if m == nil {
		w.null()
		return
	}
	var keysArr [16]string
	keys := keysArr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.b = append(w.b, '{')
	for i, k := range keys {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.str(k)
		w.b = append(w.b, ':')
		w.str(m[k])
	}
	w.b = append(w.b, '}')
}

// list writes a slice, each element by write; nil is null.
func list[T any](w *jsonWriter, v []T, write func(*jsonWriter, *T)) {
	if v == nil {
		w.null()
		return
	}
	w.b = append(w.b, '[')
	for i := range v {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		write(w, &v[i])
		w.flushIfFull()
	}
	w.b = append(w.b, ']')
}

// object writes the members of one JSON object; key starts a member.
type object struct {
	w *jsonWriter
	n int
}

func (w *jsonWriter) object() object {
	w.b = append(w.b, '{')
	return object{w: w}
}

func (o *object) end() { o.w.b = append(o.w.b, '}') }

// key starts a member; k is a literal field name (no escaping needed).
func (o *object) key(k string) *jsonWriter {
	if o.n > 0 {
		o.w.b = append(o.w.b, ',')
	}
	o.n++
	o.w.b = append(o.w.b, '"')
	o.w.b = append(o.w.b, k...)
	o.w.b = append(o.w.b, '"', ':')
	return o.w
}

func (o *object) str(k, v string)       { o.key(k).str(v) }
func (o *object) int(k string, v int)   { o.key(k).int(v) }
func (o *object) bool(k string, v bool) { o.key(k).bool(v) }

// The ...Omit forms leave out a zero value, as omitempty does.
func (o *object) strOmit(k, v string) {
	if v != "" {
		o.str(k, v)
	}
}

func (o *object) intOmit(k string, v int) {
	if v != 0 {
		o.int(k, v)
	}
}

func (o *object) boolOmit(k string, v bool) {
	if v {
		o.bool(k, v)
	}
}

func (o *object) strsOmit(k string, v []string) {
	if len(v) > 0 {
		o.key(k).strs(v)
	}
}

func (o *object) strMapOmit(k string, v map[string]string) {
	if len(v) > 0 {
		o.key(k).strMap(v)
	}
}

// writeNamespaces and the functions below write the snapshot's hot types.
func writeNamespaces(w *jsonWriter, v *[]Namespace) { list(w, *v, writeNamespace) }

func writeNamespace(w *jsonWriter, n *Namespace) {
	o := w.object()
	o.str("name", n.Name)
	o.boolOmit("root", n.Root)
	o.strOmit("path", n.Path)
	if n.Inode != 0 {
		o.key("inode").uint(n.Inode)
	}
	o.str("kind", n.Kind)
	o.strOmit("id", n.ID)
	if n.IPForward != nil {
		o.key("ip_forward").bool(*n.IPForward)
	}
	list(o.key("links"), n.Links, writeLink)
	list(o.key("routes"), n.Routes, writeRoute)
	o.intOmit("derived_routes_omitted", n.DerivedRoutesOmitted)
	o.key("rules").value(n.Rules)
	list(o.key("neighbors"), n.Neighbors, writeNeighbor)
	if n.NAT != nil {
		o.key("nat").value(n.NAT)
	}
	o.end()
}

func writeLink(w *jsonWriter, l *Link) {
	o := w.object()
	o.int("index", l.Index)
	o.str("name", l.Name)
	o.str("kind", l.Kind)
	o.strOmit("tun_mode", l.TunMode)
	o.strOmit("mac", l.MAC)
	o.int("mtu", l.MTU)
	o.str("oper_state", l.OperState)
	o.bool("admin_up", l.AdminUp)
	o.bool("carrier", l.Carrier)
	o.strOmit("master", l.Master)
	if p := l.Peer; p != nil {
		po := o.key("peer").object()
		po.str("namespace", p.Namespace)
		po.str("name", p.Name)
		po.int("index", p.Index)
		po.end()
	}
	o.intOmit("vlan_id", l.VLANID)
	o.strOmit("parent", l.Parent)
	o.intOmit("vni", l.VNI)
	list(o.key("addrs"), l.Addrs, writeAddr)
	o.end()
}

func writeAddr(w *jsonWriter, a *Addr) {
	o := w.object()
	o.str("prefix", a.Prefix)
	o.str("scope", a.Scope)
	o.strOmit("label", a.Label)
	o.end()
}

func writeRoute(w *jsonWriter, r *Route) {
	o := w.object()
	o.int("table", r.Table)
	o.strOmit("type", r.Type)
	o.str("dst", r.Dst)
	o.strOmit("gateway", r.Gateway)
	o.strOmit("dev", r.Dev)
	o.strOmit("src", r.Src)
	o.strOmit("protocol", r.Protocol)
	o.strOmit("scope", r.Scope)
	o.intOmit("metric", r.Metric)
	o.int("family", r.Family)
	o.end()
}

func writeNeighbor(w *jsonWriter, n *Neighbor) {
	o := w.object()
	o.str("ip", n.IP)
	o.strOmit("mac", n.MAC)
	o.str("dev", n.Dev)
	o.str("state", n.State)
	o.end()
}

func writeOVS(w *jsonWriter, v *OVS) {
	o := w.object()
	o.strOmit("uuid", v.UUID)
	o.strOmit("ovs_version", v.Version)
	o.strOmit("db_version", v.DBVersion)
	o.strMapOmit("external_ids", v.ExternalIDs)
	o.strMapOmit("other_config", v.OtherConfig)
	o.key("managers").value(v.Managers)
	list(o.key("bridges"), v.Bridges, writeBridge)
	o.end()
}

func writeBridge(w *jsonWriter, b *Bridge) {
	o := w.object()
	o.str("uuid", b.UUID)
	o.str("name", b.Name)
	o.strOmit("fail_mode", b.FailMode)
	o.strOmit("datapath_type", b.DatapathType)
	o.strOmit("datapath_id", b.DatapathID)
	o.strsOmit("protocols", b.Protocols)
	o.strMapOmit("external_ids", b.ExternalIDs)
	o.strMapOmit("other_config", b.OtherConfig)
	o.key("controllers").value(b.Controllers)
	list(o.key("ports"), b.Ports, writePort)
	list(o.key("flows"), b.Flows, writeFlow)
	o.end()
}

func writePort(w *jsonWriter, p *Port) {
	o := w.object()
	o.str("uuid", p.UUID)
	o.str("name", p.Name)
	o.intOmit("tag", p.Tag)
	if len(p.Trunks) > 0 {
		list(o.key("trunks"), p.Trunks, func(w *jsonWriter, t *int) { w.int(*t) })
	}
	o.strOmit("vlan_mode", p.VLANMode)
	o.strMapOmit("external_ids", p.ExternalIDs)
	o.strMapOmit("other_config", p.OtherConfig)
	list(o.key("interfaces"), p.Interfaces, writeInterface)
	o.end()
}

func writeInterface(w *jsonWriter, i *Interface) {
	o := w.object()
	o.str("uuid", i.UUID)
	o.str("name", i.Name)
	o.strOmit("type", i.Type)
	o.int("ofport", i.OFPort)
	o.strMapOmit("options", i.Options)
	o.strMapOmit("external_ids", i.ExternalIDs)
	o.strMapOmit("other_config", i.OtherConfig)
	o.strOmit("link_state", i.LinkState)
	o.strOmit("admin_state", i.AdminState)
	o.intOmit("mtu", i.MTU)
	o.strOmit("error", i.Error)
	o.end()
}

func writeFlow(w *jsonWriter, f *Flow) {
	o := w.object()
	o.int("table", f.Table)
	o.int("priority", f.Priority)
	o.str("cookie", f.Cookie)
	o.str("match", f.Match)
	o.str("actions", f.Actions)
	o.key("n_packets").uint(f.Packets)
	o.key("n_bytes").uint(f.Bytes)
	if f.Duration != 0 {
		o.key("duration_s").float(f.Duration)
	}
	o.intOmit("idle_timeout", f.IdleTimeout)
	o.intOmit("hard_timeout", f.HardTimeout)
	o.end()
}

func writeNeutron(w *jsonWriter, n *Neutron) {
	o := w.object()
	o.key("bridges").value(n.Bridges)
	list(o.key("ports"), n.Ports, writeNPort)
	o.key("networks").value(n.Networks)
	o.key("routers").value(n.Routers)
	o.key("tunnels").value(n.Tunnels)
	o.key("patch_pairs").value(n.PatchPairs)
	o.key("provider_nics").value(n.ProviderNICs)
	o.key("dead_vlan_ports").strs(n.DeadVLANPorts)
	o.key("problems").strs(n.Problems)
	o.end()
}

func writeNPort(w *jsonWriter, p *NPort) {
	o := w.object()
	o.str("id", p.ID)
	o.str("role", p.Role)
	o.strOmit("mac", p.MAC)
	o.strOmit("network_id", p.NetworkID)
	o.int("local_vlan", p.LocalVLAN)
	o.strOmit("instance_id", p.InstanceID)
	o.strOmit("firewall", p.Firewall)
	o.strOmit("bridge", p.Bridge)
	o.strOmit("ovs_port", p.OVSPort)
	o.intOmit("ofport", p.OFPort)
	o.strOmit("namespace", p.Namespace)
	o.strOmit("router_id", p.RouterID)
	o.strsOmit("fixed_ips", p.FixedIPs)
	d := o.key("devices").object()
	for _, dev := range [...]struct {
		key string
		d   *Device
	}{{"tap", p.Devices.Tap}, {"qbr", p.Devices.QBR}, {"qvb", p.Devices.QVB}, {"qvo", p.Devices.QVO}} {
		if dev.d != nil {
			writeDevice(d.key(dev.key), dev.d)
		}
	}
	d.end()
	o.boolOmit("dead", p.Dead)
	o.strOmit("dead_reason", p.DeadReason)
	o.key("problems").strs(p.Problems)
	o.strsOmit("unknown", p.Unknown)
	o.strOmit("not_programmed", p.NotProgrammed)
	o.end()
}

func writeDevice(w *jsonWriter, d *Device) {
	o := w.object()
	o.str("name", d.Name)
	o.strOmit("namespace", d.Namespace)
	o.bool("in_kernel", d.InKernel)
	o.strOmit("on_bridge", d.OnBridge)
	o.strOmit("oper_state", d.OperState)
	o.bool("up", d.Up)
	o.intOmit("mtu", d.MTU)
	o.strOmit("mac", d.MAC)
	o.strOmit("peer", d.Peer)
	o.end()
}
