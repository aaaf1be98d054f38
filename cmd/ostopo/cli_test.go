package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ostopo/ostopo/fixtures"
	"github.com/ostopo/ostopo/fixtures/fixturetest"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flags stand before or after the command and its arguments, as the
// README writes them and as operators type them.
func TestFlagsAnywhere(t *testing.T) {
	ip := loadDemoFacts(t).fixedIP
	all := [][]string{
		{"--demo", "snapshot"},
		{"snapshot", "--demo"},
		{"--demo", "trace", ip, "--json"},
		{"trace", "--demo", ip, "--json"},
		{"trace", ip, "--json", "--demo"},
		{"--replay", writeFixture(t, "aio"), "doctor", "--json"},
		{"doctor", "--json", "--replay", writeFixture(t, "aio")},
	}
	// The README's own examples, which trace an address of the demo: they
	// must still work after the demo is recorded again.
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	examples := regexp.MustCompile("`(ostopo (?:--demo trace [^`]*|trace [^`]*--demo[^`]*))`").FindAllStringSubmatch(strings.Join(strings.Fields(string(readme)), " "), -1)
	if len(examples) < 2 {
		t.Errorf("README's examples of flags before and after the arguments are gone: %q", examples)
	}
	for _, m := range examples {
		all = append(all, strings.Fields(m[1])[1:])
	}
	for _, args := range all {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "{") {
			t.Errorf("%v: exit %d, stderr %q, stdout starts %.40q", args, code, stderr, stdout)
		}
	}
}

// The short ids every view shows trace like the full ones, and the
// addresses of router and DHCP ports trace to those ports.
func TestTraceTakesWhatTheViewsShow(t *testing.T) {
	aio := writeFixture(t, "aio")
	demo := loadDemoFacts(t)
	for target, want := range map[string]string{
		demo.port[:8]:                   "port " + demo.port[:19],
		strings.ToUpper(demo.port[:13]): "port " + demo.port[:19],
		demo.routerIP:                   "port " + demo.routerPort[:19],
		demo.dhcpIP:                     "port " + demo.dhcpPort[:19],
	} {
		code, stdout, stderr := runCLI(t, "trace", target, "--replay", aio)
		if code > 1 || !strings.Contains(stdout, want) {
			t.Errorf("trace %s: exit %d, %s%s; want %q", target, code, stderr, stdout, want)
		}
	}
	// Ambiguous: two of the 1000-instance node's port ids share their
	// first four characters; both are listed, on one line.
	scale, err := fixtures.Load("scale")
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]string{}
	var prefix, a, b string
	for _, p := range scale.Neutron.Ports {
		if other, ok := first[p.ID[:4]]; ok {
			prefix, a, b = p.ID[:4], other, p.ID
			break
		}
		first[p.ID[:4]] = p.ID
	}
	if prefix == "" {
		t.Fatal("no two port ids of the scale fixture share 4 characters")
	}
	code, _, stderr := runCLI(t, "trace", prefix, "--replay", writeFixture(t, "scale"))
	if code != exitUsage || !strings.Contains(stderr, a[:8]) || !strings.Contains(stderr, b[:8]) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("ambiguous prefix %s: exit %d, %q", prefix, code, stderr)
	}
}

