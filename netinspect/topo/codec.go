package topo

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// ErrSchema is returned for a snapshot whose schema ostopo does not read.
var ErrSchema = errors.New("unsupported snapshot schema")

// Encode writes the snapshot as compact JSON in a stable order. Compact
// because indenting a 1000-instance node (10 MB) costs a second full pass;
// EncodeIndent is for files people read and diff (fixtures, --pretty).
func Encode(w io.Writer, s *Snapshot) error { return encode(w, s, false) }

// EncodeIndent writes the snapshot as indented JSON in a stable order.
func EncodeIndent(w io.Writer, s *Snapshot) error { return encode(w, s, true) }

func encode(w io.Writer, s *Snapshot, indent bool) error {
	s.Schema = Schema
	s.Normalize()
	if !indent {
		return encodeFieldsAtOnce(w, s, nil)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
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
// for the snapshot, byte for byte (TestEncodeFieldsAtOnce), but encodes
// the top-level fields at the same time: namespaces, OVS and Neutron are
// a megabyte of JSON apiece on a 1000-instance node, and the snapshot is
// written when the collection is over and every core is free. One worker
// per core takes the fields in turn, Neutron first: deriving it (when
// deriveNeutron is set) and then encoding it is the longest chain, and
// with a goroutine per field it waited its turn behind the facts'
// encoders. The fields are walked by reflection so that one added to
// Snapshot needs nothing here; a tag may hold a name and omitempty, read
// as encoding/json reads them.
func encodeFieldsAtOnce(w io.Writer, s *Snapshot, deriveNeutron func()) error {
	type field struct {
		key    string
		value  any // the field's address
		derive func()
		out    []byte
		err    error
	}
	v := reflect.ValueOf(s).Elem()
	var fields []*field
	queue := make(chan *field, v.NumField())
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
		f := &field{key: name, value: fv.Addr().Interface()}
		fields = append(fields, f)
		if sf.Name == "Neutron" {
			f.derive = deriveNeutron
			queue <- f // first
		}
	}
	for _, f := range fields {
		if _, isNeutron := f.value.(*Neutron); !isNeutron {
			queue <- f
		}
	}
	close(queue)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(fields)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range queue {
				if f.derive != nil {
					f.derive()
				}
				f.out, f.err = encodeField(f.value)
			}
		}()
	}
	wg.Wait()
	// Written part by part: joining them first would copy the document
	// once more.
	out := bufio.NewWriter(w)
	out.WriteByte('{')
	for i, f := range fields {
		if f.err != nil {
			return fmt.Errorf("encode snapshot: field %s: %w", f.key, f.err)
		}
		if i > 0 {
			out.WriteByte(',')
		}
		key, _ := json.Marshal(f.key)
		out.Write(key)
		out.WriteByte(':')
		out.Write(f.out)
	}
	out.WriteString("}\n")
	if err := out.Flush(); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// encodeField returns the JSON of one top-level field, given its address:
