/*
 * export.c — `finscope export`: every flow of a run, for other tools (report_export).
 *
 *   zeek   a conn.log in Zeek's ASCII format (TSV with its # header lines), so zeek-cut and
 *          other Zeek tooling read finscope's results: conn_state and history as Zeek writes
 *          them, uid "F" + the flow id in base 62
 *   jsonl  one JSON object per flow: every flows column (the anomaly count as
 *          "anomaly_count"), its uid, an "anomalies" array of its anomaly rows and an "rsts"
 *          array of its RST segments (why each was sent, by whom, the evidence)
 *   csv    a header and one row per flow: every flows column, uid, and anomaly_kinds (the
 *          kinds of its anomalies, space-separated); RFC 4180 quoting, CRLF line ends
 *
 * report_jsonl_flow writes one flow's jsonl line the same way, for `finscope live --jsonl`,
 * which streams each flow as it is stored (cli/rotate_sink.c).
 */
#include "report/report.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/array.h"
#include "report/errmsg.h"
#include "report/json.h"
#include "report/table.h"

/* ---- values shared by the formats ----------------------------------------------------------- */

/* "F" + the id in base 62 (digits, then A-Z, then a-z). */
static const char *flow_uid(int64_t id, char *buf, size_t len)
{
    static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char rev[16];
    size_t n = 0;
    uint64_t v = (uint64_t)id;
    do {
        rev[n++] = digits[v % 62];
        v /= 62;
    } while (v && n < sizeof rev);
    size_t o = 0;
    if (len < 2)
        return "";
    buf[o++] = 'F';
    while (n > 0 && o + 1 < len)
        buf[o++] = rev[--n];
    buf[o] = '\0';
    return buf;
}

/* A column's value as text: integers in decimal, REALs (times, durations) with 6 decimals;
 * NULL gives NULL. */
static const char *value_text(const struct read_flow *f, enum read_flow_column c, char *buf,
                              size_t len)
{
    switch (f->v[c].type) {
    case RT_INT: snprintf(buf, len, "%" PRId64, f->v[c].i); return buf;
    case RT_REAL:
        if (!isfinite(f->v[c].r))
            return NULL;
        snprintf(buf, len, "%.6f", f->v[c].r);
        return buf;
    case RT_TEXT: return rf_text(f, c);
    default: return NULL;
    }
}

/* ---- zeek ------------------------------------------------------------------------------------ */

static const char ZEEK_FIELDS[] =
    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\t"
    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\t"
    "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents";
static const char ZEEK_TYPES[] =
    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t"
    "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]";

/* Zeek's analyzer names for nDPI protocols (the part before a '.', e.g. TLS of TLS.Google). */
static const struct { const char *ndpi, *zeek; } SERVICES[] = {
    {"HTTP", "http"}, {"HTTP_Proxy", "http"}, {"HTTP_Connect", "http"}, {"TLS", "ssl"},
    {"DTLS", "dtls"}, {"DNS", "dns"}, {"MDNS", "dns"}, {"LLMNR", "dns"}, {"SSH", "ssh"},
    {"SMTP", "smtp"}, {"SMTPS", "ssl"}, {"IMAPS", "ssl"}, {"POP3S", "ssl"}, {"FTP_CONTROL", "ftp"},
    {"FTP_DATA", "ftp-data"}, {"IRC", "irc"}, {"POP3", "pop3"}, {"IMAP", "imap"},
    {"SNMP", "snmp"}, {"NTP", "ntp"}, {"DHCP", "dhcp"}, {"DHCPV6", "dhcp"},
    {"Kerberos", "krb"}, {"LDAP", "ldap"}, {"MySQL", "mysql"}, {"RDP", "rdp"}, {"SIP", "sip"},
    {"SMBv1", "smb"}, {"SMBv23", "smb"}, {"SOCKS", "socks"}, {"Syslog", "syslog"},
    {"Radius", "radius"}, {"DCE_RPC", "dce_rpc"}, {"QUIC", "quic"}, {"MQTT", "mqtt"},
    {"Modbus", "modbus"}, {"DNP3", "dnp3"}, {"XMPP", "xmpp"}, {"Telnet", "telnet"},
    {"PostgreSQL", "postgresql"}, {"Redis", "redis"}, {"OpenVPN", "openvpn"},
    {"WireGuard", "wireguard"}, {"BitTorrent", "bittorrent"}, {"NetBIOS", "netbios"},
};

