/*
 * kpeer.c — one side of a real-socket TCP teardown scenario, so that tests/kernel/ can record
 * what the Linux kernel itself puts on the wire (ground truth for finscope's verdicts):
 *
 *   kpeer server ADDR PORT SCENARIO [SRCPORT]
 *   kpeer client ADDR PORT SCENARIO [SRCPORT]
 *
 * ADDR is the server's IPv4 or IPv6 address (the server listens on it, the client connects to
 * it). The client binds the fixed source port SRCPORT (SO_REUSEADDR), so that the expectation
 * files can name the port; default 41001 + the scenario's index (42000 for "mixed").
 *
 * Scenarios (the client sends a 64-byte request, the server a 128-byte reply):
 *   graceful_client   client closes after the reply; the server closes on EOF
 *   graceful_server   the server closes after its reply; the client closes on EOF
 *   halfclose_data    client shutdown(SHUT_WR); the server then replies, closes; client closes
 *   halfclose_open    client shutdown(SHUT_WR); the server replies and keeps its socket open
 *   abort_client      client closes with SO_LINGER {1,0} (RST) after the reply
 *   abort_server      the server replies, waits until it is acknowledged, aborts (RST)
 *   unread            the server closes with the request unread in its receive buffer (RST)
 *   refused           the client connects to PORT with no listener (the server side does nothing)
 *   open              request and reply, then both keep the connection open
 *   mixed             200 concurrent connections; connection i (source port SRCPORT + i) runs
 *                     the scenario of index i % 9 in the order above; its "refused" ones go to
 *                     PORT + 1, where nothing listens. The server derives each connection's
 *                     scenario from the peer's source port.
 * Why a RST was sent (docs/teardown.md; single connections only):
 *   after_close       the server closes after its reply (orphaned, FIN_WAIT_2); the client
 *                     reads to EOF, then writes: the orphan answers the new data with a RST
 *   forget            the server replies, waits until it is acknowledged, then destroys its
 *                     socket (SOCK_DESTROY, as `ss -K`; the RST this sends carries the socket's
 *                     mark 0x77, which an nftables rule in the server's namespace drops:
 *                     netns.sh); the client writes 300 ms later: the server's kernel has no
 *                     connection and answers with a RST. The server exits 3 when the kernel
 *                     cannot destroy sockets (no CONFIG_INET_DIAG_DESTROY).
 *   idle              the client writes a second request after 3 s of silence; the server
 *                     holds its side open (a middlebox between them resets: netns.sh)
 *   stream            the server sends 20 chunks of 1000 bytes, each once the last is
 *                     acknowledged and 20 ms have passed; the client reads until reset (a
 *                     forged RST: tests/tools/kinject.c); the server stops when its writes
 *                     fail with ECONNRESET or EPIPE (the client's kernel answering the next
 *                     chunk with a RST)
 *   kpeer can-destroy exits 0 when this kernel can destroy sockets (SOCK_DESTROY), 1 if not
 *
 * Synchronisation is by data only (read the whole request, reply, wait for EOF or for the reply
 * to be acknowledged), so the packets are the same every run. Output on stdout, for the script:
 * the server prints "listening" once it accepts connections; both print "done" when every
 * connection has reached its final state. Connections that must stay open ("open",
 * "halfclose_open") are then held until SIGTERM or SIGINT (at most 120 s); the process exits 0
 * without closing them itself. Exit 1 when a connection did not behave as the scenario says
 * (the reason on stderr), 2 on wrong usage.
 *
 * Before "done", one line per connection says what its socket did and saw, in order, as
 * evidence independent of any capture:  outcome SRCPORT SCENARIO WORD[,WORD...]  with the
 * words closed (this side sent its FIN: close or shutdown), aborted (this side reset: SO_LINGER
 * 0, or close with unread data), eof (read the peer's FIN), reset (ECONNRESET), refused
 * (ECONNREFUSED), no_reset (a reset that never came, KPEER_LOSSY only), held (kept open).
 *
 * Environment, for scenarios run over a lossy path (tests/e2e/t_kernel_pathloss.sh):
 *   KPEER_TIMEOUT_S  seconds a connect, read or wait for acknowledgment may take (default 5);
 *                    the kernels' retransmissions need more than 5 s now and then
 *   KPEER_LOSSY=1    a reset the peer sent may be lost (RSTs are not retransmitted): waiting
 *                    5 s for it in vain is the outcome no_reset, not a failure, and the socket
 *                    is then held (nothing more goes on the wire)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum scenario {
    SC_GRACEFUL_CLIENT,
    SC_GRACEFUL_SERVER,
    SC_HALFCLOSE_DATA,
    SC_HALFCLOSE_OPEN,
    SC_ABORT_CLIENT,
    SC_ABORT_SERVER,
    SC_UNREAD,
    SC_REFUSED,
    SC_OPEN,
    SC_COUNT,    /* number of single scenarios that "mixed" mixes */
    SC_MIXED = SC_COUNT,
    SC_AFTER_CLOSE,
    SC_FORGET,
    SC_IDLE,
    SC_STREAM,
    SC_ALL,      /* number of scenario names */
};

