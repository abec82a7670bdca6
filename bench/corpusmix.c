/*
 * corpusmix.c — the benchmark's real-traffic capture: public captures merged on one timeline.
 *
 *   corpusmix OUT.pcap [--copies K] [--hours H] [--max-file-span S] DIR...
 *
 * Reads every Ethernet capture (pcap or pcapng that libpcap opens) found under the DIRs, in
 * sorted path order, and writes one classic Ethernet pcap in which:
 *   - each file keeps its own packets and their relative timing, made monotonic (a record
 *     earlier than the one before it takes that one's time) and squeezed, when the file spans
 *     more than S seconds (default 3600), linearly into S seconds;
 *   - the files of one copy start at offsets spread evenly over that copy's window of H / K
 *     hours (default 24 h and 10 copies), so they overlap as the traffic of many hosts does;
 *   - K copies follow one another, so the same connections recur hours apart: by then the
 *     earlier ones have idled out and the later ones are new flows, as on a real link;
 *   - the whole file is in time order (records merged by time, ties in file order).
 * Capture files the project did not make stay out of the repository: this runs over
 * ../shared/corpus when make bench does, and the result lives in bench/work/.
 *
 * Prints key=value lines (files, skipped files, packets per copy, packets, span) and exits 0;
 * a message on stderr and 1 on failure, 2 on a usage error.
 */
#include <ftw.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_COPIES 10
#define DEFAULT_HOURS 24.0
#define DEFAULT_MAX_SPAN_S 3600.0

/* One record kept in memory: its time relative to its file's first record. */
struct rec {
    int64_t rel_us;
    uint32_t file;                /* index into files */
    uint32_t caplen, wirelen;
    const uint8_t *bytes;         /* owned by the arena */
};

struct paths { char **v; size_t n, cap; };

struct mix {
    struct paths files;           /* every candidate path, then only the Ethernet ones kept */
    struct rec *recs;
    size_t nrecs, cap;
    uint32_t nkept, nskipped;
    int64_t *span_us;             /* per kept file */
};

static struct paths *walk_paths;  /* nftw's callback has no context argument */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int collect(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (type != FTW_F || !(has_suffix(path, ".pcap") || has_suffix(path, ".pcapng") ||
                           has_suffix(path, ".cap") || has_suffix(path, ".trace")))
        return 0;
    struct paths *p = walk_paths;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        char **v = realloc(p->v, p->cap * sizeof *v);
        if (!v)
            return -1;
        p->v = v;
    }
    return (p->v[p->n++] = strdup(path)) ? 0 : -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_rec(struct mix *m, const struct rec *r)
{
    if (m->nrecs == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 65536;
        struct rec *v = realloc(m->recs, m->cap * sizeof *v);
        if (!v)
            return -1;
        m->recs = v;
    }
    m->recs[m->nrecs++] = *r;
    return 0;
}

static int64_t ts_us(const struct pcap_pkthdr *h)
{
    return (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
}

/* Loads one file's records (Ethernet only); returns 1 when kept, 0 skipped, -1 out of memory. */
static int load_file(struct mix *m, const char *path, uint32_t file)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc)
        return 0;
    if (pcap_datalink(pc) != DLT_EN10MB) {
        pcap_close(pc);
        return 0;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t first = 0, last = 0;
    size_t before = m->nrecs;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        int64_t t = ts_us(h);
        if (m->nrecs == before)
            first = last = t;
        if (t < last)
            t = last;             /* monotonic within the file */
        last = t;
        uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
        if (!copy) {
            pcap_close(pc);
            return -1;
        }
        memcpy(copy, data, h->caplen);
        struct rec r = {.rel_us = t - first, .file = file, .caplen = h->caplen,
                        .wirelen = h->len, .bytes = copy};
        if (add_rec(m, &r) != 0) {
            free(copy);
            pcap_close(pc);
            return -1;
        }
    }
    pcap_close(pc);
    m->span_us[file] = last - first;
    return m->nrecs > before;
}

