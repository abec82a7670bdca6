/*
 * mkmerge.c — writes the captures of the several-files tests (tests/e2e/t_merge.sh),
 * deterministic byte for byte. Every packet of a set is stamped from one clock shared by the
 * set's files (1 ms a packet, from 2026-01-01T00:00:00Z unless said), so the time order across
 * the files is the order the packets are written here, with no two at the same time.
 *
 *   mkmerge taps OUTDIR      taps-a.pcap (Ethernet) and taps-b.pcap (Linux cooked, SLL2):
 *                            two captures taken side by side, overlapping in time:
 *     41001  10.0.1.1 -> 10.0.9.9:443 on tap a: handshake, request, response, client closes:
 *            graceful, closer originator
 *     42001  10.0.2.1 -> 10.0.9.9:80 on tap b: handshake, request, the server resets:
 *            rst_responder
 *     41002  10.0.1.2 -> 10.0.9.9:443 split between the taps (asymmetric routing): the
 *            client's segments on tap a, the server's on tap b; graceful, closer originator
 *     5353   10.0.1.1 -> 10.0.9.9:53 UDP: the query on tap a, the answer on tap b (one flow)
 *     41003  10.0.1.3 -> 10.0.9.9:80 on tap a: graceful; 2 s later the same ports again on
 *            tap b, with a new ISN, refused by RST+ACK: a second flow, rejected
 *   mkmerge years OUTDIR     years-a.pcap (2019-06-01) and years-b.pcap (2026-01-01): two
 *                            captures taken years apart on the same hosts and ports:
 *     41001  10.0.1.1 -> 10.0.9.9:443: 2019 graceful; 2026 reset by the client (rst_originator)
 *     41002  10.0.1.2 -> 10.0.9.9:80:  2019 rejected; 2026 graceful, closer responder
 *   mkmerge rotated OUTDIR N rot-000.pcap ... one file per second of a capture rotated
 *                            every second (tcpdump -G 1): file i holds connection 43000 + i
 *                            (10.0.3.1 -> 10.0.9.9:80, graceful, closer originator) and one
 *                            keep-alive exchange of a connection opened in file 0 and closed
 *                            in file N-1 (10.0.3.2:44000 -> 10.0.9.9:22): N + 1 flows, all
 *                            graceful
 *
 * Expected results are the ones above, derived from docs/teardown.md (§3, §4, §6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/capwriter.h"

#define PA (TCP_PSH | TCP_ACK)
#define SECOND 1000000000LL       /* ns */
#define YEAR_2019_S 1559347200LL  /* 2019-06-01T00:00:00Z */

static const char REQ[] = "GET / HTTP/1.1\r\nHost: merge.test\r\n\r\n";
static const char RSP[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* The files of one set and their shared clock. */
struct set {
    struct cw_pcap w[2];
    int64_t now_ns;
};

/* Runs conversation step STEP with its packets written to file T of set S, at the shared clock
 * (which then goes on from where the step left it). */
#define ON(s, t, c, step)                                                                   \
    do {                                                                                    \
        (c)->w = &(s)->w[t];                                                                \
        (s)->w[t].now_ns = (s)->now_ns;                                                     \
        step;                                                                               \
        (s)->now_ns = (s)->w[t].now_ns;                                                     \
    } while (0)

static int open_file(struct cw_pcap *w, const char *dir, const char *name, int linktype)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cw_pcap_open(w, path, linktype, false) != 0) {
        fprintf(stderr, "mkmerge: cannot create %s\n", path);
        return -1;
    }
    return 0;
}

static int close_file(struct cw_pcap *w)
{
    if (cw_pcap_close(w) != 0) {
        fprintf(stderr, "mkmerge: writing failed (error %d)\n", w->err);
        return -1;
    }
    return 0;
}

/* ---- two taps side by side ------------------------------------------------------------------- */

static void taps(struct set *s)
{
    enum { A = 0, B = 1 };
    struct conv c1, c2, c3, c4, u;
    conv_init(&c1, &s->w[A], "10.0.1.1", 41001, "10.0.9.9", 443);
    conv_init(&c2, &s->w[B], "10.0.2.1", 42001, "10.0.9.9", 80);
    conv_init(&c3, &s->w[A], "10.0.1.2", 41002, "10.0.9.9", 443);
    conv_init(&u, &s->w[A], "10.0.1.1", 5353, "10.0.9.9", 53);
    ON(s, A, &c1, conv_syn(&c1));
    ON(s, B, &c2, conv_syn(&c2));
    ON(s, A, &c3, conv_syn(&c3));
    ON(s, A, &c1, conv_synack(&c1));
    ON(s, B, &c3, conv_synack(&c3));
    ON(s, B, &c2, conv_synack(&c2));
    ON(s, A, &c1, conv_ack(&c1, ORIG));
    ON(s, A, &c3, conv_ack(&c3, ORIG));
    ON(s, B, &c2, conv_ack(&c2, ORIG));
    ON(s, A, &u, conv_udp(&u, ORIG, "query", 5));
    ON(s, B, &u, conv_udp(&u, RESP, "answer", 6));
    ON(s, A, &c1, conv_send(&c1, ORIG, PA, REQ));
    ON(s, A, &c3, conv_send(&c3, ORIG, PA, REQ));
    ON(s, B, &c2, conv_send(&c2, ORIG, PA, REQ));
    ON(s, A, &c1, conv_send(&c1, RESP, PA, RSP));
    ON(s, B, &c3, conv_send(&c3, RESP, PA, RSP));
    ON(s, B, &c2, conv_rst(&c2, RESP, TCP_ACK));
    ON(s, A, &c3, conv_ack(&c3, ORIG));
    ON(s, A, &c1, conv_close4(&c1, ORIG));
    ON(s, A, &c3, conv_fin(&c3, ORIG));
    ON(s, B, &c3, conv_ack(&c3, RESP));
    ON(s, B, &c3, conv_fin(&c3, RESP));
    ON(s, A, &c3, conv_ack(&c3, ORIG));
    conv_init(&c4, &s->w[A], "10.0.1.3", 41003, "10.0.9.9", 80);
    ON(s, A, &c4, conv_handshake(&c4));
    ON(s, A, &c4, conv_close4(&c4, ORIG));
    s->now_ns += 2 * SECOND;
    conv_init(&c4, &s->w[B], "10.0.1.3", 41003, "10.0.9.9", 80);   /* the port again */
    conv_isn(&c4, 90000, 95000);
    ON(s, B, &c4, conv_syn(&c4));
    ON(s, B, &c4, conv_raw(&c4, RESP, TCP_RST | TCP_ACK, 0, 90001, NULL, 0));
}

