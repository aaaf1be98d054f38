package main

import (
	"context"
	"io"
	"time"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
	"github.com/ostopo/ostopo/netinspect/trace"
	"github.com/spf13/cobra"
)

// registerCompletions adds what the shell completes beyond commands and
// flags (`ostopo completion bash|zsh|fish` prints the script): views for
// --view, formats for --format, and from the node or the snapshot given
// on the command line (--replay, --demo) the trace targets, NICs and
// namespaces.
func registerCompletions(a *app, root *cobra.Command) {
	words := func(list []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return list, cobra.ShellCompDirectiveNoFileComp
		}
	}
	root.RegisterFlagCompletionFunc("view", words(viewNames()))
	for _, c := range root.Commands() {
		switch c.Name() {
		case "trace":
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return fromSnapshot(cmd.Context(), a, func(s *topo.Snapshot) []string {
					var out []string
					for _, c := range trace.Candidates(s) {
						out = append(out, cobra.CompletionWithDesc(safetext.Term(c.Value), safetext.Term(c.Description)))
					}
					return out
				})
			}
		case "report":
			c.RegisterFlagCompletionFunc("format", words(reportFormatNames()))
		case "fix":
			for _, sub := range c.Commands() {
				if sub.Name() != "default-route" {
					continue
				}
				sub.RegisterFlagCompletionFunc("dev", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
					return fromSnapshot(cmd.Context(), a, func(s *topo.Snapshot) []string {
						var out []string
						if root := s.Root(); root != nil {
							for _, l := range root.Links {
								if l.Kind != "loopback" && l.Kind != "openvswitch" {
									out = append(out, safetext.Term(l.Name))
								}
							}
						}
						return out
					})
				})
				sub.RegisterFlagCompletionFunc("netns", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
					return fromSnapshot(cmd.Context(), a, func(s *topo.Snapshot) []string {
						var out []string
						for _, ns := range s.Namespaces {
							if !ns.Root {
								out = append(out, safetext.Term(ns.Name))
							}
						}
						return out
					})
				})
			}
		}
	}
}

// fromSnapshot completes from the snapshot the command line names (the
// live node, --replay, --demo), read quietly and within a few seconds: a
// shell waiting on a completion must not wait for a slow node. The shell
// reads one completion a line, a tab before its description: list escapes
// the names it returns (safetext.Term), so that a newline or a tab in one
// cannot forge others.
func fromSnapshot(ctx context.Context, a *app, list func(*topo.Snapshot) []string) ([]string, cobra.ShellCompDirective) {
	quiet := *a
	quiet.stderr = io.Discard
	quiet.g.timeout = min(a.g.timeout, 5*time.Second)
	ctx, cancel := context.WithTimeout(ctx, quiet.g.timeout)
	defer cancel()
	snap, lerr := quiet.load(ctx)
	if lerr != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	out := list(snap)
	return out, cobra.ShellCompDirectiveNoFileComp
}
