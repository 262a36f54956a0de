package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hogsync/hogsync/internal/canon"
)

// Addresses of the JSON Schemas, as editors fetch them: a manifest names
// its schema in a first-line comment,
//
//	# yaml-language-server: $schema=https://raw.githubusercontent.com/hogsync/hogsync/main/schema/holdout.schema.json
const (
	SchemaURL       = "https://raw.githubusercontent.com/hogsync/hogsync/main/schema/holdout.schema.json"
	ConfigSchemaURL = "https://raw.githubusercontent.com/hogsync/hogsync/main/schema/config.schema.json"
)

// SchemaComment is the first line that points YAML editors (through the
// YAML language server) at the manifest schema.
const SchemaComment = "# yaml-language-server: $schema=" + SchemaURL

// Schema returns the JSON Schema (draft 2020-12) of one manifest document,
// as indented JSON ending in a newline. It is made from the rules this
// package applies (its keys, limits and ranges), so it cannot drift from
// them; schema/holdout.schema.json is a copy a test keeps equal. The
// schema cannot say everything the loader checks (number forms, names
// unique across files, a description's length after trimming, ...): an
// editor's help, not a replacement for hogsync validate.
func Schema() []byte {
	name := map[string]any{
		"type":      "string",
		"minLength": 1,
		"maxLength": MaxNameLength,
		// No white space at either end (as PostHog trims it) and no NUL.
		"pattern": fmt.Sprintf("^[^%[1]s\x00](?:[^\x00]*[^%[1]s\x00])?$", spaceClass()),
	}
	keys := map[string]any{
		"name": withDescription(map[string]any{"$ref": "#/$defs/name"},
			"The holdout's identity: unique across the manifest directory, at most %d characters, without white space at either end. hogsync matches PostHog's holdouts to manifests by name.", MaxNameLength),
		"description": withDescription(map[string]any{
			"type": []string{"string", "null"},
			// At most the limit once trimmed, as PostHog trims it: a block
			// scalar (|) ends with a newline, which does not count.
			"pattern": fmt.Sprintf("^[%[1]s]*(?:[^%[1]s\x00](?:[^\x00]{0,%[2]d}[^%[1]s\x00])?)?[%[1]s]*$", spaceClass(), MaxDescriptionLength-2),
		}, "What the holdout is for, at most %d characters once leading and trailing white space is trimmed (as PostHog trims it).", MaxDescriptionLength),
		"filters": withDescription(map[string]any{
			"type":     "array",
			"minItems": 1,
			"items":    map[string]any{"$ref": "#/$defs/filterGroup"},
		}, "The holdout's filter groups; at least one. Current PostHog evaluates only the first group's rollout_percentage."),
		"previous_names": withDescription(map[string]any{
			"type":        []string{"array", "null"},
			"items":       map[string]any{"$ref": "#/$defs/name"},
			"uniqueItems": true,
		}, "Names the holdout had before: a PostHog holdout with one of them is renamed in place, keeping its id and its experiments' links."),
	}
	groupProps := map[string]any{
		"rollout_percentage": withDescription(map[string]any{
			"type":    "number",
			"minimum": 0,
			"maximum": 100,
		}, "The share of users EXCLUDED from every experiment that uses this holdout, from 0 to 100."),
		"properties": withDescription(map[string]any{
			"type":  []string{"array", "null"},
			"items": map[string]any{"type": "object", "description": "A PostHog property filter, such as {key: country, type: person, operator: exact, value: [US]}."},
		}, "Property filters, passed to PostHog as written. Current PostHog stores them but does not evaluate them for a holdout: its flag excludes rollout_percentage of all users."),
		"aggregation_group_type_index": withDescription(map[string]any{
			"type":    []string{"integer", "null"},
			"minimum": 0,
		}, "The group type to aggregate by, instead of persons. Current PostHog stores it but does not evaluate it for a holdout."),
	}
	return renderSchema(map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  SchemaURL,
		"title":                "hogsync holdout manifest",
		"description":          "One PostHog experiment holdout, as one YAML document of a hogsync manifest file (a file may hold several, separated by ---).",
		"type":                 "object",
		"required":             []string{"name", "filters"},
		"additionalProperties": false,
		"properties":           only(keys, holdoutKeys),
		"$defs": map[string]any{
			"name": name,
			"filterGroup": map[string]any{
				"type":                 "object",
				"required":             []string{"rollout_percentage"},
				"additionalProperties": false,
				"properties":           only(groupProps, groupKeys),
			},
		},
	})
}

