package routefix

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Persistence says how to make the route survive a reboot with the network
// manager the node uses, and which file to write for it.
type Persistence struct {
	Manager string // netplan, ifupdown, NetworkManager, unknown
	Explain string
	File    string // to write (empty: a command to run instead)
	Mode    os.FileMode
	Content string
}

// PersistFor detects the network manager under etc (normally /etc).
func PersistFor(etc string, p *Plan) Persistence {
	exists := func(rel string) bool { _, err := os.Stat(filepath.Join(etc, rel)); return err == nil }
	matches, _ := filepath.Glob(filepath.Join(etc, "netplan", "*.yaml"))
	gwOpt := "ipv4.gateway"
	if p.Family == 6 {
		gwOpt = "ipv6.gateway"
	}
	switch {
	case !safeDevName(p.Dev):
		// The name goes into a root shell hook and a YAML file; a device
		// name is the node's (any byte but / and blanks), not ostopo's.
		return Persistence{Manager: "unknown", Explain: fmt.Sprintf("the device name %q is not safe to write into a boot-time configuration file: add `%s` to the node's network configuration by hand", p.Dev, p.Command)}
	case len(matches) > 0:
		f := filepath.Join(etc, "netplan", "90-ostopo-default-route.yaml")
		return Persistence{Manager: "netplan", File: f, Mode: 0o600, // netplan warns about readable files
			Explain: "netplan: the drop-in " + f + " gives " + p.Dev + " the default route (netplan merges it with the node's files); remove the provider NIC's default route or gateway4 there, then `netplan try`",
			Content: "# written by ostopo fix default-route --persist\nnetwork:\n  version: 2\n  ethernets:\n    " + p.Dev +
				":\n      routes:\n        - to: default\n          via: " + p.Gateway + "\n"}
	case exists("network/interfaces"):
		// A hook, not an iface stanza: eth1 already has its stanza, and
		// ifupdown refuses a second one for the same interface and family.
		f := filepath.Join(etc, "network", "if-up.d", "ostopo-default-route")
		return Persistence{Manager: "ifupdown", File: f, Mode: 0o755,
			Explain: "ifupdown: the hook " + f + " replaces the default route whenever " + p.Dev + " comes up; also remove `gateway` from the provider NIC's stanza",
			Content: "#!/bin/sh\n# written by ostopo fix default-route --persist\n[ \"$IFACE\" = \"" + p.Dev + "\" ] || exit 0\n" +
				"exec " + p.Command + "\n"}
	case exists("NetworkManager"):
		return Persistence{Manager: "NetworkManager",
			Explain: "NetworkManager: run `nmcli connection modify <connection of " + p.Dev + "> " + gwOpt + " " + p.Gateway + " " + strings.TrimSuffix(gwOpt, "gateway") + "never-default no` and remove the gateway from the provider NIC's connection"}
	}
	return Persistence{Manager: "unknown", Explain: "no netplan, ifupdown or NetworkManager configuration found under " + etc + ": add `" + p.Command + "` to the node's boot-time network configuration"}
}

// Write puts the boot-time configuration in place (whole or not at all) and
// logs it in the state dir's change log with what it replaced.
func (p Persistence) Write(stateDir string) error {
	if p.File == "" {
		return fmt.Errorf("%s: nothing to write (%s)", p.Manager, p.Explain)
	}
	if err := os.MkdirAll(filepath.Dir(p.File), 0o755); err != nil {
		return fmt.Errorf("persist: %w", err)
	}
	old, _ := os.ReadFile(p.File)
	tmp := p.File + ".ostopo-tmp"
	if err := os.WriteFile(tmp, []byte(p.Content), p.Mode); err != nil {
		return fmt.Errorf("persist %s: %w", p.File, err)
	}
	if err := os.Chmod(tmp, p.Mode); err != nil { // WriteFile's mode is masked by the umask
		os.Remove(tmp)
		return fmt.Errorf("persist %s: %w", p.File, err)
	}
	if err := os.Rename(tmp, p.File); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("persist %s: %w", p.File, err)
	}
	before := "(none)"
	if old != nil {
		before = fmt.Sprintf("%q", old)
	}
	logf(stateDir, "persisted for %s: %s; before %s; after %q", p.Manager, p.File, before, p.Content)
	return nil
}

// safeDevName reports whether a device name can be written into a shell
// script and a YAML file as it is: what udev, systemd and ifupdown names
// are made of.
func safeDevName(dev string) bool {
	if dev == "" || len(dev) > 15 { // IFNAMSIZ-1
		return false
	}
	for _, c := range dev {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