// Every number in the exit status table is one a command returns: usage
// errors are 2, but 3 (UNKNOWN) for doctor; bad input to trace is 2, facts
// not read are 3.
func TestExitStatuses(t *testing.T) {
	aio, bad := writeFixture(t, "aio"), writeFixture(t, "bad")
	empty := filepath.Join(t.TempDir(), "empty.json")
	os.WriteFile(empty, []byte(`{"schema":"ostopo.snapshot/v1"}`), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"doctor", "--bogus"}, 3, "unknown flag: --bogus"},
		{[]string{"doctor", "extra", "--demo"}, 3, `unexpected argument "extra"`},
		{[]string{"doctor", "--replay", empty}, 3, ""},
		{[]string{"trace", "10.1.0.10", "--replay", empty}, 3, ""},
		{[]string{"trace", "10.9.9.9", "--replay", aio}, 2, "10.9.9.9"},
		// An HA router standing by here (the real lab's netnode2).
		{[]string{"trace", "203.0.113.104", "--replay", fixturetest.RealLabPath("snap-netnode2.json")}, 4, ""},
		{[]string{"trace", "--bogus"}, 2, "unknown flag"},
		{[]string{"snapshot", "--timeout", "0"}, 2, "--timeout 0s: want a duration above zero"},
		{[]string{"doctor", "--timeout=-1s"}, 3, "--timeout -1s"},
		{[]string{"--view", "nosuch", "--demo", "--plain"}, 2, `unknown view "nosuch"`},
		{[]string{"snapshot", "--demo", "--replay", aio}, 2, "give one"},
		{[]string{"diff", aio, "--demo"}, 0, ""},
		{[]string{"diff", aio, aio, "--demo"}, 2, "NEW is given twice"},
		{[]string{"fix", "rollback", "--demo"}, 2, "--replay and --demo have none to restore"},
		{[]string{"fix", "rollback", "--replay", aio}, 2, "none to restore"},
		{[]string{"snapshots"}, 2, `unknown command "snapshots"; did you mean snapshot?`},
		// The repair refuses what cannot be a gateway, for the right reason.
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "10.20.0.255"}, 2, "10.20.0.255 is the broadcast address of eth1's subnet 10.20.0.0/24"},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "10.20.0.0"}, 2, "10.20.0.0 is the network address of eth1's subnet 10.20.0.0/24"},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "10.20.0.11"}, 2, "10.20.0.11 is this node's own address on eth1"},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "224.0.0.1"}, 2, "multicast"},
		{[]string{"fix", "default-route", "--replay", bad, "--gateway", "0.0.0.0"}, 2, "0.0.0.0"},
		{[]string{"fix", "default-route", "--netns", "nosuch-ostopo-test", "--gateway", "10.20.0.1"}, 2, `namespace "nosuch-ostopo-test" does not exist`},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// A source that could not be read is said, also where only a view is
// printed: --ovsdb to nowhere used to show every port on no bridge
// without a word, and --netns-dir /nonexistent read as "no namespaces".
// (These read this machine's own namespace, and change nothing.)
func TestPlainWarnsAboutWhatWasNotRead(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--plain", "--view", "ports", "--ovsdb", "unix:" + missing}, "ostopo: warning: ovsdb was not read: "},
		{[]string{"--plain", "--view", "namespaces", "--ovsdb", "unix:" + missing, "--netns-dir", missing}, "ostopo: warning: netns was not read: list namespaces in " + missing},
	} {
		_, _, stderr := runCLI(t, tc.args...)
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: stderr %q lacks %q", tc.args, stderr, tc.want)
		}
	}
}

// --replay reads a bounded amount: /dev/zero and a gzip bomb end in one
// line naming the file, not in the OOM killer; --max-input raises the
// bound.
func TestReplayIsBounded(t *testing.T) {
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.json.gz")
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(`{"schema":"ostopo.snapshot/v1","host":"x"`))
	zw.Write(bytes.Repeat([]byte(" "), 3<<20))
	zw.Write([]byte(`}`))
	zw.Close()
	os.WriteFile(bomb, b.Bytes(), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"snapshot", "--replay", "/dev/zero"}, "/dev/zero: snapshot too large: more than 128 MiB (the limit; --max-input raises it)"},
		{[]string{"doctor", "--replay", bomb, "--max-input", "2MiB"}, "bomb.json.gz: snapshot too large: decompressed more than 2 MiB"},
		{[]string{"snapshot", "--replay", writeFixture(t, "aio"), "--max-input", "1KiB"}, "more than 1 KiB"},
		{[]string{"snapshot", "--demo", "--max-input", "lots"}, `invalid argument "lots" for "--max-input"`},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		want := exitUsage
		if tc.args[0] == "doctor" {
			want = exitUnknown
		}
		if code != want || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || stdout != "" {
			t.Errorf("%v: exit %d, stdout %.30q, stderr %q; want %d and %q", tc.args, code, stdout, stderr, want, tc.want)
		}
	}
	if code, _, stderr := runCLI(t, "doctor", "--replay", bomb, "--max-input", "8MiB"); code == exitUnknown && strings.Contains(stderr, "too large") {
		t.Errorf("--max-input 8MiB still refused: %s", stderr)
	}
}

