//go:build linux

package collect

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/ostopo/ostopo/netinspect/topo"
	"golang.org/x/sys/unix"
)

// kernelNeigh is one neighbour entry and the ifindex of its device.
type kernelNeigh struct {
	index int
	neigh topo.Neighbor // Dev still to name
}

// ndmsgRequest is the header of a neighbour dump request: struct ndmsg,
// 12 bytes, all zero but the family (every family). The library's Ndmsg
// serialises Go's padding too, which the kernel rejects once strict
// checking is on.
type ndmsgRequest struct{}

func (ndmsgRequest) Len() int          { return 12 }
func (ndmsgRequest) Serialize() []byte { return make([]byte, 12) } // AF_UNSPEC

// listNeighbours dumps the neighbour (ARP and NDP) tables. The entries the
// kernel makes by itself for multicast and broadcast addresses (state
// noarp: 224.0.0.22 on every bridge that joined IGMP, ff02::… on every
// device; 1,500 on a 1000-instance node, and hidden by plain `ip neigh`)
// are left out before they are decoded. A noarp entry for a unicast
// address (set by hand) is kept.
func listNeighbours(sock *dumpSocket) ([]kernelNeigh, error) {
	var out []kernelNeigh
	err := dump(sock, unix.RTM_GETNEIGH, unix.RTM_NEWNEIGH, func(m []byte) error {
		n, ok, err := parseNeighbour(m)
		if ok {
			out = append(out, n)
		}
		return err
	}, ndmsgRequest{})
	return out, err
}

func parseNeighbour(m []byte) (kernelNeigh, bool, error) {
	const ndmsgLen = 12
	if len(m) < ndmsgLen {
		return kernelNeigh{}, false, fmt.Errorf("decode neighbour: message of %d bytes", len(m))
	}
	index := int(int32(u32(m[4:8])))
	state := int(binary.NativeEndian.Uint16(m[8:10]))
	var ip, mac []byte
	err := eachAttr(m[ndmsgLen:], func(typ uint16, v []byte) {
		switch typ {
		case unix.NDA_DST:
			ip = v
		case unix.NDA_LLADDR:
			mac = v
		}
	})
	if err != nil {
		return kernelNeigh{}, false, fmt.Errorf("decode neighbour on device %d: %w", index, err)
	}
	if ip == nil {
		return kernelNeigh{}, false, nil // a bridge FDB entry, not a neighbour
	}
	addr := net.IP(ip)
	if state == unix.NUD_NOARP && (addr.IsMulticast() || addr.IsUnspecified() || addr.Equal(net.IPv4bcast)) {
		return kernelNeigh{}, false, nil
	}
	return kernelNeigh{index: index, neigh: topo.Neighbor{IP: addr.String(), MAC: linkLayerAddr(mac), State: neighState(state)}}, true, nil
}

// linkLayerAddr is a neighbour's link-layer address as `ip neigh` prints
// it: the remote endpoint of an IPv4 tunnel (4 bytes) as an address,
// anything else (Ethernet) as colon-separated hex.
func linkLayerAddr(b []byte) string {
	if len(b) == net.IPv4len {
		return net.IP(b).String()
	}
	return macString(net.HardwareAddr(b))
}
