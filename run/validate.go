package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hogsync/hogsync/internal/words"

	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

type Validate struct {
	Paths  []string
	Output string
}

// Run is `hogsync validate`: every rule, offline, no key.
func (c *Validate) Run(e *env) error {
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	// Each file is judged with the other manifests of its unit (the
	// folder of its hogsync.yaml): a name may repeat across units, as the
	// same holdout in US and EU PostHog does, never within one.
	units, err := manifest.LoadPathUnits(paths)
	res, err := mergeUnits(units, err)
	switch c.Output {
	case "json":
		return c.json(e, res, err)
	default:
		return c.text(e, paths, res, err)
	}
}

// text reports every problem on stderr (and on GitHub as annotations),
// and a closing line on stdout when there is none.
func (c *Validate) text(e *env, paths []string, res loaded, err error) error {
	vs := views{&textView{e: e}}
	if onGitHubActions(e) {
		vs = append(vs, &githubView{e: e, cmds: e.stdout})
	}
	if err := reportLoad(vs, res.Result, err); err != nil {
		return err
	}
	n := len(res.Holdouts)
	if n == 0 {
		fmt.Fprintf(e.stdout, "No manifests found in %s.\n", escape.Text(joinPaths(paths)))
		return nil
	}
	fmt.Fprintf(e.stdout, "%d %s valid", n, words.Plural(n, "holdout is", "holdouts are"))
	switch configs := res.configs; {
	case len(res.units) > 1:
		fmt.Fprintf(e.stdout, " in %d units (%s)", len(res.units), escape.Text(strings.Join(res.units, ", ")))
		if len(configs) > 0 {
			fmt.Fprintf(e.stdout, ", and so %s %s", words.Plural(len(configs), "is", "are"), escape.Text(strings.Join(configs, ", ")))
		}
	case len(configs) == 1:
		fmt.Fprintf(e.stdout, ", and so is %s", escape.Text(configs[0]))
	}
	fmt.Fprintln(e.stdout, ".")
	return nil
}

// loaded is what validate read: every unit's holdouts and warnings as one
// Result, with the units' folders and config files for its closing line.
type loaded struct {
	manifest.Result
	units, configs []string
}

// mergeUnits joins the units' results and problems, in unit order.
func mergeUnits(units []manifest.Unit, err error) (loaded, error) {
	var l loaded
	if err != nil {
		return l, err
	}
	var problems manifest.List
	for _, u := range units {
		l.units = append(l.units, u.Dir)
		if u.Config != nil {
			l.configs = append(l.configs, u.Config.File)
		}
		l.Holdouts = append(l.Holdouts, u.Result.Holdouts...)
		l.Warnings = append(l.Warnings, u.Result.Warnings...)
		l.Files += u.Result.Files
		l.Skipped += u.Result.Skipped
		var list manifest.List
		if errors.As(u.Err, &list) {
			problems = append(problems, list...)
		} else if u.Err != nil {
			return l, u.Err
		}
	}
	if len(problems) > 0 {
		l.Holdouts = nil
		return l, problems
	}
	return l, nil
}

// json writes every problem, errors and warnings, as one JSON array (empty
// when there are none) on stdout; the exit code says whether any is an
// error.
func (c *Validate) json(e *env, res loaded, err error) error {
	var list manifest.List
	if err != nil && !errors.As(err, &list) {
		return &exitError{code: exitUsage, err: err}
	}
	all := append(manifest.List{}, list...)
	all = append(all, res.Warnings...)
	sortProblems(all)
	b, jerr := json.MarshalIndent(all, "", "  ")
	if jerr != nil {
		return jerr
	}
	fmt.Fprintf(e.stdout, "%s\n", escape.JSON(b))
	if len(list) > 0 {
		return quiet(exitFailure)
	}
	return nil
}

func joinPaths(paths []string) string {
	s := paths[0]
	for _, p := range paths[1:] {
		s += ", " + p
	}
	return s
}
