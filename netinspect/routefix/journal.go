package routefix

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/topo"
)

// Journal is written before anything changes, so that `ostopo fix rollback`
// can restore the routes at any later time, also after ostopo was killed.
type Journal struct {
	NetnsPath string `json:"netns_path"` // "" = the namespace ostopo ran in
	// NetnsInode identifies the namespace for good: a rollback run from
	// another namespace (ostopo was under `ip netns exec`, the rollback is
	// not) must change the journalled namespace, never its own.
	NetnsInode uint64       `json:"netns_inode"`
	Before     []topo.Route `json:"before"`
	After      topo.Route   `json:"after"`
	State      string       `json:"state"` // applying, waiting-confirmation, confirmed, rolled-back
	Started    time.Time    `json:"started"`
	PID        int          `json:"pid"`
}

// Journal states.
const (
	StateApplying  = "applying"
	StateWaiting   = "waiting-confirmation"
	StateConfirmed = "confirmed"
	StateRolled    = "rolled-back"
)

func journalPath(dir string) string { return filepath.Join(dir, "default-route.journal.json") }
func logPath(dir string) string     { return filepath.Join(dir, "fix.log") }

func writeJournal(dir string, j *Journal) error {
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	// Synced before the rename: the journal is what a rollback after a
	// crash or power cut has to go on.
	tmp := journalPath(dir) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write journal %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, journalPath(dir)); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// logf appends one line to the state dir's change log.
func logf(dir, format string, args ...any) {
	f, err := os.OpenFile(logPath(dir), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

func routesText(rs []topo.Route) string {
	if len(rs) == 0 {
		return "(no default route)"
	}
	var parts []string
	for _, r := range rs {
		parts = append(parts, RouteText(r))
	}
	return strings.Join(parts, "; ")
}
