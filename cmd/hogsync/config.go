package main

import (
	"fmt"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// applyConfig fills what the directory's hogsync.yaml sets and the
// command line and environment do not: the host, the project, the
// default for --max-deletes, and the protected names. Flags and
// environment override it, except that a project (or host) other than
// the one the directory names is refused unless --override-config says
// so: a leftover POSTHOG_PROJECT_ID must not point a --prune --apply at
// another project.
func (c *syncCmd) applyConfig(e *env, cfg *manifest.Config) error {
	if cfg == nil {
		return c.requireProject()
	}
	where := func(key string) string {
		if p, ok := cfg.Pos[key]; ok {
			return p.String()
		}
		return cfg.File
	}
	if cfg.Project != "" {
		switch {
		case c.Project == "":
			c.Project, c.projectSource = cfg.Project, "hogsync.yaml"
		case strings.TrimLeft(c.Project, "0") != cfg.Project && !c.OverrideConfig:
			return &exitError{code: exitUsage, err: fmt.Errorf("%s names project %s, but %s says %s: refusing to plan or apply one project's manifests against another. Fix the flag or variable, or pass --override-config to use project %s anyway",
				where("project"), cfg.Project, c.projectSource, c.Project, c.Project)}
		}
	}
	if cfg.Host != "" {
		switch {
		case c.hostSource == "default":
			c.Host, c.hostSource = cfg.Host, "hogsync.yaml"
		case !sameHost(c.Host, cfg.Host) && !c.OverrideConfig:
			return &exitError{code: exitUsage, err: fmt.Errorf("%s names host %s, but %s says %s: a project id means another project on another host. Fix the flag or variable, or pass --override-config to use %s anyway",
				where("host"), cfg.Host, c.hostSource, c.Host, c.Host)}
		}
	}
	if cfg.MaxDeletes != nil && len(flagValues(e.args, "--max-deletes")) == 0 {
		c.MaxDeletes = *cfg.MaxDeletes
	}
	c.protect = cfg.Protect
	if err := client.CheckTarget(c.Host, c.Project); err != nil {
		if c.hostSource == "hogsync.yaml" {
			err = fmt.Errorf("%s: %w", where("host"), err)
		}
		return &exitError{code: exitUsage, err: err}
	}
	return c.requireProject()
}

// requireProject refuses a run that names no project anywhere.
func (c *syncCmd) requireProject() error {
	if c.Project == "" {
		return &exitError{code: exitUsage, err: fmt.Errorf("no project: pass --project ID, set POSTHOG_PROJECT_ID, or name the project in the manifest directory's hogsync.yaml (project: ID)")}
	}
	return nil
}

func sameHost(a, b string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.ToLower(s), "/") }
	return norm(a) == norm(b)
}
