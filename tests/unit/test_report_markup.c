/*
 * test_report_markup.c — report/markup.c: escaping for HTML and SVG (every character that
 * could end a text or an attribute, bytes that are not UTF-8, characters XML forbids), and the
 * SHA-256 behind the page's Content-Security-Policy (FIPS 180-4 test vectors, including the
 * message whose padding takes a second block).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/markup.h"

/* markup_text(s) as a string (caller frees). */
static char *escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cr_assert_not_null(m);
    markup_text(m, s);
    fclose(m);
    return buf;
}

static void expect_escaped(const char *in, const char *want)
{
    char *got = escaped(in);
    cr_expect_str_eq(got, want, "markup_text(\"%s\")", in);
    free(got);
}

Test(markup, escapes_markup_characters)
{
    expect_escaped("<script>alert(\"x\")</script>",
                   "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect_escaped("a'b&c", "a&#39;b&amp;c");
    expect_escaped("&amp;", "&amp;amp;");
    expect_escaped("plain text: 10.0.0.1:80", "plain text: 10.0.0.1:80");
    expect_escaped("", "");
}

Test(markup, keeps_utf8_and_whitespace)
{
    expect_escaped("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80",
                   "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
    expect_escaped("a\tb\nc\rd", "a\tb\nc\rd");
}

Test(markup, replaces_what_xml_cannot_hold)
{
    const char *fffd = "\xef\xbf\xbd";
    char want[64];
    snprintf(want, sizeof want, "a%sb", fffd);
    expect_escaped("a\xff" "b", want);           /* not UTF-8 */
    expect_escaped("a\x01" "b", want);           /* a control character */
    expect_escaped("a\x7f" "b", want);
    expect_escaped("a\xef\xbf\xbe" "b", want);   /* U+FFFE */
    expect_escaped("a\xc0\xaf" "b", "a\xef\xbf\xbd\xef\xbf\xbd" "b");   /* overlong '/' */
    expect_escaped("a\xed\xa0\x80" "b",                 /* a surrogate */
                   "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b");
    char *got = escaped("\xe2\x86");            /* cut short at the end */
    cr_expect_str_eq(got, "\xef\xbf\xbd\xef\xbf\xbd");
    free(got);
}

static void expect_sha256(const char *msg, const char *hex)
{
    uint8_t d[32];
    char got[65];
    sha256(msg, strlen(msg), d);
    for (int i = 0; i < 32; i++)
        snprintf(got + 2 * i, 3, "%02x", d[i]);
    cr_expect_str_eq(got, hex, "sha256(\"%s\")", msg);
}

Test(sha256, fips_180_vectors)
{
    expect_sha256("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha256("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, long_message)
{
    char *a = malloc(1000001);
    cr_assert_not_null(a);
    memset(a, 'a', 1000000);
    a[1000000] = '\0';
    expect_sha256(a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

Test(csp, hash_source)
{
    char buf[64];
    csp_hash("", buf, sizeof buf);
    cr_expect_str_eq(buf, "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    csp_hash("abc", buf, sizeof buf);
    cr_expect_str_eq(buf, "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}
