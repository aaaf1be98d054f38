package fleet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
)

// onelineSample is ansible-playbook's output (ANSIBLE_STDOUT_CALLBACK=
// oneline) for the Playbook on a lab of four hosts: n1 and n2 collected,
// n3 unreachable (ssh's message on two lines), n4 failing in ostopo
// snapshot. STAGE stands for the staging directory.
const onelineSample = `n3 | UNREACHABLE!: Failed to connect to the host via ssh: ssh: connect to host 10.250.0.3 port 22: Connection refused
second line of ssh's message
n1 | CHANGED => {"ansible_facts": {"discovered_interpreter_python": "/usr/bin/python3"},"changed": true,"gid": 0,"group": "root","mode": "0700","owner": "root","path": "/var/tmp/ostopo-51e92fe9e83b23f3","size": 4096,"state": "directory","uid": 0}
n1 | SKIPPED
n2 | SUCCESS => {"changed": false,"gid": 0,"path": "/var/tmp/ostopo-51e92fe9e83b23f3","state": "directory","uid": 0}
n1 | CHANGED => {"changed": true,"checksum": "aa8a","dest": "/var/tmp/ostopo-51e92fe9e83b23f3/ostopo","mode": "0700","size": 14285438}
n2 | SUCCESS => {"changed": false,"checksum": "aa8a","dest": "/var/tmp/ostopo-51e92fe9e83b23f3/ostopo","mode": "0700"}
n4 | SUCCESS => {"changed": false,"checksum": "aa8a","dest": "/var/tmp/ostopo-51e92fe9e83b23f3/ostopo","mode": "0700"}
n1 | CHANGED => {"changed": true,"path": "/tmp/ansible.ftn1culq.ostopo.json","size": 0,"state": "file","uid": 0}
n4 | CHANGED => {"changed": true,"path": "/tmp/ansible.x.ostopo.json","size": 0,"state": "file","uid": 0}
n1 | SUCCESS | rc=0 | (stdout)  (stderr) ostopo: warning: ovsdb was not read
n4 | FAILED! => {"changed": false,"cmd": ["/var/tmp/ostopo-51e92fe9e83b23f3/ostopo", "snapshot", "-o", "/tmp/ansible.x.ostopo.json", "--no-such-flag"],"delta": "0:00:00.01","msg": "non-zero return code","rc": 2,"stderr": "ostopo: warning: first\nostopo snapshot: unknown flag: --no-such-flag (see ostopo snapshot --help)","stderr_lines": [],"stdout": ""}
n1 | CHANGED => {"changed": true,"checksum": "66a4","dest": "STAGE/n1.json","md5sum": "256e","remote_checksum": "66a4","remote_md5sum": null}
n2 | CHANGED => {"changed": true,"checksum": "4c82","dest": "STAGE/n2.json","md5sum": "2d35","remote_checksum": "4c82","remote_md5sum": null}
n5 | CHANGED => {"changed": true,"dest": "STAGE/n5.json"}
stranger | FAILED! => {"msg": "not a host of this run"}
n1 | CHANGED => {"changed": true,"failed_when_result": false,"path": "/tmp/ansible.ftn1culq.ostopo.json","state": "absent"}
n1 | FAILED! => {"msg": "a later word on a host that is done does not change it"}
`

