package main

import (
	"fmt"
	"os"
)

type validateCmd struct {
	Dir string `arg:"" optional:"" default:"." help:"Directory of holdout manifests (*.yaml, *.yml, recursively)."`
}

func (c *validateCmd) Run(e *env) error {
	holdouts, err := loadManifests(e, os.DirFS(c.Dir), c.Dir)
	if err != nil {
		return err
	}
	if len(holdouts) == 0 {
		fmt.Fprintf(e.stdout, "No manifests found in %s.\n", c.Dir)
		return nil
	}
	fmt.Fprintf(e.stdout, "%d %s valid.\n", len(holdouts), plural(len(holdouts), "holdout is", "holdouts are"))
	return nil
}
