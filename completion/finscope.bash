# bash completion for finscope(1): commands, each command's options, and the values of
# --format; files where a file goes. `make install` puts it in
# $(PREFIX)/share/bash-completion/completions/finscope; tests/e2e/t_manpage.sh checks that it
# offers every option each command's --help lists.

_finscope_opts() {
    case $1 in
        analyze) echo "-o --output -f --filter --max-flows --idle-gap --workers --sensor --no-dpi -q --quiet -h --help" ;;
        live)    echo "-i --interface --list -f --filter -o --output -w --write -s --snaplen" \
                      "-B --buffer --no-promisc -Z --user --duration --count --max-flows" \
                      "--idle-gap --workers --sensor --no-dpi --rotate --keep --jsonl -q --quiet -h --help" ;;
        report)  echo "--run --format -o --output --top --rows --ladders --runs -h --help" ;;
        show)    echo "--absolute --format -o --output -h --help" ;;
        export)  echo "--format --run -o --output -h --help" ;;
    esac
}

_finscope() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local commands="analyze live report show export help"
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$commands -h --help -V --version" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]}
    if [ "$cmd" = help ]; then
        [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "${commands% help}" -- "$cur"))
        return
    fi
    case $prev in
        --format)
            case $cmd in
                report) COMPREPLY=($(compgen -W "text json csv html" -- "$cur")) ;;
                show)   COMPREPLY=($(compgen -W "text svg" -- "$cur")) ;;
                export) COMPREPLY=($(compgen -W "zeek jsonl csv" -- "$cur")) ;;
            esac
            return ;;
        -i|--interface)
            COMPREPLY=($(compgen -W "any $(ls /sys/class/net 2>/dev/null)" -- "$cur"))
            return ;;
        -Z|--user)
            COMPREPLY=($(compgen -u -- "$cur"))
            return ;;
        -o|--output|-w|--write|--jsonl)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -f|--filter|--run|--top|--rows|--ladders|--max-flows|--idle-gap|--workers|--sensor|--duration|--count|-s|--snaplen|-B|--buffer|--keep)
            return ;;
        --rotate)
            COMPREPLY=($(compgen -W "30s 15m 1h 1d" -- "$cur"))
            return ;;             # a value of the user's
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_finscope_opts "$cmd")" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))   # captures for analyze, the result file otherwise
}

complete -o filenames -F _finscope finscope
