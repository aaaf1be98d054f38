package topo

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/ostopo/ostopo/netinspect/safetext"
)

// ErrSchema is returned for a snapshot whose schema ostopo does not read.
var ErrSchema = errors.New("unsupported snapshot schema")

// Encode writes the snapshot as compact JSON in a stable order. Compact
// because indenting a 1000-instance node (10 MB) costs a second full pass;
// EncodeIndent is for files people read and diff (fixtures, --pretty).
// '<' and the C1 controls (U+0080-U+009F) are written as \u escapes: a
// snapshot travels, and its names are whoever ran the node's; without
// them no HTML tag survives where the JSON is rendered and `cat` cannot
// drive a terminal. '>' and '&' stay as they are (flows hold "->").
func Encode(w io.Writer, s *Snapshot) error { return encode(w, s, false) }

// EncodeIndent writes the snapshot as indented JSON in a stable order.
// Like Encode, it writes '<' and the C1 controls as \u escapes, so that a
// snapshot from someone else's node holds no HTML tag and nothing that
// drives a terminal; '>' and '&' stay as they are.
func EncodeIndent(w io.Writer, s *Snapshot) error { return encode(w, s, true) }

func encode(w io.Writer, s *Snapshot, indent bool) error {
	s.Schema = Schema
	s.Normalize()
	if !indent {
		return encodeFieldsAtOnce(w, s, nil)
	}
	// Into a buffer first: '<' and the C1 controls are then escaped as the
	// compact encoder escapes them (safetext.JSON). Indented documents are
	// for people (fixtures, --pretty), not the hot path.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if _, err := w.Write(safetext.JSON(buf.Bytes())); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// EncodeDeriving is Encode for a snapshot of facts whose Neutron view is
// not derived yet: derive runs while the facts are being encoded, and its
// result is encoded when it is ready. Derive only reads the facts, as
// encoding does. On a 1000-instance node this takes a third off the time
// between the end of the collection and the last byte written.
func EncodeDeriving(w io.Writer, s *Snapshot, derive func(*Snapshot) Neutron) error {
	s.Schema = Schema
	s.normalizeFacts()
	return encodeFieldsAtOnce(w, s, func() {
		s.Neutron = derive(s)
		s.Neutron.normalize()
	})
}

// encodeFieldsAtOnce writes what json.Encoder (HTML escaping off) writes
// for the snapshot, with '<' and the C1 controls escaped as safetext.JSON
// escapes them, byte for byte (TestEncodeFieldsAtOnce,
// TestHandWrittenJSONMatchesEncodingJSON). The facts are written as they
// are encoded, 32 KiB at a time, while the Neutron view is derived (when
// deriveNeutron is set) or encoded into a buffer on a goroutine of its
// own; it comes last in the document. Streaming keeps the 3.5 MB of JSON
// of a 1000-instance node out of memory: fresh memory costs a page fault
// per 4 KiB, and this is the snapshot's last, serial step. The fields are
// walked by reflection so that one added to Snapshot needs nothing here; a
// tag may hold a name and omitempty, read as encoding/json reads them.
func encodeFieldsAtOnce(w io.Writer, s *Snapshot, deriveNeutron func()) error {
	type field struct {
		key   string
		value any // the field's address
	}
	v := reflect.ValueOf(s).Elem()
	var fields []field
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		fv := v.Field(i)
		if !sf.IsExported() || name == "-" || opts == "omitempty" && emptyJSON(fv) {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields = append(fields, field{name, fv.Addr().Interface()})
	}

	var neutron *jsonWriter // encoded ahead, when there is nothing to derive
	neutronDone := make(chan struct{})
	go func() {
		defer close(neutronDone)
		if deriveNeutron != nil {
			deriveNeutron()
			return
		}
		neutron = newJSONWriter(nil)
		writeField(neutron, &s.Neutron)
	}()
	defer func() { <-neutronDone }()

	out := newJSONWriter(w)
	out.b = append(out.b, '{')
	for i, f := range fields {
		if i > 0 {
			out.b = append(out.b, ',')
		}
		out.str(f.key)
		out.b = append(out.b, ':')
		if _, ok := f.value.(*Neutron); ok {
			<-neutronDone
			if neutron != nil {
				if neutron.err != nil {
					return fmt.Errorf("encode snapshot: field %s: %w", f.key, neutron.err)
				}
				out.raw(neutron.b)
				continue
			}
		}
		writeField(out, f.value)
		if out.err != nil {
			return fmt.Errorf("encode snapshot: field %s: %w", f.key, out.err)
		}
	}
	out.b = append(out.b, '}', '\n')
	if err := out.flush(); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// writeField writes one top-level field, given its address: by hand
// (jsonwrite.go) for the three bulky ones, by encoding/json for the rest.
func writeField(w *jsonWriter, p any) {
	switch p := p.(type) {
	case *[]Namespace:
		writeNamespaces(w, p)
	case *OVS:
		writeOVS(w, p)
	case *Neutron:
		writeNeutron(w, p)
	default:
		w.value(reflect.ValueOf(p).Elem().Interface())
	}
}

// emptyJSON is encoding/json's test for omitempty.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Struct:
		return false
	}
	return v.IsZero()
}