static const char *const SCENARIO_NAMES[] = {
    "graceful_client", "graceful_server", "halfclose_data", "halfclose_open", "abort_client",
    "abort_server",    "unread",          "refused",        "open",           "mixed",
    "after_close",     "forget",          "idle",           "stream",
};

#define REQ_LEN 64
#define REPLY_LEN 128
#define MIXED_CONNS 200
#define IO_TIMEOUT_S 5
#define HOLD_MAX_S 120
#define MIXED_BASE_PORT 42000
#define SINGLE_BASE_PORT 41001
#define RESET_WAIT_S 5       /* a RST comes at once or never: it is not retransmitted */
#define FORGET_MARK 0x77  /* SO_MARK of the socket "forget" destroys (netns.sh drops its RST) */
#define IDLE_GAP_S 3      /* "idle": longer than the router's established timeout (2 s) */
#define STREAM_CHUNKS 20
#define STREAM_CHUNK 1000
#define STREAM_PAUSE_MS 20

/* From the environment (KPEER_TIMEOUT_S, KPEER_LOSSY); set once in main, read by the threads. */
static int io_timeout_s = IO_TIMEOUT_S;
static bool lossy;

/* One connection: its scenario, the source port of its client, and what became of it. */
struct conn {
    enum scenario sc;
    int fd;              /* accepted / connected socket; -1 once closed */
    uint16_t src_port;
    bool hold;           /* the socket is kept open until the process exits */
    char err[160];       /* empty when the connection behaved as its scenario says */
    char seen[64];       /* what the socket did and saw: "eof,closed", ... (outcome line) */
};

static void note(struct conn *c, const char *word)
{
    size_t n = strlen(c->seen);
    snprintf(c->seen + n, sizeof c->seen - n, "%s%s", n ? "," : "", word);
}

/* The parsed command line. */
struct opts {
    bool server;
    struct sockaddr_storage addr; /* server address and PORT */
    socklen_t addr_len;
    enum scenario sc;
    uint16_t src_base;
};

static int parse_scenario(const char *name, enum scenario *out)
{
    for (int i = 0; i < SC_ALL; i++) {
        if (strcmp(name, SCENARIO_NAMES[i]) == 0) {
            *out = (enum scenario)i;
            return 0;
        }
    }
    return -1;
}

static int parse_port(const char *s, uint16_t *out)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!end || *end != '\0' || v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

/* Fills `ss` with ADDR:port (IPv4 or IPv6); returns its length, or 0 when ADDR is invalid. */
static socklen_t make_addr(const char *text, uint16_t port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return sizeof *v4;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return sizeof *v6;
    }
    return 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    if (argc < 5 || argc > 6)
        return -1;
    if (strcmp(argv[1], "server") == 0)
        o->server = true;
    else if (strcmp(argv[1], "client") == 0)
        o->server = false;
    else
        return -1;
    uint16_t port = 0;
    if (parse_port(argv[3], &port) != 0 || parse_scenario(argv[4], &o->sc) != 0)
        return -1;
    o->addr_len = make_addr(argv[2], port, &o->addr);
    if (o->addr_len == 0)
        return -1;
    o->src_base = o->sc == SC_MIXED ? MIXED_BASE_PORT : (uint16_t)(SINGLE_BASE_PORT + o->sc);
    if (argc == 6 && parse_port(argv[5], &o->src_base) != 0)
        return -1;
    return 0;
}

