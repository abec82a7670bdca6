# expect_lib.sh — sourced by the end-to-end tests that compare finscope's verdicts on a capture
# with a hand-written NAME.expect (t_crafted.sh, t_kernel_data.sh, t_kernel_live.sh). Not a
# test itself (run.sh runs t_*.sh only).
#
# An .expect holds '#' comment lines and, in this order: [flows] rows of FLOWS_SQL (or, for
# captures of many connections, [classes] rows of CLASSES_SQL), optionally [tunnels] rows of
# TUNNELS_SQL, then [anomalies] rows of ANOMALIES_SQL, optionally [decode_errors] rows of
# DECODE_SQL, then — when the .expect has a [rsts] section — [rsts] rows of RSTS_SQL (every
# RST segment: why it was sent, by whom) and [rst_flows] rows of RST_FLOWS_SQL (the flows a RST
# ended, with that RST's cause and origin); for [classes] captures both are counted instead.
# A line "#! OPTIONS" gives `finscope analyze` extra options (e.g. #! --idle-gap 2).
# Needs SQLQ (the query tool) and FINSCOPE set by the caller.

FLOWS_SQL="SELECT orig_port, resp_port, teardown, closer, orig_state, resp_state,
                  IFNULL(reason, ''), conn_state
           FROM flows ORDER BY first_ts, id;"
CLASSES_SQL="SELECT teardown, closer, count(*) FROM flows GROUP BY 1, 2 ORDER BY 1, 2;"
ANOMALIES_SQL="SELECT f.orig_port, a.direction, a.kind
               FROM anomalies a JOIN flows f ON f.id = a.flow_id
               ORDER BY a.packet, a.kind;"
TUNNELS_SQL="SELECT orig_port, resp_port, IFNULL(tunnel, '') FROM flows ORDER BY first_ts, id;"
DECODE_SQL="SELECT reason, count FROM decode_errors ORDER BY reason;"
RSTS_SQL="SELECT f.orig_port, r.direction, IFNULL(r.acceptable, ''), r.cause, r.origin
          FROM rsts r JOIN flows f ON f.id = r.flow_id ORDER BY r.packet, r.id;"
RST_FLOWS_SQL="SELECT orig_port, rst_cause, rst_origin FROM flows
               WHERE rst_cause IS NOT NULL ORDER BY first_ts, id;"
RST_CLASSES_SQL="SELECT cause, origin, count(*) FROM rsts GROUP BY 1, 2 ORDER BY 1, 2;"
RST_FLOW_CLASSES_SQL="SELECT rst_cause, rst_origin, count(*) FROM flows
                      WHERE rst_cause IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2;"

# results DB EXPECT: prints finscope's results in the shape of EXPECT.
results() {
    if grep -qx '\[classes\]' "$2"; then
        echo "[classes]"
        "$SQLQ" "$1" "$CLASSES_SQL" || echo "(classes query failed)"
    else
        echo "[flows]"
        "$SQLQ" "$1" "$FLOWS_SQL" || echo "(flows query failed)"
    fi
    if grep -qx '\[tunnels\]' "$2"; then
        echo "[tunnels]"
        "$SQLQ" "$1" "$TUNNELS_SQL" || echo "(tunnels query failed)"
    fi
    echo "[anomalies]"
    "$SQLQ" "$1" "$ANOMALIES_SQL" || echo "(anomalies query failed)"
    if grep -qx '\[decode_errors\]' "$2"; then
        echo "[decode_errors]"
        "$SQLQ" "$1" "$DECODE_SQL" || echo "(decode_errors query failed)"
    fi
    grep -qx '\[rsts\]' "$2" || return 0
    if grep -qx '\[classes\]' "$2"; then
        echo "[rsts]"
        "$SQLQ" "$1" "$RST_CLASSES_SQL" || echo "(rsts query failed)"
        echo "[rst_flows]"
        "$SQLQ" "$1" "$RST_FLOW_CLASSES_SQL" || echo "(rst_flows query failed)"
    else
        echo "[rsts]"
        "$SQLQ" "$1" "$RSTS_SQL" || echo "(rsts query failed)"
        echo "[rst_flows]"
        "$SQLQ" "$1" "$RST_FLOWS_SQL" || echo "(rst_flows query failed)"
    fi
}

# limited CMD...: runs CMD, killed after 60 s when timeout(1) exists (a hung finscope must
# fail the test, not stall the suite; finscope itself handles SIGTERM, hence KILL).
limited() {
    if command -v timeout >/dev/null 2>&1; then timeout -s KILL 60 "$@"; else "$@"; fi
}

# check_capture NAME CAP EXPECT TMPDIR: analyzes CAP and compares with EXPECT; on a mismatch
# prints what differs (- expected, + finscope) and returns 1.
check_capture() {
    if [ ! -f "$2" ]; then echo "FAIL $1: $2 is missing"; return 1; fi
    if [ ! -f "$3" ]; then echo "FAIL $1: $3 is missing"; return 1; fi
    # shellcheck disable=SC2046 # the options are words
    if ! limited "$FINSCOPE" analyze "$2" -o "$4/$1.db" -q $(sed -n 's/^#! //p' "$3") \
            >"$4/$1.out" 2>&1; then
        echo "FAIL $1: finscope analyze exited non-zero: $(head -3 "$4/$1.out")"
        return 1
    fi
    results "$4/$1.db" "$3" >"$4/$1.got" 2>&1
    grep -v '^#' "$3" >"$4/$1.want"
    cmp -s "$4/$1.want" "$4/$1.got" && return 0
    echo "FAIL $1 (- expected, + finscope):"
    diff -u "$4/$1.want" "$4/$1.got" | tail -n +3
    return 1
}

# check_dir DIR LABEL TMPDIR: check_capture for every DIR/NAME.expect with DIR/NAME.pcap;
# prints "LABEL: N captures, M mismatched" and returns 1 when any mismatched.
check_dir() {
    failed=0; checked=0
    for exp in "$1"/*.expect; do
        name=$(basename "$exp" .expect)
        checked=$((checked + 1))
        check_capture "$name" "$1/$name.pcap" "$exp" "$3" || failed=$((failed + 1))
    done
    echo "$2: $checked captures, $failed mismatched"
    [ "$failed" -eq 0 ]
}
