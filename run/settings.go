package run

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/words"
	"github.com/hogsync/hogsync/manifest"
)

// defaultHost is where hogsync connects when nothing names a host.
const defaultHost = "https://us.posthog.com"

// The action's inputs reach hogsync as these variables (action.yml), and
// only when the workflow set them: an empty one is "not given", so that
// hogsync.yaml decides. They rank below flags and hogsync's own
// variables, which a workflow sets on purpose, and above hogsync.yaml.
const (
	inputHost       = "HOGSYNC_INPUT_HOST"
	inputProject    = "HOGSYNC_INPUT_PROJECT"
	inputMaxDeletes = "HOGSYNC_INPUT_MAX_DELETES"
)

// settings are what a run needs to know about where and how far to go,
// resolved once, each remembering where it came from ("--project",
// "POSTHOG_HOST", "the action's `host` input", "holdouts/hogsync.yaml:3",
// "default"), for the plan's header and for every refusal.
type settings struct {
	host, hostFrom       string
	project, projectFrom string
	maxDeletes           int
	maxDeletesFrom       string
	keyEnv               string // the variable that holds the key
	protect              []string
	configFile           string // "" without hogsync.yaml
}

// sourced is a value and where it came from; "" is "not given".
type sourced struct{ value, from string }

// first is the first given value, in rank order.
func first(vs ...sourced) sourced {
	for _, v := range vs {
		if v.value != "" {
			return v
		}
	}
	return sourced{}
}

// flagOrEnv says whether a flag's value (which kong fills from the flag
// or from its variable) came from the command line or the environment.
func flagOrEnv(e *env, value, flag, envVar string) sourced {
	switch {
	case value == "":
		return sourced{}
	case len(flagValues(e.args, flag)) > 0:
		return sourced{value, flag}
	case e.getenv(envVar) != "":
		return sourced{value, envVar}
	}
	return sourced{value, flag}
}

// actionInput is one of the action's inputs, when the workflow gave it.
func actionInput(e *env, envVar, input string) sourced {
	v := strings.TrimSpace(e.getenv(envVar))
	if v == "" {
		return sourced{}
	}
	return sourced{v, "the action's `" + input + "` input"}
}

// configValue is a value hogsync.yaml sets, with its file and line.
func configValue(cfg *manifest.Config, key, value string) sourced {
	if cfg == nil || value == "" {
		return sourced{}
	}
	return sourced{value, configWhere(cfg, key)}
}

// configWhere names the line of hogsync.yaml that sets key.
func configWhere(cfg *manifest.Config, key string) string {
	p, ok := cfg.Pos[key]
	if !ok {
		return shown(cfg.File)
	}
	return p.String()
}

// resolve decides the run's settings from, in this order: flags, the
// environment, the action's inputs the workflow set, the unit's
// hogsync.yaml (cfg, nil without one), and hogsync's defaults. A project
// or host given by a flag, a variable or an input that differs from the
// one hogsync.yaml names is refused unless override: a leftover
// POSTHOG_PROJECT_ID must not point a --prune --apply at another project.
func resolve(e *env, r Remote, maxDeletes *int, cfg *manifest.Config, override bool) (settings, error) {
	var s settings
	if cfg != nil {
		s.configFile = cfg.File
		s.protect = cfg.Protect
		s.keyEnv = cfg.APIKeyEnv
	}

	project := first(flagOrEnv(e, r.Project, "--project", "POSTHOG_PROJECT_ID"), actionInput(e, inputProject, "project"))
	if cfg != nil && cfg.Project != "" {
		switch {
		case project.value == "":
			project = configValue(cfg, "project", cfg.Project)
		case strings.TrimLeft(project.value, "0") != cfg.Project && !override:
			return s, usageErrorf("%s names project %s, but %s says %s: refusing to plan or apply one project's manifests against another. Fix %s, or pass --override-config to use project %s anyway",
				configWhere(cfg, "project"), cfg.Project, project.from, project.value, project.from, project.value)
		}
	}
	if project.value == "" {
		return s, usageErrorf("no project: pass --project ID, set POSTHOG_PROJECT_ID, or name the project in the manifest directory's hogsync.yaml (project: ID)")
	}
	s.project, s.projectFrom = project.value, project.from

	host := first(flagOrEnv(e, r.Host, "--host", "POSTHOG_HOST"), actionInput(e, inputHost, "host"))
	if cfg != nil && cfg.Host != "" {
		switch {
		case host.value == "":
			host = configValue(cfg, "host", cfg.Host)
		case !sameHost(host.value, cfg.Host) && !override:
			return s, usageErrorf("%s names host %s, but %s says %s: a project id means another project on another host. Fix %s, or pass --override-config to use %s anyway",
				configWhere(cfg, "host"), cfg.Host, host.from, host.value, host.from, host.value)
		}
	}
	host = first(host, sourced{defaultHost, "default"})
	s.host, s.hostFrom = host.value, host.from
	if err := client.CheckTarget(s.host, s.project); err != nil {
		return s, usageErrorf("%s: %v", s.hostFrom, err)
	}

	s.maxDeletes, s.maxDeletesFrom = -1, "default"
	switch in := actionInput(e, inputMaxDeletes, "max-deletes"); {
	case maxDeletes != nil:
		s.maxDeletes, s.maxDeletesFrom = *maxDeletes, "--max-deletes"
	case in.value != "":
		n, err := strconv.Atoi(in.value)
		if err != nil || n < -1 {
			return s, usageErrorf("%s is %q: give a whole number of holdouts, or -1 for no limit", in.from, in.value)
		}
		s.maxDeletes, s.maxDeletesFrom = n, in.from
	case cfg != nil && cfg.MaxDeletes != nil:
		s.maxDeletes, s.maxDeletesFrom = *cfg.MaxDeletes, configWhere(cfg, "max_deletes")
	}
	return s, nil
}

// maxDeletesRefusal says why a plan over the limit is refused, naming
// where the limit was set.
func (s settings) maxDeletesRefusal(deletes int) error {
	how := "raise it"
	if s.maxDeletesFrom == "--max-deletes" {
		how = "raise --max-deletes"
	}
	return fmt.Errorf("refusing a plan that deletes %d %s: the limit is %d, set by %s; check the deletions above, then %s if they are intended",
		deletes, words.Plural(deletes, "holdout", "holdouts"), s.maxDeletes, s.maxDeletesFrom, how)
}

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func sameHost(a, b string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.ToLower(s), "/") }
	return norm(a) == norm(b)
}