/* Output time of record r in copy k. */
static int64_t out_time(const struct mix *m, const struct rec *r, int k, int copies,
                        double hours, double max_span_s, int64_t start_us)
{
    int64_t window_us = (int64_t)(hours * 3600e6 / copies);
    int64_t max_span_us = (int64_t)(max_span_s * 1e6);
    int64_t span = m->span_us[r->file];
    int64_t rel = span > max_span_us ? (int64_t)((double)r->rel_us * max_span_us / span)
                                     : r->rel_us;
    int64_t room = window_us - (span < max_span_us ? span : max_span_us);
    int64_t offset = room > 0 ? room / m->nkept * r->file : 0;
    return start_us + (int64_t)k * window_us + offset + rel;
}

struct timed { int64_t t; size_t i; };

static int by_time(const void *a, const void *b)
{
    const struct timed *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int write_copy(const struct mix *m, pcap_dumper_t *d, struct timed *order, int k,
                      int copies, double hours, double max_span_s)
{
    const int64_t start_us = 1767225600LL * 1000000;   /* 2026-01-01T00:00:00Z */
    for (size_t i = 0; i < m->nrecs; i++)
        order[i] = (struct timed){out_time(m, &m->recs[i], k, copies, hours, max_span_s,
                                           start_us), i};
    qsort(order, m->nrecs, sizeof *order, by_time);
    for (size_t i = 0; i < m->nrecs; i++) {
        const struct rec *r = &m->recs[order[i].i];
        struct pcap_pkthdr h = {.caplen = r->caplen, .len = r->wirelen};
        h.ts.tv_sec = order[i].t / 1000000;
        h.ts.tv_usec = order[i].t % 1000000;
        pcap_dump((u_char *)d, &h, r->bytes);
    }
    return 0;
}

static int usage(const char *why)
{
    fprintf(stderr, "corpusmix: %s\nusage: corpusmix OUT.pcap [--copies K] [--hours H] "
            "[--max-file-span S] DIR...\n", why);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage("an output file and at least one directory are needed");
    const char *out = argv[1];
    int copies = DEFAULT_COPIES;
    double hours = DEFAULT_HOURS, max_span_s = DEFAULT_MAX_SPAN_S;
    struct mix m = {0};
    walk_paths = &m.files;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--copies") == 0 && i + 1 < argc)
            copies = atoi(argv[++i]);
        else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc)
            hours = atof(argv[++i]);
        else if (strcmp(argv[i], "--max-file-span") == 0 && i + 1 < argc)
            max_span_s = atof(argv[++i]);
        else if (argv[i][0] == '-')
            return usage("unknown option");
        else if (nftw(argv[i], collect, 16, FTW_PHYS) != 0)
            return fprintf(stderr, "corpusmix: cannot read %s\n", argv[i]), 1;
    }
    if (copies < 1 || hours <= 0 || max_span_s <= 0)
        return usage("--copies, --hours and --max-file-span must be positive");
    qsort(m.files.v, m.files.n, sizeof *m.files.v, by_name);
    m.span_us = calloc(m.files.n ? m.files.n : 1, sizeof *m.span_us);
    if (!m.span_us)
        return fprintf(stderr, "corpusmix: out of memory\n"), 1;
    for (size_t i = 0; i < m.files.n; i++) {
        int rc = load_file(&m, m.files.v[i], m.nkept);
        if (rc < 0)
            return fprintf(stderr, "corpusmix: out of memory\n"), 1;
        if (rc)
            m.nkept++;
        else
            m.nskipped++;
    }
    if (m.nrecs == 0)
        return fprintf(stderr, "corpusmix: no Ethernet capture found\n"), 1;
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
    pcap_dumper_t *d = dead ? pcap_dump_open(dead, out) : NULL;
    struct timed *order = malloc(m.nrecs * sizeof *order);
    if (!d || !order)
        return fprintf(stderr, "corpusmix: cannot write %s\n", out), 1;
    for (int k = 0; k < copies; k++)
        write_copy(&m, d, order, k, copies, hours, max_span_s);
    if (pcap_dump_flush(d) != 0)
        return fprintf(stderr, "corpusmix: cannot write %s\n", out), 1;
    pcap_dump_close(d);
    pcap_close(dead);
    printf("files=%u\nskipped_files=%u\npackets_per_copy=%zu\ncopies=%d\npackets=%zu\n"
           "hours=%.1f\n", m.nkept, m.nskipped, m.nrecs, copies, m.nrecs * (size_t)copies,
           hours);
    return 0;
}
