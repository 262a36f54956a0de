package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/internal/glob"
	"github.com/hogsync/hogsync/internal/netaddr"
)

// configNames are the names of a manifest directory's config file, read
// only at the top of the directory, in exactly these letters. Anywhere
// deeper, a file of this name is an ordinary manifest file (and a config
// key in it is the error misplaced-config).
var configNames = []string{"hogsync.yaml", "hogsync.yml"}

// configKeys are the keys of a config file.
var configKeys = []string{"host", "project", "api_key_env", "protect", "max_deletes"}

// manifestKeys are the keys of a manifest, at either level.
var manifestKeys = slices.Concat(holdoutKeys, groupKeys)

func isConfigName(name string) bool { return contains(configNames, name) }

// likeConfigName reports whether name is a config file's name in any
// letter case.
func likeConfigName(name string) bool {
	return strings.EqualFold(name, configNames[0]) || strings.EqualFold(name, configNames[1])
}

// IsConfigFileName reports whether a file of this base name is, or could
// be taken for, a unit's config: hogsync.yaml or hogsync.yml in any letter
// case (a file system that ignores case finds one for the other). A tool
// that writes manifests must never give one such a name.
func IsConfigFileName(name string) bool { return likeConfigName(name) }

// maxProjectDigits bounds a project id as PostHog's client does: it must
// fit an int64. maxProjectID is the largest id of that many digits.
const (
	maxProjectDigits = 18
	maxProjectID     = 999_999_999_999_999_999
)

// Config is a manifest directory's hogsync.yaml: settings that belong to
// the directory rather than to a run. Flags and environment variables
// override them; the CLI decides how.
type Config struct {
	// File is the config file's display path.
	File string
	// Host is the PostHog site URL, such as "https://us.posthog.com";
	// "" when not set. It has an http or https scheme and a host name,
	// and no user name, password, query or fragment; the client decides
	// the rest (https unless the host is a loopback address).
	Host string
	// Project is the numeric id of the project the directory describes,
	// in decimal digits without leading zeros; "" when not set. Never
	// "@current": a directory names one project.
	Project string
	// APIKeyEnv is the name of the environment variable that holds the
	// unit's PostHog API key, such as "POSTHOG_EU_KEY"; "" when not set
	// (the CLI then uses its usual one). US and EU PostHog are separate
	// instances with separate keys, so units of one repository may need
	// different ones. It matches ^[A-Za-z_][A-Za-z0-9_]*$; the key itself
	// never stands in a file.
	APIKeyEnv string
	// Protect are name patterns (internal/glob syntax, where * matches
	// "/" too) of holdouts that --prune never deletes. Each is a valid,
	// non-empty pattern.
	Protect []string
	// MaxDeletes is the default for --max-deletes; nil when not set,
	// never negative.
	MaxDeletes *int
	// Pos is where each key that is set stands, by key ("host",
	// "project", "api_key_env", "protect", "max_deletes"), so that a message can say
	// where a value came from.
	Pos map[string]Pos
}

// LoadConfig reads the hogsync.yaml (or hogsync.yml) at the top of the OS
// directory dir, with the rules LoadDir applies to it: nil and no error
// when there is none, a List when it breaks a rule (or is a link that
// leaves dir), a plain error when dir cannot be read.
func LoadConfig(dir string) (*Config, error) {
	if dir == "" {
		dir = "."
	}
	w, prefix, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	entries, err := configEntries(dir)
	if err != nil {
		return nil, fmt.Errorf("manifest directory %q: %w", prefix, pathErr(err))
	}
	for _, e := range entries {
		w.entry(".", w.rootReal, e)
	}
	// What the entries gave is a config, or a problem: a link to a folder
	// is the only way to a manifest here, and it is not followed.
	var items []found
	for _, it := range w.items {
		if it.problem != nil || it.config {
			items = append(items, it)
		}
	}
	res, err := load(items, 0, false)
	return res.Config, err
}

// configEntries are the entries of dir named as a config that are not
// folders, sorted by name. The directory may hold tens of thousands of
// manifests: when neither name can be found, it is not read, and only
// the entries named as a config are sorted.
func configEntries(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !slices.ContainsFunc(configNames, func(name string) bool {
		// A name found is checked against the entries below, since a
		// file system that ignores letter case finds "HogSync.yaml" too.
		_, err := os.Lstat(filepath.Join(dir, name))
		return !errors.Is(err, fs.ErrNotExist)
	}) {
		return nil, nil
	}
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	entries = slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return !isConfigName(e.Name()) || e.IsDir() })
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// parseConfig checks the content of a config file, shown as file.
func parseConfig(file string, data []byte) parsed {
	if len(data) > MaxFileSize {
		return parsed{errs: List{tooLarge(file)}}
	}
	c := &checker{file: file}
	cfg := &Config{File: file, Pos: map[string]Pos{}}
	seen := false
	c.documents(data, func(node *yaml.Node) bool {
		if seen {
			c.errorf(node, CodeMultipleDocuments, "a config holds one YAML document; remove this one, or merge it into the first")
			return false
		}
		seen = true
		c.config(node, cfg)
		return true
	})
	if len(c.errs) > 0 {
		return parsed{errs: c.errs, warns: c.warns}
	}
	return parsed{config: cfg, warns: c.warns}
}