// DefaultMaxBytes bounds what Decode reads, compressed and decompressed:
// about twenty times a 1000-instance node's snapshot (6.5 MB indented),
// so any real node fits, while /dev/zero or a gzip bomb ends in an error
// instead of the machine's OOM killer.
const DefaultMaxBytes = 128 << 20

// bytesPerContainer bounds the objects and arrays a document of n bytes may
// hold to n/bytesPerContainer. Each decodes into a struct or a slice of
// up to a few hundred bytes, so a document of nothing but "{}," would
// otherwise take a hundred times its size in memory; a real snapshot has
// one per 100 (compact) to 180 (indented) bytes.
const bytesPerContainer = 64

// ErrTooLarge is returned for input past the bound given to DecodeLimit.
var ErrTooLarge = errors.New("snapshot too large")

// Decode reads a snapshot (plain or gzip-compressed JSON) of at most
// DefaultMaxBytes, rejecting truncated or corrupt data, trailing garbage
// and any schema other than Schema.
func Decode(r io.Reader) (*Snapshot, error) { return DecodeLimit(r, DefaultMaxBytes) }

// DecodeLimit is Decode reading at most limit bytes, compressed and again
// decompressed, and at most limit/64 JSON objects and arrays.
func DecodeLimit(r io.Reader, limit int64) (*Snapshot, error) {
	s, _, err := DecodeLimitSize(r, limit)
	return s, err
}

// DecodeLimitSize is DecodeLimit also saying how many bytes of JSON (once
// decompressed) the snapshot took: what a caller reading many snapshots
// counts against a budget for all of them.
func DecodeLimitSize(r io.Reader, limit int64) (*Snapshot, int64, error) {
	s, data, err := decodeLimit(r, limit)
	return s, int64(len(data)), err
}

func decodeLimit(r io.Reader, limit int64) (*Snapshot, []byte, error) {
	data, err := readAtMost(r, limit, "")
	if err != nil {
		return nil, nil, err
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, data, fmt.Errorf("corrupt snapshot: gzip: %w", err)
		}
		if data, err = readAtMost(zr, limit, "decompressed "); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, nil, err
			}
			return nil, data, fmt.Errorf("truncated or corrupt gzip snapshot: %w", err)
		}
	}
	if n, max := containers(data), int64(len(data))/bytesPerContainer+1024; n > max {
		return nil, data, fmt.Errorf("%w: %d JSON objects and arrays in %d bytes (at most one per %d bytes is read)", ErrTooLarge, n, len(data), bytesPerContainer)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, data, errors.New("snapshot is empty")
	}
	// Check the schema first so that a newer or foreign document gets the
	// schema error, not a confusing field error.
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, data, describeJSONError(data, err)
	}
	switch {
	case head.Schema == nil:
		return nil, data, fmt.Errorf("%w: no \"schema\" field (not an ostopo snapshot?)", ErrSchema)
	case *head.Schema != Schema:
		return nil, data, fmt.Errorf("%w %q (this ostopo reads %q)", ErrSchema, *head.Schema, Schema)
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, data, describeJSONError(data, err)
	}
	return &s, data, nil
}