func TestParseOneline(t *testing.T) {
	dir := t.TempDir()
	var progress []Result
	hosts := []Host{{Name: "n1", Address: "10.250.0.1"}, {Name: "n2"}, {Name: "n3"}, {Name: "n4"}, {Name: "n5"}}
	r, err := newRun(Options{Dir: dir, Progress: func(res Result) { progress = append(progress, res) }}, hosts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	snap, err := fixtures.Raw("aio")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(r.stagePath("n1"), snap, 0o600)
	// n2's fetch brought back something that is not a snapshot, and n5's
	// file is too large for the bound.
	os.WriteFile(r.stagePath("n2"), []byte(`{"schema": "ostopo.snapshot/v1", "host": `), 0o600)
	r.opts.MaxInput = int64(len(snap)) + 10
	big := append([]byte(strings.Repeat(" ", len(snap)+100)), snap...)
	os.WriteFile(r.stagePath("n5"), big, 0o600)

	// An earlier run's snapshots: n1's is replaced, n3's (unreachable
	// now) set aside.
	os.WriteFile(filepath.Join(dir, "n1.json"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "n3.json"), []byte("old"), 0o644)

	parseOneline(strings.NewReader(strings.ReplaceAll(onelineSample, "STAGE", r.stage)), r)
	rep := r.finish("ansible", "inv", "", "missing")

	want := map[string]struct {
		status  Status
		message string
	}{
		"n1": {StatusOK, ""},
		"n2": {StatusFailed, "what came back is not a usable snapshot"},
		"n3": {StatusUnreachable, "Failed to connect to the host via ssh: ssh: connect to host 10.250.0.3 port 22: Connection refused second line of ssh's message"},
		"n4": {StatusFailed, "ostopo snapshot exited 2: ostopo snapshot: unknown flag: --no-such-flag (see ostopo snapshot --help)"},
		"n5": {StatusFailed, "what came back is not a usable snapshot"},
	}
	if len(rep.Hosts) != len(want) {
		t.Fatalf("report hosts: %+v", rep.Hosts)
	}
	for _, h := range rep.Hosts {
		w := want[h.Host]
		if h.Status != w.status || !strings.HasPrefix(h.Message, w.message) {
			t.Errorf("%s: %s %q, want %s %q", h.Host, h.Status, h.Message, w.status, w.message)
		}
	}
	if got := rep.Hosts[0]; got.Address != "10.250.0.1" || got.Snapshot != "n1.json" {
		t.Errorf("n1: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "n1.json")); err != nil {
		t.Errorf("n1's snapshot is not in the directory: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "n3.json.stale")); err != nil || string(b) != "old" {
		t.Errorf("n3's earlier snapshot was not set aside: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "n1.json")); string(b) == "old" {
		t.Error("n1's earlier snapshot was not replaced")
	}
	for _, h := range []string{"n2", "n3", "n5"} {
		if _, err := os.Stat(filepath.Join(dir, h+".json")); err == nil {
			t.Errorf("%s: a snapshot that did not check out reached the directory", h)
		}
	}
	// One progress line per host, in the order the results came.
	var order []string
	for _, p := range progress {
		order = append(order, p.Host)
	}
	if got := strings.Join(order, " "); got != "n3 n4 n1 n2 n5" {
		t.Errorf("progress order %q", got)
	}
}

// A node's words are untrusted: a message is one line, escaped, bounded.
func TestCleanMessage(t *testing.T) {
	got := cleanMessage("evil\x1b]0;pwned\x07\nforged line\u202e")
	if strings.ContainsAny(got, "\x1b\x07\n\u202e") {
		t.Errorf("control characters kept: %q", got)
	}
	long := cleanMessage(strings.Repeat("é", 3*MaxMessage))
	if len(long) > MaxMessage || !strings.HasSuffix(long, "…") {
		t.Errorf("long message: %d bytes", len(long))
	}
	if got := cleanMessage("bad \xff utf8"); !strings.Contains(got, "\uFFFD") {
		t.Errorf("invalid UTF-8 kept: %q", got)
	}
}

func TestTaskResultMessage(t *testing.T) {
	cases := map[string]string{
		` => {"msg": "Missing sudo password"}`: "Missing sudo password",
		` => {"msg": "MODULE FAILURE\nSee stdout/stderr for the exact error", "module_stderr": "Traceback\nOSError: boom\n"}`: "MODULE FAILURE\nSee stdout/stderr for the exact error: OSError: boom",
		` => {"rc": 1, "msg": "non-zero return code", "stderr": ""}`:                                                          "ostopo snapshot exited 1",
		` => {}`: "the task failed without a message",
	}
	for in, want := range cases {
		if got := resultJSON(in).message(); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
	if resultJSON(" => {broken") != nil {
		t.Error("broken JSON decoded")
	}
}

func TestCheckHostNames(t *testing.T) {
	for _, bad := range []string{"", ".", "..", "a/b", ".hidden", "collect", strings.Repeat("x", 201)} {
		if err := CheckHostNames([]Host{{Name: bad}}); err == nil {
			t.Errorf("%q accepted as a snapshot file name", bad)
		}
	}
	if err := CheckHostNames([]Host{{Name: "compute01"}, {Name: "10.0.0.1"}, {Name: "fd00::1"}}); err != nil {
		t.Error(err)
	}
}

func TestReportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rep := &Report{Schema: ReportSchema, Via: "ssh", Hosts: []Result{{Host: "a", Status: StatusOK, Snapshot: "a.json"}, {Host: "b", Status: StatusUnreachable, Message: "x"}}}
	if err := WriteReport(dir, rep); err != nil {
		t.Fatal(err)
	}
	got, err := ReadReport(filepath.Join(dir, ReportFile))
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed, unreachable := got.Counts(); ok != 1 || failed != 0 || unreachable != 1 {
		t.Errorf("counts %d %d %d", ok, failed, unreachable)
	}
}

func TestParseHostList(t *testing.T) {
	hosts, err := ParseHostList([]string{"root@10.0.0.1,node2:2222", " kolla@[fd00::1]:22 ,fd00::2", "node2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Host{
		{Name: "10.0.0.1", User: "root", Become: true},
		{Name: "node2", Port: 2222, Become: true},
		{Name: "fd00::1", User: "kolla", Port: 22, Become: true},
		{Name: "fd00::2", Become: true},
	}
	if len(hosts) != len(want) {
		t.Fatalf("hosts %+v", hosts)
	}
	for i := range want {
		if hosts[i].Name != want[i].Name || hosts[i].User != want[i].User || hosts[i].Port != want[i].Port || !hosts[i].Become {
			t.Errorf("%d: %+v, want %+v", i, hosts[i], want[i])
		}
	}
	for _, bad := range []string{"-oProxyCommand=x", "a b", "node:99999", "@host", "u@"} {
		if _, err := ParseHostList([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// An address that ssh would read as an option is refused.
func TestSSHRefusesOptionAddress(t *testing.T) {
	s := &SSH{}
	if _, err := s.Run(t.Context(), Host{Name: "x", Address: "-oProxyCommand=touch /tmp/pwned"}, []string{"true"}); err == nil || !strings.Contains(err.Error(), "bad address") {
		t.Errorf("an option as address: %v", err)
	}
}

func TestRemoteCommandQuoting(t *testing.T) {
	got := remoteCommand([]string{"/var/tmp/ostopo-1/ostopo", "snapshot", "--ovsdb", "unix:/x y/db.sock", "it's", "", "$(id)"})
	want := `/var/tmp/ostopo-1/ostopo snapshot --ovsdb 'unix:/x y/db.sock' 'it'\''s' '' '$(id)'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