// config checks the document of a config file into cfg.
func (c *checker) config(node *yaml.Node, cfg *Config) {
	root := node.Content[0]
	c.anchors(root)
	if isAlias(root) {
		return
	}
	if root.Kind != yaml.MappingNode {
		c.errorf(root, CodeWrongType, "a config must be a mapping of settings (%s), not %s", strings.Join(configKeys, ", "), describe(root))
		return
	}
	fields, _ := c.fields(root)
	for _, f := range fields {
		k, v := f.key.Value, f.value
		if isAlias(v) || (v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null") {
			continue // an alias is already an error; null is the same as absent
		}
		ok := true
		switch k {
		case "host":
			cfg.Host, ok = c.host(v)
		case "project":
			cfg.Project, ok = c.project(v)
		case "api_key_env":
			cfg.APIKeyEnv, ok = c.apiKeyEnv(v)
		case "protect":
			cfg.Protect, ok = c.protect(v)
		case "max_deletes":
			cfg.MaxDeletes, ok = c.maxDeletes(v)
		default:
			c.unknownKey(f.key, configKeys, manifestKeys, "in a manifest: this file is the directory's config, so write holdouts in other files")
			continue
		}
		if ok {
			cfg.Pos[k] = c.pos(f.key)
		}
	}
}

// host checks the value of `host`: the URL of a PostHog site, by the rule
// the PostHog client applies (netaddr.CheckSite), so that a config that
// validates is never refused by plan for its host.
func (c *checker) host(n *yaml.Node) (string, bool) {
	s, ok := c.str(n, "host")
	if !ok {
		return "", false
	}
	const example = "https://us.posthog.com"
	var se *netaddr.SiteError
	if !errors.As(netaddr.CheckSite(s), &se) {
		return s, true
	}
	shown := quote(s)
	switch {
	case strings.HasPrefix(s, "phx_") && se.Kind != netaddr.SiteNoScheme:
		// Neither it nor a part of it (the scheme, a character) is shown.
		c.errorf(n, CodeInvalidHost, "host (not shown: it looks like an API key) is not a valid URL; write it as the PostHog site's URL, such as %s", example)
		return "", false
	case strings.HasPrefix(s, "phx_"):
		shown = "(not shown: it looks like an API key)"
	}
	switch se.Kind {
	case netaddr.SiteEmpty:
		c.errorf(n, CodeInvalidHost, "host is empty; set it to the PostHog site's URL, such as %s, or remove the key", example)
	case netaddr.SiteUserInfo:
		// Do not echo it: it holds a password.
		c.errorf(n, CodeInvalidHost, "host must not hold a user name or password (not shown); the API key is passed separately, never in a file")
	case netaddr.SiteNoScheme:
		c.errorf(n, CodeInvalidHost, "host %s has no scheme; write it as a URL, such as %s", shown, example)
	case netaddr.SiteQuery:
		c.errorf(n, CodeInvalidHost, "host %s %s; write the site's base URL, such as %s", shown, se, example)
	case netaddr.SiteNoHost:
		c.errorf(n, CodeInvalidHost, "host %s has no host name; write the site's URL, such as %s", shown, example)
	default:
		c.errorf(n, CodeInvalidHost, "host %s %s", shown, se)
	}
	return "", false
}

// project checks the value of `project`: a positive numeric project id,
// quoted or not.
func (c *checker) project(n *yaml.Node) (string, bool) {
	const how = "use the positive number in the project's URL (/project/N)"
	if p := yaml11Number(n); p != "" {
		c.errorf(n, CodeYAML11Number, "project %s; write it in plain decimal digits", p)
		return "", false
	}
	s := n.Value
	switch tag := n.ShortTag(); {
	case n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float" && tag != "!!str"):
		c.errorf(n, CodeWrongType, "project must be a project id, not %s; %s", describe(n), how)
		return "", false
	case tag == "!!float":
		// 12.0 is the whole number 12, as JSON Schema's integer has it.
		v, whole, ok := wholeNumberOf(n)
		if !ok || !whole {
			c.errorf(n, CodeInvalidProject, "project %s is not a project id; %s", n.Value, how)
			return "", false
		}
		c.yaml11Float(n, "project")
		s = v.String()
	}
	switch {
	case s == "@current":
		c.errorf(n, CodeInvalidProject, `project "@current" is not allowed here: PostHog resolves it, on every request, to the project the key's owner last opened, so a directory would not describe one project; %s`, how)
	case s == "" || strings.Trim(s, "0123456789") != "" || len(strings.TrimLeft(s, "0")) > maxProjectDigits:
		c.errorf(n, CodeInvalidProject, "project %s is not a project id; %s", quote(s), how)
	case strings.Trim(s, "0") == "":
		c.errorf(n, CodeInvalidProject, "project %s is not a project id (ids start at 1); %s", quote(s), how)
	default:
		return strings.TrimLeft(s, "0"), true
	}
	return "", false
}

