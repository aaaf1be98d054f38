// Package views says what each view of the TUI shows: it builds every
// view's data (the tables' rows and columns, the trees' nodes) from a
// snapshot or a doctor result. Everything here is a pure function, run
// once per snapshot, with no terminal, no I/O and no state; every string
// it takes from the snapshot becomes terminal-safe text (safetext.Term),
// since a snapshot's names may hold escape sequences. The panes (ui/table,
// ui/tree) only arrange and draw what these functions return.
package views
