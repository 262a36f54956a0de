// Package words holds the small pieces of English that hogsync's messages
// share, so each is written once.
package words

// Plural is one when n is 1, many otherwise: "1 holdout", "2 holdouts".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
