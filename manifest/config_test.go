package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func intPtr(i int) *int { return &i }

// TestParseConfig checks each rule of hogsync.yaml.
func TestParseConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      *Config  // when valid; File is "hogsync.yaml"
		errs      []string // "line:col code", or "line:col code: message" to check the wording
	}{
		{
			name: "every key",
			src:  "# The project this directory describes.\nhost: https://eu.posthog.com\nproject: 12345\nprotect: [manual-*, 'legacy [a-c]', exact]\nmax_deletes: 5\n",
			want: &Config{
				Host: "https://eu.posthog.com", Project: "12345", Protect: []string{"manual-*", "legacy [a-c]", "exact"}, MaxDeletes: intPtr(5),
				Pos: map[string]Pos{"host": {"hogsync.yaml", 2, 1}, "project": {"hogsync.yaml", 3, 1}, "protect": {"hogsync.yaml", 4, 1}, "max_deletes": {"hogsync.yaml", 5, 1}},
			},
		},
		{
			name: "api_key_env",
			src:  "host: https://eu.posthog.com\napi_key_env: POSTHOG_EU_KEY\n",
			want: &Config{Host: "https://eu.posthog.com", APIKeyEnv: "POSTHOG_EU_KEY", Pos: map[string]Pos{"host": {"hogsync.yaml", 1, 1}, "api_key_env": {"hogsync.yaml", 2, 1}}},
		},
		{name: "api_key_env lower case and _", src: "api_key_env: _eu_key2\n", want: &Config{APIKeyEnv: "_eu_key2", Pos: map[string]Pos{"api_key_env": {"hogsync.yaml", 1, 1}}}},
		{name: "api_key_env null", src: "api_key_env:\n", want: &Config{Pos: map[string]Pos{}}},
		{
			name: "api_key_env with a dash",
			src:  "project: 1\napi_key_env: POSTHOG-EU-KEY\n",
			errs: []string{`2:14 invalid-env-name: api_key_env "POSTHOG-EU-KEY" is not an environment variable name; write the name of the environment variable that holds the key, such as POSTHOG_EU_KEY (letters, digits and _, not starting with a digit)`},
		},
		{name: "api_key_env starting with a digit", src: "api_key_env: 1KEY\n", errs: []string{"1:14 invalid-env-name"}},
		{name: "api_key_env with $", src: "api_key_env: $POSTHOG_KEY\n", errs: []string{"1:14 invalid-env-name"}},
		{name: "api_key_env with a space", src: "api_key_env: 'EU KEY'\n", errs: []string{"1:14 invalid-env-name"}},
		{name: "api_key_env empty", src: "api_key_env: ''\n", errs: []string{"1:14 invalid-env-name"}},
		{name: "api_key_env a number", src: "api_key_env: 7\n", errs: []string{"1:14 wrong-type"}},
		{name: "api_key_env a list", src: "api_key_env: [A]\n", errs: []string{"1:14 wrong-type"}},
		{
			name: "api_key_env that is a key is not echoed",
			src:  "api_key_env: phx_secretsecret\n",
			errs: []string{"1:14 invalid-env-name: api_key_env holds what looks like an API key (not shown); never write the key in a file: write the name of the environment variable that holds the key, such as POSTHOG_EU_KEY (letters, digits and _, not starting with a digit), and set that variable to the key"},
		},
		{name: "api_key_env misspelt", src: "api_key_envs: X\n", errs: []string{`1:1 unknown-key: unknown key "api_key_envs"; did you mean "api_key_env"?`}},
		{name: "empty file", src: "# nothing yet\n", want: &Config{Pos: map[string]Pos{}}},
		{name: "nulls are absent", src: "host:\nproject: null\nprotect: ~\nmax_deletes:\n", want: &Config{Pos: map[string]Pos{}}},
		{
			name: "quoted project, leading zeros in quotes, zero deletes, empty protect",
			src:  "project: \"0042\"\nmax_deletes: 0\nprotect: []\nhost: http://localhost:8000\n",
			want: &Config{Project: "42", MaxDeletes: intPtr(0), Protect: []string{}, Host: "http://localhost:8000",
				Pos: map[string]Pos{"project": {"hogsync.yaml", 1, 1}, "max_deletes": {"hogsync.yaml", 2, 1}, "protect": {"hogsync.yaml", 3, 1}, "host": {"hogsync.yaml", 4, 1}}},
		},
		{
			name: "unknown keys suggest the nearest, or say where they belong",
			src:  "hots: https://x.example\nname: a\nfilters: []\ncolour: red\nmax-deletes: 3\n",
			errs: []string{
				`1:1 unknown-key: unknown key "hots"; did you mean "host"?`,
				`2:1 misplaced-key: unknown key "name" here; it belongs in a manifest: this file is the directory's config, so write holdouts in other files`,
				`3:1 misplaced-key`,
				`4:1 unknown-key: unknown key "colour"; expected one of host, project, api_key_env, protect, max_deletes`,
				`5:1 unknown-key: unknown key "max-deletes"; did you mean "max_deletes"?`,
			},
		},
		{
			name: "project",
			src:  "project: \"@current\"\n",
			errs: []string{`1:10 invalid-project: project "@current" is not allowed here: PostHog resolves it, on every request, to the project the key's owner last opened, so a directory would not describe one project; use the positive number in the project's URL (/project/N)`},
		},
		{name: "project zero", src: "project: 0\n", errs: []string{"1:10 invalid-project"}},
		{name: "project negative", src: "project: -3\n", errs: []string{"1:10 invalid-project"}},
		{name: "project name", src: "project: my-project\n", errs: []string{"1:10 invalid-project"}},
		{name: "project too long", src: "project: \"1234567890123456789\"\n", errs: []string{"1:10 invalid-project"}},
		{name: "project fraction", src: "project: 1.5\n", errs: []string{"1:10 invalid-project"}},
		{name: "project octal", src: "project: 0123\n", errs: []string{"1:10 yaml11-number"}},
		{name: "project list", src: "project: [1]\n", errs: []string{"1:10 wrong-type"}},
		{name: "host without scheme", src: "host: us.posthog.com\n", errs: []string{`1:7 invalid-host: host "us.posthog.com" has no scheme; write it as a URL, such as https://us.posthog.com`}},
		{name: "host with password", src: "host: https://me:secret@us.posthog.com\n", errs: []string{"1:7 invalid-host: host must not hold a user name or password (not shown); the API key is passed separately, never in a file"}},
		{name: "host that is a key", src: "host: phx_abc://x\n", errs: []string{`1:7 invalid-host: host (not shown: it looks like an API key) is not a valid URL; write it as the PostHog site's URL, such as https://us.posthog.com`}},
		{name: "host scheme", src: "host: ftp://x.example\n", errs: []string{"1:7 invalid-host"}},
		{name: "host query", src: "host: https://x.example/?a=1\n", errs: []string{"1:7 invalid-host"}},
		{name: "host empty", src: "host: ''\n", errs: []string{"1:7 invalid-host"}},
		{name: "host number", src: "host: 1\n", errs: []string{"1:7 wrong-type"}},
		// One host rule with plan (netaddr.CheckSite): plain http only
		// for loopback, and nothing the site pattern does not allow.
		{name: "host plain http", src: "host: http://posthog.internal.example\n", errs: []string{`1:7 invalid-host: host "http://posthog.internal.example" uses plain http:// for "posthog.internal.example", which is not a loopback host: the API key would travel unencrypted; use https:// (http is allowed only for localhost, 127.0.0.0/8 and ::1)`}},
		{
			name: "host plain http to loopback",
			src:  "host: http://[::1]:8000\n",
			want: &Config{Host: "http://[::1]:8000", Pos: map[string]Pos{"host": {"hogsync.yaml", 1, 1}}},
		},
		{name: "host empty fragment", src: "host: https://eu.posthog.com#\n", errs: []string{`1:7 invalid-host: host "https://eu.posthog.com#" has a query or fragment ("#"); write the site's base URL, such as https://us.posthog.com`}},
		{name: "host space", src: "host: https://eu posthog.com\n", errs: []string{`1:7 invalid-host: host "https://eu posthog.com" holds a space`}},
		{name: "host tab", src: "host: \"https://eu.posthog.com\\t\"\n", errs: []string{`1:7 invalid-host: host "https://eu.posthog.com\t" holds a tab`}},
		{name: "host trailing newline", src: "host: |\n  https://eu.posthog.com\n", errs: []string{`1:7 invalid-host: host "https://eu.posthog.com\n" holds a line break`}},
		{name: "host escape", src: "host: https://eu%2Eposthog.com\n", errs: []string{`1:7 invalid-host: host "https://eu%2Eposthog.com" holds a %-escape in the host name; write the host name as it is`}},
		{name: "host port without host", src: "host: https://:443\n", errs: []string{`1:7 invalid-host: host "https://:443" has no host name; write the site's URL, such as https://us.posthog.com`}},
		{name: "host backslash", src: "host: https://eu.posthog.com\\x\n", errs: []string{`1:7 invalid-host: host "https://eu.posthog.com\\x" holds a backslash (\); write the URL with / only`}},
		{name: "host key scheme", src: "host: phx_abc:x\n", errs: []string{`1:7 invalid-host: host (not shown: it looks like an API key) has no scheme; write it as a URL, such as https://us.posthog.com`}},
		{
			name: "protect patterns",
			src:  "protect:\n  - ok-*\n  - '[a-'\n  - ''\n  - 7\n  - 'x\\'\n",
			errs: []string{
				`3:5 invalid-pattern: protect pattern "[a-" is not valid: the character class "[" at offset 0 has no closing "]"; write "\[" for a "[" (patterns: * for any run of characters, / included; ? for one; [a-z] for a class; \ to quote; see docs/manifests.md)`,
				"4:5 invalid-pattern",
				"5:5 wrong-type",
				`6:5 invalid-pattern: protect pattern "x\\" is not valid: "\" at offset 1, the end of the pattern, quotes nothing; write "\\" for a backslash (patterns: * for any run of characters, / included; ? for one; [a-z] for a class; \ to quote; see docs/manifests.md)`,
			},
		},
		{name: "protect range backwards", src: "protect: ['legacy-[z-a]*']\n", errs: []string{`1:11 invalid-pattern: protect pattern "legacy-[z-a]*" is not valid: the range z-a at offset 8 runs backwards and would match nothing; write a-z (patterns: * for any run of characters, / included; ? for one; [a-z] for a class; \ to quote; see docs/manifests.md)`}},
		{
			name: "protect patterns with / are kept as written",
			src:  "protect: [legacy-*, 'team/*']\n",
			want: &Config{Protect: []string{"legacy-*", "team/*"}, Pos: map[string]Pos{"protect": {"hogsync.yaml", 1, 1}}},
		},
		{name: "protect string", src: "protect: manual-*\n", errs: []string{`1:10 wrong-type: protect must be a list of name patterns, not a string; write protect: ["manual-*"]`}},
		{name: "max_deletes negative", src: "max_deletes: -1\n", errs: []string{"1:14 out-of-range: max_deletes is -1; it must be a whole number from 0 to 2^63-1 (remove the key for no limit)"}},
		{name: "max_deletes fraction", src: "max_deletes: 1.5\n", errs: []string{"1:14 wrong-type"}},
		{name: "max_deletes quoted", src: "max_deletes: '5'\n", errs: []string{"1:14 wrong-type"}},
		{name: "max_deletes separators", src: "max_deletes: 1_000\n", errs: []string{"1:14 yaml11-number"}},
		{name: "max_deletes huge", src: "max_deletes: 99999999999999999999\n", errs: []string{"1:14 out-of-range"}},
		// A whole number written with a fraction or an exponent is the
		// same number, as JSON Schema's integer has it.
		{name: "max_deletes 5.0", src: "max_deletes: 5.0\n", want: &Config{MaxDeletes: intPtr(5), Pos: map[string]Pos{"max_deletes": {"hogsync.yaml", 1, 1}}}},
		{name: "project 12.0", src: "project: 12.0\n", want: &Config{Project: "12", Pos: map[string]Pos{"project": {"hogsync.yaml", 1, 1}}}},
		{name: "project past 18 digits", src: "project: 9999999999999999999\n", errs: []string{`1:10 invalid-project: project "9999999999999999999" is not a project id; use the positive number in the project's URL (/project/N)`}},
		{name: "anchors", src: "project: &p 1\nmax_deletes: *p\n", errs: []string{"1:10 anchor", "2:14 anchor"}},
		{name: "duplicate keys", src: "project: 1\nproject: 2\n", errs: []string{"2:1 duplicate-key"}},
		{name: "not a mapping", src: "- project: 1\n", errs: []string{"1:1 wrong-type"}},
		{name: "two documents", src: "project: 1\n---\nhost: https://x.example\n", errs: []string{"2:1 multiple-documents"}},
		{name: "syntax", src: "project: [1\n", errs: []string{"1:1 yaml-syntax"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := parseConfig("hogsync.yaml", []byte(tt.src))
			var got []string
			for _, e := range p.errs {
				s := strings.TrimPrefix(e.Pos.String(), "hogsync.yaml:") + " " + e.Code
				if i := len(got); i < len(tt.errs) && strings.Contains(tt.errs[i], ": ") {
					s += ": " + e.Msg
				}
				got = append(got, s)
			}
			if diff := cmp.Diff(tt.errs, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.want != nil {
				tt.want.File = "hogsync.yaml"
			}
			if diff := cmp.Diff(tt.want, p.config); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadConfig finds the config at the top of a directory, and only
// there.
func TestLoadConfig(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"hogsync.yaml": "project: 9\n"})
	tests := []struct {
		name    string
		files   map[string]string
		project string // of the config found; "" for none
		errs    []string
	}{
		{name: "none", files: map[string]string{"a.yaml": manifestOf("a")}},
		{name: "hogsync.yaml", files: map[string]string{"hogsync.yaml": "project: 1\n"}, project: "1"},
		{name: "hogsync.yml", files: map[string]string{"hogsync.yml": "project: 2\n"}, project: "2"},
		{
			name:  "both",
			files: map[string]string{"hogsync.yaml": "project: 1\n", "hogsync.yml": "project: 2\n"},
			errs:  []string{"m/hogsync.yml duplicate-config"},
		},
		{
			name:    "a link inside is followed",
			files:   map[string]string{"config/main.yaml.txt": "project: 3\n", "hogsync.yaml": "->config/main.yaml.txt"},
			project: "3",
		},
		{
			name:  "a link outside is refused",
			files: map[string]string{"hogsync.yaml": "->" + filepath.Join(outside, "hogsync.yaml")},
			errs:  []string{"m/hogsync.yaml symlink-outside"},
		},
		{name: "invalid", files: map[string]string{"hogsync.yaml": "project: x\n"}, errs: []string{"m/hogsync.yaml invalid-project"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			dir := filepath.Join(root, "m")
			writeTree(t, dir, tt.files)
			check := func(what string, cfg *Config, err error) {
				t.Helper()
				list := errList(t, err)
				for _, e := range list {
					e.Pos.File = strings.TrimPrefix(e.Pos.File, filepath.ToSlash(root)+"/")
				}
				if diff := cmp.Diff(tt.errs, codes(list)); diff != "" {
					t.Errorf("%s errors (-want +got):\n%s", what, diff)
				}
				got := ""
				if cfg != nil {
					got = cfg.Project
					if cfg.File != filepath.ToSlash(dir)+"/hogsync.yaml" && cfg.File != filepath.ToSlash(dir)+"/hogsync.yml" {
						t.Errorf("%s: File = %q", what, cfg.File)
					}
				}
				if got != tt.project {
					t.Errorf("%s: project %q, want %q", what, got, tt.project)
				}
			}
			cfg, err := LoadConfig(dir)
			check("LoadConfig", cfg, err)
			res, err := LoadDir(dir)
			check("LoadDir", res.Config, err)
		})
	}
}

// TestConfigNameElsewhere: a config's name in other letters is an
// ordinary manifest file's, and a config key in it says where the config
// belongs (misplaced-config); a hogsync.yaml below the top starts a unit
// of its own, which LoadDir of the parent does not read.
func TestConfigNameElsewhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"team/hogsync.yaml": "project: 2\n",
		"team/a.yaml":       manifestOf("team-holdout"),
		"HOGSYNC.YAML":      "project: 1\n" + manifestOf("upper"),
		"sub/HogSync.yml":   manifestOf("sub-holdout"),
	})
	res, err := loadDirAs(t, dir, ".")
	if diff := cmp.Diff([]string{"HOGSYNC.YAML misplaced-config"}, codes(errList(t, err))); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.Config != nil || res.Files != 2 {
		t.Errorf("Config %v, Files %d; want none and 2", res.Config, res.Files)
	}
	if err := os.Remove(filepath.Join(dir, "HOGSYNC.YAML")); err != nil {
		t.Fatal(err)
	}
	res, err = loadDirAs(t, dir, ".")
	if err != nil || len(res.Holdouts) != 1 || res.Holdouts[0].Pos.File != "sub/HogSync.yml" {
		t.Errorf("got %v, %v; want only the holdout of sub/HogSync.yml (team/ is a unit of its own)", names(res.Holdouts), err)
	}
	var list List
	if _, err := LoadConfig(filepath.Join(dir, "nope")); err == nil || errors.As(err, &list) {
		t.Errorf("LoadConfig of a missing directory: %v, want a plain error", err)
	}
}
