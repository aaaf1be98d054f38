package cloudfix

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// The confirmation handshake between the orchestrator and
// `ostopo fix default-route --apply --confirm-token TOKEN` on a node. Every
// line of it carries the token, a random value the orchestrator makes for
// one node and one run: the node's other output (plan text, device names,
// a login banner, a shell's rc file) is untrusted, and without the token no
// line of it can be taken for the question, the answer or the result.
//
//	node -> orchestrator   ostopo-confirm? TOKEN        applied and verified; keep it?
//	orchestrator -> node   ostopo-confirm TOKEN         keep it
//	node -> orchestrator   ostopo-result TOKEN OUTCOME  kept, rolled-back, unchanged or failed
//
// Anything else on the node's standard input, a line before the question,
// the end of its input (the connection died, or the orchestrator closed it
// on purpose) and the confirmation timeout all mean "not confirmed": the
// node restores its old routes.
const (
	promptPrefix  = "ostopo-confirm? "
	confirmPrefix = "ostopo-confirm "
	resultPrefix  = "ostopo-result "
)

// Outcome is what the node says happened to it, on its result line.
type Outcome string

// Outcomes of the node's side.
const (
	// OutcomeKept: the new route was confirmed and stays.
	OutcomeKept Outcome = "kept"
	// OutcomeRolledBack: the new route was applied and the old routes were
	// restored (verification failed, or no confirmation).
	OutcomeRolledBack Outcome = "rolled-back"
	// OutcomeUnchanged: nothing was changed (a pre-check failed, not root,
	// bad input).
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeFailed: the change or its rollback failed: the node's routes
	// may be changed; its journal says what to restore.
	OutcomeFailed Outcome = "failed"
)

func knownOutcome(o Outcome) bool {
	switch o {
	case OutcomeKept, OutcomeRolledBack, OutcomeUnchanged, OutcomeFailed:
		return true
	}
	return false
}

// NewToken is a fresh random token for one node's handshake.
func NewToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("confirmation token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ValidToken reports whether s can be a token: 32 to 128 lowercase hex
// digits. A short one could be guessed, and anything but hex could make a
// protocol line mean something else.
func ValidToken(s string) bool {
	if len(s) < 32 || len(s) > 128 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}

// PromptLine is the node's question, without its newline.
func PromptLine(token string) string { return promptPrefix + token }

// ConfirmLine is the orchestrator's answer that keeps the change.
func ConfirmLine(token string) string { return confirmPrefix + token }

// ResultLine is the node's last word on what happened to it.
func ResultLine(token string, o Outcome) string { return resultPrefix + token + " " + string(o) }

// lineKind is what a line of the node's standard output is to the
// orchestrator.
type lineKind int

const (
	lineOther  lineKind = iota // untrusted text
	linePrompt                 // the question, with our token
	lineResult                 // the result, with our token and a known outcome
)

// parseLine classifies one line of the node's output (without its
// newline; a trailing CR, from a terminal, is allowed). Only exact lines
// with the right token count.
func parseLine(line, token string) (lineKind, Outcome) {
	line = strings.TrimSuffix(line, "\r")
	if line == PromptLine(token) {
		return linePrompt, ""
	}
	if rest, ok := strings.CutPrefix(line, resultPrefix+token+" "); ok {
		if o := Outcome(rest); knownOutcome(o) {
			return lineResult, o
		}
	}
	return lineOther, ""
}

// maxLine bounds a line read from the other side: the protocol's lines
// are short, and a longer line is never one of them.
const maxLine = 4096

// readLines sends each line of r (without its newline) to fn, cutting
// lines longer than maxLine (the rest of such a line is skipped, so a
// protocol line cannot start in the middle of one). It returns at the end
// of r or at the first read error.
func readLines(r io.Reader, fn func(line string, cut bool)) error {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		b, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			fn(strings.TrimSuffix(string(b), "\n"), false)
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			fn(string(b), true)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
		case len(b) > 0:
			// A last line without its newline: the other side was cut
			// off mid-line; it is no protocol line.
			fn(string(b), true)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
}

// Confirmer is the node's side of the handshake: it reads the node's
// standard input from the start, so that a line sent before the question
// is seen as such and the end of the input is noticed at once.
type Confirmer struct {
	token string
	lines chan inputLine
	ended atomic.Bool
}

type inputLine struct {
	text string
	cut  bool
	end  bool  // the input ended (EOF or error)
	err  error // the read error, if not EOF
}

// NewConfirmer starts reading in (the node's standard input) for the
// handshake with token. The reader goroutine runs until in ends.
func NewConfirmer(in io.Reader, token string) *Confirmer {
	c := &Confirmer{token: token, lines: make(chan inputLine, 16)}
	go func() {
		err := readLines(in, func(line string, cut bool) { c.lines <- inputLine{text: line, cut: cut} })
		c.ended.Store(true)
		c.lines <- inputLine{end: true, err: err}
		close(c.lines)
	}()
	return c
}

// Ended reports whether the input has ended already: nobody is left to
// confirm, so a change made now could only be rolled back.
func (c *Confirmer) Ended() bool { return c.ended.Load() }

// Confirm asks (the prompt line on out, which must not be buffered) and
// waits up to timeout for the answer. It is true only for the exact
// confirmation line with the token, sent after the question; anything
// else, the end of the input and the timeout are false (say tells the
// operator which). The error is ctx's.
func (c *Confirmer) Confirm(ctx context.Context, out io.Writer, timeout time.Duration, say func(format string, args ...any)) (bool, error) {
	if say == nil {
		say = func(string, ...any) {}
	}
	// Whatever came before the question cannot be its answer.
	select {
	case l, ok := <-c.lines:
		if !ok || l.end {
			say("not confirmed: the connection's input ended before the question")
			return false, nil
		}
		say("not confirmed: a line came before the question")
		return false, nil
	default:
	}
	if _, err := io.WriteString(out, PromptLine(c.token)+"\n"); err != nil {
		// Nobody is there to answer: waiting would keep the node changed
		// for nothing.
		say("not confirmed: cannot ask (%v)", err)
		return false, nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case l, ok := <-c.lines:
		switch {
		case !ok || l.end:
			say("not confirmed: the connection's input ended (the orchestrator declined, or the connection died)")
			return false, nil
		case !l.cut && strings.TrimSuffix(l.text, "\r") == ConfirmLine(c.token):
			return true, nil
		default:
			say("not confirmed: the answer is not the confirmation line")
			return false, nil
		}
	case <-timer.C:
		say("not confirmed within %s", timeout)
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}