// ConfigSchema returns the JSON Schema (draft 2020-12) of hogsync.yaml, the
// config at the top of a manifest directory, made and kept as Schema is.
func ConfigSchema() []byte {
	keys := map[string]any{
		"host": withDescription(map[string]any{
			"type":    []string{"string", "null"},
			"pattern": "^[hH][tT][tT][pP][sS]?://[^/?#@]+[^?#@]*$",
		}, "The PostHog site's URL, such as https://us.posthog.com or https://eu.posthog.com."),
		"project": withDescription(map[string]any{
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 1},
				map[string]any{"type": "string", "pattern": fmt.Sprintf("^0*[1-9][0-9]{0,%d}$", maxProjectDigits-1)},
				map[string]any{"type": "null"},
			},
		}, "The numeric id of the PostHog project this directory describes (the N in /project/N); never @current. A --project that differs is refused."),
		"api_key_env": withDescription(map[string]any{
			"type":    []string{"string", "null"},
			"pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
			"not":     map[string]any{"type": "string", "pattern": "^ph[cx]_"}, // a key, not a name
		}, "The name of the environment variable that holds this directory's PostHog API key, such as POSTHOG_EU_KEY (never the key itself)."),
		"protect": withDescription(map[string]any{
			"type":  []string{"array", "null"},
			"items": map[string]any{"type": "string", "minLength": 1},
		}, "Name patterns of holdouts that --prune never deletes: * for any run of characters, / included; ? for one; [a-z] for a class; \\ to quote (docs/manifests.md#name-patterns)."),
		"max_deletes": withDescription(map[string]any{
			"type":    []string{"integer", "null"},
			"minimum": 0,
		}, "The most holdouts one run may delete: the default for --max-deletes."),
	}
	return renderSchema(map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  ConfigSchemaURL,
		"title":                "hogsync directory config (hogsync.yaml)",
		"description":          "Settings of a manifest directory, read from hogsync.yaml at its top. Flags and environment variables override them.",
		"type":                 []string{"object", "null"},
		"additionalProperties": false,
		"properties":           only(keys, configKeys),
	})
}

// only returns the schemas of exactly the keys the package knows: a key
// without a schema, or a schema for no key, is a bug caught when the
// schema is made (and so by its tests).
func only(schemas map[string]any, keys []string) map[string]any {
	if len(schemas) != len(keys) {
		panic(fmt.Sprintf("manifest: schema has %d keys, the rules %d", len(schemas), len(keys)))
	}
	for _, k := range keys {
		if schemas[k] == nil {
			panic("manifest: no schema for key " + k)
		}
	}
	return schemas
}

func withDescription(s map[string]any, format string, args ...any) map[string]any {
	s["description"] = fmt.Sprintf(format, args...)
	return s
}

// spaceClass lists, for a regular expression's character class, the runes
// that PostHog trims from names (Python's str.isspace), as ranges.
func spaceClass() string {
	var b strings.Builder
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if !canon.IsSpace(r) {
			continue
		}
		end := r
		for end+1 <= utf8.MaxRune && canon.IsSpace(end+1) {
			end++
		}
		b.WriteRune(r)
		if end > r {
			b.WriteByte('-')
			b.WriteRune(end)
		}
		r = end
	}
	return b.String()
}

// renderSchema is s as indented JSON in ASCII (every other character
// escaped, so that no invisible one hides in the file), ending in a
// newline.
func renderSchema(s map[string]any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		panic(err) // only maps, strings, numbers and bools: cannot fail
	}
	var out bytes.Buffer
	for _, r := range buf.String() {
		switch {
		case r < utf8.RuneSelf:
			out.WriteRune(r)
		case r > 0xffff:
			r1, r2 := surrogates(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, r1, r2)
		default:
			out.WriteString(`\u` + fmt.Sprintf("%04x", r))
		}
	}
	return out.Bytes()
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
