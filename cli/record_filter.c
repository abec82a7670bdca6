/*
 * record_filter.c — per-link-type BPF programs for -f (see record_filter.h).
 *
 * The programs live in a small array searched linearly, the last one used first: a run sees
 * one or a handful of link types. A link type the filter cannot be compiled for keeps its
 * entry (usable = false), so its message is built once.
 */
#include "cli/record_filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/errbuf.h"

#define FILTER_SNAPLEN 262144     /* libpcap's largest; the filter sees every captured byte */
#define MAX_LINK_TYPES 64         /* beyond it, programs are compiled again as needed */

struct program {
    int linktype;
    bool usable;
    struct bpf_program code;
    char error[PCAP_ERRBUF_SIZE];
};

struct record_filter {
    char *expr;
    struct program progs[MAX_LINK_TYPES];
    int nprogs;
    int last;                     /* index of the program used last */
};

/* Compiles expr for linktype into p. */
static void compile(const char *expr, int linktype, struct program *p)
{
    *p = (struct program){.linktype = linktype};
    pcap_t *dead = pcap_open_dead(linktype, FILTER_SNAPLEN);
    if (!dead) {
        snprintf(p->error, sizeof p->error, "out of memory");
        return;
    }
    if (pcap_compile(dead, &p->code, expr, 1, PCAP_NETMASK_UNKNOWN) == 0)
        p->usable = true;
    else
        snprintf(p->error, sizeof p->error, "%s", pcap_geterr(dead));
    pcap_close(dead);
}

static void release(struct program *p)
{
    if (p->usable)
        pcap_freecode(&p->code);
    p->usable = false;
}

/* The program for linktype, compiled now if need be. */
static struct program *program_for(struct record_filter *f, int linktype)
{
    if (f->nprogs > 0 && f->progs[f->last].linktype == linktype)
        return &f->progs[f->last];
    for (int i = 0; i < f->nprogs; i++)
        if (f->progs[i].linktype == linktype)
            return &f->progs[f->last = i];
    if (f->nprogs == MAX_LINK_TYPES)  /* a file naming very many link types: reuse a slot */
        release(&f->progs[--f->nprogs]);
    f->last = f->nprogs++;
    compile(f->expr, linktype, &f->progs[f->last]);
    return &f->progs[f->last];
}

struct record_filter *record_filter_new(const char *expr, char *err, size_t errlen)
{
    struct record_filter *f = calloc(1, sizeof *f);
    if (!f || !(f->expr = strdup(expr))) {
        free(f);
        errbuf_set(err, errlen, "out of memory");
        return NULL;
    }
    if (record_filter_prepare(f, DLT_EN10MB, err, errlen) != 0) {
        record_filter_free(f);
        return NULL;
    }
    return f;
}

int record_filter_prepare(struct record_filter *f, int linktype, char *err, size_t errlen)
{
    struct program *p = program_for(f, linktype);
    return p->usable ? 0 : errbuf_set(err, errlen, "%s", p->error);
}

int record_filter_match(struct record_filter *f, const struct capture_record *rec)
{
    struct program *p = program_for(f, rec->linktype);
    if (!p->usable)
        return -1;
    struct pcap_pkthdr h = {.caplen = rec->caplen, .len = rec->len};
    return pcap_offline_filter(&p->code, &h, rec->data) != 0;
}

void record_filter_free(struct record_filter *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nprogs; i++)
        release(&f->progs[i]);
    free(f->expr);
    free(f);
}
