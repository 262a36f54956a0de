package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/hogsync/hogsync/run"
)

type completionCmd struct {
	Shell string `arg:"" enum:"bash,zsh,fish" help:"The shell: bash, zsh or fish."`
}

// Help is the command's detail in --help.
func (completionCmd) Help() string {
	return "The script completes commands, flags, the values of flags that take one of a few " +
		"(--output, --color, ...), and files and directories where a command takes them. " +
		"It is made from hogsync's own command line, so it knows every flag of this version."
}

// Run prints the completion script for the shell. The scripts are
// static: made here from the command line's model, they run nothing at
// completion time.
func (c *completionCmd) Run(e *run.Env, app *kong.Application) error {
	cmds := completionModel(app)
	var err error
	switch c.Shell {
	case "bash":
		err = bashCompletion(e.Stdout(), cmds)
	case "zsh":
		err = zshCompletion(e.Stdout(), cmds)
	case "fish":
		err = fishCompletion(e.Stdout(), cmds)
	}
	if err != nil {
		return err
	}
	return e.Stdout().Flush()
}

// compCommand is what completion needs of one command ("" is hogsync
// itself, whose flags every command has).
type compCommand struct {
	name  string
	help  string
	flags []compFlag
	arg   compValue // what the positional arguments are; kind "" for none
}

type compFlag struct {
	long       string // without the dashes
	short      rune
	help       string
	takesValue bool
	repeatable bool
	value      compValue
}

// compValue is how a value is completed: from a list of words, as a
// file, as a directory, or not at all (kind "").
type compValue struct {
	kind  string // "words", "file", "dir" or ""
	words []string
	name  string // the placeholder, for zsh's message
	many  bool   // a positional argument that takes several
}

// completionModel reads the visible commands and flags from kong's model.
func completionModel(app *kong.Application) []compCommand {
	root := compCommand{flags: compFlags(app.Node.Flags)}
	out := []compCommand{root}
	for _, n := range app.Node.Children {
		if n.Hidden || n.Type != kong.CommandNode {
			continue
		}
		c := compCommand{name: n.Name, help: firstSentence(n.Help, nil), flags: compFlags(n.Flags)}
		if len(n.Positional) > 0 {
			p := n.Positional[0]
			c.arg = valueCompletion(p, strings.ToUpper(p.Name))
			c.arg.many = p.IsCumulative()
		}
		out = append(out, c)
	}
	return out
}

func compFlags(flags []*kong.Flag) []compFlag {
	var out []compFlag
	for _, f := range flags {
		if f.Hidden {
			continue
		}
		var values []string
		if f.Enum != "" {
			for _, v := range strings.Split(f.Enum, ",") {
				values = append(values, strings.TrimSpace(v))
			}
		}
		cf := compFlag{long: f.Name, short: f.Short, help: firstSentence(f.Help, values), takesValue: !f.IsBool() && !f.IsCounter(), repeatable: f.IsSlice()}
		if cf.takesValue {
			cf.value = valueCompletion(f.Value, f.FormatPlaceHolder())
		}
		out = append(out, cf)
	}
	return out
}

// valueCompletion decides how a value is completed: its enum, else the
// `predictor` tag (file or dir), else its placeholder (FILE, PATH, DIR).
func valueCompletion(v *kong.Value, placeholder string) compValue {
	placeholder = strings.Trim(placeholder, `"`)
	cv := compValue{name: placeholder}
	switch {
	case v.Enum != "":
		cv.kind = "words"
		for _, w := range strings.Split(v.Enum, ",") {
			cv.words = append(cv.words, strings.TrimSpace(w))
		}
	case v.Tag.Get("predictor") != "":
		cv.kind = v.Tag.Get("predictor")
	case placeholder == "FILE" || placeholder == "PATH":
		cv.kind = "file"
	case placeholder == "DIR":
		cv.kind = "dir"
	}
	return cv
}

