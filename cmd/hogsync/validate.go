package main

import (
	"fmt"

	"github.com/hogsync/hogsync/internal/escape"
	"os"
)

type validateCmd struct {
	Dir string `arg:"" optional:"" default:"." help:"Directory of holdout manifests (*.yaml, *.yml, recursively)."`
}

func (c *validateCmd) Run(e *env) error {
	vs := views{&textView{e: e}}
	if onGitHubActions(e) {
		vs = append(vs, &githubView{e: e, cmds: e.stdout})
	}
	holdouts, err := loadManifests(vs, os.DirFS(c.Dir), c.Dir)
	if err != nil {
		return err
	}
	if len(holdouts) == 0 {
		fmt.Fprintf(e.stdout, "No manifests found in %s.\n", escape.Text(c.Dir))
		return nil
	}
	fmt.Fprintf(e.stdout, "%d %s valid.\n", len(holdouts), plural(len(holdouts), "holdout is", "holdouts are"))
	return nil
}
