package collect

import (
	"testing"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The kernel's multicast-routing rules (families RTNL_FAMILY_IPMR 128 and
// RTNL_FAMILY_IP6MR 129) come in the same AF_UNSPEC dump; `ip rule` never
// lists them and they are no IPv4 rules.
func TestUnicastRuleOnly(t *testing.T) {
	for fam, want := range map[uint8]bool{unix.AF_INET: true, unix.AF_INET6: true, 128: false, 129: false} {
		m := (&nl.RtMsg{RtMsg: unix.RtMsg{Family: fam, Table: unix.RT_TABLE_DEFAULT}}).Serialize()
		if got := unicastRule(m); got != want {
			t.Errorf("family %d: %v, want %v", fam, got, want)
		}
	}
}
