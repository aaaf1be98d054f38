package sosimport

import "strings"

// wantedPrefixes are the parts of a sosreport ostopo reads (relative to
// the report's top); everything else (logs, the other plugins' outputs,
// /etc, /proc) is skipped without being kept.
var wantedPrefixes = []string{
	"sos_commands/networking/",
	"sos_commands/openvswitch/",
	"sos_commands/neutron/",           // sos 3.1
	"sos_commands/openstack_neutron/", // sos 3.2 and later
	"sos_commands/kernel/sysctl_-a",
	"sos_commands/host/hostname",
	"sos_commands/general/hostname", // sos 3.x
	"sos_commands/date/date",
	"sos_commands/general/date",
	"sos_commands/sos_extras/",
	"sos_strings/networking/",
	"sos_strings/openvswitch/",
	"sos_strings/neutron/",
	"sos_strings/openstack_neutron/",
	"sos_strings/kernel/",
	"sos_strings/sos_extras/",
	"sos_reports/manifest.json",
	"etc/hostname",
	"etc/iproute2/rt_tables", // the node's names of its routing tables
}

// stateDirs are where a node keeps the Neutron agents' state_path, as
// collect.DefaultStateDirs lists them, relative to the report's top.
var stateDirs = []string{
	"var/lib/neutron",
	"var/lib/docker/volumes/neutron_metadata_socket/_data",
	"var/lib/containers/storage/volumes/neutron_metadata_socket/_data",
	"var/lib/neutron/kolla",
}

// confDBPaths are where sos copies the OVSDB file (openvswitch plugin 4.3
// and later) and where kolla keeps it (the openvswitch_db volume, copied
// by the sos_extras file contrib/sos/extras.d/ostopo).
var confDBPaths = []string{
	"etc/openvswitch/conf.db",
	"var/lib/openvswitch/conf.db",
	"usr/local/etc/openvswitch/conf.db",
	"var/lib/docker/volumes/openvswitch_db/_data/conf.db",
	"var/lib/containers/storage/volumes/openvswitch_db/_data/conf.db",
}

// wanted reports whether a file of a sosreport, by its path relative to
// the report's top, is one ostopo reads.
func wanted(rel string) bool {
	for _, p := range wantedPrefixes {
		if strings.HasPrefix(rel, p) {
			return true
		}
	}
	for _, p := range confDBPaths {
		if rel == p {
			return true
		}
	}
	for _, d := range stateDirs {
		if strings.HasPrefix(rel, d+"/dhcp/") || strings.HasPrefix(rel, d+"/ha_confs/") {
			return true
		}
	}
	return false
}

// topNames are the first components of a path inside a report: an archive
// whose entries start with one of them has no top directory of its own.
var topNames = map[string]bool{
	"sos_commands": true, "sos_reports": true, "sos_logs": true, "sos_strings": true,
	"var": true, "etc": true, "usr": true, "proc": true, "sys": true, "run": true,
}
