/*
 * markup.h — writing text into HTML and SVG safely. Every string that comes from a result file
 * (addresses, server names, nDPI labels, anomaly details: what hostile traffic put there) goes
 * through markup_text, whether it lands in an element or in a quoted attribute value.
 */
#ifndef FINSCOPE_REPORT_MARKUP_H
#define FINSCOPE_REPORT_MARKUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s with & < > " ' as character references; bytes that are not valid UTF-8 and
 * characters XML 1.0 forbids (controls other than tab, LF, CR; U+FFFE, U+FFFF) become U+FFFD,
 * so the result is well-formed in HTML and in SVG (XML), in content and in attribute values
 * quoted with " or '. NULL writes nothing. */
void markup_text(FILE *out, const char *s);

/* printf into a small buffer, then markup_text. */
void markup_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Length of the valid UTF-8 sequence at s (1..4: shortest form, no surrogate, at most
 * U+10FFFF), or 0 when it is not valid. */
size_t utf8_sequence(const unsigned char *s);

/* The Content-Security-Policy source for an inline <script> or <style> whose text is `text`:
 * "'sha256-" base64(SHA-256(text)) "'", into buf (at least 56 bytes). */
void csp_hash(const char *text, char *buf, size_t len);

/* SHA-256 (FIPS 180-4) of data[len]. */
void sha256(const void *data, size_t len, uint8_t digest[32]);

#endif