// readAtMost reads r to its end, or fails past limit bytes.
func readAtMost(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: %smore than %s (the limit; --max-input raises it)", ErrTooLarge, what, FormatBytes(limit))
	}
	return data, nil
}

// containers counts the JSON objects and arrays in data: the '{' and '['
// outside strings. A byte loop, 2-3 ms on a 1000-instance snapshot.
func containers(data []byte) int64 {
	var n int64
	inString, escaped := false, false
	for _, c := range data {
		switch {
		case inString && escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			n++
		}
	}
	return n
}

// FormatBytes writes a byte count as people read it: 128 MiB, 1.5 GiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input"):
		return fmt.Errorf("truncated snapshot: JSON ends early after %d bytes", len(data))
	case errors.As(err, &syn):
		line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("corrupt snapshot: line %d: %v", line, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("corrupt snapshot: field %q: %v", typ.Field, typ)
	}
	return fmt.Errorf("corrupt snapshot: %w", err)
}

// Normalize sorts every list into a stable order so that two snapshots of
// the same node encode to the same bytes. Sorting is stable and generic
// (no reflection, no struct copies per comparison): a 1000-instance node
// has lists of 4,000 devices and flows, and Normalize runs again on every
// encode, where the lists are already in order.
func (s *Snapshot) Normalize() {
	s.normalizeFacts()
	s.Neutron.normalize()
}

