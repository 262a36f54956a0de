package manifest

// configNames are the names of a manifest directory's config file, read
// only at the top of the directory.
var configNames = []string{"hogsync.yaml", "hogsync.yml"}

// configKeys are the keys of a config file.
var configKeys = []string{"host", "project", "protect", "max_deletes"}

func isConfigName(name string) bool { return contains(configNames, name) }

// Config is a manifest directory's hogsync.yaml.
type Config struct {
	File string
}

func parseConfig(file string, data []byte) parsed {
	return parsed{config: &Config{File: file}}
}
