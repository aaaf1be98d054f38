package topo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
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
	enc := json.NewEncoder(w)
	if indent {
		enc.SetIndent("", "  ")
	}
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
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
// the same node encode to the same bytes.
func (s *Snapshot) Normalize() {
	sort.SliceStable(s.Sources, func(i, j int) bool { return s.Sources[i].Name < s.Sources[j].Name })
	sort.SliceStable(s.Namespaces, func(i, j int) bool {
		a, b := s.Namespaces[i], s.Namespaces[j]
		if a.Root != b.Root {
			return a.Root
		}
		return a.Name < b.Name
	})
	for i := range s.Namespaces {
		normalizeNamespace(&s.Namespaces[i])
	}
	sort.SliceStable(s.OVS.Managers, func(i, j int) bool { return s.OVS.Managers[i].Target < s.OVS.Managers[j].Target })
	sort.SliceStable(s.OVS.Bridges, func(i, j int) bool { return s.OVS.Bridges[i].Name < s.OVS.Bridges[j].Name })
	for i := range s.OVS.Bridges {
		b := &s.OVS.Bridges[i]
		sort.SliceStable(b.Controllers, func(i, j int) bool { return b.Controllers[i].Target < b.Controllers[j].Target })
		sort.SliceStable(b.Ports, func(i, j int) bool { return b.Ports[i].Name < b.Ports[j].Name })
		for j := range b.Ports {
			p := &b.Ports[j]
			sort.SliceStable(p.Interfaces, func(i, j int) bool { return p.Interfaces[i].Name < p.Interfaces[j].Name })
		}
		SortFlows(b.Flows)
	}
	sort.SliceStable(s.Agent.DHCP, func(i, j int) bool { return s.Agent.DHCP[i].NetworkID < s.Agent.DHCP[j].NetworkID })
	for i := range s.Agent.DHCP {
		h := s.Agent.DHCP[i].Hosts
		sort.SliceStable(h, func(i, j int) bool { return h[i].MAC+h[i].IP < h[j].MAC+h[j].IP })
	}
	s.Neutron.normalize()
}

// SortFlows orders flows as ovs-ofctl --sort does within a table: by table,
// then priority (highest first), then match text.
func SortFlows(f []Flow) {
	sort.SliceStable(f, func(i, j int) bool {
		if f[i].Table != f[j].Table {
			return f[i].Table < f[j].Table
		}
		if f[i].Priority != f[j].Priority {
			return f[i].Priority > f[j].Priority
		}
		return f[i].Match < f[j].Match
	})
}

func normalizeNamespace(n *Namespace) {
	sort.SliceStable(n.Links, func(i, j int) bool { return n.Links[i].Index < n.Links[j].Index })
	sort.SliceStable(n.Routes, func(i, j int) bool {
		a, b := n.Routes[i], n.Routes[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Family != b.Family {
			return a.Family < b.Family
		}
		if a.Dst != b.Dst {
			return a.Dst < b.Dst
		}
		if a.Metric != b.Metric {
			return a.Metric < b.Metric
		}
		return a.Dev < b.Dev
	})
	sort.SliceStable(n.Rules, func(i, j int) bool {
		if n.Rules[i].Family != n.Rules[j].Family {
			return n.Rules[i].Family < n.Rules[j].Family
		}
		return n.Rules[i].Priority < n.Rules[j].Priority
	})
	sort.SliceStable(n.Neighbors, func(i, j int) bool {
		if n.Neighbors[i].Dev != n.Neighbors[j].Dev {
			return n.Neighbors[i].Dev < n.Neighbors[j].Dev
		}
		return n.Neighbors[i].IP < n.Neighbors[j].IP
	})
}

func (n *Neutron) normalize() {
	sort.SliceStable(n.Bridges, func(i, j int) bool { return n.Bridges[i].Name < n.Bridges[j].Name })
	sort.SliceStable(n.Ports, func(i, j int) bool { return n.Ports[i].ID < n.Ports[j].ID })
	sort.SliceStable(n.Networks, func(i, j int) bool { return n.Networks[i].ID < n.Networks[j].ID })
	for i := range n.Networks {
		sort.Strings(n.Networks[i].Ports)
		sort.Strings(n.Networks[i].Routers)
	}
	sort.SliceStable(n.Routers, func(i, j int) bool { return n.Routers[i].ID < n.Routers[j].ID })
	for i := range n.Routers {
		r := &n.Routers[i]
		sort.SliceStable(r.Interfaces, func(i, j int) bool { return r.Interfaces[i].Device < r.Interfaces[j].Device })
		sort.SliceStable(r.FloatingIPs, func(i, j int) bool { return r.FloatingIPs[i].FloatingIP < r.FloatingIPs[j].FloatingIP })
	}
	sort.SliceStable(n.Tunnels, func(i, j int) bool { return n.Tunnels[i].Port < n.Tunnels[j].Port })
	sort.SliceStable(n.PatchPairs, func(i, j int) bool {
		return n.PatchPairs[i].Bridge+"/"+n.PatchPairs[i].Port < n.PatchPairs[j].Bridge+"/"+n.PatchPairs[j].Port
	})
	sort.SliceStable(n.ProviderNICs, func(i, j int) bool {
		return n.ProviderNICs[i].Bridge+"/"+n.ProviderNICs[i].Name < n.ProviderNICs[j].Bridge+"/"+n.ProviderNICs[j].Name
	})
	sort.Strings(n.DeadVLANPorts)
}
