//go:build linux

package iptnft

import (
	"context"
	"fmt"

	"github.com/google/nftables"
	"github.com/vishvananda/netns"
)

// ReadNAT reads the nat table of the network namespace at nsPath from
// nf_tables and writes it as `iptables-save -t nat` (nf_tables backend)
// would. An empty or missing table is the builtin chains alone, as
// iptables-save prints it; a rule this package does not write is an
// UnwrittenError.
func ReadNAT(ctx context.Context, nsPath string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return "", fmt.Errorf("open namespace %s: %w", nsPath, err)
	}
	defer ns.Close()
	c, err := nftables.New(nftables.WithNetNSFd(int(ns)), nftables.AsLasting())
	if err != nil {
		return "", fmt.Errorf("nf_tables in %s: %w", nsPath, err)
	}
	defer c.CloseLasting()
	all, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return "", fmt.Errorf("list nf_tables chains in %s: %w", nsPath, err)
	}
	table := &nftables.Table{Name: "nat", Family: nftables.TableFamilyIPv4}
	var chains []Chain
	for _, ch := range all {
		if ch.Table == nil || ch.Table.Name != "nat" {
			continue
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		c2 := Chain{Name: ch.Name}
		if ch.Hooknum != nil {
			policy, err := basePolicy(ch)
			if err != nil {
				return "", err
			}
			c2.Policy = policy
		}
		if c2.Rules, err = c.GetRules(table, ch); err != nil {
			return "", fmt.Errorf("list nf_tables rules of nat %s in %s: %w", ch.Name, nsPath, err)
		}
		chains = append(chains, c2)
	}
	return Format(chains)
}

// basePolicy checks a base chain is one iptables made (a builtin name on
// its own hook, of type nat) and returns its policy.
func basePolicy(ch *nftables.Chain) (string, error) {
	hooks := map[string]nftables.ChainHook{
		"PREROUTING": *nftables.ChainHookPrerouting, "INPUT": *nftables.ChainHookInput,
		"OUTPUT": *nftables.ChainHookOutput, "POSTROUTING": *nftables.ChainHookPostrouting,
	}
	h, ok := hooks[ch.Name]
	if !ok || *ch.Hooknum != h || ch.Type != nftables.ChainTypeNAT {
		return "", &UnwrittenError{Chain: ch.Name, What: "a base chain iptables does not make"}
	}
	if ch.Policy != nil && *ch.Policy == nftables.ChainPolicyDrop {
		return "DROP", nil
	}
	return "ACCEPT", nil
}