/* ---- small socket helpers (each returns 0 on success, -1 with errno set) --------------------- */

static int set_timeouts(int fd)
{
    struct timeval tv = {.tv_sec = io_timeout_s};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
        return -1;
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int write_all(int fd, char byte, size_t len)
{
    char buf[REPLY_LEN];
    memset(buf, byte, sizeof buf);
    size_t done = 0;
    while (done < len) {
        size_t chunk = len - done < sizeof buf ? len - done : sizeof buf;
        ssize_t n = send(fd, buf, chunk, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* Reads exactly `len` bytes; -1 on error, EOF (errno = 0) or timeout. */
static int read_exact(int fd, size_t len)
{
    char buf[REPLY_LEN];
    size_t got = 0;
    while (got < len) {
        size_t want = len - got < sizeof buf ? len - got : sizeof buf;
        ssize_t n = recv(fd, buf, want, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = 0;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* Reads until EOF or error; returns the byte count, or -1 with errno on error / timeout. */
static ssize_t read_to_end(int fd)
{
    char buf[REPLY_LEN];
    ssize_t total = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return total;
        total += n;
    }
}

/* Closes with SO_LINGER {1, 0}: the kernel sends a RST instead of a FIN. */
static int abort_close(int fd)
{
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    int rc = setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    return rc;
}

/* Waits until everything sent on `fd` is acknowledged (SIOCOUTQ reaches 0), at most 5 s. */
static int wait_acked(int fd)
{
    for (int i = 0; i < io_timeout_s * 1000; i++) {
        int pending = 0;
        if (ioctl(fd, SIOCOUTQ, &pending) != 0)
            return -1;
        if (pending == 0)
            return 0;
        struct timespec ms = {.tv_nsec = 1000000};
        nanosleep(&ms, NULL);
    }
    errno = ETIMEDOUT;
    return -1;
}

/* Waits until data is readable on `fd` (without reading it). */
static int wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, io_timeout_s * 1000);
    if (n == 0)
        errno = ETIMEDOUT;
    return n == 1 ? 0 : -1;
}

static void sleep_ms(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* Until everything sent is acknowledged: 0; the connection was reset: 1 (errno the socket's
 * error); -1 after 5 s. */
static int wait_acked_or_reset(int fd)
{
    for (int i = 0; i < io_timeout_s * 1000; i++) {
        struct pollfd p = {.fd = fd, .events = 0};
        if (poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP))) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            errno = err;
            return 1;
        }
        int pending = 0;
        if (ioctl(fd, SIOCOUTQ, &pending) != 0)
            return -1;
        if (pending == 0)
            return 0;
        sleep_ms(1);
    }
    errno = ETIMEDOUT;
    return -1;
}

/* Sets the address fields of a sock_diag id from a socket address. */
static void diag_addr(const struct sockaddr_storage *ss, __be16 *port, __be32 addr[4])
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
        *port = v4->sin_port;
        memcpy(addr, &v4->sin_addr, 4);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
        *port = v6->sin6_port;
        memcpy(addr, &v6->sin6_addr, 16);
    }
}

/* Destroys the TCP socket fd in the kernel, as `ss -K` does (SOCK_DESTROY, which needs
 * CONFIG_INET_DIAG_DESTROY): a connected one sends a RST and forgets the connection. 0, or -1
 * with errno (EOPNOTSUPP when the kernel cannot). */
