package iptnft

import (
	"net"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// Expressions as iptables-nft 1.8.9 encodes Neutron's L3 agent rules (read
// back from a lab node's nf_tables), and the line iptables-save prints.
func daddr(ip string) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: net.ParseIP(ip).To4()},
	}
}

func saddr(ip string) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: net.ParseIP(ip).To4()},
	}
}

func iface(key expr.MetaKey, op expr.CmpOp, data string) []expr.Any {
	return []expr.Any{&expr.Meta{Key: key, Register: 1}, &expr.Cmp{Op: op, Register: 1, Data: []byte(data)}}
}

func nftRule(parts ...[]expr.Any) *nftables.Rule {
	r := &nftables.Rule{}
	for _, p := range parts {
		r.Exprs = append(r.Exprs, p...)
	}
	return r
}

func counter() []expr.Any { return []expr.Any{&expr.Counter{}} }

func jump(chain string) []expr.Any {
	return []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: chain}}
}

func nat(name string, flags uint, ip string, random bool) []expr.Any {
	if random {
		flags |= natRandomFully
	}
	r := xt.NatIPv4Range{Flags: flags, MinIP: net.ParseIP(ip).To4(), MaxIP: net.ParseIP(ip).To4()}
	return []expr.Any{&expr.Target{Name: name, Info: &xt.NatIPv4MultiRangeCompat{r}}}
}

func dnat2(ip string) []expr.Any {
	return []expr.Any{&expr.Target{Name: "DNAT", Rev: 2, Info: &xt.NatRange2{NatRange: xt.NatRange{
		Flags: natMapIPs, MinIP: net.ParseIP(ip).To4(), MaxIP: net.ParseIP(ip).To4()}}}}
}

func ctstate(invert bool) []expr.Any {
	info := &xt.ConntrackMtinfo3{}
	info.MatchFlags, info.StateMask = xtConntrackState, stateDNAT
	if invert {
		info.InvertFlags = xtConntrackState
	}
	return []expr.Any{&expr.Match{Name: "conntrack", Rev: 3, Info: info}}
}

func TestFormatNeutronRules(t *testing.T) {
	comment := []byte("\x00\x28Perform source NAT on outgoing traffic.\x00")
	chains := []Chain{
		{Name: "PREROUTING", Policy: "ACCEPT", Rules: []*nftables.Rule{nftRule(counter(), jump("neutron-l3-agent-PREROUTING"))}},
		{Name: "POSTROUTING", Policy: "ACCEPT", Rules: []*nftables.Rule{nftRule(counter(), jump("neutron-l3-agent-POSTROUTING"))}},
		{Name: "neutron-postrouting-bottom", Rules: []*nftables.Rule{{UserData: comment, Exprs: append(counter(), jump("neutron-l3-agent-snat")...)}}},
		{Name: "neutron-l3-agent-snat", Rules: []*nftables.Rule{
			nftRule(counter(), jump("neutron-l3-agent-float-snat")),
			nftRule(iface(expr.MetaKeyOIFNAME, expr.CmpOpEq, "qg-c343341c-be\x00"), counter(), nat("SNAT", natMapIPs, "203.0.113.105", true)),
			nftRule([]expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: 1},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte{255, 255, 0, 0}, Xor: []byte{0, 0, 0, 0}},
				&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{2, 0, 0, 0}}},
				ctstate(false), counter(), nat("SNAT", natMapIPs, "203.0.113.105", true)),
		}},
		{Name: "neutron-l3-agent-float-snat", Rules: []*nftables.Rule{nftRule(saddr("10.1.5.10"), counter(), nat("SNAT", natMapIPs, "203.0.113.210", true))}},
		{Name: "neutron-l3-agent-POSTROUTING", Rules: []*nftables.Rule{
			nftRule(iface(expr.MetaKeyOIFNAME, expr.CmpOpNeq, "qg-c343341c-be\x00"), ctstate(true), counter(), []expr.Any{&expr.Verdict{Kind: expr.VerdictAccept}}),
		}},
		{Name: "neutron-l3-agent-PREROUTING", Rules: []*nftables.Rule{
			nftRule(iface(expr.MetaKeyIIFNAME, expr.CmpOpEq, "qr-"),
				[]expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, &expr.Cmp{Register: 1, Data: []byte{6}}},
				daddr("169.254.169.254"),
				[]expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}, &expr.Cmp{Register: 1, Data: []byte{0, 80}}},
				counter(), nat("REDIRECT", natProtoSpecified, "0.0.0.0", false)),
			nftRule(daddr("203.0.113.210"), counter(), dnat2("10.1.5.10")),
		}},
	}
	// REDIRECT names ports, not addresses.
	redirect := chains[6].Rules[0].Exprs[len(chains[6].Rules[0].Exprs)-1].(*expr.Target).Info.(*xt.NatIPv4MultiRangeCompat)
	(*redirect)[0].MinPort, (*redirect)[0].MaxPort = 9697, 9697
	got, err := Format(chains)
	if err != nil {
		t.Fatal(err)
	}
	want := `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:neutron-l3-agent-POSTROUTING - [0:0]
:neutron-l3-agent-PREROUTING - [0:0]
:neutron-l3-agent-float-snat - [0:0]
:neutron-l3-agent-snat - [0:0]
:neutron-postrouting-bottom - [0:0]
-A PREROUTING -j neutron-l3-agent-PREROUTING
-A POSTROUTING -j neutron-l3-agent-POSTROUTING
-A neutron-l3-agent-POSTROUTING ! -o qg-c343341c-be -m conntrack ! --ctstate DNAT -j ACCEPT
-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697
-A neutron-l3-agent-PREROUTING -d 203.0.113.210/32 -j DNAT --to-destination 10.1.5.10
-A neutron-l3-agent-float-snat -s 10.1.5.10/32 -j SNAT --to-source 203.0.113.210 --random-fully
-A neutron-l3-agent-snat -j neutron-l3-agent-float-snat
-A neutron-l3-agent-snat -o qg-c343341c-be -j SNAT --to-source 203.0.113.105 --random-fully
-A neutron-l3-agent-snat -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT -j SNAT --to-source 203.0.113.105 --random-fully
-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j neutron-l3-agent-snat
COMMIT
`
	if _, after, _ := strings.Cut(got, "\n"); after != want {
		t.Errorf("got\n%s\nwant\n%s", after, want)
	}
	if !strings.Contains(strings.SplitN(got, "\n", 2)[0], "nf_tables") {
		t.Errorf("banner %q does not name the backend", strings.SplitN(got, "\n", 2)[0])
	}
}

