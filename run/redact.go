package run

import (
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
	stdsync "sync"

	"github.com/hogsync/hogsync/internal/escape"
	hsync "github.com/hogsync/hogsync/sync"
)

// redactor holds the secrets of a run (the PostHog key, the GitHub token)
// once they are known, so that every byte hogsync writes — to stdout,
// stderr, --plan-out, --id-map, the job summary, step outputs and the pull
// request comment — can be checked against them. The client never puts the
// key in an error; this is the last line of defence should some message
// (or a key pasted where a project id belongs) carry one.
type redactor struct {
	mu      stdsync.Mutex
	secrets [][]byte // longest first, so a secret holding another is replaced whole
}

// minSecret is the shortest secret worth redacting: replacing a one-letter
// "key" would garble every line, and no real key is that short (PostHog's
// are phx_ and 43 more characters).
const minSecret = 8

// redacted replaces a secret in output.
const redacted = hsync.RedactedMark // the saved plan knows it (sync/saved.go)

// keyShaped is anything that looks like a PostHog personal API key (phx_)
// or project secret (phs_), in plain or markdown-escaped form, whether or
// not it is this run's key: a key pasted into a manifest or sent back by a
// server is redacted too.
var keyShaped = regexp.MustCompile(`ph[xs](?:_|&#95;)[A-Za-z0-9]{16,}`)

// add registers s, and every form the renderers could turn it into (the
// markdown renderer writes "_" as "&#95;"), for redaction.
func (r *redactor) add(s string) {
	if len(s) < minSecret {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, form := range []string{s, escape.Markdown(s), escape.Text(s)} {
		if !slices.ContainsFunc(r.secrets, func(b []byte) bool { return string(b) == form }) {
			r.secrets = append(r.secrets, []byte(form))
		}
	}
	slices.SortFunc(r.secrets, func(a, b []byte) int { return len(b) - len(a) })
}

// bytes returns p with every secret and key-shaped token replaced. It
// returns p itself when there is nothing to replace.
func (r *redactor) bytes(p []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.secrets {
		if bytes.Contains(p, k) {
			p = bytes.ReplaceAll(p, k, []byte(redacted))
		}
	}
	if keyShaped.Match(p) {
		p = keyShaped.ReplaceAll(p, []byte(redacted))
	}
	return p
}

func (r *redactor) string(s string) string { return string(r.bytes([]byte(s))) }

// stream is one of hogsync's output streams (stdout or stderr). It passes
// whole lines on: each line is redacted, and (for every line hogsync did
// not write as a workflow command on purpose) made inert as a GitHub
// Actions workflow command, since a manifest's name or PostHog's answer
// could otherwise start a line with "::". A partial line waits for its
// end (or Flush), so neither a key nor a "::" can be split across two
// writes. It is safe for concurrent use: during an apply, results and
// retry notes come from several goroutines.
//
// Stdout keeps whole lines in a buffer and writes them together (a plan
// of 50,000 holdouts has tens of thousands of lines): when the buffer
// fills, on Flush, before a workflow command, and before anything is
// written to stderr, which may be the same terminal or file. Stderr
// writes each line at once, so that diagnostics show as they are found.
type stream struct {
	mu      stdsync.Mutex
	w       io.Writer
	red     *redactor
	partial []byte
	// buffered streams keep whole lines, ready for w, in buf.
	buffered bool
	buf      []byte
	// first is flushed before this stream writes anything (stdout, for
	// stderr), so that lines keep their order on a shared terminal.
	first *stream
}

// streamBuffer is how much a buffered stream holds before it writes.
const streamBuffer = 64 << 10

func newStream(w io.Writer, red *redactor) *stream { return &stream{w: w, red: red} }

// newOutputStreams are a run's stdout (buffered) and stderr (not, and
// flushing stdout before each of its lines).
func newOutputStreams(stdout, stderr io.Writer, red *redactor) (*stream, *stream) {
	out := &stream{w: stdout, red: red, buffered: true}
	return out, &stream{w: stderr, red: red, first: out}
}

func (s *stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexAny(p, "\r\n")
		if i < 0 {
			s.partial = append(s.partial, p...)
			break
		}
		line := p[:i+1]
		p = p[i+1:]
		if len(s.partial) > 0 {
			line = append(s.partial, line...)
			s.partial = s.partial[:0]
		}
		if err := s.emit(line, true); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// emit writes one line (with its end), redacted and, when guard is set,
// inert as a workflow command.
func (s *stream) emit(line []byte, guard bool) error {
	out := s.red.bytes(line)
	if guard && escape.IsCommand(string(out)) {
		out = []byte(escape.Line(string(out)))
	}
	if s.buffered {
		s.buf = append(s.buf, out...)
		if len(s.buf) < streamBuffer {
			return nil
		}
		return s.writeBuffer()
	}
	return s.write(out)
}

// write writes p to w at once, after what the stream to be written
// first holds.
func (s *stream) write(p []byte) error {
	if s.first != nil {
		_ = s.first.flushBuffer()
	}
	_, err := s.w.Write(p)
	return err
}

// writeBuffer writes the lines held; s.mu is held.
func (s *stream) writeBuffer() error {
	if len(s.buf) == 0 {
		return nil
	}
	err := s.write(s.buf)
	s.buf = s.buf[:0]
	return err
}

// flushBuffer writes the whole lines held, but not a partial line.
func (s *stream) flushBuffer() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeBuffer()
}

// Flush writes a pending partial line, and every line held.
func (s *stream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		line := s.partial
		s.partial = nil
		if err := s.emit(line, true); err != nil {
			return err
		}
	}
	return s.writeBuffer()
}

// command writes a GitHub Actions workflow command that hogsync means to
// give: redacted, but not made inert. The command must be one line.
func (s *stream) command(cmd string) {
	cmd = strings.NewReplacer("\r", "%0D", "\n", "%0A").Replace(cmd)
	s.writeLine(s.red.bytes([]byte(cmd + "\n")))
}

// unredactedCommand writes a workflow command that must carry a secret as
// it is: "::add-mask::KEY" tells the runner to mask KEY in the log. It is
// the only way a secret is ever written.
func (s *stream) unredactedCommand(cmd string) {
	cmd = strings.NewReplacer("\r", "", "\n", "").Replace(cmd)
	s.writeLine([]byte(cmd + "\n"))
}

// writeLine writes a whole line as it is, at once, after any partial line
// pending and every line held.
func (s *stream) writeLine(line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		_ = s.emit(s.partial, true)
		s.partial = nil
	}
	_ = s.writeBuffer()
	_ = s.write(line)
}
