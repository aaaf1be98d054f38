package routefix

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ostopo/ostopo/netinspect/safetext"
	"github.com/ostopo/ostopo/netinspect/topo"
)

// Journal is written before anything changes, so that `ostopo fix rollback`
// can restore the routes at any later time, also after ostopo was killed.
type Journal struct {
	NetnsPath string `json:"netns_path"` // "" = the namespace ostopo ran in
	// NetnsInode identifies the namespace for good: a rollback run from
	// another namespace (ostopo was under `ip netns exec`, the rollback is
	// not) must change the journalled namespace, never its own.
	NetnsInode uint64 `json:"netns_inode"`
	// Family of the default routes changed: 4 or 6 (0 in journals written
	// before IPv6 plans: 4).
	Family  int          `json:"family,omitempty"`
	Before  []topo.Route `json:"before"`
	After   topo.Route   `json:"after"`
	State   string       `json:"state"` // applying, waiting-confirmation, confirmed, rolled-back
	Started time.Time    `json:"started"`
	PID     int          `json:"pid"`
	// Confirmed and RolledBack are when the state became confirmed and
	// rolled-back, so that a later rollback can say what is true rather
	// than claim to restore routes a first one already restored.
	Confirmed  time.Time `json:"confirmed,omitzero"`
	RolledBack time.Time `json:"rolled_back,omitzero"`
}

// family is the journal's route family, 4 for journals that predate it.
func (j *Journal) family() int {
	if j.Family == 6 {
		return 6
	}
	return 4
}

// Journal states.
const (
	StateApplying  = "applying"
	StateWaiting   = "waiting-confirmation"
	StateConfirmed = "confirmed"
	StateRolled    = "rolled-back"
)

// ReadJournal reads the journal of the last fix in dir (a missing one is
// os.ErrNotExist): what a caller of Apply reads to tell a change rolled
// back from one never made (cloud-wide repair, docs/cloudfix.md).
func ReadJournal(dir string) (*Journal, error) { return readJournal(dir) }

// readJournal reads the journal in dir; a missing one is os.ErrNotExist.
func readJournal(dir string) (*Journal, error) {
	b, err := os.ReadFile(journalPath(dir))
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("journal %s is corrupt: %w", journalPath(dir), err)
	}
	return &j, nil
}

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
	// One entry, one line: a device name holding a newline cannot forge
	// an entry of the change log.
	fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339), safetext.Term(fmt.Sprintf(format, args...)))
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

// RollbackOutcome says what a rollback did.
type RollbackOutcome string

// Rollback outcomes.
const (
	// RollbackRestored: the journalled routes were put back.
	RollbackRestored RollbackOutcome = "restored"
	// RollbackAlready: the journal was rolled back before; nothing changed.
	RollbackAlready RollbackOutcome = "already-rolled-back"
	// RollbackNoJournal: no fix was journalled in the state dir; nothing
	// changed.
	RollbackNoJournal RollbackOutcome = "no-journal"
)

// RollbackResult is what Rollback really did, for the operator.
type RollbackResult struct {
	Outcome  RollbackOutcome
	StateDir string
	Journal  *Journal // nil with RollbackNoJournal
	// NetnsPath is the namespace changed ("" = the one ostopo runs in),
	// and Restored the routes put back in it (RollbackRestored only).
	NetnsPath string
	Restored  []topo.Route
}

// Changed reports whether the rollback changed the node.
func (r *RollbackResult) Changed() bool { return r.Outcome == RollbackRestored }

// Text is one line saying what the rollback did, or why it did nothing.
func (r *RollbackResult) Text() string {
	stamp := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	var s string
	switch r.Outcome {
	case RollbackNoJournal:
		s = "nothing to roll back: no journal in " + r.StateDir
	case RollbackAlready:
		s = "nothing to roll back: the journal of " + stamp(r.Journal.Started) + " was already rolled back"
		if r.Journal.RolledBack.IsZero() {
			s += " (the journal does not say when)"
		} else {
			s += " at " + stamp(r.Journal.RolledBack)
		}
	default:
		j := r.Journal
		fix := "the fix of " + stamp(j.Started)
		switch {
		case !j.Confirmed.IsZero():
			fix += " (kept at " + stamp(j.Confirmed) + ")"
		case j.State == StateConfirmed:
			fix += " (kept)"
		}
		where := "the namespace ostopo runs in"
		if r.NetnsPath != "" {
			where = "namespace " + filepath.Base(r.NetnsPath) + " (" + r.NetnsPath + ")"
		}
		family := "IPv4"
		if j.family() == 6 {
			family = "IPv6"
		}
		if len(r.Restored) == 0 {
			s = fmt.Sprintf("rolled back %s: restored 0 %s default route(s) in %s: it had none before the fix, and has none now", fix, family, where)
		} else {
			s = fmt.Sprintf("rolled back %s: restored %d %s default route(s) in %s: %s", fix, len(r.Restored), family, where, routesText(r.Restored))
		}
	}
	return safetext.Term(s)
}
