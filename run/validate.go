package run

import (
	"encoding/json"
	"errors"
	"fmt"

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
	res, err := manifest.LoadPaths(paths)
	switch c.Output {
	case "json":
		return c.json(e, res, err)
	default:
		return c.text(e, paths, res, err)
	}
}

// text reports every problem on stderr (and on GitHub as annotations),
// and a closing line on stdout when there is none.
func (c *Validate) text(e *env, paths []string, res manifest.Result, err error) error {
	vs := views{&textView{e: e}}
	if onGitHubActions(e) {
		vs = append(vs, &githubView{e: e, cmds: e.stdout})
	}
	if err := reportLoad(vs, res, err); err != nil {
		return err
	}
	n := len(res.Holdouts)
	if n == 0 {
		fmt.Fprintf(e.stdout, "No manifests found in %s.\n", escape.Text(joinPaths(paths)))
		return nil
	}
	fmt.Fprintf(e.stdout, "%d %s valid", n, words.Plural(n, "holdout is", "holdouts are"))
	if res.Config != nil {
		fmt.Fprintf(e.stdout, ", and so is %s", escape.Text(res.Config.File))
	}
	fmt.Fprintln(e.stdout, ".")
	return nil
}

// json writes every problem, errors and warnings, as one JSON array (empty
// when there are none) on stdout; the exit code says whether any is an
// error.
func (c *Validate) json(e *env, res manifest.Result, err error) error {
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
