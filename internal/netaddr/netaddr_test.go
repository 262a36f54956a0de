package netaddr

import "testing"

func TestIsLoopback(t *testing.T) {
	for name, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"fe80::1%lo": false, "example.com": false, "10.0.0.1": false, "localhost.example.com": false, "": false,
		"::ffff:127.0.0.1": true,
	} {
		if got := IsLoopback(name); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", name, got, want)
		}
	}
}