// written by hand (jsonwrite.go) for the three bulky ones, into a buffer
// sized from their lengths so that it is not grown and copied on the way.
func encodeField(p any) ([]byte, error) {
	var w *jsonWriter
	switch p := p.(type) {
	case *[]Namespace:
		n := 0
		for i := range *p {
			ns := &(*p)[i]
			n += 4096 + 300*len(ns.Links) + 160*len(ns.Routes) + 100*len(ns.Neighbors)
		}
		w = newJSONWriter(n)
		writeNamespaces(w, p)
	case *OVS:
		n := 4096
		for i := range p.Bridges {
			n += 4096 + 700*len(p.Bridges[i].Ports) + 200*len(p.Bridges[i].Flows)
		}
		w = newJSONWriter(n)
		writeOVS(w, p)
	case *Neutron:
		w = newJSONWriter(64<<10 + 1200*len(p.Ports))
		writeNeutron(w, p)
	default:
		w = newJSONWriter(0)
		w.value(reflect.ValueOf(p).Elem().Interface())
	}
	return w.b, w.err
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

// Decode reads a snapshot (plain or gzip-compressed JSON), rejecting
// truncated or corrupt data, trailing garbage and any schema other than
// Schema.
func Decode(r io.Reader) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("corrupt snapshot: gzip: %w", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("truncated or corrupt gzip snapshot: %w", err)
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("snapshot is empty")
	}
	// Check the schema first so that a newer or foreign document gets the
	// schema error, not a confusing field error.
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, describeJSONError(data, err)
	}
	switch {
	case head.Schema == nil:
		return nil, fmt.Errorf("%w: no \"schema\" field (not an ostopo snapshot?)", ErrSchema)
	case *head.Schema != Schema:
		return nil, fmt.Errorf("%w %q (this ostopo reads %q)", ErrSchema, *head.Schema, Schema)
	}
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, describeJSONError(data, err)
	}
	return &s, nil
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
	slices.SortStableFunc(s.Sources, func(a, b Source) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(s.Namespaces, func(a, b Namespace) int {
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
	slices.SortStableFunc(s.OVS.Managers, func(a, b Manager) int { return strings.Compare(a.Target, b.Target) })
	slices.SortStableFunc(s.OVS.Bridges, func(a, b Bridge) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		slices.SortStableFunc(b.Controllers, func(x, y Controller) int { return strings.Compare(x.Target, y.Target) })
		slices.SortStableFunc(b.Ports, func(x, y Port) int { return strings.Compare(x.Name, y.Name) })
		for j := range b.Ports {
			slices.SortStableFunc(b.Ports[j].Interfaces, func(x, y Interface) int { return strings.Compare(x.Name, y.Name) })
		}
		SortFlows(b.Flows)
	}
	slices.SortStableFunc(s.Agent.DHCP, func(a, b DHCPNetwork) int { return strings.Compare(a.NetworkID, b.NetworkID) })
	for i := range s.Agent.DHCP {
		slices.SortStableFunc(s.Agent.DHCP[i].Hosts, func(a, b DHCPHost) int {
			return strings.Compare(a.MAC+a.IP, b.MAC+b.IP)
		})
	}
}

// SortFlows orders flows as ovs-ofctl --sort does within a table: by table,
// then priority (highest first), then match text.
func SortFlows(f []Flow) {
	slices.SortStableFunc(f, func(a, b Flow) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(b.Priority, a.Priority), strings.Compare(a.Match, b.Match))
	})
}

// Normalize sorts the namespace's lists (Snapshot.Normalize does it for
// every namespace; a reader may do it as soon as one is read).
func (n *Namespace) Normalize() {
	slices.SortStableFunc(n.Links, func(a, b Link) int { return cmp.Compare(a.Index, b.Index) })
	slices.SortStableFunc(n.Routes, func(a, b Route) int {
		return cmp.Or(cmp.Compare(a.Table, b.Table), cmp.Compare(a.Family, b.Family),
			strings.Compare(a.Dst, b.Dst), cmp.Compare(a.Metric, b.Metric), strings.Compare(a.Dev, b.Dev))
	})
	slices.SortStableFunc(n.Rules, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Priority, b.Priority))
	})
	slices.SortStableFunc(n.Neighbors, func(a, b Neighbor) int {
		return cmp.Or(strings.Compare(a.Dev, b.Dev), strings.Compare(a.IP, b.IP))
	})
}

func (n *Neutron) normalize() {
	slices.SortStableFunc(n.Bridges, func(a, b BridgeRole) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(n.Ports, func(a, b NPort) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(n.Networks, func(a, b Network) int { return strings.Compare(a.ID, b.ID) })
	for i := range n.Networks {
		slices.Sort(n.Networks[i].Ports)
		slices.Sort(n.Networks[i].Routers)
	}
	slices.SortStableFunc(n.Routers, func(a, b Router) int { return strings.Compare(a.ID, b.ID) })
	for i := range n.Routers {
		r := &n.Routers[i]
		slices.SortStableFunc(r.Interfaces, func(a, b RouterInterface) int { return strings.Compare(a.Device, b.Device) })
		slices.SortStableFunc(r.FloatingIPs, func(a, b FloatingIP) int { return strings.Compare(a.FloatingIP, b.FloatingIP) })
	}
	slices.SortStableFunc(n.Tunnels, func(a, b Tunnel) int { return strings.Compare(a.Port, b.Port) })
	// "bridge/port" as one text, as snapshots have always been ordered
	// ('-' sorts before '/': br-ex-2/x comes before br-ex/x).
	slices.SortStableFunc(n.PatchPairs, func(a, b PatchPair) int {
		return strings.Compare(a.Bridge+"/"+a.Port, b.Bridge+"/"+b.Port)
	})
	slices.SortStableFunc(n.ProviderNICs, func(a, b ProviderNIC) int {
		return strings.Compare(a.Bridge+"/"+a.Name, b.Bridge+"/"+b.Name)
	})
	slices.Sort(n.DeadVLANPorts)
}
