package sync

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// An exported manifest file is one YAML document in canonical form (see
// CanonicalYAML) under a three-line header:
//
//	# yaml-language-server: $schema=https://raw.githubusercontent.com/hogsync/hogsync/main/schema/holdout.schema.json
//	# Exported by hogsync from https://us.posthog.com, project 1, holdout id 42.
//	# hogsync-source-id: 42
//	name: checkout-q4
//	filters:
//	  - rollout_percentage: 10
//
// The first line (manifest.SchemaComment) points editors at the manifest's
// JSON Schema. The second is for people. The third is for machines:
// exactly manifest.SourceIDPrefix and the holdout's id in decimal, which
// the manifest loader reads back into Holdout.SourceID (sync --id-map maps
// the ids of one project to another's with it). All are YAML comments, so
// the file is an ordinary manifest that validate and sync load like any
// other.

// maxSlug bounds the slug part of an exported file name, keeping names
// well inside every file system's limit.
const maxSlug = 80

// ExportSource says where exported holdouts come from, for the header of
// each file.
type ExportSource struct {
	Host    string // the PostHog URL, as client.Client.Host returns it
	Project string // the project id, or "@current" as given
}

// ExportManifest renders h as a manifest file: the header, then h's name,
// description (left out when empty) and filters in canonical form, without
// the server-managed variant or any read-only field. Loading the file and
// planning it against h gives no change.
//
// The error is non-nil when that is not so: when h holds something the
// manifest format refuses (an unknown key in a filter group, say) or cannot
// state. The content is returned with the error all the same, as PostHog
// stores the holdout, so that a caller can still write it for a person to
// fix rather than drop the holdout.
func ExportManifest(h client.Holdout, src ExportSource) ([]byte, error) {
	s := remoteState(h)
	var b bytes.Buffer
	b.WriteString(manifest.SchemaComment + "\n")
	fmt.Fprintf(&b, "# Exported by hogsync from %s, project %s, holdout id %d.\n", oneLine(src.Host), oneLine(src.Project), h.ID)
	fmt.Fprintf(&b, "%s%d\n", manifest.SourceIDPrefix, h.ID)
	b.WriteString(CanonicalYAML(s))
	return b.Bytes(), checkExported(b.Bytes(), s)
}

// oneLine keeps a header value on its line whatever it holds.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}

// checkExported loads content as the manifest loader does and reports
// whether it stands for want.
func checkExported(content []byte, want State) error {
	const file = "exported.yaml"
	hs, err := manifest.Parse(file, content)
	var list manifest.List
	switch {
	case errors.As(err, &list):
		msgs := make([]string, len(list))
		for i, e := range list {
			msgs[i] = fmt.Sprintf("line %d: %s", e.Pos.Line, e.Msg)
		}
		return fmt.Errorf("not a valid manifest as PostHog stores it: %s", strings.Join(msgs, "; "))
	case err != nil:
		return err
	case len(hs) != 1:
		return fmt.Errorf("rendered %d holdouts instead of 1", len(hs)) // a bug, not an input problem
	case !equal(desiredState(hs[0]), want):
		return errors.New("the manifest would not load back as the holdout PostHog has; sync would show a change")
	}
	return nil
}

// ExportFile is one file of an export.
type ExportFile struct {
	// Name is the file name in the output directory: "<slug>.yaml", where
	// the slug is ExportSlug of the holdout's name. When holdouts share a
	// slug (the same name, or names that differ only in case and
	// punctuation), the one with the lowest id keeps "<slug>.yaml" and each
	// other gets "<slug>--<id>.yaml". A slug never holds "--", so no two
	// files get one name, and a file keeps its name when holdouts are added.
	Name string
	ID   int64
	// Holdout is the holdout's name.
	Holdout string
	Content []byte
	// Err is ExportManifest's error: Content is the holdout as PostHog
	// stores it but does not load back as it.
	Err error
	// SameName holds the ids of the other holdouts with this name, sorted.
	// PostHog allows that; a manifest directory does not, so a directory
	// holding these files does not validate until the names differ.
	SameName []int64
}

// Export renders every holdout as its own file (see ExportFile), sorted by
// slug, then id: a "<slug>.yaml" comes just before its "<slug>--<id>.yaml"
// files. Nothing is merged or left out: n holdouts (with distinct ids, as
// client.List returns them) give n files with n distinct names.
func Export(holdouts []client.Holdout, src ExportSource) []ExportFile {
	hs := slices.Clone(holdouts)
	slices.SortFunc(hs, func(a, b client.Holdout) int { return cmp.Compare(a.ID, b.ID) })
	byName := map[string][]int64{}
	for _, h := range hs {
		byName[h.Name] = append(byName[h.Name], h.ID)
	}
	slugs := map[int64]string{}
	slugTaken := map[string]bool{}
	files := make([]ExportFile, 0, len(hs))
	for _, h := range hs {
		slug := ExportSlug(h.Name, h.ID)
		slugs[h.ID] = slug
		name := slug + ".yaml"
		if slugTaken[slug] {
			name = fmt.Sprintf("%s--%d.yaml", slug, h.ID)
		}
		slugTaken[slug] = true
		content, err := ExportManifest(h, src)
		f := ExportFile{Name: name, ID: h.ID, Holdout: h.Name, Content: content, Err: err}
		for _, id := range byName[h.Name] {
			if id != h.ID {
				f.SameName = append(f.SameName, id)
			}
		}
		files = append(files, f)
	}
	slices.SortFunc(files, func(a, b ExportFile) int {
		return cmp.Or(strings.Compare(slugs[a.ID], slugs[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	return files
}

// configSlug replaces a slug that would name the file as a unit's config
// (hogsync.yaml): exporting a holdout named "hogsync" must not write, or
// with --overwrite replace, the directory's settings.
const configSlug = "hogsync-holdout"

// ExportSlug is the file name stem for a holdout: its name in lower case,
// each run of characters other than a-z and 0-9 turned into one "-",
// without a leading or trailing "-", cut to 80 characters; "holdout-<id>"
// when nothing is left, and "hogsync-holdout" when the stem would make
// "<stem>.yaml" a config file's name (manifest.IsConfigFileName).
func ExportSlug(name string, id int64) string {
	s := slug(name, id)
	if manifest.IsConfigFileName(s+".yaml") || manifest.IsConfigFileName(s+".yml") {
		return configSlug
	}
	return s
}

func slug(name string, id int64) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-")
	}
	if s == "" {
		return fmt.Sprintf("holdout-%d", id)
	}
	return s
}
