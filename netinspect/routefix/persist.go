package routefix

import (
	"os"
	"path/filepath"
)

// Persistence says how to make the route survive a reboot with the network
// manager the node uses, and which file to write for it.
type Persistence struct {
	Manager string // netplan, ifupdown, NetworkManager, unknown
	Explain string
	File    string // to write (empty: a command to run instead)
	Content string
}

// PersistFor detects the network manager under etc (normally /etc).
func PersistFor(etc string, p *Plan) Persistence {
	exists := func(rel string) bool { _, err := os.Stat(filepath.Join(etc, rel)); return err == nil }
	matches, _ := filepath.Glob(filepath.Join(etc, "netplan", "*.yaml"))
	switch {
	case len(matches) > 0:
		f := filepath.Join(etc, "netplan", "90-ostopo-default-route.yaml")
		return Persistence{Manager: "netplan", File: f,
			Explain: "netplan: a drop-in giving " + p.Dev + " the default route; apply with `netplan apply` (or at boot)",
			Content: "# written by ostopo fix default-route --persist\nnetwork:\n  version: 2\n  ethernets:\n    " + p.Dev +
				":\n      routes:\n        - to: default\n          via: " + p.Gateway + "\n"}
	case exists("network/interfaces"):
		f := filepath.Join(etc, "network", "interfaces.d", "ostopo-default-route")
		return Persistence{Manager: "ifupdown", File: f,
			Explain: "ifupdown: " + f + " re-adds the route whenever " + p.Dev + " comes up (needs `source /etc/network/interfaces.d/*` in interfaces)",
			Content: "# written by ostopo fix default-route --persist\nallow-hotplug " + p.Dev + "\niface " + p.Dev + " inet manual\n    up ip route replace default via " + p.Gateway + " dev " + p.Dev + "\n"}
	case exists("NetworkManager"):
		return Persistence{Manager: "NetworkManager",
			Explain: "NetworkManager: run `nmcli connection modify <connection of " + p.Dev + "> ipv4.gateway " + p.Gateway + " ipv4.never-default no` and remove the gateway from the provider NIC's connection"}
	}
	return Persistence{Manager: "unknown", Explain: "no netplan, ifupdown or NetworkManager configuration found under " + etc + ": add `" + p.Command + "` to the node's boot-time network configuration"}
}
