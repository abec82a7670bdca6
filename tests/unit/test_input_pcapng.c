/*
 * test_input_pcapng.c — finscope's pcapng reader (cli/pcapng_read.c) and its place in
 * cli/capture_source.c, on files the project writes itself (tests/lib/capwriter.c):
 *   - a file of three sections in both byte orders, interfaces of four link types with
 *     different snapshot lengths, if_tsresol (micro, nano, milli, 2^-20) and if_tsoffset,
 *     records as Enhanced, obsolete and Simple Packet Blocks, and blocks to skip: every record
 *     read as written, by the reader alone and through capture_open (libpcap refuses it);
 *   - the same file cut at every byte: the records of the blocks before the cut, then a clean
 *     end at a block boundary or "ends inside the block at byte N" anywhere else;
 *   - libpcap keeps every file it reads, and hands over part way (a second interface of
 *     another link type) without losing or repeating a record;
 *   - every malformed case with its one-line message.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/capture_source.h"
#include "cli/pcapng_read.h"
#include "tests/lib/capwriter.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/finscope-pcapng-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(tmpdir);
}

TestSuite(pcapng, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* ---- what a file holds, as written -------------------------------------------------------- */

#define MAX_RECS 32
#define MAX_BLOCKS 64

struct rec {
    int linktype;                 /* DLT_ */
    int64_t sec;
    uint32_t nsec;
    uint32_t caplen, len;
    uint8_t first;                /* first data byte: which frame it is */
};

struct layout {
    struct rec recs[MAX_RECS];
    int nrecs;
    long ends[MAX_BLOCKS];        /* byte offset after each block */
    int packets_before[MAX_BLOCKS + 1];  /* packet blocks among the first k blocks */
    int nblocks;
};

static void note_block(struct layout *l, struct cw_pcap *w, bool packet)
{
    fflush(w->f);
    l->ends[l->nblocks] = ftell(w->f);
    l->packets_before[l->nblocks + 1] = l->packets_before[l->nblocks] + packet;
    l->nblocks++;
}

/* Writes a frame of `len` bytes (first byte `id`) at `sec` + `nsec`, noting what a reader
 * should give: `dlt`, and the time as the interface's resolution keeps it. */
static void put_rec(struct layout *l, struct cw_pcap *w, uint8_t id, uint32_t len, int dlt,
                    int64_t sec, uint32_t nsec, uint32_t want_nsec, uint32_t want_caplen)
{
    uint8_t frame[256];
    memset(frame, id, sizeof frame);
    cr_assert_eq(cw_pcap_write_at(w, sec * 1000000000LL + nsec, frame, len, len), 0);
    note_block(l, w, true);
    l->recs[l->nrecs++] = (struct rec){.linktype = dlt, .sec = sec, .nsec = want_nsec,
                                       .caplen = want_caplen, .len = len, .first = id};
}

static void put_iface(struct layout *l, struct cw_pcap *w, int linktype, uint32_t snaplen,
                      int tsresol, int64_t tsoffset)
{
    struct cw_iface ifc = {.linktype = linktype, .snaplen = snaplen, .tsresol = tsresol,
                           .tsoffset = tsoffset};
    cr_assert_geq(cw_pcapng_interface(w, &ifc), 0);
    note_block(l, w, false);
}

