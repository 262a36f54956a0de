//go:build !unix

package manifest

import "os"

// readOSFile appends the content of the OS file name to buf, up to one
// byte past MaxFileSize.
func readOSFile(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	return readUpTo(f, buf)
}