/* service: Zeek's name when there is one, else nDPI's in lower case; NULL when unknown. */
static const char *zeek_service(const char *app, char *buf, size_t len)
{
    if (!app || !*app || strcmp(app, "Unknown") == 0)
        return NULL;
    size_t master = strcspn(app, ".");
    for (size_t i = 0; i < sizeof SERVICES / sizeof *SERVICES; i++)
        if (strlen(SERVICES[i].ndpi) == master && strncmp(SERVICES[i].ndpi, app, master) == 0)
            return SERVICES[i].zeek;
    size_t n = 0;
    for (; app[n] && app[n] != '.' && n + 1 < len; n++)
        buf[n] = (char)tolower((unsigned char)app[n]);
    buf[n] = '\0';
    return buf;
}

static const char *zeek_proto(const char *proto)
{
    if (!proto)
        return "unknown_transport";
    if (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0 || strcmp(proto, "icmp") == 0)
        return proto;
    if (strcmp(proto, "icmp6") == 0)
        return "icmp";            /* Zeek logs ICMPv6 as icmp */
    return "unknown_transport";
}

/* A string field: "-" when unset, "(empty)" when empty, else escaped as Zeek does
 * (tabs, backslashes and non-printable bytes as \xHH). */
static void zeek_string(FILE *out, const char *s)
{
    if (!s) {
        fputc('-', out);
        return;
    }
    if (!*s) {
        fputs("(empty)", out);
        return;
    }
    if (strcmp(s, "-") == 0 || strcmp(s, "(empty)") == 0) {
        fprintf(out, "\\x%02x%s", (unsigned char)s[0], s + 1);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '\\')
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

/* A set of at most one element: "-" when unset, else the element as zeek_string writes it
 * (a tunnel's text never holds the set separator ','). */
static void zeek_set_of_one(FILE *out, const char *s)
{
    if (!s || !*s)
        fputc('-', out);
    else
        zeek_string(out, s);
}

static void zeek_count(FILE *out, const struct read_flow *f, enum read_flow_column c)
{
    if (rf_null(f, c))
        fputc('-', out);
    else
        fprintf(out, "%" PRId64, rf_int(f, c));
}

/* Zeek's missed_bytes: bytes in content gaps, i.e. flows.gap_bytes (0 for UDP and others,
 * as Zeek writes). */
static void zeek_missed_bytes(FILE *out, const struct read_flow *f)
{
    fprintf(out, "%" PRId64, rf_null(f, RF_gap_bytes) ? 0 : rf_int(f, RF_gap_bytes));
}

static void zeek_row(FILE *out, const struct read_flow *f)
{
    char uid[24], svc[48];
    bool timed = rf_real(f, RF_duration) > 0;   /* Zeek: duration and sizes only when > 0 */
    fprintf(out, "%.6f\t%s\t", rf_real(f, RF_first_ts), flow_uid(rf_int(f, RF_id), uid,
            sizeof uid));
    zeek_string(out, rf_text(f, RF_orig_addr));
    fprintf(out, "\t%" PRId64 "\t", rf_int(f, RF_orig_port));
    zeek_string(out, rf_text(f, RF_resp_addr));
    fprintf(out, "\t%" PRId64 "\t%s\t", rf_int(f, RF_resp_port),
            zeek_proto(rf_text(f, RF_proto)));
    zeek_string(out, zeek_service(rf_text(f, RF_app_proto), svc, sizeof svc));
    if (timed)
        fprintf(out, "\t%.6f\t%" PRId64 "\t%" PRId64 "\t", rf_real(f, RF_duration),
                rf_int(f, RF_orig_bytes), rf_int(f, RF_resp_bytes));
    else
        fputs("\t-\t-\t-\t", out);
    zeek_string(out, rf_text(f, RF_conn_state));
    fputs("\t-\t-\t", out);                        /* local_orig local_resp */
    zeek_missed_bytes(out, f);
    fputc('\t', out);
    zeek_string(out, rf_text(f, RF_history));
    fputc('\t', out);
    zeek_count(out, f, RF_orig_pkts);
    fputc('\t', out);
    zeek_count(out, f, RF_orig_ip_bytes);
    fputc('\t', out);
    zeek_count(out, f, RF_resp_pkts);
    fputc('\t', out);
    zeek_count(out, f, RF_resp_ip_bytes);
    fputc('\t', out);
    zeek_set_of_one(out, rf_text(f, RF_tunnel));    /* tunnel_parents */
    fputc('\n', out);
}

/* Zeek's #open/#close time format, in UTC. */
static const char *zeek_time(double ts, char *buf, size_t len)
{
    time_t t = (time_t)ts;
    struct tm tm;
    if (ts <= 0 || !gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d-%H-%M-%S", &tm) == 0)
        snprintf(buf, len, "-");
    return buf;
}

static void zeek_header(FILE *out, const struct read_run *run)
{
    char t[40];
    fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
          "#path\tconn\n", out);
    fprintf(out, "#open\t%s\n", zeek_time(run->started, t, sizeof t));
    fprintf(out, "#fields\t%s\n#types\t%s\n", ZEEK_FIELDS, ZEEK_TYPES);
}

static void zeek_footer(FILE *out, const struct read_run *run)
{
    char t[40];
    double end = run->finished > 0 ? run->finished : (double)time(NULL);
    fprintf(out, "#close\t%s\n", zeek_time(end, t, sizeof t));
}

/* ---- jsonl ----------------------------------------------------------------------------------- */

static void json_anomaly(FILE *out, const struct read_anomaly *a)
{
    fprintf(out, "{\"id\": %" PRId64 ", \"ts\": %.6f, \"packet\": %" PRId64 ", \"direction\": ",
            a->id, a->ts, a->packet);
    json_string(out, a->direction);
    fputs(", \"kind\": ", out);
    json_string(out, a->kind);
    fputs(", \"expected\": ", out);
    json_string(out, a->expected[0] ? a->expected : NULL);
    fputs(", \"observed\": ", out);
    json_string(out, a->observed[0] ? a->observed : NULL);
    fputs(", \"detail\": ", out);
    json_string(out, a->detail[0] ? a->detail : NULL);
    fprintf(out, ", \"challenge_ack\": %s}", a->challenge_ack ? "true" : "false");
}

/* One rsts row as a JSON object (docs/schema.md names; NULL as null). */
static void json_rst(FILE *out, const struct read_rst *r)
{
    fprintf(out, "{\"id\": %" PRId64 ", \"ts\": %.6f, \"packet\": %" PRId64 ", \"direction\": ",
            r->id, r->ts, r->packet);
    json_string(out, r->direction);
    fprintf(out, ", \"seq\": %" PRId64 ", \"ack\": %" PRId64 ", \"has_ack\": %s, \"len\": %"
            PRId64 ", \"ttl\": %d, \"ip_id\": ", r->seq, r->ack, r->has_ack ? "true" : "false",
            r->len, r->ttl);
    if (r->ip_id >= 0)
        fprintf(out, "%" PRId64, r->ip_id);
    else
        fputs("null", out);
    fputs(", \"acceptable\": ", out);
    json_string(out, r->acceptable[0] ? r->acceptable : NULL);
    fputs(", \"cause\": ", out);
    json_string(out, r->cause[0] ? r->cause : NULL);
    fputs(", \"origin\": ", out);
    json_string(out, r->origin[0] ? r->origin : NULL);
    fputs(", \"evidence\": ", out);
    json_string(out, r->evidence[0] ? r->evidence : NULL);
    fputs(", \"silence\": ", out);
    if (r->silence >= 0)
        json_real(out, r->silence, 6);
    else
        fputs("null", out);
    fputc('}', out);
}

static void jsonl_row(FILE *out, const struct read_flow *f, const struct read_anomaly *an,
                      size_t nan, const struct read_rst *rst, size_t nrst)
{
    char buf[64];
    fputc('{', out);
    for (int c = 0; c < RF_COUNT; c++) {
        json_key(out, c == RF_anomalies ? "anomaly_count" : read_flow_column_name(c));
        const char *v = value_text(f, c, buf, sizeof buf);
        if (f->v[c].type == RT_TEXT)
            json_string(out, v);
        else
            fputs(v ? v : "null", out);
        fputs(", ", out);
    }
    fputs("\"uid\": ", out);
    json_string(out, flow_uid(rf_int(f, RF_id), buf, sizeof buf));
    fputs(", \"anomalies\": [", out);
    for (size_t i = 0; i < nan; i++) {
        fputs(i ? ", " : "", out);
        json_anomaly(out, &an[i]);
    }
    fputs("], \"rsts\": [", out);
    for (size_t i = 0; i < nrst; i++) {
        fputs(i ? ", " : "", out);
        json_rst(out, &rst[i]);
    }
    fputs("]}\n", out);
}

/* ---- csv ------------------------------------------------------------------------------------- */

static void csv_header(FILE *out)
{
    for (int c = 0; c < RF_COUNT; c++) {
        csv_field(out, read_flow_column_name(c));
        fputc(',', out);
    }
    fputs("uid,anomaly_kinds\r\n", out);
}

/* The distinct kinds, in the order first seen, space-separated. */
static void csv_kinds(FILE *out, const struct read_anomaly *an, size_t nan)
{
    bool first = true;
    for (size_t i = 0; i < nan; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(an[j].kind, an[i].kind) == 0;
        if (seen)
            continue;
        fprintf(out, "%s%s", first ? "" : " ", an[i].kind);
        first = false;
    }
}

static void csv_row_out(FILE *out, const struct read_flow *f, const struct read_anomaly *an,
                        size_t nan)
{
    char buf[64];
    for (int c = 0; c < RF_COUNT; c++) {
        csv_field(out, value_text(f, c, buf, sizeof buf));
        fputc(',', out);
    }
    fprintf(out, "%s,", flow_uid(rf_int(f, RF_id), buf, sizeof buf));
    csv_kinds(out, an, nan);
    fputs("\r\n", out);
}

/* ---- the export ------------------------------------------------------------------------------ */

struct export_ctx {
    FILE *out;
    enum export_format format;
};

static int export_flow(void *ctx, const struct read_flow *f, const struct read_anomaly *an,
                       size_t nan, const struct read_rst *rst, size_t nrst)
{
    struct export_ctx *x = ctx;
    switch (x->format) {
    case EXPORT_ZEEK: zeek_row(x->out, f); break;
    case EXPORT_JSONL: jsonl_row(x->out, f, an, nan, rst, nrst); break;
    default: csv_row_out(x->out, f, an, nan); break;
    }
    return ferror(x->out) ? -1 : 0;
}

static int write_all(struct storage *st, const struct read_run *run, struct export_ctx *x)
{
    if (x->format == EXPORT_ZEEK)
        zeek_header(x->out, run);
    else if (x->format == EXPORT_CSV)
        csv_header(x->out);
    if (read_flows(st, run->id, export_flow, x) < 0)
        return -1;
    if (x->format == EXPORT_ZEEK)
        zeek_footer(x->out, run);
    return 0;
}

/* ---- one flow, as it is stored (live --jsonl) ----------------------------------------------- */

struct flow_rows {
    struct read_anomaly *an;
    struct read_rst *rst;
    size_t nan, nrst, cap_an, cap_rst;
    bool oom;
};

/* Appends `row` (elem bytes) to the array at arrp of *n rows. */
static int keep_row(struct flow_rows *r, void *arrp, size_t *cap, size_t *n, size_t elem,
                    const void *row)
{
    if (array_reserve(arrp, cap, *n, elem) < 0) {
        r->oom = true;
        return -1;
    }
    memcpy((char *)*(void **)arrp + *n * elem, row, elem);
    (*n)++;
    return 0;
}

static int keep_anomaly(void *ctx, const struct read_anomaly *a)
{
    struct flow_rows *r = ctx;
    return keep_row(r, &r->an, &r->cap_an, &r->nan, sizeof *a, a);
}

static int keep_rst(void *ctx, const struct read_rst *x)
{
    struct flow_rows *r = ctx;
    return keep_row(r, &r->rst, &r->cap_rst, &r->nrst, sizeof *x, x);
}

int report_jsonl_flow(struct storage *st, int64_t flow_id, FILE *out, char *err, size_t errlen)
{
    struct read_flow f;
    struct flow_rows r = {0};
    int rc = 0;
    if (read_flow(st, flow_id, &f) < 0 || read_flow_anomalies(st, flow_id, keep_anomaly, &r) < 0 ||
        read_flow_rsts(st, flow_id, keep_rst, &r) < 0)
        rc = r.oom ? report_oom(err, errlen) : report_storage_fail(st, err, errlen);
    else
        jsonl_row(out, &f, r.an, r.nan, r.rst, r.nrst);
    free(r.an);
    free(r.rst);
    return rc;
}

int report_export(struct storage *st, int64_t run_id, enum export_format format, FILE *out,
                  char *err, size_t errlen)
{
    struct read_run run;
    if (read_run(st, run_id, &run) < 0)
        return report_storage_fail(st, err, errlen);
    struct export_ctx x = {out, format};
    if (write_all(st, &run, &x) < 0)
        return report_storage_fail(st, err, errlen);
    return 0;
}
