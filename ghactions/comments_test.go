package ghactions

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/ghactions/githubtest"
)

const marker = "<!-- hogsync-plan:abc -->"

// bodies is who wrote each comment on n, and what it says.
func bodies(gh *githubtest.Server, n int) []string {
	var out []string
	for _, c := range gh.Comments(n) {
		out = append(out, c.User+": "+c.Body)
	}
	return out
}

func TestUpsertKeepsOneComment(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	// 150 unrelated comments (two pages), and one of ours quoting the
	// marker below its first line.
	for i := range 150 {
		gh.AddComment(5, "someone", fmt.Sprintf("chatter %d", i))
	}
	gh.AddComment(5, ActionsBot, "> quoting\n"+marker+"\nnot the plan")
	created, err := c.Upsert(context.Background(), 5, marker, marker+"\nplan 1")
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v", created, err)
	}
	created, err = c.Upsert(context.Background(), 5, marker, marker+"\nplan 2")
	if err != nil || created {
		t.Fatalf("second upsert: created=%v err=%v", created, err)
	}
	var ours []string
	for _, b := range bodies(gh, 5) {
		if strings.Contains(b, "plan ") {
			ours = append(ours, b)
		}
	}
	if d := cmp.Diff([]string{ActionsBot + ": " + marker + "\nplan 2"}, ours); d != "" {
		t.Errorf("plan comments (-want +got):\n%s", d)
	}
}

// Acceptance (issue 10): a comment by another user that starts with the
// marker is never edited; only the token's own account's comment is.
func TestUpsertNeverEditsAnotherAccountsComment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		login  string // the token's account; "" for GITHUB_TOKEN
		others []string
	}{
		{"GITHUB_TOKEN beside a person", "", []string{"mallory"}},
		{"GITHUB_TOKEN beside another bot", "", []string{"renovate[bot]", "github-actions"}},
		{"a personal token beside the Actions bot", "alice", []string{ActionsBot, "mallory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			gh.SetLogin(tt.login)
			var want []string
			for _, o := range tt.others {
				gh.AddComment(5, o, marker+"\nwritten by "+o)
				want = append(want, o+": "+marker+"\nwritten by "+o)
			}
			c, _ := newTestClient(t, gh)
			for i := range 2 {
				if _, err := c.Upsert(context.Background(), 5, marker, marker+fmt.Sprintf("\nplan %d", i)); err != nil {
					t.Fatal(err)
				}
			}
			me := tt.login
			if me == "" {
				me = ActionsBot
			}
			want = append(want, me+": "+marker+"\nplan 1")
			if d := cmp.Diff(want, bodies(gh, 5)); d != "" {
				t.Errorf("comments (-want +got):\n%s", d)
			}
			for _, r := range gh.Requests() {
				if r.Method == "PATCH" && r.Path != fmt.Sprintf("/repos/o/r/issues/comments/%d", gh.Comments(5)[len(tt.others)].ID) {
					t.Errorf("edited a comment not ours: %s", r.Path)
				}
			}
		})
	}
}

// A create that got no answer is not sent again blindly: the comment is
// posted exactly once whether or not the lost request was made.
func TestUpsertNeverPostsTwice(t *testing.T) {
	t.Parallel()
	for _, lost := range []bool{true, false} {
		t.Run(fmt.Sprintf("made=%v", lost), func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			c, _ := newTestClient(t, gh)
			gh.Fail(githubtest.Failure{Method: "POST", Status: 502, Times: 1, Lost: lost})
			created, err := c.Upsert(context.Background(), 5, marker, marker+"\nplan")
			if err != nil || !created {
				t.Fatalf("created=%v err=%v", created, err)
			}
			if d := cmp.Diff([]string{ActionsBot + ": " + marker + "\nplan"}, bodies(gh, 5)); d != "" {
				t.Errorf("comments (-want +got):\n%s", d)
			}
		})
	}
}

func TestUpsertMakesADeletedCommentAgain(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	id := gh.AddComment(5, ActionsBot, marker+"\nold")
	c, _ := newTestClient(t, gh)
	gh.Fail(githubtest.Failure{Method: "PATCH", Path: fmt.Sprintf("/repos/o/r/issues/comments/%d", id), Status: 404, Times: 1, Body: `{"message":"Not Found"}`})
	created, err := c.Upsert(context.Background(), 5, marker, marker+"\nnew")
	if err != nil || !created {
		t.Fatalf("created=%v err=%v", created, err)
	}
	if n := len(gh.Comments(5)); n != 2 {
		t.Errorf("%d comments, want 2 (the fake kept the one it said was gone)", n)
	}
}

func TestUpsertRefusesABodyWithoutItsMarker(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	for _, m := range []string{"", marker} {
		if _, err := c.Upsert(context.Background(), 5, m, "no marker\n"+marker); err == nil {
			t.Errorf("marker %q: no error", m)
		}
	}
	if n := len(gh.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}