// Whatever this package does not write is an UnwrittenError naming the
// chain, never a line that leaves something out.
func TestFormatUnwritten(t *testing.T) {
	for name, r := range map[string]*nftables.Rule{
		"masquerade":      nftRule(counter(), []expr.Any{&expr.Target{Name: "MASQUERADE", Info: &xt.NatIPv4MultiRangeCompat{{}}}}),
		"unknown match":   nftRule([]expr.Any{&expr.Match{Name: "addrtype", Info: &xt.AddrType{}}}, jump("x")),
		"log":             nftRule([]expr.Any{&expr.Log{}}, jump("x")),
		"sctp port":       nftRule([]expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, &expr.Cmp{Register: 1, Data: []byte{132}}}, []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}, &expr.Cmp{Register: 1, Data: []byte{0, 80}}}, jump("x")),
		"port range":      nftRule([]expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}, &expr.Cmp{Op: expr.CmpOpGte, Register: 1, Data: []byte{0, 80}}}, jump("x")),
		"load left":       nftRule([]expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}}, jump("x")),
		"other user data": {UserData: []byte{1, 1, 0}, Exprs: jump("x")},
		"other register": nftRule([]expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 2, Data: []byte{10, 0, 0, 1}}}, jump("x")),
		"two sources":      nftRule(saddr("10.0.0.1"), saddr("10.0.0.2"), jump("x")),
		"conntrack status": nftRule([]expr.Any{&expr.Match{Name: "conntrack", Rev: 3, Info: &xt.ConntrackMtinfo3{ConntrackMtinfo2: xt.ConntrackMtinfo2{ConntrackMtinfoBase: xt.ConntrackMtinfoBase{MatchFlags: 1 << 5}}}}}, jump("x")),
	} {
		_, err := Format([]Chain{{Name: "neutron-l3-agent-snat", Rules: []*nftables.Rule{r}}})
		if !IsUnwritten(err) || !strings.Contains(err.Error(), "neutron-l3-agent-snat") {
			t.Errorf("%s: %v, want an UnwrittenError naming the chain", name, err)
		}
	}
}

// An empty table prints the builtin chains, as iptables-save does on a
// namespace where no rule was ever written.
func TestFormatEmpty(t *testing.T) {
	got, err := Format(nil)
	if err != nil || !strings.HasSuffix(got, "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n") {
		t.Errorf("%q, %v", got, err)
	}
}

func TestSaveString(t *testing.T) {
	for in, want := range map[string]string{"plain_1-a": " plain_1-a", "two words": ` "two words"`, `q"b\c'd`: ` "q\"b\\c\'d"`, "": ` ""`} {
		if got := saveString(in); got != want {
			t.Errorf("saveString(%q) = %q, want %q", in, got, want)
		}
	}
}