// apiKeyEnv checks the value of `api_key_env`: the name of an environment
// variable, never a key.
func (c *checker) apiKeyEnv(n *yaml.Node) (string, bool) {
	const how = "write the name of the environment variable that holds the key, such as POSTHOG_EU_KEY (letters, digits and _, not starting with a digit)"
	s, ok := c.str(n, "api_key_env")
	if !ok {
		return "", false
	}
	switch {
	case strings.HasPrefix(s, "phx_") || strings.HasPrefix(s, "phc_"):
		// Do not echo it: it is a key, which belongs in the environment.
		c.errorf(n, CodeInvalidEnvName, "api_key_env holds what looks like an API key (not shown); never write the key in a file: %s, and set that variable to the key", how)
	case s == "":
		c.errorf(n, CodeInvalidEnvName, "api_key_env is empty; %s, or remove the key", how)
	case !envName(s):
		c.errorf(n, CodeInvalidEnvName, "api_key_env %s is not an environment variable name; %s", quote(s), how)
	default:
		return s, true
	}
	return "", false
}

// envName reports whether s matches ^[A-Za-z_][A-Za-z0-9_]*$.
func envName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// protect checks the value of `protect`: a list of name patterns.
func (c *checker) protect(n *yaml.Node) ([]string, bool) {
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		c.errorf(n, CodeWrongType, "protect must be a list of name patterns, not a string; write protect: [%s]", quote(n.Value))
		return nil, false
	case n.Kind != yaml.SequenceNode:
		c.errorf(n, CodeWrongType, "protect must be a list of name patterns, not %s", describe(n))
		return nil, false
	}
	pats := []string{}
	ok := true
	for _, e := range n.Content {
		if isAlias(e) {
			ok = false
			continue
		}
		s, valid := c.str(e, "a protect pattern")
		switch {
		case !valid:
		case s == "":
			c.errorf(e, CodeInvalidPattern, "protect pattern is empty, and would match no holdout; remove it")
		case patternError(s) != nil:
			c.errorf(e, CodeInvalidPattern, "protect pattern %s is not valid: %v (patterns: * for any run of characters, / included; ? for one; [a-z] for a class; \\ to quote; see docs/manifests.md)", quote(s), patternError(s))
		default:
			pats = append(pats, s)
			continue
		}
		ok = false
	}
	return pats, ok
}

// patternError is what is wrong with a protect pattern, or nil.
func patternError(pat string) error {
	_, err := glob.Compile(pat)
	return err
}

// maxDeletes checks the value of `max_deletes`: a whole number of 0 or more.
func (c *checker) maxDeletes(n *yaml.Node) (*int, bool) {
	if p := yaml11Number(n); p != "" {
		c.errorf(n, CodeYAML11Number, "max_deletes %s; write it in plain decimal digits", p)
		return nil, false
	}
	v, whole, ok := wholeNumberOf(n)
	switch {
	case !ok:
		c.errorf(n, CodeWrongType, "max_deletes must be a whole number of 0 or more (the most holdouts one run may delete), not %s", describeValue(n))
	case !whole:
		c.errorf(n, CodeWrongType, "max_deletes must be a whole number, not %s", n.Value)
	case !inInt64Range(v) || int64(int(v.Int64())) != v.Int64():
		c.errorf(n, CodeOutOfRange, "max_deletes is %s; it must be a whole number from 0 to 2^63-1 (remove the key for no limit)", n.Value)
	default:
		c.yaml11Float(n, "max_deletes")
		i := int(v.Int64())
		return &i, true
	}
	return nil, false
}

// openRoot checks the OS directory dir that the user named (its path is
// safe to show, it exists and is a directory) and makes its walker. The
// error is a List for an unsafe path, a plain error otherwise.
func openRoot(dir string) (*walker, string, error) {
	prefix := filepath.ToSlash(dir)
	if escape.HasUnsafe(dir) {
		return nil, prefix, List{unsafePath(prefix)}
	}
	if err := checkDir(dir); err != nil {
		return nil, prefix, fmt.Errorf("manifest directory %q: %w", prefix, err)
	}
	w, err := newOSWalker(dir, prefix)
	if err != nil {
		return nil, prefix, fmt.Errorf("manifest directory %q: %w", prefix, pathErr(err))
	}
	return w, prefix, nil
}
