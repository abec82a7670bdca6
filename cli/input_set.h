/*
 * input_set.h — all the capture files of one `finscope analyze` run, read as one stream of
 * records in capture-time order: a k-way merge over the files by each one's next record's
 * time, stable on equal times in command-line order (as mergecap does), so the order of the
 * files on the command line does not matter and captures taken side by side interleave.
 * Within a file, records keep the file's order (a record earlier than the one before it in
 * its own file comes where the file has it).
 *
 * Open files: a file is opened once to read its first record (input_set_add). At most
 * `open_budget` files stay open at once (bounded by the descriptor limit, which is raised to
 * its hard maximum first, and by INPUT_MAX_OPEN for memory); past it, a file that can be
 * opened again is closed after its first record and opened again when the merge reaches that
 * record's time. Rotated captures (tcpdump -G/-C) overlap little, so hundreds of them are
 * read with a few open at a time. When more files than the budget overlap in time, the merge
 * cannot open the next one: it reports INPUT_FILE_LOST for it and goes on without it.
 */
#ifndef FINSCOPE_CLI_INPUT_SET_H
#define FINSCOPE_CLI_INPUT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/capture_source.h"

#define INPUT_MAX_OPEN 256        /* files open at once, whatever the descriptor limit */
#define INPUT_RESERVED_FDS 16     /* descriptors kept for the result file and stdio */

struct input_file {
    const char *path;
    struct capture_source cs;     /* valid while `open` */
    bool added;                   /* input_set_add succeeded */
    bool open;
    bool started;                 /* a record of it was delivered */
    bool ended;                   /* its end was delivered (INPUT_FILE_END or _LOST) */
    bool has_head;                /* cs's current record is `head` */
    struct capture_record head;   /* its next record (data valid only while open) */
    int64_t size;                 /* bytes on disk, 0 when unknown */
    int64_t bytes_done;           /* bytes read, kept once it is closed */
};

struct input_set {
    struct input_file *files;
    int nfiles;
    int *heap;                    /* files with a head record or an end to deliver */
    int nheap;
    int open_count, open_budget;
    int current;                  /* file of the last event, -1 before any */
};

enum input_event {
    INPUT_RECORD,                 /* *rec is the next record, of file *file_no */
    INPUT_FILE_END,               /* file *file_no ended: its cs.stop says why (and
                                   * cs.records, cs.display_name stay readable) */
    INPUT_FILE_LOST,              /* file *file_no could not be opened again (err says why) */
    INPUT_DONE,                   /* every file ended */
};

/* Room for `nfiles` files; raises the descriptor limit. -1 when out of memory. */
int input_set_init(struct input_set *s, int nfiles);

/* Opens file `file_no` (from 0, in command-line order), reads its first record, and keeps it
 * open while the budget allows. -1 with the problem in err (the file is left out). */
int input_set_add(struct input_set *s, int file_no, const char *path, char *err, size_t errlen);

/* Leaves out file `file_no` after it was added (before the merge began): closes it. */
void input_set_drop(struct input_set *s, int file_no);

/* The next event of the merge (see enum input_event). `err` gets INPUT_FILE_LOST's reason. */
enum input_event input_set_next(struct input_set *s, struct capture_record *rec, int *file_no,
                                char *err, size_t errlen);

/* Fraction of all the files' bytes read, for progress; -1 when a size is unknown. */
double input_set_fraction(const struct input_set *s);

/* Files whose end was delivered. */
int input_set_files_done(const struct input_set *s);

/* Closes every file and frees the set. */
void input_set_free(struct input_set *s);

#endif