/* The file of the header comment. Times from T = 2026-01-01T00:00:00Z. */
static void write_layout(const char *path, struct layout *l)
{
    static const uint8_t skip[] = {9, 9, 9, 9};
    const int64_t T = CW_START_S;
    struct cw_pcap w;
    memset(l, 0, sizeof *l);
    cr_assert_eq(cw_pcapng_open(&w, path, false), 0);
    note_block(l, &w, false);
    put_iface(l, &w, 1, 0, -1, 0);            /* 0: EN10MB, no snaplen, microseconds */
    put_iface(l, &w, 101, 40, 9, 0);          /* 1: RAW, snaplen 40, nanoseconds */
    cr_assert_eq(cw_pcapng_block(&w, 4, skip, sizeof skip), 0);        /* name resolution */
    note_block(l, &w, false);
    cw_pcapng_use(&w, 0, CW_EPB);
    put_rec(l, &w, 0xa1, 60, 1, T, 1500, 1000, 60);           /* microseconds: 1.5 -> 1 us */
    cw_pcapng_use(&w, 1, CW_EPB);
    put_rec(l, &w, 0xa2, 60, 12, T, 2345, 2345, 40);          /* ns; cut to the snaplen */
    cw_pcapng_use(&w, 0, CW_PB);
    put_rec(l, &w, 0xa3, 70, 1, T + 1, 0, 0, 70);             /* obsolete Packet Block */
    cw_pcapng_use(&w, 0, CW_SPB);
    put_rec(l, &w, 0xa4, 64, 1, T + 1, 0, 0, 64);             /* no time: the last one's */
    cr_assert_eq(cw_pcapng_block(&w, 0x777, skip, sizeof skip), 0);    /* unknown */
    note_block(l, &w, false);
    cr_assert_eq(cw_pcapng_section(&w, true), 0);             /* big-endian */
    note_block(l, &w, false);
    put_iface(l, &w, 276, 65535, 0x94, 1000);  /* 0: LINUX_SLL2, 2^-20 s, offset 1000 s */
    put_iface(l, &w, 1, 96, 3, 0);             /* 1: EN10MB, snaplen 96, milliseconds */
    cw_pcapng_use(&w, 1, CW_EPB);
    put_rec(l, &w, 0xb1, 100, 1, T + 3, 400000, 0, 96);       /* ms: 0.4 ms -> 0 */
    cw_pcapng_use(&w, 0, CW_EPB);
    put_rec(l, &w, 0xb2, 50, 276, T + 4, 500000000, 500000000, 50);   /* 0.5 s = 2^19 ticks */
    cr_assert_eq(cw_pcapng_section(&w, false), 0);
    note_block(l, &w, false);
    put_iface(l, &w, 0, 0, 6, -3600);          /* NULL, offset -1 h */
    put_rec(l, &w, 0xc1, 44, 0, T + 5, 7000, 7000, 44);
    cr_assert_eq(cw_pcap_close(&w), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static uint8_t buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* ---- reading ------------------------------------------------------------------------------- */

struct got {
    struct rec recs[MAX_RECS];
    int nrecs;
    bool opened;
    int end;                      /* last pcapng_next result: 0 clean end, -1 error */
    bool truncated;
    char msg[256];
};

static void read_mem(const uint8_t *data, size_t len, struct got *g)
{
    memset(g, 0, sizeof *g);
    FILE *fp = len ? fmemopen((void *)data, len, "rb") : fopen("/dev/null", "rb");
    cr_assert_not_null(fp);
    struct pcapng_reader *r = pcapng_open(fp, g->msg, sizeof g->msg);
    g->opened = r != NULL;
    struct pcapng_record pr;
    while (r && (g->end = pcapng_next(r, &pr)) == 1) {
        cr_assert_lt(g->nrecs, MAX_RECS);
        g->recs[g->nrecs++] = (struct rec){.linktype = pr.linktype, .sec = pr.sec,
                                           .nsec = pr.nsec, .caplen = pr.caplen, .len = pr.len,
                                           .first = pr.caplen ? pr.data[0] : 0};
    }
    if (r && g->end < 0)
        snprintf(g->msg, sizeof g->msg, "%s", pcapng_error(r, &g->truncated));
    pcapng_close(r);
    fclose(fp);
}

/* Through capture_open/capture_next, as finscope reads; *used_libpcap: libpcap delivered the
 * first record. */
static void read_source(const char *path, struct got *g, bool *used_libpcap)
{
    memset(g, 0, sizeof *g);
    struct capture_source cs;
    g->opened = capture_open(path, &cs, g->msg, sizeof g->msg) == 0;
    cr_assert(g->opened, "capture_open: %s", g->msg);
    *used_libpcap = cs.pcap != NULL;
    struct capture_record cr;
    while (capture_next(&cs, &cr) == 1) {
        cr_assert_lt(g->nrecs, MAX_RECS);
        g->recs[g->nrecs++] = (struct rec){.linktype = cr.linktype,
                                           .sec = cr.ts_us / 1000000,
                                           .nsec = (uint32_t)(cr.ts_us % 1000000) * 1000 +
                                                   cr.ts_sub_ns,
                                           .caplen = cr.caplen, .len = cr.len,
                                           .first = cr.caplen ? cr.data[0] : 0};
    }
    g->end = cs.stop == CAPTURE_END ? 0 : -1;
    snprintf(g->msg, sizeof g->msg, "%s", cs.stop_msg);
    capture_close(&cs);
}

static void same_records(const struct rec *want, int nwant, const struct got *g)
{
    cr_assert_eq(g->nrecs, nwant, "records: got %d, want %d", g->nrecs, nwant);
    for (int i = 0; i < nwant; i++) {
        const struct rec *a = &g->recs[i], *b = &want[i];
        cr_assert(a->linktype == b->linktype && a->sec == b->sec && a->nsec == b->nsec &&
                  a->caplen == b->caplen && a->len == b->len && a->first == b->first,
                  "record %d: got link %d %lld.%09u caplen %u len %u frame %02x, want link %d "
                  "%lld.%09u caplen %u len %u frame %02x", i + 1, a->linktype,
                  (long long)a->sec, a->nsec, a->caplen, a->len, a->first, b->linktype,
                  (long long)b->sec, b->nsec, b->caplen, b->len, b->first);
    }
}

/* ---- the layout ---------------------------------------------------------------------------- */

static void fix_expectations(struct layout *l)
{
    l->recs[3].sec = l->recs[2].sec;  /* the Simple Packet Block takes the time before it */
    l->recs[3].nsec = l->recs[2].nsec;
}

Test(pcapng, every_record_as_written)
{
    struct layout l;
    write_layout(tmp_path("layout.pcapng"), &l);
    fix_expectations(&l);
    size_t len;
    const uint8_t *data = slurp(tmp_path("layout.pcapng"), &len);
    struct got g;
    read_mem(data, len, &g);
    cr_assert(g.opened, "%s", g.msg);
    cr_assert_eq(g.end, 0, "%s", g.msg);
    same_records(l.recs, l.nrecs, &g);
}

Test(pcapng, capture_source_reads_what_libpcap_refuses)
{
    struct layout l;
    write_layout(tmp_path("layout.pcapng"), &l);
    fix_expectations(&l);
    struct got g;
    bool libpcap;
    read_source(tmp_path("layout.pcapng"), &g, &libpcap);
    cr_assert_eq(g.end, 0, "%s", g.msg);
    same_records(l.recs, l.nrecs, &g);
}

Test(pcapng, cut_at_every_byte)
{
    struct layout l;
    write_layout(tmp_path("layout.pcapng"), &l);
    fix_expectations(&l);
    size_t len;
    const uint8_t *data = slurp(tmp_path("layout.pcapng"), &len);
    cr_assert_eq((long)len, l.ends[l.nblocks - 1]);
    for (size_t cut = 0; cut <= len; cut++) {
        int k = 0;                /* blocks whole before the cut */
        while (k < l.nblocks && l.ends[k] <= (long)cut)
            k++;
        bool boundary = cut == 0 || (k > 0 && l.ends[k - 1] == (long)cut);
        long block_at = k > 0 ? l.ends[k - 1] : 0;
        struct got g;
        read_mem(data, cut, &g);
        if (cut == 0) {           /* nothing at all */
            cr_assert_not(g.opened);
            cr_assert_str_eq(g.msg, "empty input, not a capture");
            continue;
        }
        char want[128];
        snprintf(want, sizeof want, "pcapng data ends inside the block at byte %ld", block_at);
        if (k < 2 && !(k == 1 && boundary)) {   /* the open reads up to the first interface */
            cr_assert_not(g.opened, "cut %zu: opened", cut);
            cr_assert_str_eq(g.msg, want, "cut %zu", cut);
            continue;
        }
        cr_assert(g.opened, "cut %zu: %s", cut, g.msg);
        same_records(l.recs, l.packets_before[k], &g);
        if (boundary) {
            cr_assert_eq(g.end, 0, "cut %zu at a block boundary: %s", cut, g.msg);
        } else {
            cr_assert_eq(g.end, -1, "cut %zu", cut);
            cr_assert(g.truncated, "cut %zu", cut);
            cr_assert_str_eq(g.msg, want, "cut %zu", cut);
        }
    }
}

/* ---- libpcap where it can ------------------------------------------------------------------ */

/* Ethernet on interface 0 (and a second Ethernet one, another snaplen when `snaplens`), then
 * when `mixed` a RAW interface: 3 records on each. */
static void write_two(const char *path, bool mixed, bool snaplens, struct layout *l)
{
    struct cw_pcap w;
    memset(l, 0, sizeof *l);
    cr_assert_eq(cw_pcapng_open(&w, path, false), 0);
    put_iface(l, &w, 1, 65535, -1, 0);
    for (int i = 0; i < 3; i++)
        put_rec(l, &w, (uint8_t)(0x10 + i), 60, 1, CW_START_S + i, 0, 0, 60);
    put_iface(l, &w, mixed ? 101 : 1, snaplens ? 1500 : 65535, -1, 0);
    for (int i = 0; i < 3; i++)
        put_rec(l, &w, (uint8_t)(0x20 + i), 60, mixed ? 12 : 1, CW_START_S + 10 + i, 0, 0, 60);
    cr_assert_eq(cw_pcap_close(&w), 0);
}

Test(pcapng, libpcap_keeps_the_files_it_reads)
{
    struct layout l;
    write_two(tmp_path("one.pcapng"), false, false, &l);
    struct got g;
    bool libpcap;
    read_source(tmp_path("one.pcapng"), &g, &libpcap);
    cr_assert(libpcap, "a file libpcap reads went to finscope's reader");
    cr_assert_eq(g.end, 0, "%s", g.msg);
    same_records(l.recs, l.nrecs, &g);
}

Test(pcapng, hand_over_part_way)
{
    for (int snap = 0; snap < 2; snap++) {
        struct layout l;
        write_two(tmp_path("two.pcapng"), !snap, snap, &l);
        struct capture_source cs;
        char err[256];
        cr_assert_eq(capture_open(tmp_path("two.pcapng"), &cs, err, sizeof err), 0, "%s", err);
        struct capture_record cr;
        for (int i = 0; i < 6; i++) {
            cr_assert_eq(capture_next(&cs, &cr), 1, "record %d: %s", i + 1, cs.stop_msg);
            cr_assert_eq(cs.pcap != NULL, i < 3, "record %d read by the wrong reader", i + 1);
            cr_assert_eq(cr.data[0], l.recs[i].first, "record %d", i + 1);
            cr_assert_eq(cr.linktype, l.recs[i].linktype, "record %d", i + 1);
            cr_assert_eq(cr.ts_us, l.recs[i].sec * 1000000, "record %d", i + 1);
        }
        cr_assert_eq(capture_next(&cs, &cr), 0);
        cr_assert_eq(cs.stop, CAPTURE_END, "%s", cs.stop_msg);
        cr_assert_eq(cs.records, 6);
        capture_close(&cs);
    }
}

/* ---- malformed ----------------------------------------------------------------------------- */

/* A little-endian block of `total` bytes (lengths as given) around `body`. */
static size_t block(uint8_t *out, uint32_t type, uint32_t total, uint32_t trailer,
                    const uint8_t *body, size_t blen)
{
    memcpy(out, &type, 4);
    memcpy(out + 4, &total, 4);
    memcpy(out + 8, body, blen);
    memcpy(out + 8 + blen, &trailer, 4);
    return 12 + blen;
}

struct bad {
    const char *name;
    bool header;                  /* after a section header and an Ethernet interface */
    uint8_t bytes[96];
    size_t len;
    size_t at;                    /* where in `bytes` the bad block starts */
    bool opens;                   /* pcapng_open succeeds (the problem comes after) */
    const char *msg;              /* the message, after "malformed pcapng, block at byte N: " */
};

static void le32_at(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Runs one case: the bytes after a good start (or alone), read to the problem. */
static void expect_bad(struct bad *b)
{
    char path[64];
    snprintf(path, sizeof path, "bad-%s.pcapng", b->name);
    struct cw_pcap w;
    long at = 0;
    if (b->header) {
        cr_assert_eq(cw_pcapng_open(&w, tmp_path(path), false), 0);
        struct cw_iface ifc = {.linktype = 1, .tsresol = -1};
        cr_assert_geq(cw_pcapng_interface(&w, &ifc), 0);
        fflush(w.f);
        at = ftell(w.f);
        cr_assert_eq(cw_pcapng_raw(&w, b->bytes, (uint32_t)b->len), 0);
        cr_assert_eq(cw_pcap_close(&w), 0);
    } else {                      /* not even the section header */
        FILE *f = fopen(tmp_path(path), "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(b->bytes, 1, b->len, f), b->len);
        fclose(f);
    }
    at += (long)b->at;
    size_t len;
    const uint8_t *data = slurp(tmp_path(path), &len);
    struct got g;
    read_mem(data, len, &g);
    char want[256];
    snprintf(want, sizeof want, "malformed pcapng, block at byte %ld: %s", at, b->msg);
    cr_assert_eq(g.opened, b->opens, "%s: opened %d: %s", b->name, g.opened, g.msg);
    cr_assert_str_eq(g.msg, want, "%s", b->name);
    cr_assert_null(strchr(g.msg, '\n'));
    if (b->opens)
        cr_assert_eq(g.end, -1, "%s", b->name);
}

Test(pcapng, every_malformed_block_has_its_message)
{
    uint8_t body[80];
    memset(body, 0, sizeof body);
    struct bad cases[32];
    int n = 0;
#define CASE(nm, hdr, opens_, m) (cases[n] = (struct bad){.name = nm, .header = hdr, \
                                                          .opens = opens_, .msg = m}, &cases[n++])
    struct bad *c;

    c = CASE("short", true, true, "block length 8 is below the minimum of 12");
    c->len = block(c->bytes, 6, 8, 8, body, 0);
    c = CASE("odd", true, true, "block length 30 is not a multiple of 4");
    c->len = block(c->bytes, 6, 30, 30, body, 20);
    c = CASE("huge", true, true, "block length 16777220 is over the limit of 16777216");
    c->len = block(c->bytes, 6, 16777220, 0, body, 20);
    c = CASE("trailer", true, true, "block length 32 at its start, 36 at its end");
    c->len = block(c->bytes, 6, 32, 36, body, 20);
    c = CASE("caplen", true, true, "enhanced packet block captured length 100 runs past the "
                                   "block (4 bytes of data)");
    le32_at(body + 12, 100);
    c->len = block(c->bytes, 6, 36, 36, body, 24);
    memset(body, 0, sizeof body);
    c = CASE("epb_short", true, true, "enhanced packet block of 28 bytes, below the minimum "
                                      "of 32");
    c->len = block(c->bytes, 6, 28, 28, body, 16);
    c = CASE("pb_short", true, true, "packet block of 24 bytes, below the minimum of 32");
    c->len = block(c->bytes, 2, 24, 24, body, 12);
    c = CASE("spb_short", true, true, "simple packet block of 12 bytes, below the minimum of 16");
    c->len = block(c->bytes, 3, 12, 12, body, 0);
    c = CASE("iface", true, true, "enhanced packet block on interface 5, but only 1 interface "
                                  "is described in this section");
    le32_at(body, 5);
    c->len = block(c->bytes, 6, 32, 32, body, 20);
    memset(body, 0, sizeof body);
    c = CASE("idb_short", true, true, "interface description of 16 bytes, below the minimum "
                                      "of 20");
    c->len = block(c->bytes, 1, 16, 16, body, 4);
    c = CASE("option_past", true, true, "interface option 2 of 100 bytes runs past the block");
    body[0] = 1;                  /* EN10MB */
    body[8] = 2; body[10] = 100;  /* option 2 (if_name), 100 bytes */
    c->len = block(c->bytes, 1, 32, 32, body, 20);
    c = CASE("tsresol_len", true, true, "interface option if_tsresol is 2 bytes, not 1");
    body[8] = 9; body[10] = 2;
    c->len = block(c->bytes, 1, 28, 28, body, 16);
    c = CASE("tsoffset_len", true, true, "interface option if_tsoffset is 4 bytes, not 8");
    body[8] = 14; body[10] = 4;
    c->len = block(c->bytes, 1, 28, 28, body, 16);
    c = CASE("tsresol_10", true, true, "interface time resolution 10^-20 does not fit 64 bits");
    body[8] = 9; body[10] = 1; body[12] = 20;
    c->len = block(c->bytes, 1, 28, 28, body, 16);
    c = CASE("tsresol_2", true, true, "interface time resolution 2^-64 does not fit 64 bits");
    body[12] = 0xc0;
    c->len = block(c->bytes, 1, 28, 28, body, 16);
    memset(body, 0, sizeof body);

    /* Section headers: byte-order magic 1a2b3c4d, version 1.0, section length -1. */
    uint8_t shb[16] = {0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
                       0xff, 0xff, 0xff, 0xff};
    c = CASE("magic", true, true, "section header's byte-order magic is 44 33 22 11, not "
                                  "1a 2b 3c 4d in either order");
    memcpy(body, shb, 16);
    le32_at(body, 0x11223344);
    c->len = block(c->bytes, 0x0A0D0D0A, 28, 28, body, 16);
    c = CASE("version", true, true, "section header version 2.0, only 1.x is known");
    memcpy(body, shb, 16);
    body[4] = 2;
    c->len = block(c->bytes, 0x0A0D0D0A, 28, 28, body, 16);
    c = CASE("shb_short", true, true, "section header of 24 bytes, below the minimum of 28");
    memcpy(body, shb, 16);
    c->len = block(c->bytes, 0x0A0D0D0A, 24, 24, body, 12);
    c = CASE("spb_no_iface", true, true, "simple packet block on interface 0, but no interface "
                                         "is described before it");
    memcpy(body, shb, 16);
    size_t k = block(c->bytes, 0x0A0D0D0A, 28, 28, body, 16);
    memset(body, 0, sizeof body);
    c->len = k + block(c->bytes + k, 3, 20, 20, body, 8);
    c->at = k;
    /* Problems found by pcapng_open: it reads up to the first interface. */
    c = CASE("first_not_shb", false, false, "the file does not start with a section header "
                                            "block");
    body[0] = 1;
    c->len = block(c->bytes, 1, 20, 20, body, 8);
    c = CASE("packet_first", false, false, "a packet block comes before any interface "
                                           "description");
    memcpy(body, shb, 16);
    k = block(c->bytes, 0x0A0D0D0A, 28, 28, body, 16);
    memset(body, 0, sizeof body);
    c->len = k + block(c->bytes + k, 6, 32, 32, body, 20);
    c->at = k;
    for (int i = 0; i < n; i++)
        expect_bad(&cases[i]);
}

/* ---- times --------------------------------------------------------------------------------- */

Test(pcapng, times_clamped_to_the_representable)
{
    struct cw_pcap w;
    cr_assert_eq(cw_pcapng_open(&w, tmp_path("far.pcapng"), false), 0);
    struct cw_iface secs = {.linktype = 1, .tsresol = 0, .tsoffset = 0};
    cr_assert_geq(cw_pcapng_interface(&w, &secs), 0);
    /* Raw EPBs: ticks 2^64-1 s (beyond 10^12 s: clamped, no fraction), then 5 s with an
     * offset that makes it negative is not writable here, so: ticks 3 s on an interface whose
     * if_tsoffset is -10 s (clamped to 0). */
    uint8_t body[24] = {0};
    uint8_t blk[36];
    memset(body + 4, 0xff, 8);    /* ts high and low: 2^64-1 */
    body[12] = 4; body[16] = 4;   /* caplen, len */
    block(blk, 6, 36, 36, body, 24);
    cr_assert_eq(cw_pcapng_raw(&w, blk, sizeof blk), 0);
    struct cw_iface back = {.linktype = 1, .tsresol = 0, .tsoffset = -10};
    cr_assert_geq(cw_pcapng_interface(&w, &back), 0);
    memset(body, 0, sizeof body);
    body[0] = 1;                  /* interface 1 */
    body[8] = 3;                  /* ts low: 3 ticks of 1 s */
    body[12] = 4; body[16] = 4;
    block(blk, 6, 36, 36, body, 24);
    cr_assert_eq(cw_pcapng_raw(&w, blk, sizeof blk), 0);
    cr_assert_eq(cw_pcap_close(&w), 0);
    size_t len;
    const uint8_t *data = slurp(tmp_path("far.pcapng"), &len);
    struct got g;
    read_mem(data, len, &g);
    cr_assert_eq(g.end, 0, "%s", g.msg);
    cr_assert_eq(g.nrecs, 2);
    cr_assert_eq(g.recs[0].sec, 1000000000000LL);
    cr_assert_eq(g.recs[0].nsec, 0);
    cr_assert_eq(g.recs[1].sec, 0);
}

Test(pcapng, linktypes_map_to_libpcap_dlts)
{
    cr_assert_eq(pcapng_linktype_to_dlt(101), 12);    /* LINKTYPE_RAW -> DLT_RAW */
    cr_assert_eq(pcapng_linktype_to_dlt(1), 1);
    cr_assert_eq(pcapng_linktype_to_dlt(276), 276);
    cr_assert_eq(pcapng_linktype_to_dlt(100), 11);
}
