/*
 * rst_evidence.c — what each direction's sender shows that the RST rules need, and one row per
 * RST segment (docs/teardown.md, "Why each RST was sent").
 *
 * Per direction (struct rst_dir_evidence, 16 bytes, updated for every segment with no
 * allocation, inline in rst_evidence.h): its TTL/hop-limit range and the steps between its
 * IPv4 IDs (non-RST packets only), how many times in a row it re-sent data with nothing new
 * from the peer, when it last spoke. Touched only now and then (struct rst_flow_evidence):
 * the latest silence of at least idle_gap and who broke it, each direction's last segment
 * finscope flagged, the rows.
 * "When" is the flow's packet count (f->pkts[0] + f->pkts[1]): it orders the flow's segments.
 *
 * A RST is judged in two steps around tcp_segment(): before it runs, the cause is decided from
 * the state the RST arrived in (rst_cause.c); after it, the row records how the RST rules took
 * it (acceptable) and whether it ended the flow. Its origin needs what the host sends after
 * it, so it is decided when the flow is emitted (rst_origin.c) — at once for a RST that arrives
 * after that. The rows live in one allocation: the records handed to the sink, then the watch
 * data only the origin rules read.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/rst_evidence.h"
#include "analyzer/rst_internal.h"
#include "analyzer/seq.h"

#define MAX_RSTS_PER_FLOW 256

void rst_evidence_init(struct flow *f)
{
    f->rst.ending = -1;
    f->rst.quiet_dir = -1;
    for (int i = 0; i < 2; i++) {
        f->rst.open_rst[i] = -1;
        f->rst_dir[i].ttl_lo = 255;
    }
}

void rst_evidence_free(struct flow *f)
{
    free(f->rst.rows);
    f->rst.rows = NULL;
    f->rst.nrows = f->rst.cap = 0;
    f->rst.ending = -1;
    f->rst.open_rst[0] = f->rst.open_rst[1] = -1;
}

struct rst_watch *rst_watch_of(const struct flow *f)
{
    return (struct rst_watch *)(f->rst.rows + f->rst.cap);
}

/* The flow's packet count: orders its segments (this one counted once account() ran). */
static uint32_t seen_now(const struct flow *f)
{
    uint64_t n = f->pkts[0] + f->pkts[1];
    return n < UINT32_MAX ? (uint32_t)n : UINT32_MAX;
}

/* From the low 32 bits kept: exact while now_us is less than 2^32 µs (71 minutes) after it;
 * else (or for a clock gone back) the flow's first packet time: never later than the truth,
 * which only makes the IP ID rule more lenient. */
int64_t rst_last_ts_us(const struct flow *f, const struct rst_dir_evidence *e, int64_t now_us)
{
    if (!e->last_seen)
        return 0;
    int64_t ago = (uint32_t)((uint32_t)now_us - e->last_us);
    int64_t life = now_us - f->first_ts_us;
    return life > UINT32_MAX || ago > life ? f->first_ts_us : now_us - ago;
}

/* ---- a flagged segment; what a host sends after its RST ---------------------------------- */

/* Invalid flags (the anomaly tcp_segment raised) or payload beyond the receiver's window. */
static void note_flagged(struct flow *f, const struct segment *s)
{
    uint8_t why = 0;
    /* the segment's own anomalies are the last rows */
    for (uint16_t i = f->nanomalies; s->anomaly && i-- > 0 && !why &&
                                     f->anomalies[i].packet == s->pkt_no;)
        if (f->anomalies[i].kind == AN_INVALID_FLAGS)
            why = RST_FLAGGED_FLAGS;
    if (!why && rst_beyond_window(f, s))
        why = RST_FLAGGED_WINDOW;
    if (why) {
        f->rst.flagged_ts_us[s->dir] = s->ts_us;
        f->rst.flagged_seen[s->dir] = seen_now(f);
        f->rst.flagged_why[s->dir] = why;
    }
}

/* New data or a new ACK from the host more than one RTT after its own RST: it never sent it
 * (Weaver, Sommer and Paxson, NDSS 2009). */
static void watch_after_rst(struct flow *f, const struct segment *s,
                            const struct rst_before *b)
{
    int16_t row = f->rst.open_rst[s->dir];
    if (row < 0 || row >= f->rst.nrows)
        return;
    if (s->flags & TCP_SYN) {     /* the host opens anew (a refused SYN retried): what it sends */
        f->rst.open_rst[s->dir] = -1;   /* from now on belongs to another incarnation */
        return;
    }
    bool news = (s->len > 0 && !s->notes.retransmission) || s->new_fin || b->ack_new;
    int64_t dt = s->ts_us - f->rst.rows[row].ts_us;
    if (!news || dt <= rst_rtt_us(f))
        return;
    struct rst_watch *w = &rst_watch_of(f)[row];
    if (w->after++ == 0)
        w->after_first_us = dt;
}

/* ---- a RST's row ------------------------------------------------------------------------- */

static struct rst_record *new_row(struct flow *f)
{
    struct rst_flow_evidence *x = &f->rst;
    if (x->nrows == x->cap) {
        size_t cap = x->cap ? (size_t)x->cap * 2 : 2;
        if (cap > MAX_RSTS_PER_FLOW)
            cap = MAX_RSTS_PER_FLOW;
        if (cap <= x->cap)
            return NULL;
        size_t each = sizeof(struct rst_record) + sizeof(struct rst_watch);
        struct rst_record *rows = malloc(cap * each);
        if (!rows)
            return NULL;
        if (x->nrows) {
            memcpy(rows, x->rows, x->nrows * sizeof *rows);
            memcpy(rows + cap, rst_watch_of(f), x->nrows * sizeof(struct rst_watch));
        }
        free(x->rows);
        x->rows = rows;
        x->cap = (uint16_t)cap;
    }
    struct rst_record *r = &x->rows[x->nrows];
    memset(r, 0, sizeof *r);
    memset(&rst_watch_of(f)[x->nrows], 0, sizeof(struct rst_watch));
    x->nrows++;
    return r;
}

