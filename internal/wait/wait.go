// Package wait pauses for a while unless a context ends first: the one
// sleep the PostHog client, the GitHub client and the apply share (and
// that their tests replace).
package wait

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx is done, and returns ctx's error in that
// case. A d of zero or less returns at once, with ctx's error if any.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
