package main

import (
	"bytes"
	"io"
	stdsync "sync"
)

// secret holds the API key (and the GitHub token, when one is used) once
// read, so every byte hogsync writes can be checked against them. The client never puts the key in an error;
// this is the last line of defence should some future message do so.
type secret struct {
	mu   stdsync.Mutex
	keys [][]byte
}

// minSecret is the shortest key worth redacting: replacing a one-letter
// "key" would garble every line, and no real key is that short (PostHog's
// are phx_ and 43 more characters).
const minSecret = 8

func (s *secret) add(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(key) >= minSecret {
		s.keys = append(s.keys, []byte(key))
	}
}

func (s *secret) redact(p []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if bytes.Contains(p, k) {
			p = bytes.ReplaceAll(p, k, []byte("[REDACTED]"))
		}
	}
	return p
}

// redactingWriter replaces the API key in whatever passes through it.
// hogsync writes whole lines, so a key is never split across two writes.
// It also serialises writes: during an apply, results and retry notes are
// written from several goroutines.
type redactingWriter struct {
	mu     stdsync.Mutex
	w      io.Writer
	secret *secret
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(r.secret.redact(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