/* How the RST rules took it (docs/teardown.md §5): the verdict of rst_check, and for a RST
 * answering a SYN (accepted on its ACK) whether its seq was the 0 it should carry. */
static uint8_t acceptable_of(const struct flow *f, const struct segment *s,
                             const struct rst_before *b)
{
    switch (s->rst_verdict) {
    case RST_VALID:
        if (b->no_reference)
            return RA_NONE;
        for (uint16_t i = b->nanomalies; i < f->nanomalies; i++)
            if (f->anomalies[i].kind == AN_RST_SEQ_INEXACT)
                return RA_IN_WINDOW;
        return RA_EXACT;
    case RST_INEXACT: return RA_IN_WINDOW;
    case RST_UNACCEPTABLE: return RA_OUT_OF_WINDOW;
    default: return RA_NONE;
    }
}

static void add_row(struct flow *f, const struct segment *s, const struct rst_before *b)
{
    const struct rst_dir_evidence *e = &f->rst_dir[s->dir];
    struct rst_record *r = new_row(f);
    if (!r)
        return;                     /* over the per-flow cap: orig_rsts/resp_rsts still count */
    uint16_t i = (uint16_t)(r - f->rst.rows);
    struct rst_watch *w = &rst_watch_of(f)[i];
    r->ts_us = s->ts_us;
    r->packet = s->pkt_no;
    r->dir = s->dir;
    r->flags = s->flags;
    r->ttl = s->p->ttl;
    r->ip_id = s->p->ip_version == 4 ? s->p->ip_id : -1;
    r->seq = s->seq;
    r->ack = s->ack;
    r->len = s->len;
    r->acceptable = acceptable_of(f, s, b);
    r->cause = b->cause;
    r->origin = RO_UNKNOWN;
    r->silence_us = b->silence_us;
    memcpy(r->evidence, b->words, sizeof b->words);
    r->evidence[sizeof b->words - 1] = '\0';
    w->fallback = b->fallback;
    /* A RST ahead of its sender's nxt but inside the window shows segments the capture missed
     * (a FIN among them, maybe): that its socket was live is then a guess, its ID no proof. */
    const struct tcp_dir *d = &f->dir[s->dir];
    bool missed = r->acceptable == RA_IN_WINDOW && d->nxt_valid && seq_gt(s->seq, d->nxt);
    w->id_applies = b->id_applies && !missed;
    w->id_prev = e->id_last;
    w->id_prev_ts_us = rst_last_ts_us(f, e, s->ts_us);  /* the host's last segment: no earlier */
    f->rst.open_rst[s->dir] = (int16_t)i;
    if (b->first_rst_dir < 0 && f->first_rst_dir >= 0)
        f->rst.ending = (int16_t)i;
    if (f->emitted)
        rst_origin_decide(f, i);
}

static void note_silence(struct flow *f, const struct segment *s, const struct rst_before *b)
{
    f->rst.quiet_dir = (int8_t)s->dir;
    f->rst.quiet_us = b->broke_silence_us;
    f->rst.quiet_end_pkt = s->pkt_no;
    f->rst.quiet_end_seen = seen_now(f);
}

void rst_evidence_judge(const struct flow *f, const struct segment *s, struct rst_before *b)
{
    b->nanomalies = f->nanomalies;
    b->first_rst_dir = f->first_rst_dir;
    rst_cause_decide(f, s, b);
}

void rst_evidence_rare(struct flow *f, const struct segment *s, const struct rst_before *b)
{
    if (f->emitted) {             /* its counts are final (teardown.md §4): only a RST's row */
        if (b->is_rst)
            add_row(f, s, b);
        return;
    }
    if (b->broke_silence_us)
        note_silence(f, s, b);
    if (!b->is_rst) {
        note_flagged(f, s);
        if (f->dir[s->dir].rsts)
            watch_after_rst(f, s, b);
        rst_note_runs(f, s, b);
        return;
    }
    add_row(f, s, b);
    struct rst_dir_evidence *e = &f->rst_dir[s->dir];
    e->last_us = (uint32_t)s->ts_us;
    e->last_seen = seen_now(f);
}

/* ---- emission ---------------------------------------------------------------------------- */

/* A pending inexact RST taken as accepted at emission ended the flow: find its row. */
static void find_settled_ending(struct flow *f)
{
    if (f->first_rst_dir < 0 || f->rst.ending >= 0)
        return;
    for (uint16_t i = 0; i < f->rst.nrows; i++)
        if (f->rst.rows[i].packet == f->pending.packet && f->rst.rows[i].dir == f->pending.dir)
            f->rst.ending = (int16_t)i;
}

void rst_evidence_finish(struct flow *f)
{
    find_settled_ending(f);
    for (uint16_t i = 0; i < f->rst.nrows; i++)
        rst_origin_decide(f, i);
}

void rst_evidence_fill(const struct flow *f, struct flow_record *r)
{
    r->rst_cause = r->rst_origin = NULL;
    if (f->rst.ending < 0 || f->rst.ending >= f->rst.nrows)
        return;
    const struct rst_record *e = &f->rst.rows[f->rst.ending];
    r->rst_cause = rst_cause_name((enum rst_cause)e->cause);
    r->rst_origin = rst_origin_name((enum rst_origin)e->origin);
}
