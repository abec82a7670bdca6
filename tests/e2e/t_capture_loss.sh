#!/bin/sh
# t_capture_loss.sh — verdicts that survive capture loss (issue 13, teardown-spec §10).
# Removes packets at random with fixed seeds (tests/tools/pktdrop) from every capture of real
# Linux TCP in data/kernel/ — and, when root with working network namespaces, from fresh
# kernel runs (tests/kernel/run-scenarios.sh) — and compares finscope's verdicts on the lossy
# copies with those on the lossless originals, flow by flow (same addresses and ports):
#   - teardown and closer agree on >= 99% of the flows at 1% loss, >= 97% at 3%, over the
#     draws of one rate (as issue 13 measured the baseline: "over three draws"; each draw is
#     printed). What loss can still change is a verdict whose only evidence was the packet
#     removed: the RST of an abort or a refusal, the SYN of a refusal, two packets of a close;
#   - loss raises no anomaly but ack_of_unseen_data: every other anomaly of a lossy copy is
#     one of its lossless original (same flow, same kind; a capture of real path loss has
#     fin_retransmitted rows of its own). One case is ambiguous by nature and only counted: a
#     RST whose sender's last data and its acknowledgment were both removed is in the window
#     but past the sender's last byte seen, which is what a blind in-window RST looks like
#     (rst_seq_inexact, taken as accepted: the verdict stands); it is allowed when the lossy
#     copy holds fewer payload bytes from the RST's sender than the original;
#   - runs.capture_loss is 0 on every lossless capture, and within 30% (relative) of the share
#     of TCP data bytes actually removed that the peer acknowledged in the original, over all
#     captures of one (rate, seed): removed bytes nobody acknowledged (data a RST cut off) leave
#     no trace a passive observer can measure (teardown-spec §10). On a draw that removes under
#     ~0.7% of the bytes, 30% is a few segments: a difference of up to 0.002 (absolute) is allowed
#     there (a fresh 1% draw measured 0.0046 against 0.0031 removed);
#   - what a user sees, on data/crafted/capture_loss.pcap: inferred events and gaps in the
#     database, show drawing inferred segments, report's loss line and its warning above 1%,
#     Zeek's missed_bytes in export --format zeek.
# Prints one line per (rate, seed) with the measured numbers. About 5 s (without root).
# Environment: FINSCOPE = the binary, TOOLS = directory of the test tools. Exit 0 pass, 77 skip.

set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${FINSCOPE:?set FINSCOPE to the finscope binary}"
: "${TOOLS:?set TOOLS to the test tools directory}"
SQLQ=$TOOLS/sqlq
DROP=$TOOLS/pktdrop
for t in "$SQLQ" "$DROP"; do
    [ -x "$t" ] || { echo "no $t (build it first)"; exit 77; }