// firstSentence is a help text's first sentence (outside parentheses),
// for a one-line description beside a completion. A colon ends it early
// only where it introduces the values to choose from — the text after it
// starts with one of values (the flag's enum) or is a short list such as
// "auto, always or never" — so "Colour the output: auto, always or never"
// is described as "Colour the output", while "On GitHub Actions, on a dry
// run: keep one issue open ..." stays whole.
func firstSentence(s string, values []string) string {
	if i := outsideParens(s, '.', func(rest string) bool { return strings.HasPrefix(rest, " ") }); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if i := outsideParens(s, ':', func(rest string) bool {
		return strings.HasPrefix(rest, " ") && listsValues(rest[1:], values)
	}); i >= 0 {
		return s[:i]
	}
	return s
}

// outsideParens is the index of the first c in s, outside parentheses,
// for which ok holds of the text after it; -1 if there is none.
func outsideParens(s string, c rune, ok func(rest string) bool) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case c:
			if depth == 0 && ok(s[i+1:]) {
				return i
			}
		}
	}
	return -1
}

// listsValues reports whether the text after a colon lists values: it
// starts with one of values as a whole word, or, leaving out what is in
// parentheses, it is "a, b or c" with items of at most three words.
func listsValues(s string, values []string) bool {
	for _, v := range values {
		if rest, ok := strings.CutPrefix(s, v); ok && (rest == "" || strings.IndexAny(rest[:1], " ,;:)") == 0) {
			return true
		}
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	flat := b.String()
	if !strings.Contains(flat, " or ") {
		return false
	}
	for _, part := range strings.Split(flat, ",") {
		for _, item := range strings.Split(part, " or ") {
			if n := len(strings.Fields(item)); n == 0 || n > 3 {
				return false
			}
		}
	}
	return true
}

// commandNames are the commands, sorted.
func commandNames(cmds []compCommand) []string {
	var names []string
	for _, c := range cmds[1:] {
		names = append(names, c.name)
	}
	slices.Sort(names)
	return names
}

// bashCompletion writes a bash script. It reads the words itself from
// COMP_WORDS, joining what bash splits at "=" (--output=json), so that
// both --flag value and --flag=value complete.
func bashCompletion(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`# bash completion for hogsync, made by 'hogsync completion bash'.
# Load it in this shell with:   source <(hogsync completion bash)
# or for every shell with:      hogsync completion bash > ~/.local/share/bash-completion/completions/hogsync

# _hogsync_reply sets COMPREPLY to what compgen "$@" prints, one line a
# candidate: never split at blanks nor expanded as a glob, as
# COMPREPLY=($(compgen ...)) would.
_hogsync_reply() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        COMPREPLY+=("$line")
    done < <(compgen "$@")
}

# _hogsync_names completes file names (-f), or directory names (-d), from
# the word $2 as typed. bash's own name completion does it (-o default,
# -o dirnames): it reads the word's quotes and backslashes, and quotes
# what it inserts, so "my holdouts/" and "it's/" are one word each. A bash
# without compopt (3.2) gets compgen's names for the word as it stands.
_hogsync_names() {
    local opt=default
    [[ $1 == -d ]] && opt=dirnames
    if compopt -o "$opt" 2>/dev/null; then
        COMPREPLY=()
        return
    fi
    _hogsync_reply "$1" -- "$2"
}

# _hogsync_value completes the value of flag $2 of command $1 from the
# prefix $3, and fails when that flag takes no value. Without $3 it only
# tells whether the flag takes one, completing nothing (so setting no
# compopt option for this completion).
_hogsync_value() {
    case "$1 $2" in
`)
	root := cmds[0]
	for _, c := range cmds {
		flags := c.flags
		for _, f := range flags {
			if !f.takesValue {
				continue
			}
			var pats []string
			names := []string{"--" + f.long}
			if f.short != 0 {
				names = append(names, "-"+string(f.short))
			}
			for _, n := range names {
				if c.name == "" {
					pats = append(pats, fmt.Sprintf(`*" %s"`, n))
				} else {
					pats = append(pats, fmt.Sprintf(`"%s %s"`, c.name, n))
				}
			}
			fmt.Fprintf(&b, "    %s) (($# < 3)) || %s ;;\n", strings.Join(pats, "|"), bashReply(f.value, "$3"))
		}
	}
	b.WriteString(`    *) return 1 ;;
    esac
}

# _hogsync_flags lists the flags of command $1.
_hogsync_flags() {
    case "$1" in
`)
	for _, c := range cmds {
		var names []string
		flags := root.flags
		if c.name != "" {
			flags = slices.Concat(root.flags, c.flags)
		}
		for _, f := range flags {
			names = append(names, "--"+f.long)
		}
		fmt.Fprintf(&b, "    %q) echo %q ;;\n", c.name, strings.Join(names, " "))
	}
	b.WriteString(`    esac
}

# _hogsync_arg completes a positional argument of command $1 from $2.
_hogsync_arg() {
    case "$1" in
`)
	fmt.Fprintf(&b, "    \"\") _hogsync_reply -W %q -- \"$2\" ;;\n", strings.Join(commandNames(cmds), " "))
	for _, c := range cmds[1:] {
		if c.arg.kind == "" {
			continue
		}
		fmt.Fprintf(&b, "    %s) %s ;;\n", c.name, bashReply(c.arg, "$2"))
	}
	b.WriteString(`    *) COMPREPLY=() ;;
    esac
}

_hogsync() {
    local -a words=()
    local i word
    # Join "--flag" "=" "value", which bash splits at COMP_WORDBREAKS.
    for ((i = 1; i <= COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if ((${#words[@]})) && [[ $word == "=" || ${COMP_WORDS[i-1]} == "=" ]]; then
            words[${#words[@]}-1]+=$word
        else
            words+=("$word")
        fi
    done
    ((${#words[@]})) || words=("")
    local cur=${words[${#words[@]}-1]} cmd="" prev=""
    # The command is the first word that is neither a flag nor a flag's value.
    for ((i = 0; i < ${#words[@]} - 1; i++)); do
        word=${words[i]}
        if [[ $word == -* ]]; then
            [[ $word != *=* ]] && _hogsync_value "$cmd" "$word" && prev=$word && continue
        elif [[ -n $prev ]]; then
            :
        elif [[ -z $cmd ]]; then
            cmd=$word
        fi
        prev=""
    done
    COMPREPLY=()
    if [[ -n $prev ]]; then
        _hogsync_value "$cmd" "$prev" "$cur"
    elif [[ $cur == --*=* ]]; then
        _hogsync_value "$cmd" "${cur%%=*}" "${cur#*=}"
    elif [[ $cur == -* ]]; then
        _hogsync_reply -W "$(_hogsync_flags "$cmd")" -- "$cur"
    else
        _hogsync_arg "$cmd" "$cur"
    fi
}

complete -F _hogsync hogsync
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// bashReply is the bash code that sets COMPREPLY for a value from the
// prefix in cur.
func bashReply(v compValue, cur string) string {
	switch v.kind {
	case "words":
		return fmt.Sprintf(`_hogsync_reply -W %q -- "%s"`, strings.Join(v.words, " "), cur)
	case "file":
		return fmt.Sprintf(`_hogsync_names -f "%s"`, cur)
	case "dir":
		return fmt.Sprintf(`_hogsync_names -d "%s"`, cur)
	}
	return "COMPREPLY=()"
}

// zshCompletion writes a zsh script for compsys (_arguments), with each
// command's and flag's description.
func zshCompletion(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`#compdef hogsync
# zsh completion for hogsync, made by 'hogsync completion zsh'.
# Load it in this shell with:   source <(hogsync completion zsh)
# or for every shell, save it as _hogsync in a directory of your $fpath:
#   hogsync completion zsh > "${fpath[1]}/_hogsync"

_hogsync() {
    local curcontext="$curcontext" state line
    typeset -A opt_args
    _arguments -C \
`)
	for _, f := range cmds[0].flags {
		fmt.Fprintf(&b, "        %s \\\n", zshFlag(f))
	}
	b.WriteString(`        '1: :_hogsync_commands' \
        '*:: :->args'
    case $state in
    args)
        curcontext="${curcontext%:*:*}:hogsync-$words[1]:"
        case $words[1] in
`)
	for _, c := range cmds[1:] {
		fmt.Fprintf(&b, "        %s)\n            _arguments \\\n", c.name)
		for _, f := range c.flags {
			fmt.Fprintf(&b, "                %s \\\n", zshFlag(f))
		}
		switch {
		case c.arg.kind != "" && c.arg.many:
			fmt.Fprintf(&b, "                '*:%s:%s'\n", c.arg.name, zshAction(c.arg))
		case c.arg.kind != "":
			fmt.Fprintf(&b, "                '1:%s:%s'\n", c.arg.name, zshAction(c.arg))
		default:
			b.WriteString("                '(-)*: :'\n")
		}
		b.WriteString("            ;;\n")
	}
	b.WriteString(`        esac
        ;;
    esac
}

_hogsync_commands() {
    local -a commands=(
`)
	for _, c := range cmds[1:] {
		fmt.Fprintf(&b, "        %s\n", zshQuote(c.name+":"+c.help))
	}
	b.WriteString(`    )
    _describe -t commands 'hogsync command' commands
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _hogsync "$@"
else
    compdef _hogsync hogsync
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshFlag is one _arguments spec, e.g. '(-o --output)'{-o+,--output=}'[Plan format]:FORMAT:(text json markdown)'.
func zshFlag(f compFlag) string {
	desc := "[" + zshDesc(f.help) + "]"
	val := ""
	if f.takesValue {
		val = ":" + zshDesc(f.value.name) + ":" + zshAction(f.value)
	}
	repeat := ""
	if f.repeatable {
		repeat = "*"
	}
	long := "--" + f.long
	if f.takesValue {
		long += "="
	}
	if f.short == 0 {
		return zshQuote(repeat + long + desc + val)
	}
	short := "-" + string(f.short)
	if f.takesValue {
		short += "+"
	}
	excl := ""
	if !f.repeatable {
		excl = zshQuote(fmt.Sprintf("(-%c --%s)", f.short, f.long))
	}
	return excl + repeat + "{" + short + "," + long + "}" + zshQuote(desc+val)
}

func zshAction(v compValue) string {
	switch v.kind {
	case "words":
		return "(" + strings.Join(v.words, " ") + ")"
	case "file":
		return "_files"
	case "dir":
		return "_files -/"
	}
	return " "
}

// zshDesc keeps a description from closing its brackets or its field.
func zshDesc(s string) string {
	return strings.NewReplacer("[", "(", "]", ")", ":", " -", `\`, "").Replace(s)
}

func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fishCompletion writes a fish script: one complete line per command and
// flag, with its description.
func fishCompletion(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`# fish completion for hogsync, made by 'hogsync completion fish'.
# Load it in this shell with:   hogsync completion fish | source
# or for every shell with:      hogsync completion fish > ~/.config/fish/completions/hogsync.fish

complete -c hogsync -f
`)
	names := strings.Join(commandNames(cmds), " ")
	for _, c := range cmds[1:] {
		fmt.Fprintf(&b, "complete -c hogsync -n %s -a %s -d %s\n", fishQuote("not __fish_seen_subcommand_from "+names), c.name, fishQuote(c.help))
	}
	for _, c := range cmds {
		cond := ""
		if c.name != "" {
			cond = " -n " + fishQuote("__fish_seen_subcommand_from "+c.name)
		}
		for _, f := range c.flags {
			fmt.Fprintf(&b, "complete -c hogsync%s -l %s", cond, f.long)
			if f.short != 0 {
				fmt.Fprintf(&b, " -s %c", f.short)
			}
			if f.takesValue {
				b.WriteString(fishValue(f.value))
			}
			fmt.Fprintf(&b, " -d %s\n", fishQuote(f.help))
		}
		if c.name != "" && c.arg.kind != "" {
			fmt.Fprintf(&b, "complete -c hogsync%s%s\n", cond, fishValue(c.arg))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fishValue(v compValue) string {
	switch v.kind {
	case "words":
		return " -x -a " + fishQuote(strings.Join(v.words, " "))
	case "file":
		return " -r -F"
	case "dir":
		return " -x -a '(__fish_complete_directories (commandline -ct))'"
	}
	return " -x"
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