static int destroy_socket(int fd)
{
    struct sockaddr_storage me, peer;
    socklen_t ml = sizeof me, pl = sizeof peer;
    memset(&peer, 0, sizeof peer);
    if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0)
        return -1;
    if (getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
        peer.ss_family = me.ss_family;          /* a listener: no peer */
    struct {
        struct nlmsghdr nh;
        struct inet_diag_req_v2 r;
    } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = sizeof req;
    req.nh.nlmsg_type = SOCK_DESTROY;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.r.sdiag_family = (uint8_t)me.ss_family;
    req.r.sdiag_protocol = IPPROTO_TCP;
    req.r.idiag_states = ~0u;
    diag_addr(&me, &req.r.id.idiag_sport, req.r.id.idiag_src);
    diag_addr(&peer, &req.r.id.idiag_dport, req.r.id.idiag_dst);
    req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0)
        return -1;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    char buf[512];
    int rc = -1;
    if (sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) ==
        (ssize_t)sizeof req) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
        if (n >= (ssize_t)(sizeof *h + sizeof(struct nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR) {
            int err = -((const struct nlmsgerr *)NLMSG_DATA(h))->error;
            rc = err ? -1 : 0;
            errno = err;
        } else {
            errno = EPROTO;
        }
    }
    int saved = errno;
    close(nl);
    errno = saved;
    return rc;
}

/* kpeer can-destroy: does this kernel destroy sockets? (Tries a listener on 127.0.0.1.) */
static int can_destroy(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0)
        return 1;
    int rc = destroy_socket(fd) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "kpeer: SOCK_DESTROY: %s\n", strerror(errno));
    close(fd);
    return rc;
}

static void fail(struct conn *c, const char *step)
{
    snprintf(c->err, sizeof c->err, "%s/%u: %s: %s", SCENARIO_NAMES[c->sc],
             (unsigned)c->src_port, step, errno ? strerror(errno) : "unexpected end of stream");
}

/* Expects the peer's RST: a read that fails with ECONNRESET (data before it is accepted).
 * KPEER_LOSSY: a RST lost on the way is waited for RESET_WAIT_S, then the socket is held. */
static void expect_reset(struct conn *c)
{
    struct timeval tv = {.tv_sec = RESET_WAIT_S};
    if (lossy)
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = read_to_end(c->fd);
    if (n < 0 && errno == ECONNRESET) {
        note(c, "reset");
        return;
    }
    if (lossy && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        note(c, "no_reset");
        c->hold = true;
        return;
    }
    if (n >= 0)
        errno = 0;
    fail(c, "expected ECONNRESET");
}

/* ---- server side --------------------------------------------------------------------------- */

/* Closes gracefully after reading the peer's whole stream (its FIN). */
static void server_reply_then_eof(struct conn *c, bool eof_first)
{
    errno = 0;
    if (eof_first ? read_to_end(c->fd) != REQ_LEN : read_exact(c->fd, REQ_LEN) != 0) {
        fail(c, "read request");
        return;
    }
    if (eof_first)
        note(c, "eof");
    if (write_all(c->fd, 'r', REPLY_LEN) != 0) {
        fail(c, "write reply");
        return;
    }
    errno = 0;
    if (!eof_first && read_to_end(c->fd) != 0) {
        fail(c, "read EOF");
        return;
    }
    if (!eof_first)
        note(c, "eof");
}

/* after_close: reply and close (server_thread closes: FIN). forget: reply, wait for its ACK,
 * destroy the socket (its RST, marked, is dropped). idle: reply, hold the connection. */
