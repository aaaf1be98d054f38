// Package iptext reads the text outputs that describe one network
// namespace — `ip address`/`ip link` (old and new iproute2, -d, -s, -o),
// `ip route`, `ip rule`, `ip neigh`, `ip netns`, net-tools' `ifconfig -a`
// and `route -n`, `sysctl -a`, `brctl show`, `iptables-save` and
// `iptables -S` — into the pieces of ostopo's model (netinspect/topo), so
// that a sosreport or a folder of pasted outputs reads like a live node.
//
// Every field means what the live collector (netinspect/collect) puts in
// it: link kinds are the kernel's IFLA_INFO_KIND under the netlink
// library's names ("tun" is "tuntap", a device without a kind "device",
// IFF_LOOPBACK "loopback"), oper states are the library's spellings
// ("lower-layer-down"), a route's absent "proto" is "boot" and its absent
// "scope" "global", the kernel's own local-table and fe80::/64 routes are
// left out and counted as the collector does. A fact the text does not
// hold stays unknown: without -d the kind is "" (never guessed from the
// name), and Links.Known says which families of facts a text held.
//
// The parsers are pure (text in, model out), never panic, allocate no
// more than the text's size warrants, and name the line of everything
// they could not read (ParseError) while returning what they could.
// Recognise tells which of these outputs a text is from its content
// alone, for files whose names say nothing.
package iptext
