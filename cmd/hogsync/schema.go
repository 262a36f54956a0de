package main

import (
	"github.com/hogsync/hogsync/manifest"
	"github.com/hogsync/hogsync/run"
)

type schemaCmd struct {
	Config bool `help:"Print the schema of hogsync.yaml, the manifest directory's config, instead."`
}

// Run prints the JSON Schema editors use to check and complete a
// manifest (or hogsync.yaml): the one manifest.Schema makes from the
// loader's own rules, byte for byte what schema/holdout.schema.json holds.
func (c *schemaCmd) Run(e *run.Env) error {
	s := manifest.Schema()
	if c.Config {
		s = manifest.ConfigSchema()
	}
	if _, err := e.Stdout().Write(s); err != nil {
		return err
	}
	return e.Stdout().Flush()
}