/* ---- two captures years apart ---------------------------------------------------------------- */

static void years_one(struct set *s, int t, bool later)
{
    struct conv a, b;
    conv_init(&a, &s->w[t], "10.0.1.1", 41001, "10.0.9.9", 443);
    conv_init(&b, &s->w[t], "10.0.1.2", 41002, "10.0.9.9", 80);
    if (later) {
        conv_isn(&a, 7000, 8000);
        conv_isn(&b, 7100, 8100);
    }
    ON(s, t, &a, conv_handshake(&a));
    ON(s, t, &b, conv_syn(&b));
    if (!later) {
        ON(s, t, &b, conv_raw(&b, RESP, TCP_RST | TCP_ACK, 0, 1001, NULL, 0));
    } else {
        ON(s, t, &b, conv_synack(&b));
        ON(s, t, &b, conv_ack(&b, ORIG));
    }
    ON(s, t, &a, conv_send(&a, ORIG, PA, REQ));
    ON(s, t, &a, conv_send(&a, RESP, PA, RSP));
    if (!later) {
        ON(s, t, &a, conv_close4(&a, ORIG));
        return;
    }
    ON(s, t, &a, conv_rst(&a, ORIG, TCP_ACK));
    ON(s, t, &b, conv_close4(&b, RESP));
}

static void years(struct set *s)
{
    s->now_ns = YEAR_2019_S * SECOND;
    years_one(s, 0, false);
    s->now_ns = CW_START_S * SECOND;
    years_one(s, 1, true);
}

/* ---- rotated files --------------------------------------------------------------------------- */

static int rotated(const char *dir, int n)
{
    struct conv ka;
    struct cw_pcap w;
    int64_t now = CW_START_S * SECOND;
    char name[32];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "rot-%03d.pcap", i);
        if (open_file(&w, dir, name, CW_LINK_EN10MB) != 0)
            return -1;
        struct set s = {.w = {w}, .now_ns = now + (int64_t)i * SECOND};
        struct conv c;
        conv_init(&c, &s.w[0], "10.0.3.1", (uint16_t)(43000 + i), "10.0.9.9", 80);
        ON(&s, 0, &c, conv_handshake(&c));
        ON(&s, 0, &c, conv_close4(&c, ORIG));
        if (i == 0) {
            conv_init(&ka, &s.w[0], "10.0.3.2", 44000, "10.0.9.9", 22);
            ON(&s, 0, &ka, conv_handshake(&ka));
        }
        ON(&s, 0, &ka, conv_send(&ka, ORIG, PA, "k"));
        ON(&s, 0, &ka, conv_ack(&ka, RESP));
        if (i == n - 1)
            ON(&s, 0, &ka, conv_close4(&ka, ORIG));
        if (close_file(&s.w[0]) != 0)
            return -1;
    }
    return 0;
}

static int write_set(const char *dir, const char *a, int la, const char *b, int lb,
                     void (*build)(struct set *))
{
    struct set s = {.now_ns = CW_START_S * SECOND};
    if (open_file(&s.w[0], dir, a, la) != 0 || open_file(&s.w[1], dir, b, lb) != 0)
        return -1;
    build(&s);
    return close_file(&s.w[0]) == 0 && close_file(&s.w[1]) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "taps") == 0)
        return write_set(argv[2], "taps-a.pcap", CW_LINK_EN10MB, "taps-b.pcap",
                         CW_LINK_LINUX_SLL2, taps) ? 1 : 0;
    if (argc == 3 && strcmp(argv[1], "years") == 0)
        return write_set(argv[2], "years-a.pcap", CW_LINK_EN10MB, "years-b.pcap",
                         CW_LINK_EN10MB, years) ? 1 : 0;
    if (argc == 4 && strcmp(argv[1], "rotated") == 0 && atoi(argv[3]) > 0)
        return rotated(argv[2], atoi(argv[3])) ? 1 : 0;
    fprintf(stderr, "usage: mkmerge taps|years OUTDIR | mkmerge rotated OUTDIR N\n");
    return 2;
}