done
ls "$root"/data/kernel/*.pcap >/dev/null 2>&1 || { echo "no data/kernel/*.pcap"; exit 77; }
SEEDS=${LOSS_SEEDS:-"1 2 3"}
# Draws analyzed at once (each a chain of pktdrop, finscope and sqlq: one core each).
LOSS_JOBS=${LOSS_JOBS:-$(nproc 2>/dev/null || echo 1)}
RATES="1 3"

# About 400 small result files: on tmpfs when there is one (no fsync per file).
tmp=$( { [ -d /dev/shm ] && [ -w /dev/shm ] && mktemp -d /dev/shm/t_capture_loss.XXXXXX; } ||
       mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# verdicts CAP DB OUT: analyzes CAP into DB; OUT gets "name|addresses|ports|teardown|closer"
# per TCP flow and OUT.an the anomalies "name|addresses|ports|kind".
verdicts() {
    vname=$(basename "$1" .pcap)
    rm -f "$2"
    "$FINSCOPE" analyze -q --no-dpi "$1" -o "$2" >"$2.out" 2>&1 ||
        { fail "finscope analyze $1: $(head -2 "$2.out")"; return 1; }
    "$SQLQ" "$2" "SELECT '$vname', orig_addr, orig_port, resp_addr, resp_port, teardown, closer
                  FROM flows WHERE proto = 'tcp' ORDER BY 2, 3, 4, 5" >"$3"
    "$SQLQ" "$2" "SELECT '$vname', f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, a.kind
                  FROM anomalies a JOIN flows f ON f.id = a.flow_id ORDER BY 2, 3, 4, 5, 6" \
        >"$3.an"
}

# check_set LABEL DIR: the whole comparison over DIR/*.pcap.
check_set() {
    label=$1; dir=$2; work=$tmp/$label
    mkdir -p "$work"
    : >"$work/base"; : >"$work/base.an"
    for cap in "$dir"/*.pcap; do
        n=$(basename "$cap" .pcap)
        verdicts "$cap" "$work/$n.db" "$work/$n.v" || continue
        cat "$work/$n.v" >>"$work/base"; cat "$work/$n.v.an" >>"$work/base.an"
        loss=$("$SQLQ" "$work/$n.db" "SELECT capture_loss FROM runs")
        [ "$loss" = 0 ] || [ "$loss" = 0.0 ] || fail "$label/$n: capture_loss $loss on the lossless capture"
    done
    total=$(wc -l <"$work/base")
    [ "$total" -gt 0 ] || { fail "$label: no flows"; return; }
    for rate in $RATES; do
        agreed=0; flows=0
        jobs=0
        for seed in $SEEDS; do
            draw "$label" "$dir" "$work" "$rate" "$seed" "$total" &
            jobs=$((jobs + 1))
            [ $((jobs % LOSS_JOBS)) -ne 0 ] || wait
        done
        wait
        for seed in $SEEDS; do
            jobdir=$work/$rate.$seed
            cat "$jobdir/log"
            agreed=$((agreed + $(cat "$jobdir/agree"))); flows=$((flows + total))
            failed=$((failed + $(cat "$jobdir/failed")))
        done
        pct=$(awk -v a="$agreed" -v t="$flows" 'BEGIN { printf "%.1f", 100 * a / t }')
        want=99; [ "$rate" = 3 ] && want=97
        echo "$label loss ${rate}%, seeds $SEEDS: $agreed/$flows flows agree ($pct%, want >= $want%)"
        awk -v p="$pct" -v w="$want" 'BEGIN { exit !(p >= w) }' ||
            fail "$label ${rate}%: $pct% agree over the seeds, want >= $want%"
    done
}

# draw LABEL DIR WORK RATE SEED TOTAL: one (rate, seed) as a job of its own (draws are
# independent: LOSS_JOBS of them run at once, each in WORK/RATE.SEED); its output, the flows
# that agree and its failures are left there in log, agree and failed for check_set.
draw() {
    jobdir=$3/$4.$5   # not d: check_lossy uses d for a file's data bytes
    mkdir -p "$jobdir"
    failed=0
    check_lossy "$@" >"$jobdir/log" 2>&1
    echo "${agree:-0}" >"$jobdir/agree"
    echo "$failed" >"$jobdir/failed"
}

# check_lossy LABEL DIR WORK RATE SEED TOTAL: WORK holds the lossless results (base, base.an,
# NAME.db), read only; the draw's own files go to WORK/RATE.SEED.
check_lossy() {
    label=$1; dir=$2; work=$3; rate=$4; seed=$5; total=$6; s=$work/$rate.$seed
    agree=0
    : >"$s/lossy"; : >"$s/lossy.an"; : >"$s/amb"
    data=0; removed=0; weighted=0
    for cap in "$dir"/*.pcap; do
        n=$(basename "$cap" .pcap)
        # A different draw per file: the seed and the file's name.
        fseed=$((seed * 1000 + $(printf '%s' "$n" | cksum | cut -d' ' -f1) % 1000))
        line=$("$DROP" "$cap" "$s/lossy.pcap" "$rate" "$fseed") || { fail "pktdrop $cap"; return; }
        d=$(echo "$line" | sed 's/.* data_bytes=\([0-9]*\).*/\1/')
        r=$(echo "$line" | sed 's/.*removed_acked_bytes=\([0-9]*\).*/\1/')
        verdicts "$s/lossy.pcap" "$s/lossy.db" "$s/l.v" || continue
        sed "s/^lossy|/$n|/" "$s/l.v" >>"$s/lossy"
        sed "s/^lossy|/$n|/" "$s/l.v.an" >>"$s/lossy.an"
        "$SQLQ" "$s/lossy.db" "ATTACH '$work/$n.db' AS b;
            SELECT '$n', f.orig_addr, f.orig_port, f.resp_addr, f.resp_port, a.kind
            FROM anomalies a JOIN flows f ON f.id = a.flow_id
            JOIN b.flows g ON g.orig_addr = f.orig_addr AND g.orig_port = f.orig_port
                          AND g.resp_addr = f.resp_addr AND g.resp_port = f.resp_port
            WHERE a.kind = 'rst_seq_inexact' AND CASE a.direction WHEN 'orig'
                  THEN f.orig_bytes < g.orig_bytes ELSE f.resp_bytes < g.resp_bytes END" \
            >>"$s/amb"
        loss=$("$SQLQ" "$s/lossy.db" "SELECT capture_loss FROM runs")
        data=$((data + d)); removed=$((removed + r))
        weighted=$(awk -v w="$weighted" -v l="${loss:-0}" -v d="$d" 'BEGIN { printf "%.6f", w + l * d }')
    done
    agree=$(sort "$work/base" | comm -12 - "$(sort "$s/lossy" >"$s/lossy.s"; echo "$s/lossy.s")" | wc -l)
    pct=$(awk -v a="$agree" -v t="$total" 'BEGIN { printf "%.1f", 100 * a / t }')
    removed_share=$(awk -v r="$removed" -v d="$data" 'BEGIN { printf "%.4f", d ? r / d : 0 }')
    measured=$(awk -v w="$weighted" -v d="$data" 'BEGIN { printf "%.4f", d ? w / d : 0 }')
    sort "$work/base.an" "$s/amb" >"$s/allowed"
    extra=$(grep -v '|ack_of_unseen_data$' "$s/lossy.an" | sort | comm -23 - "$s/allowed" |
            uniq)
    echo "$label loss ${rate}% seed $seed: $agree/$total flows agree ($pct%);" \
         "data removed $removed_share, capture_loss $measured;" \
         "$(wc -l <"$s/amb") ambiguous;" \
         "anomalies: $(cut -d'|' -f6 "$s/lossy.an" | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
    sort "$work/base" | comm -23 - "$s/lossy.s" >"$work/differ.$rate.$seed"
    [ -z "$extra" ] || { fail "$label ${rate}% seed $seed: anomalies raised by loss:"
                         echo "$extra" | head -10 | sed 's/^/  /'; }
    awk -v m="$measured" -v r="$removed_share" 'BEGIN { exit !(r == 0 ? m == 0 : (m - r <= 0.3 * r || m - r <= 0.002) && (r - m <= 0.3 * r || r - m <= 0.002)) }' ||
        fail "$label ${rate}% seed $seed: capture_loss $measured, data removed $removed_share (> 30% and > 0.002 apart)"
}

