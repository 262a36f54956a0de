package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/internal/netaddr"
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
// them; schema/holdout.schema.json is a copy a test keeps equal, and
// TestSchemaAndLoaderAgree runs both over a corpus of boundary cases. The
// schema cannot say everything the loader checks (names unique across
// documents, a bare date, number forms such as 010): docs/manifests.md
// lists where an editor and hogsync validate differ, and why.
//
// Lengths are maxLength, and what a value may not hold is a separate rule
// under $defs with its own description, so that an editor says "longer
// than the maximum length of 400" for a long description rather than
// that a pattern does not match. Only standard keywords are used
// (description, examples): ajv's strict mode refuses others.
func Schema() []byte {
	defs := map[string]any{
		"name": map[string]any{
			"type":        "string",
			"description": fmt.Sprintf("A holdout name: 1 to %d characters, without white space at either end, without NUL.", MaxNameLength),
			"minLength":   1,
			"maxLength":   MaxNameLength,
			"allOf":       []any{map[string]any{"$ref": "#/$defs/trimmed"}, map[string]any{"$ref": "#/$defs/noNUL"}},
		},
		// Each rule names its types, as ajv's strict mode wants of a
		// schema reached by $ref: null passes, for description.
		"trimmed": map[string]any{
			"type":        []string{"string", "null"},
			"description": "No white space at either end: PostHog trims a name, so one with white space would differ from PostHog's on every sync.",
			"pattern":     fmt.Sprintf(`^(?:[^%[1]s](?:[\s\S]*[^%[1]s])?)?$`, spaceClass()),
		},
		"noNUL": map[string]any{
			"type":        []string{"string", "null"},
			"description": "No NUL character (U+0000): PostHog refuses it.",
			"pattern":     `^[^\x00]*$`,
		},
	}
	keys := map[string]any{
		"name": described(map[string]any{"$ref": "#/$defs/name"},
			[]any{"checkout-q4"},
			"The holdout's identity: unique across the manifest directory, at most %d characters, without white space at either end. hogsync matches PostHog's holdouts to manifests by name.", MaxNameLength),
		"description": described(map[string]any{
			"type":  []string{"string", "null"},
			"allOf": []any{map[string]any{"$ref": "#/$defs/noNUL"}},
			// At most the limit once trimmed, as PostHog trims it: a block
			// scalar (|) ends with a newline, which does not count. Only a
			// text with white space at an end needs the pattern; any other
			// is held to maxLength, which editors explain.
			"if":   map[string]any{"type": "string", "pattern": fmt.Sprintf("^[%[1]s]|[%[1]s]$", spaceClass())},
			"then": map[string]any{"pattern": fmt.Sprintf(`^[%[1]s]*(?:[^%[1]s](?:[\s\S]{0,%[2]d}[^%[1]s])?)?[%[1]s]*$`, spaceClass(), MaxDescriptionLength-2)},
			"else": map[string]any{"maxLength": MaxDescriptionLength},
		}, []any{"Held out of all checkout experiments in Q4 2026"},
			"What the holdout is for, at most %d characters once leading and trailing white space is trimmed (as PostHog trims it).", MaxDescriptionLength),
		"filters": described(map[string]any{
			"type":     "array",
			"minItems": 1,
			"items":    map[string]any{"$ref": "#/$defs/filterGroup"},
		}, []any{[]any{map[string]any{"rollout_percentage": 10}}},
			"The holdout's filter groups; at least one. Current PostHog evaluates only the first group's rollout_percentage."),
		"previous_names": described(map[string]any{
			"type":        []string{"array", "null"},
			"items":       map[string]any{"$ref": "#/$defs/name"},
			"uniqueItems": true,
		}, []any{[]any{"checkout-holdout"}},
			"Names the holdout had before: a PostHog holdout with one of them is renamed in place, keeping its id and its experiments' links."),
	}
	groupProps := map[string]any{
		"rollout_percentage": described(map[string]any{
			"type":    "number",
			"minimum": 0,
			"maximum": 100,
		}, []any{10, 2.5},
			"The share of users EXCLUDED from every experiment that uses this holdout, from 0 to 100."),
		"properties": described(map[string]any{
			"type":  []string{"array", "null"},
			"items": map[string]any{"type": "object", "description": "A PostHog property filter, such as {key: country, type: person, operator: exact, value: [US]}."},
		}, []any{[]any{map[string]any{"key": "$geoip_country_code", "type": "person", "operator": "exact", "value": []any{"US", "CA"}}}},
			"Property filters, passed to PostHog as written. Current PostHog stores them but does not evaluate them for a holdout: its flag excludes rollout_percentage of all users."),
		"aggregation_group_type_index": described(map[string]any{
			"type":    []string{"integer", "null"},
			"minimum": 0,
			"maximum": math.MaxInt64,
		}, []any{0},
			"The group type to aggregate by, instead of persons: a whole number of 0 or more. Current PostHog stores it but does not evaluate it for a holdout."),
	}
	defs["filterGroup"] = map[string]any{
		"type":                 "object",
		"description":          "One filter group: the share of users excluded, and what current PostHog stores but does not evaluate.",
		"required":             []string{"rollout_percentage"},
		"additionalProperties": false,
		"properties":           only(groupProps, groupKeys),
	}
	return renderSchema(map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     SchemaURL,
		"title":   "hogsync holdout manifest",
		"description": "One PostHog experiment holdout, as one YAML document of a hogsync manifest file (a file may hold several, separated by ---). " +
			"An empty document (a --- with nothing after it) is null, and no holdout.",
		// null: an empty document, which hogsync skips.
		"type":                 []string{"object", "null"},
		"required":             []string{"name", "filters"},
		"additionalProperties": false,
		"properties":           only(keys, holdoutKeys),
		"$defs":                defs,
	})
}

