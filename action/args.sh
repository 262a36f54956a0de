# shellcheck shell=bash
# split_args TEXT sets the array ARGS to the words of TEXT, split as a
# shell would split them, with nothing expanded or run (no eval):
#   - blanks (space, tab, CR, LF) separate words;
#   - 'single quotes' keep everything up to the next ' literally;
#   - "double quotes" keep everything literally, except that \" and \\
#     stand for " and \;
#   - outside quotes, a backslash keeps the next character literally;
#   - quoted and unquoted parts next to each other make one word, and ''
#     or "" is an empty word;
#   - $, `, ;, |, &, <, >, *, ?, ~ and the like are plain characters.
# It fails, with a message on stderr, on an unclosed quote or a trailing
# backslash.
split_args() {
  local s=$1 word='' inword=0 i=0 n=${#1} c
  ARGS=()
  while ((i < n)); do
    c=${s:i:1}
    case $c in
      ' ' | $'\t' | $'\r' | $'\n')
        if ((inword)); then
          ARGS+=("$word")
          word='' inword=0
        fi
        ;;
      "'")
        inword=1 i=$((i + 1))
        while ((i < n)) && [[ ${s:i:1} != "'" ]]; do
          word+=${s:i:1} i=$((i + 1))
        done
        if ((i >= n)); then
          echo "args: a ' is not closed" >&2
          return 1
        fi
        ;;
      '"')
        inword=1 i=$((i + 1))
        while ((i < n)) && [[ ${s:i:1} != '"' ]]; do
          if [[ ${s:i:1} == "\\" && (${s:i+1:1} == '"' || ${s:i+1:1} == "\\") ]]; then
            i=$((i + 1))
          fi
          word+=${s:i:1} i=$((i + 1))
        done
        if ((i >= n)); then
          echo 'args: a " is not closed' >&2
          return 1
        fi
        ;;
      "\\")
        inword=1 i=$((i + 1))
        if ((i >= n)); then
          echo "args: a \\ ends it, with nothing to keep" >&2
          return 1
        fi
        word+=${s:i:1}
        ;;
      *)
        inword=1
        word+=$c
        ;;
    esac
    i=$((i + 1))
  done
  if ((inword)); then
    ARGS+=("$word")
  fi
  return 0
}