// -o writes what it names the way the operator means it.
func TestOutputFileKinds(t *testing.T) {
	dir := t.TempDir()
	// A 0600 file keeps its mode when rewritten.
	private := filepath.Join(dir, "private.json")
	os.WriteFile(private, []byte("old"), 0o600)
	if code, _, stderr := runCLI(t, "snapshot", "--demo", "-o", private); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st, _ := os.Stat(private); st.Mode().Perm() != 0o600 {
		t.Errorf("rewritten 0600 file is now %v", st.Mode().Perm())
	}
	// A symlink is followed: the target is written, the link stays a link.
	target := filepath.Join(dir, "target.md")
	link := filepath.Join(dir, "link.md")
	os.WriteFile(target, []byte("old"), 0o640)
	os.Symlink("target.md", link)
	if code, _, stderr := runCLI(t, "report", "--demo", "-o", link); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); !strings.HasPrefix(string(b), "# ostopo report") {
		t.Errorf("target holds %.40q", b)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o640 {
		t.Errorf("target's mode is now %v", st.Mode().Perm())
	}
	// A dangling link: its target is created.
	dangling := filepath.Join(dir, "dangling.svg")
	os.Symlink("made.svg", dangling)
	if code, _, stderr := runCLI(t, "report", "--demo", "-o", dangling); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "made.svg")); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("dangling link's target: %v", err)
	}
	// A FIFO is written straight through, and stays a FIFO.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		var b bytes.Buffer
		b.ReadFrom(f)
		got <- b.Bytes()
	}()
	if code, _, stderr := runCLI(t, "report", "--demo", "-o", fifo, "--format", "dot"); code != 0 {
		t.Fatalf("fifo: exit %d: %s", code, stderr)
	}
	if b := <-got; !bytes.HasPrefix(b, []byte("digraph")) {
		t.Errorf("fifo read %.40q", b)
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("fifo is now %v", st.Mode())
	}
	// A file reached through /proc/self/fd (what /dev/stdout is) is the
	// shell's redirection: written where it is, not renamed over.
	redirected := filepath.Join(dir, "redirected.json")
	f, err := os.OpenFile(redirected, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, _ := f.Stat()
	if code, _, stderr := runCLI(t, "snapshot", "--demo", "-o", "/proc/self/fd/"+strconv.Itoa(int(f.Fd()))); code != 0 {
		t.Fatalf("/proc/self/fd: exit %d: %s", code, stderr)
	}
	after, _ := os.Stat(redirected)
	if !os.SameFile(before, after) || after.Size() == 0 {
		t.Errorf("the redirected file was replaced or left empty (size %d)", after.Size())
	}
	// A directory is an error; "-" is standard output.
	if code, _, stderr := runCLI(t, "report", "--demo", "-o", dir, "--format", "md"); code != exitFail || !strings.Contains(stderr, "is a directory") {
		t.Errorf("directory: exit %d, %q", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "report", "--demo", "-o", "-", "--format", "dot"); code != 0 || !strings.HasPrefix(stdout, "digraph") {
		t.Errorf("-o -: exit %d, %.30q", code, stdout)
	}
	// Nothing temporary is left beside the files.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// The README's commands table is the command tree: one row per command,
// its first cell the command's usage (so every flag of the command is
// there), its description starting with the command's short help; the
// global flags paragraph names every global flag; the exit status table is
// the one --help prints.
func TestREADMEMatchesTheCommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	rows := map[string]string{} // usage -> description
	row := regexp.MustCompile("(?m)^\\| `(ostopo[^`]*)` \\| (.*) \\|$")
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		rows[strings.ReplaceAll(m[1], `\|`, "|")] = m[2]
	}
	root := newRoot(&app{})
	var want []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		subs := 0
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() && s.Name() != "help" {
				subs++
				if c.Name() != "completion" {
					walk(s)
				}
			}
		}
		if subs == 0 || !c.HasParent() || c.Name() == "completion" {
			want = append(want, c)
		}
	}
	walk(root)
	for _, c := range want {
		usage := c.Use
		if c.HasParent() {
			usage = c.Parent().CommandPath() + " " + c.Use
		}
		desc, ok := rows[usage]
		if !ok {
			t.Errorf("README has no row for `%s`", usage)
			continue
		}
		delete(rows, usage)
		if !strings.HasPrefix(desc, c.Short) {
			t.Errorf("README's %q row does not start with the command's short help %q", usage, c.Short)
		}
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Hidden || f.Name == "help" {
				return
			}
			if !strings.Contains(usage+" ", "--"+f.Name+" ") && !strings.Contains(usage, "--"+f.Name+"]") && !strings.Contains(usage, "--"+f.Name+"=") && !(f.Shorthand != "" && strings.Contains(usage, "-"+f.Shorthand+" ")) {
				t.Errorf("`%s` does not show its flag --%s", usage, f.Name)
			}
		})
	}
	for usage := range rows {
		t.Errorf("README's row `%s` is no command", usage)
	}
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(text, "`--"+f.Name+" ") && !strings.Contains(text, "`--"+f.Name+"`") {
			t.Errorf("README does not document the global flag --%s", f.Name)
		}
	})
	if !strings.Contains(text, exitStatusMarkdown()) {
		t.Errorf("README's exit status table differs from the commands'; want:\n%s", exitStatusMarkdown())
	}
	_, help, _ := runCLI(t, "--help")
	if !strings.Contains(help, exitStatusText()) {
		t.Errorf("--help lacks the exit status table")
	}
	for _, c := range []struct{ cmd, flag string }{{"", "--baseline"}, {"", "--keys"}, {"", "--root-netns"}, {"trace", "--no-verify"}, {"fix default-route", "--etc-dir"}, {"snapshot", "--max-input"}} {
		args := append(strings.Fields(c.cmd), "--help")
		if _, out, _ := runCLI(t, args...); !strings.Contains(out, c.flag) {
			t.Errorf("ostopo %s --help lacks %s", c.cmd, c.flag)
		}
	}
}

