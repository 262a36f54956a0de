// Command hogsync keeps a PostHog project's experiment holdouts equal to a
// directory of YAML manifests. See the README for usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hogsync/hogsync/run"
)

func main() {
	run.TuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt makes hogsync wind down (no new change, the ones
	// in flight finish); restoring the default then lets a second one end
	// it at once, as users expect of terraform and kubectl.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := runCLI(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
