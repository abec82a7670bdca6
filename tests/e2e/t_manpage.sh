#!/bin/sh
# t_manpage.sh — finscope(1) (docs/finscope.1) and the bash completion (completion/
# finscope.bash) stay in step with the program:
#   - the page has a section for every command `finscope --help` lists, and for no other
#   - each section's options (its .TP items) are exactly those of the command's --help
#     (its Options: list), and GLOBAL OPTIONS has -h, --help, -V, --version
#   - the page renders without a warning (groff -ww) and man -l shows it
#   - the completion offers every command, and every option of each command's --help
#   - `make install-files DESTDIR=D` installs the program, the page in share/man/man1 and the
#     completion in share/bash-completion/completions, and man finds the installed page
#   - it installs the systemd unit in lib/systemd/system with ExecStart at the installed
#     program, and `systemd-analyze verify` accepts it without a message (for the instance lo;
#     skipped without systemd-analyze)
#
# Environment: FINSCOPE. Exit 0 pass, 1 fail.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
page="$root/docs/finscope.1"
completion="$root/completion/finscope.bash"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

commands=$("$FINSCOPE" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$commands" ] || fail "finscope --help lists no command"
man_commands=$(sed -n 's/^\.SS "finscope \([a-z]*\).*/\1/p' "$page")
[ "$(echo "$commands" | sort)" = "$(echo "$man_commands" | sort)" ] ||
    fail "commands: --help has $(echo $commands), the man page $(echo $man_commands)"

# The options of a --help text's Options: list, one a line, sorted.
help_options() {
    sed -n '/^Options:/,/^$/p' | grep -E '^ {1,8}-' | while read -r line; do
        for word in $line; do
            case $word in -*) echo "${word%,}" ;; *) break ;; esac
        done
    done | sort -u
}
# The options of the man page's items (.TP) between two headings matching $1.
man_options() {
    awk -v head="$1" '
        /^\.S[SH] / { on = index($0, head) == 1; next }
        on && tp { gsub(/\\-/, "-"); n = split($0, w, /[ "]+/)
                   for (i = 1; i <= n; i++) if (w[i] ~ /^--?[A-Za-z][A-Za-z-]*$/) print w[i] }
        { tp = on && $0 == ".TP" }' "$page" | sort -u
}
for c in $commands; do
    h=$("$FINSCOPE" "$c" --help | help_options)
    m=$(man_options ".SS \"finscope $c")
    [ -n "$h" ] || fail "$c --help lists no option"
    [ "$h" = "$m" ] || fail "$c: --help has $(echo $h); the man page has $(echo $m)"
done
[ "$(man_options '.SH GLOBAL OPTIONS' | tr '\n' ' ')" = "--help --version -V -h " ] ||
    fail "GLOBAL OPTIONS: $(man_options '.SH GLOBAL OPTIONS' | tr '\n' ' ')"
for o in -h --help -V --version; do "$FINSCOPE" $o >/dev/null || fail "finscope $o"; done

# The page renders cleanly.
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$page" 2>"$tmp/warn" || fail "groff failed"
    [ -s "$tmp/warn" ] && fail "groff warnings: $(head -3 "$tmp/warn")"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$page" >"$tmp/man.txt" 2>"$tmp/warn" || fail "man -l failed"
    grep -q "^FINSCOPE(1)" "$tmp/man.txt" || fail "man -l: $(head -2 "$tmp/man.txt")"
    [ -s "$tmp/warn" ] && fail "man -l warnings: $(head -3 "$tmp/warn")"
fi

# The completion offers every command and option.
if command -v bash >/dev/null 2>&1; then
    got=$(bash -c '. "$1"; COMP_WORDS=(finscope ""); COMP_CWORD=1; _finscope
                   printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" | sort | tr '\n' ' ')
    for c in $commands; do
        case " $got " in *" $c "*) ;; *) fail "completion: no command $c in: $got" ;; esac
    done
    for c in $commands; do
        want=$("$FINSCOPE" "$c" --help | help_options | tr '\n' ' ')
        got=$(bash -c '. "$1"; COMP_WORDS=(finscope "$2" -); COMP_CWORD=2; _finscope
                       printf "%s\n" "${COMPREPLY[@]}"' _ "$completion" "$c" | sort -u |
              tr '\n' ' ')
        [ "$got" = "$want" ] || fail "completion of $c: offers $got; --help has $want"
    done
    got=$(bash -c '. "$1"; COMP_WORDS=(finscope report db --format ""); COMP_CWORD=4
                   _finscope; printf "%s " "${COMPREPLY[@]}"' _ "$completion")
    [ "$got" = "text json csv html " ] || fail "completion of report --format: $got"
fi

# make install puts everything where man and bash-completion look.
dest="$tmp/dest"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$root" install-files DESTDIR="$dest" \
    PREFIX=/usr/local INSTALL_BIN="$FINSCOPE" >"$tmp/make.out" 2>&1 ||
    fail "make install-files: $(tail -3 "$tmp/make.out")"
[ -x "$dest/usr/local/bin/finscope" ] || fail "install: no bin/finscope"
[ -f "$dest/usr/local/share/man/man1/finscope.1" ] || fail "install: no man1/finscope.1"
[ -f "$dest/usr/local/share/bash-completion/completions/finscope" ] ||
    fail "install: no bash completion"
if command -v man >/dev/null 2>&1; then
    found=$(MANPATH="$dest/usr/local/share/man" man -w finscope 2>&1)
    [ "$found" = "$dest/usr/local/share/man/man1/finscope.1" ] || fail "man -w finscope: $found"
    MANPATH="$dest/usr/local/share/man" MANWIDTH=80 man finscope 2>/dev/null |
        grep -q "finscope report DB \[options\]" || fail "man finscope: no report section"
fi
unit="$dest/usr/local/lib/systemd/system/finscope-live@.service"
if [ ! -f "$unit" ]; then
    fail "install: no lib/systemd/system/finscope-live@.service"
else
    grep -q '^ExecStart=/usr/local/bin/finscope live -i %I ' "$unit" ||
        fail "install: the unit's ExecStart: $(grep ExecStart "$unit")"
    if command -v systemd-analyze >/dev/null 2>&1; then
        sed "s|/usr/local/bin/finscope|$dest/usr/local/bin/finscope|" "$unit" \
            >"$tmp/finscope-live@lo.service"
        # a setting it ignores is only a message: any message fails
        if ! MANPATH="$dest/usr/local/share/man" systemd-analyze verify \
                "$tmp/finscope-live@lo.service" >"$tmp/verify.out" 2>&1 ||
            [ -s "$tmp/verify.out" ]; then
            fail "systemd-analyze verify: $(head -3 "$tmp/verify.out")"
        fi
    fi
fi
echo "man page, completion, install: in step with --help"
exit 0