// Shell completion: the scripts, and the values that only the node or the
// snapshot know.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_ostopo", "zsh": "#compdef ostopo", "fish": "complete -c ostopo"} {
		if code, out, stderr := runCLI(t, "completion", shell); code != 0 || !strings.Contains(out, want) {
			t.Errorf("completion %s: exit %d, %q, lacks %q", shell, code, stderr, want)
		}
	}
	_, out, _ := runCLI(t, "__complete", "trace", "--demo", "")
	demo := loadDemoFacts(t)
	for _, want := range []string{demo.fip + "\t", demo.fixedIP + "\t", demo.routerIP + "\t", demo.dhcpIP + "\t", demo.port + "\t"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace completion lacks %s:\n%s", want, out)
		}
	}
	_, out, _ = runCLI(t, "__complete", "--view", "")
	for _, v := range []string{"topology", "networks", "namespaces", "ports", "flows", "problems", "nodes", "mesh"} {
		if !strings.Contains(out, v+"\n") {
			t.Errorf("--view completion lacks %s:\n%s", v, out)
		}
	}
	_, out, _ = runCLI(t, "__complete", "fix", "default-route", "--replay", writeFixture(t, "bad"), "--dev", "")
	if !strings.Contains(out, "eth1\n") {
		t.Errorf("--dev completion lacks eth1:\n%s", out)
	}
}