// normalizeFacts is Normalize for everything but the Neutron view.
func (s *Snapshot) normalizeFacts() {
	sortStable(s.Sources, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	sortStable(s.Namespaces, func(a, b Namespace) int {
		if a.Root != b.Root {
			if a.Root {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := range s.Namespaces {
		s.Namespaces[i].Normalize()
	}
	sortStable(s.OVS.Managers, func(a, b Manager) int { return strings.Compare(a.Target, b.Target) })
	sortStable(s.OVS.Bridges, func(a, b Bridge) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.OVS.Bridges {
		s.OVS.Bridges[i].Normalize()
	}
	sortStable(s.Agent.DHCP, func(a, b DHCPNetwork) int { return strings.Compare(a.NetworkID, b.NetworkID) })
	for i := range s.Agent.DHCP {
		sortStable(s.Agent.DHCP[i].Hosts, func(a, b DHCPHost) int {
			return compareJoined(a.MAC, a.IP, b.MAC, b.IP)
		})
	}
	if s.Deployment != nil {
		s.Deployment.Normalize()
	}
	sortStable(s.ARPProbes, func(a, b ARPProbe) int {
		return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Device, b.Device))
	})
}

// sortStable is slices.SortStableFunc, which moves nothing in a sorted
// slice but still compares its way through it: Normalize runs on every
// encode, mostly on lists sorted where they were read (4,000 flows and as
// many devices on a 1000-instance node), and checking costs n-1
// comparisons.
func sortStable[E any](s []E, cmp func(a, b E) int) {
	if !slices.IsSortedFunc(s, cmp) {
		slices.SortStableFunc(s, cmp)
	}
}

// compareJoined compares a1+a2 with b1+b2 without joining them (this runs
// for every comparison of a node's thousand DHCP hosts).
func compareJoined(a1, a2, b1, b2 string) int {
	if len(a1) == len(b1) { // the common case: equal-length MACs
		return cmp.Or(strings.Compare(a1, b1), strings.Compare(a2, b2))
	}
	at := func(x1, x2 string, i int) byte {
		if i < len(x1) {
			return x1[i]
		}
		return x2[i-len(x1)]
	}
	la, lb := len(a1)+len(a2), len(b1)+len(b2)
	for i := range min(la, lb) {
		if ca, cb := at(a1, a2, i), at(b1, b2, i); ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(la, lb)
}

// SortFlows orders flows as ovs-ofctl --sort does within a table: by table,
// then priority (highest first), then match text.
// Equal flows keep their order. ovs-ofctl prints a table's flows in no
// order, and a stable sort moving 4,000 flows of 120 bytes about took
// twice as long as sorting their positions (ties broken by position, which
// keeps it stable) and moving each flow once.
func SortFlows(f []Flow) {
	compare := func(a, b *Flow) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(b.Priority, a.Priority), strings.Compare(a.Match, b.Match))
	}
	sorted := true
	for i := 1; i < len(f) && sorted; i++ {
		sorted = compare(&f[i-1], &f[i]) <= 0
	}
	if sorted {
		return
	}
	order := make([]int32, len(f))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int { return cmp.Or(compare(&f[i], &f[j]), cmp.Compare(i, j)) })
	moved := make([]Flow, len(f))
	for to, from := range order {
		moved[to] = f[from]
	}
	copy(f, moved)
}

// Normalize sorts the bridge's lists (Snapshot.Normalize does it for every
// bridge; a reader may do it as soon as one is read).
func (b *Bridge) Normalize() {
	sortStable(b.Controllers, func(x, y Controller) int { return strings.Compare(x.Target, y.Target) })
	sortStable(b.Ports, func(x, y Port) int { return strings.Compare(x.Name, y.Name) })
	for j := range b.Ports {
		sortStable(b.Ports[j].Interfaces, func(x, y Interface) int { return strings.Compare(x.Name, y.Name) })
	}
	SortFlows(b.Flows)
}

// Normalize sorts the namespace's lists (Snapshot.Normalize does it for
// every namespace; a reader may do it as soon as one is read).
func (n *Namespace) Normalize() {
	sortStable(n.Links, func(a, b Link) int { return cmp.Compare(a.Index, b.Index) })
	sortStable(n.Routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Family, b.Family),
			strings.Compare(a.Dst, b.Dst), cmp.Compare(a.Metric, b.Metric), strings.Compare(a.Dev, b.Dev))
	})
	sortStable(n.Rules, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Priority, b.Priority))
	})
	sortStable(n.Neighbors, func(a, b Neighbor) int {
		return cmp.Or(strings.Compare(a.Dev, b.Dev), strings.Compare(a.IP, b.IP))
	})
}

func (n *Neutron) normalize() {
	sortStable(n.Bridges, func(a, b BridgeRole) int { return strings.Compare(a.Name, b.Name) })
	sortStable(n.Ports, func(a, b NPort) int { return strings.Compare(a.ID, b.ID) })
	sortStable(n.Networks, func(a, b Network) int { return strings.Compare(a.ID, b.ID) })
	for i := range n.Networks {
		slices.Sort(n.Networks[i].Ports)
		slices.Sort(n.Networks[i].Routers)
	}
	sortStable(n.Routers, func(a, b Router) int { return strings.Compare(a.ID, b.ID) })
	for i := range n.Routers {
		r := &n.Routers[i]
		sortStable(r.Interfaces, func(a, b RouterInterface) int { return strings.Compare(a.Device, b.Device) })
		sortStable(r.FloatingIPs, func(a, b FloatingIP) int { return strings.Compare(a.FloatingIP, b.FloatingIP) })
	}
	sortStable(n.Tunnels, func(a, b Tunnel) int { return strings.Compare(a.Port, b.Port) })
	// "bridge/port" as one text, as snapshots have always been ordered
	// ('-' sorts before '/': br-ex-2/x comes before br-ex/x).
	sortStable(n.PatchPairs, func(a, b PatchPair) int {
		return strings.Compare(a.Bridge+"/"+a.Port, b.Bridge+"/"+b.Port)
	})
	sortStable(n.ProviderNICs, func(a, b ProviderNIC) int {
		return strings.Compare(a.Bridge+"/"+a.Name, b.Bridge+"/"+b.Name)
	})
	slices.Sort(n.DeadVLANPorts)
}
