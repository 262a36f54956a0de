package run

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// maxKeyFile bounds what is read from --api-key-file: a key is a line.
const maxKeyFile = 4 << 10

// registerSecrets finds the run's secrets before anything else happens —
// before kong checks a flag or hogsync echoes an argument — and registers
// them for redaction: the PostHog key from POSTHOG_PERSONAL_API_KEY or
// --api-key-file, and the GitHub token. A key read from a file on GitHub
// Actions is also masked in the job log with ::add-mask:: (GitHub masks
// repository secrets by itself, not the contents of files).
func registerSecrets(e *env, args []string) {
	e.red.add(strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY")))
	e.red.add(e.getenv("GITHUB_TOKEN"))
	for _, path := range flagValues(args, "--api-key-file") {
		if looksLikeKey(path) {
			e.red.add(path)
			continue
		}
		key := readKeyFile(path)
		e.red.add(key)
		if key != "" && onGitHubActions(e) {
			e.stdout.unredactedCommand("::add-mask::" + key)
		}
	}
}

// flagValues returns every value given to the flag name in args, as
// "--name VALUE" or "--name=VALUE", up to a "--".
func flagValues(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return out
		case a == name && i+1 < len(args):
			out = append(out, args[i+1])
			i++
		case strings.HasPrefix(a, name+"="):
			out = append(out, a[len(name)+1:])
		}
	}
	return out
}

func looksLikeKey(s string) bool { return strings.HasPrefix(s, "phx_") || keyShaped.MatchString(s) }

// readKeyFile returns the trimmed content of a key file, "" when it
// cannot be read (the command reports that itself).
func readKeyFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	b := make([]byte, maxKeyFile)
	n, _ := f.Read(b)
	return strings.TrimSpace(string(b[:n]))
}

// apiKey reads the personal API key from --api-key-file or
// POSTHOG_PERSONAL_API_KEY (registerSecrets has already registered it for
// redaction; registering again is harmless).
func apiKey(e *env, file, keyEnv string) (string, error) {
	var key string
	if file != "" {
		if looksLikeKey(file) {
			// The key itself, given where its file's path belongs: never
			// echo it.
			e.red.add(file)
			return "", &exitError{code: exitUsage, err: errors.New("--api-key-file takes the path of a file that holds the key, and was given what looks like the key itself (phx_...), which is not printed. Put the key in a file, or in POSTHOG_PERSONAL_API_KEY; and since it was typed on a command line, consider rotating it")}
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read --api-key-file: %w", err)
		}
		key = strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("--api-key-file %s is empty; put the personal API key in it", file)
		}
	} else {
		if keyEnv != "" {
			// hogsync.yaml's api_key_env: this unit's key lives elsewhere
			// (US and EU PostHog are separate instances with separate keys).
			key = strings.TrimSpace(e.getenv(keyEnv))
			if key == "" {
				return "", fmt.Errorf("no API key: hogsync.yaml's api_key_env says the key is in %s, which is empty or unset; set it from a secret, or pass --api-key-file", keyEnv)
			}
			e.red.add(key)
			return key, nil
		}
		key = strings.TrimSpace(e.getenv("POSTHOG_PERSONAL_API_KEY"))
		if key == "" {
			return "", errors.New("no API key: set POSTHOG_PERSONAL_API_KEY to a personal API key (PostHog, Settings, Personal API keys; scopes experiment_holdout:read, plus :write to apply, and experiment:read for the blast radius), or pass --api-key-file")
		}
	}
	e.red.add(key)
	return key, nil
}
