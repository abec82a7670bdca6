/*
 * assets.h — the HTML report's style and script, report/page.css and report/page.js, built
 * into the program by report/embed.sh (each a NUL-terminated string).
 */
#ifndef FINSCOPE_REPORT_ASSETS_H
#define FINSCOPE_REPORT_ASSETS_H

extern const char REPORT_PAGE_CSS[];
extern const char REPORT_PAGE_JS[];

#endif