static void server_reply(struct conn *c)
{
    int mark = FORGET_MARK;
    if (c->sc == SC_FORGET && setsockopt(c->fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        fail(c, "SO_MARK");
        return;
    }
    if (read_exact(c->fd, REQ_LEN) != 0) {
        fail(c, "read request");
        return;
    }
    if (write_all(c->fd, 'r', REPLY_LEN) != 0) {
        fail(c, "write reply");
        return;
    }
    if (c->sc == SC_AFTER_CLOSE)
        return;
    if (wait_acked(c->fd) != 0) {
        fail(c, "wait for ack of reply");
        return;
    }
    if (c->sc == SC_IDLE) {
        c->hold = true;
        return;
    }
    if (destroy_socket(c->fd) != 0)
        fail(c, errno == EOPNOTSUPP ? "SOCK_DESTROY (no CONFIG_INET_DIAG_DESTROY)"
                                    : "SOCK_DESTROY");
}

/* stream: chunks until the client's kernel resets the connection (it no longer has it). */
static void server_stream(struct conn *c)
{
    if (read_exact(c->fd, REQ_LEN) != 0) {
        fail(c, "read request");
        return;
    }
    static const char chunk[STREAM_CHUNK];     /* one send: one segment (MSS 1448) */
    for (int i = 0; i < STREAM_CHUNKS; i++) {
        if (send(c->fd, chunk, sizeof chunk, MSG_NOSIGNAL) != (ssize_t)sizeof chunk) {
            if (errno != ECONNRESET && errno != EPIPE)
                fail(c, "write chunk");
            return;
        }
        int rc = wait_acked_or_reset(c->fd);
        if (rc == 1 && (errno == ECONNRESET || errno == EPIPE))
            return;
        if (rc != 0) {
            fail(c, "wait for ack of chunk");
            return;
        }
        sleep_ms(STREAM_PAUSE_MS);
    }
    errno = 0;
    fail(c, "no reset after the last chunk");
}

static void server_conn(struct conn *c)
{
    switch (c->sc) {
    case SC_GRACEFUL_CLIENT: server_reply_then_eof(c, false); break;
    case SC_HALFCLOSE_DATA:  server_reply_then_eof(c, true); break;
    case SC_HALFCLOSE_OPEN:
        server_reply_then_eof(c, true);
        if (!c->err[0] && wait_acked(c->fd) != 0)
            fail(c, "wait for ack of reply");
        c->hold = true;
        note(c, "held");
        return;
    case SC_GRACEFUL_SERVER:
    case SC_ABORT_CLIENT:
    case SC_ABORT_SERVER:
    case SC_OPEN:
        if (read_exact(c->fd, REQ_LEN) != 0) {
            fail(c, "read request");
            return;
        }
        if (write_all(c->fd, 'r', REPLY_LEN) != 0) {
            fail(c, "write reply");
            return;
        }
        if (c->sc == SC_ABORT_CLIENT) {
            expect_reset(c);
            return;
        }
        if (c->sc == SC_GRACEFUL_SERVER)
            return;
        if (wait_acked(c->fd) != 0) {
            fail(c, "wait for ack of reply");
            return;
        }
        if (c->sc == SC_OPEN) {
            c->hold = true;
            note(c, "held");
        } else {
            abort_close(c->fd);
            c->fd = -1;
            note(c, "aborted");
        }
        return;
    case SC_UNREAD:
        if (wait_readable(c->fd) != 0) {
            fail(c, "wait for request");
            return;
        }
        close(c->fd);  /* with the request unread: the kernel sends a RST (RFC 2525 §2.17) */
        c->fd = -1;
        note(c, "aborted");
        return;
    case SC_AFTER_CLOSE:
    case SC_FORGET:
    case SC_IDLE:
        server_reply(c);
        return;
    case SC_STREAM:
        server_stream(c);
        return;
    default:
        errno = EINVAL;
        fail(c, "no server side");
        return;
    }
}

static void *server_thread(void *arg)
{
    struct conn *c = arg;
    server_conn(c);
    if (!c->hold && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
        note(c, "closed");
    }
    return NULL;
}

/* ---- client side --------------------------------------------------------------------------- */

static int client_connect(struct conn *c, const struct sockaddr_storage *to, socklen_t len)
{
    c->fd = socket(to->ss_family, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    struct sockaddr_storage me;
    memset(&me, 0, sizeof me);
    me.ss_family = to->ss_family;
    set_port(&me, c->src_port);
    if (setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        set_timeouts(c->fd) != 0 || bind(c->fd, (struct sockaddr *)&me, len) != 0)
        return -1;
    return connect(c->fd, (const struct sockaddr *)to, len);
}

/* The peer's RST after its FIN: reads already return EOF, so the reset shows only as the
 * socket's error (EPIPE in CLOSE_WAIT, RFC 9293 3.10.7.4 as Linux's tcp_reset sets it). */
static void expect_reset_after_eof(struct conn *c)
{
    if (wait_acked_or_reset(c->fd) == 1 && (errno == EPIPE || errno == ECONNRESET))
        return;
    if (errno == 0)
        errno = ETIMEDOUT;
    fail(c, "expected a reset after the peer's FIN");
}

/* after_close: the reply to EOF, then another request; forget: the reply, 300 ms, another;
 * idle: the reply, IDLE_GAP_S of silence, another. Each time the answer is a RST. */
static void client_write_again(struct conn *c)
{
    errno = 0;
    if (c->sc == SC_AFTER_CLOSE ? read_to_end(c->fd) != REPLY_LEN
                                : read_exact(c->fd, REPLY_LEN) != 0) {
        fail(c, "read reply");
        return;
    }
    sleep_ms(c->sc == SC_IDLE ? IDLE_GAP_S * 1000 : c->sc == SC_FORGET ? 300 : 0);
    if (write_all(c->fd, 'q', REQ_LEN) != 0) {
        fail(c, "write the second request");
        return;
    }
    if (c->sc == SC_AFTER_CLOSE)
        expect_reset_after_eof(c);
    else
        expect_reset(c);
}

static void client_conn(struct conn *c)
{
    if (write_all(c->fd, 'q', REQ_LEN) != 0) {
        fail(c, "write request");
        return;
    }
    bool half = c->sc == SC_HALFCLOSE_DATA || c->sc == SC_HALFCLOSE_OPEN;
    if (half && shutdown(c->fd, SHUT_WR) != 0) {
        fail(c, "shutdown");
        return;
    }
    if (half)
        note(c, "closed");
    switch (c->sc) {
    case SC_GRACEFUL_SERVER:
    case SC_HALFCLOSE_DATA:
        errno = 0;
        if (read_to_end(c->fd) != REPLY_LEN) {
            fail(c, "read reply to EOF");
            return;
        }
        note(c, "eof");
        return;
    case SC_ABORT_SERVER:
    case SC_UNREAD:
    case SC_STREAM:
        expect_reset(c);
        return;
    case SC_AFTER_CLOSE:
    case SC_FORGET:
    case SC_IDLE:
        client_write_again(c);
        return;
    default:
        break;
    }
    if (read_exact(c->fd, REPLY_LEN) != 0) {
        fail(c, "read reply");
        return;
    }
    if (c->sc == SC_ABORT_CLIENT) {
        abort_close(c->fd);
        c->fd = -1;
        note(c, "aborted");
    }
    c->hold = c->sc == SC_OPEN || c->sc == SC_HALFCLOSE_OPEN;
    if (c->hold)
        note(c, "held");
}

/* Arguments of one client thread. */
struct client_job {
    struct conn *c;
    const struct opts *o;
};

static void *client_thread(void *arg)
{
    struct client_job *j = arg;
    struct conn *c = j->c;
    struct sockaddr_storage to = j->o->addr;
    if (c->sc == SC_REFUSED)
        set_port(&to, (uint16_t)(get_port(&to) + (j->o->sc == SC_MIXED ? 1 : 0)));
    int rc = client_connect(c, &to, j->o->addr_len);
    if (c->sc == SC_REFUSED) {
        if (rc == 0 || errno != ECONNREFUSED) {
            if (rc == 0)
                errno = 0;
            fail(c, "expected ECONNREFUSED");
        } else {
            note(c, "refused");
        }
    } else if (rc != 0) {
        fail(c, "connect");
    } else {
        client_conn(c);
    }
    if (!c->hold && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
        if (c->sc != SC_REFUSED)
            note(c, "closed");
    }
    return NULL;
}

/* ---- both sides ---------------------------------------------------------------------------- */

static enum scenario conn_scenario(const struct opts *o, unsigned i)
{
    return o->sc == SC_MIXED ? (enum scenario)(i % SC_COUNT) : o->sc;
}

static unsigned conn_count(const struct opts *o)
{
    return o->sc == SC_MIXED ? MIXED_CONNS : 1;
}

static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

static int listen_on(const struct opts *o)
{
    int fd = socket(o->addr.ss_family, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (const struct sockaddr *)&o->addr, o->addr_len) != 0 || listen(fd, 512) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Accepts one connection into `c` (scenario from the peer's port for "mixed"). */
static int accept_one(const struct opts *o, int lfd, struct conn *c)
{
    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    int fd = accept(lfd, (struct sockaddr *)&peer, &plen);
    if (fd < 0 || set_timeouts(fd) != 0)
        return -1;
    c->fd = fd;
    c->src_port = get_port(&peer);
    unsigned idx = (unsigned)(c->src_port - o->src_base);
    if (o->sc == SC_MIXED && (c->src_port < o->src_base || idx >= MIXED_CONNS)) {
        errno = EPROTO;
        return -1;
    }
    c->sc = conn_scenario(o, idx);
    return 0;
}

/* Server: accepts every connection the scenario makes and runs each in its own thread. */
static int run_server(const struct opts *o, struct conn *conns, pthread_t *threads, unsigned *n)
{
    unsigned expected = 0;
    for (unsigned i = 0; i < conn_count(o); i++)
        expected += conn_scenario(o, i) != SC_REFUSED;
    int lfd = expected ? listen_on(o) : -2;
    if (lfd == -1) {
        perror("kpeer server: listen");
        return -1;
    }
    printf("listening\n");
    fflush(stdout);
    for (*n = 0; *n < expected; (*n)++) {
        struct conn *c = &conns[*n];
        if (accept_one(o, lfd, c) != 0 || start_thread(&threads[*n], server_thread, c) != 0) {
            perror("kpeer server: accept");
            break;
        }
    }
    if (lfd >= 0)
        close(lfd);
    return *n == expected ? 0 : -1;
}

/* Client: starts every connection at once, each in its own thread. */
static int run_client(const struct opts *o, struct conn *conns, pthread_t *threads,
                      struct client_job *jobs, unsigned *n)
{
    for (*n = 0; *n < conn_count(o); (*n)++) {
        conns[*n] = (struct conn){.sc = conn_scenario(o, *n), .fd = -1,
                                  .src_port = (uint16_t)(o->src_base + *n)};
        jobs[*n] = (struct client_job){.c = &conns[*n], .o = o};
        if (start_thread(&threads[*n], client_thread, &jobs[*n]) != 0) {
            perror("kpeer client: thread");
            return -1;
        }
    }
    return 0;
}

/* Joins the threads; prints each failed connection; returns the number held open or -1. */
static int finish(struct conn *conns, pthread_t *threads, unsigned n)
{
    int held = 0, bad = 0;
    for (unsigned i = 0; i < n; i++) {
        pthread_join(threads[i], NULL);
        if (conns[i].err[0]) {
            fprintf(stderr, "kpeer: %s\n", conns[i].err);
            bad++;
        }
        held += conns[i].hold;
        printf("outcome %u %s %s\n", (unsigned)conns[i].src_port, SCENARIO_NAMES[conns[i].sc],
               conns[i].seen[0] ? conns[i].seen : "-");
    }
    return bad ? -1 : held;
}

/* Waits for SIGTERM or SIGINT (blocked since start), at most HOLD_MAX_S seconds. */
static void hold_until_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    struct timespec limit = {.tv_sec = HOLD_MAX_S};
    sigtimedwait(&set, NULL, &limit);
}

int main(int argc, char **argv)
{
    static struct conn conns[MIXED_CONNS];
    static pthread_t threads[MIXED_CONNS];
    static struct client_job jobs[MIXED_CONNS];
    struct opts o;
    memset(&o, 0, sizeof o);
    if (argc == 2 && strcmp(argv[1], "can-destroy") == 0)
        return can_destroy();
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: kpeer server|client ADDR PORT SCENARIO [SRCPORT]\n"
                        "       kpeer can-destroy\n"
                        "scenarios: graceful_client graceful_server halfclose_data "
                        "halfclose_open abort_client abort_server unread refused open mixed "
                        "after_close forget idle stream\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by the threads; taken by sigtimedwait */
    const char *t = getenv("KPEER_TIMEOUT_S");
    if (t && atoi(t) > 0)
        io_timeout_s = atoi(t);
    lossy = getenv("KPEER_LOSSY") && strcmp(getenv("KPEER_LOSSY"), "1") == 0;
    alarm(HOLD_MAX_S + 30);                 /* a safety net against a scenario that hangs */
    unsigned n = 0;
    int rc = o.server ? run_server(&o, conns, threads, &n)
                      : run_client(&o, conns, threads, jobs, &n);
    int held = finish(conns, threads, n);
    if (rc != 0 || held < 0)
        return 1;
    printf("done\n");
    fflush(stdout);
    if (held > 0)
        hold_until_signal();
    return 0;
}