# What a user sees of loss: data/crafted/capture_loss.pcap (one flow per inference rule).
rendering() {
    db=$tmp/crafted.db
    "$FINSCOPE" analyze -q "$root/data/crafted/capture_loss.pcap" -o "$db" >/dev/null 2>&1 ||
        { fail "analyze capture_loss.pcap"; return; }
    got=$("$SQLQ" "$db" "SELECT f.orig_port, e.direction, e.flags FROM teardown_events e
                         JOIN flows f ON f.id = e.flow_id WHERE e.inferred = 1 ORDER BY e.id")
    want=$(printf '40371|orig|FA\n40372|resp|SA\n40374|orig|A')
    [ "$got" = "$want" ] || fail "inferred events: got $(echo $got), want $(echo $want)"
    got=$("$SQLQ" "$db" "SELECT orig_port, gaps, gap_bytes FROM flows WHERE gaps > 0 ORDER BY 1")
    want=$(printf '40373|1|48\n40375|1|1\n40376|1|43')
    [ "$got" = "$want" ] || fail "gaps: got $(echo $got), want $(echo $want)"
    id=$("$SQLQ" "$db" "SELECT id FROM flows WHERE orig_port = 40371")
    "$FINSCOPE" show "$db" "$id" >"$tmp/show.out" 2>&1 || fail "show $id"
    grep -q '^ *+0.007000 *(7) *FIN_WAIT_1 |\.\.\. inferred FIN,ACK seq=49 ack=44 len=0 \.*>|$' \
        "$tmp/show.out" || fail "show does not draw the inferred FIN: $(grep -n inferred "$tmp/show.out")"
    grep -q '^  inferred   1 segment(s) the capture missed' "$tmp/show.out" ||
        fail "show does not say a segment was inferred"
    "$FINSCOPE" report "$db" >"$tmp/report.out" 2>&1 || fail "report"
    grep -q '^  loss        14.42% of acknowledged TCP bytes not captured (3 gaps, 92 bytes, in 3 flows); 3 segments inferred in 3 flows$' \
        "$tmp/report.out" || fail "report loss line: $(grep loss "$tmp/report.out")"
    grep -q '^  warning     capture loss above 1%' "$tmp/report.out" || fail "report: no warning above 1%"
    "$FINSCOPE" export "$db" --format zeek -o "$tmp/conn.log" || fail "export zeek"
    got=$(grep -v '^#' "$tmp/conn.log" | awk -F'\t' '$15 > 0 { print $4 "|" $15 }' | sort)
    want=$(printf '40373|48\n40375|1\n40376|43')
    [ "$got" = "$want" ] || fail "zeek missed_bytes: got $(echo $got), want $(echo $want)"
    db=$tmp/clean.db
    "$FINSCOPE" analyze -q "$root/data/kernel/v4_graceful_client.pcap" -o "$db" >/dev/null 2>&1
    "$FINSCOPE" report "$db" >"$tmp/report.out" 2>&1 || fail "report (clean)"
    grep -q '^  loss        0.00% of acknowledged TCP bytes not captured (0 gaps, 0 bytes, in 0 flows); 0 segments inferred in 0 flows$' \
        "$tmp/report.out" || fail "report loss line (clean): $(grep loss "$tmp/report.out")"
    grep -q warning "$tmp/report.out" && fail "report warns on a lossless capture"
}
rendering

check_set data "$root/data/kernel"

# Fresh kernel runs when root (the same scenarios, recorded now).
if [ "$(id -u)" -eq 0 ] && [ -x "$TOOLS/kpeer" ] && [ -x "$TOOLS/kcap" ]; then
    TOOLS="$TOOLS" sh "$root/tests/kernel/run-scenarios.sh" "$tmp/fresh" >"$tmp/fresh.out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        # A fresh capture differs from run to run, and so do the packets a seed removes; one
        # draw of 218 connections may lose 5 of their 110 RSTs and refused SYNs, the only
        # evidence of those verdicts. Sixteen draws keep the pooled share steady enough for a
        # pass/fail test (at 1%: about 13 per 2180 flows differ, measured; 34 of 3488 may).
        SEEDS=${LOSS_FRESH_SEEDS:-"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"}
        check_set fresh "$tmp/fresh"
    elif [ $rc -ne 77 ]; then
        fail "run-scenarios.sh exited $rc: $(tail -3 "$tmp/fresh.out")"
    fi
fi
[ "$failed" -eq 0 ] || { echo "capture loss: $failed failures"; exit 1; }
echo "capture loss: all checks passed"
