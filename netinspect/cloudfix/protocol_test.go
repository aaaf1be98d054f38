package cloudfix

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

const tok = "0123456789abcdef0123456789abcdef"

// syncBuffer is a bytes.Buffer safe to read while Confirm writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The node's side: only the exact confirmation line, with its token,
// sent after the question, confirms; the end of the input is "no" at
// once; silence is "no" at the timeout.
func TestConfirmer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer string // written after the question; "EOF" closes the input
		want   bool
		fast   bool // decided before the timeout
	}{
		{"the confirmation", ConfirmLine(tok) + "\n", true, true},
		{"from a terminal (CRLF)", ConfirmLine(tok) + "\r\n", true, true},
		{"another token", ConfirmLine(strings.Repeat("f", 32)) + "\n", false, true},
		{"a typed yes", "yes\n", false, true},
		{"the question echoed back", PromptLine(tok) + "\n", false, true},
		{"trailing text", ConfirmLine(tok) + " please\n", false, true},
		{"no newline, then the end", ConfirmLine(tok), false, true},
		{"an over-long line ending in the confirmation", strings.Repeat("x", 2*maxLine) + ConfirmLine(tok) + "\n", false, true},
		{"the end of the input", "EOF", false, true},
		{"silence", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inR, inW := io.Pipe()
			defer inW.Close()
			c := NewConfirmer(inR, tok)
			var out syncBuffer
			go func() {
				// Answer once the question is out, as the orchestrator does.
				for !strings.Contains(out.String(), "\n") {
					time.Sleep(time.Millisecond)
				}
				switch tc.answer {
				case "EOF":
					inW.Close()
				case "":
				default:
					io.WriteString(inW, tc.answer)
					if !strings.HasSuffix(tc.answer, "\n") {
						inW.Close()
					}
				}
			}()
			timeout := 2 * time.Second
			start := time.Now()
			var said []string
			got, err := c.Confirm(context.Background(), &out, timeout, func(f string, a ...any) { said = append(said, f) })
			if err != nil || got != tc.want {
				t.Errorf("confirmed %v (%v), want %v; said %q", got, err, tc.want, said)
			}
			if d := time.Since(start); tc.fast && d > timeout/2 || !tc.fast && d < timeout {
				t.Errorf("decided after %v (timeout %v)", d, timeout)
			}
			if out.String() != PromptLine(tok)+"\n" {
				t.Errorf("asked %q", out.String())
			}
		})
	}
}

// A line sent before the question is no answer to it, nor is an input that
// ended before it (the connection died while the node changed its route).
func TestConfirmerBeforeTheQuestion(t *testing.T) {
	for name, in := range map[string]string{"an early confirmation": ConfirmLine(tok) + "\n", "ended": ""} {
		c := NewConfirmer(strings.NewReader(in), tok)
		deadline := time.Now().Add(time.Second)
		for !c.Ended() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if !c.Ended() {
			t.Fatalf("%s: input not seen to end", name)
		}
		var out bytes.Buffer
		if ok, _ := c.Confirm(context.Background(), &out, time.Minute, nil); ok {
			t.Errorf("%s: confirmed", name)
		}
		if out.Len() != 0 {
			t.Errorf("%s: asked %q after the input ended", name, out.String())
		}
	}
}

// A node that cannot ask (its output is a broken pipe) does not wait.
func TestConfirmerCannotAsk(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	outR, outW := io.Pipe()
	outR.Close()
	start := time.Now()
	if ok, _ := NewConfirmer(inR, tok).Confirm(context.Background(), outW, time.Minute, nil); ok || time.Since(start) > time.Second {
		t.Errorf("confirmed %v after %v", ok, time.Since(start))
	}
}

func TestConfirmerContext(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if ok, err := NewConfirmer(inR, tok).Confirm(ctx, io.Discard, time.Minute, nil); ok || err == nil {
		t.Errorf("confirmed %v, err %v", ok, err)
	}
}

func TestTokensAndLines(t *testing.T) {
	a, err := NewToken()
	b, _ := NewToken()
	if err != nil || a == b || !ValidToken(a) {
		t.Fatalf("tokens %q %q %v", a, b, err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 32), strings.Repeat("A", 32), strings.Repeat("a", 31), strings.Repeat("a", 129), tok + " kept"} {
		if ValidToken(bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	for line, want := range map[string]lineKind{
		PromptLine(tok):                             linePrompt,
		PromptLine(tok) + "\r":                      linePrompt,
		" " + PromptLine(tok):                       lineOther,
		PromptLine(tok) + "x":                       lineOther,
		PromptLine(strings.Repeat("1", 32)):         lineOther,
		ResultLine(tok, OutcomeKept):                lineResult,
		ResultLine(tok, OutcomeRolledBack):          lineResult,
		ResultLine(tok, "kept "):                    lineOther,
		ResultLine(strings.Repeat("1", 32), "kept"): lineOther,
		ConfirmLine(tok):                            lineOther,
	} {
		if got, _ := parseLine(line, tok); got != want {
			t.Errorf("%q: %v, want %v", line, got, want)
		}
	}
}