// ConfigSchema returns the JSON Schema (draft 2020-12) of hogsync.yaml, the
// config at the top of a manifest directory, made and kept as Schema is.
func ConfigSchema() []byte {
	keys := map[string]any{
		"host": described(map[string]any{
			"type":    []string{"string", "null"},
			"pattern": netaddr.SitePattern,
			// Plain http only for loopback, as plan has it.
			"if":   map[string]any{"type": "string", "pattern": "^[hH][tT][tT][pP]:"},
			"then": map[string]any{"pattern": netaddr.PlainHTTPSitePattern},
		}, []any{"https://us.posthog.com", "https://eu.posthog.com"},
			"The PostHog site's URL, such as https://us.posthog.com or https://eu.posthog.com: https, or plain http for localhost, 127.0.0.0/8 or ::1 only; no query, fragment, user name or white space."),
		"project": described(map[string]any{
			"anyOf": []any{
				map[string]any{"type": "integer", "minimum": 1, "maximum": maxProjectID},
				map[string]any{"type": "string", "pattern": fmt.Sprintf("^0*[1-9][0-9]{0,%d}$", maxProjectDigits-1)},
				map[string]any{"type": "null"},
			},
		}, []any{12345},
			"The numeric id of the PostHog project this directory describes (the N in /project/N), at most %d digits; never @current. A --project that differs is refused.", maxProjectDigits),
		"api_key_env": described(map[string]any{
			"type":    []string{"string", "null"},
			"pattern": "^[A-Za-z_][A-Za-z0-9_]*$",
			"not":     map[string]any{"type": "string", "pattern": "^ph[cx]_"}, // a key, not a name
		}, []any{"POSTHOG_EU_KEY"},
			"The name of the environment variable that holds this directory's PostHog API key, such as POSTHOG_EU_KEY (never the key itself)."),
		"protect": described(map[string]any{
			"type":  []string{"array", "null"},
			"items": map[string]any{"type": "string", "minLength": 1},
		}, []any{[]any{"manual-*", "legacy-[0-9]*"}},
			"Name patterns of holdouts that --prune never deletes: * for any run of characters, / included; ? for one; [a-z] for a class; \\ to quote (docs/manifests.md#name-patterns)."),
		"max_deletes": described(map[string]any{
			"type":    []string{"integer", "null"},
			"minimum": 0,
			"maximum": math.MaxInt64,
		}, []any{5},
			"The most holdouts one run may delete: the default for --max-deletes."),
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

// described gives the schema s of a key its description, which editors
// show on hover, and examples, which they offer to complete.
func described(s map[string]any, examples []any, format string, args ...any) map[string]any {
	s["description"] = fmt.Sprintf(format, args...)
	s["examples"] = examples
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
