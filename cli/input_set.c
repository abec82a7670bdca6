/*
 * input_set.c — the k-way merge of a run's capture files by record time (see input_set.h).
 *
 * The heap holds every file that still has something to deliver, keyed by (time of its next
 * record, file number); a file whose reading stopped is keyed before every time, so its end is
 * delivered at once. The file of the record just delivered stays at the top of the heap until
 * the next call reads its next record (its data must stay valid until then) and sifts it
 * down. Invariant: open_count is the number of files with `open` set.
 */
#include "cli/input_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/errbuf.h"

/* ---- the heap ------------------------------------------------------------------------------ */

/* Does file a come before file b in the merge? */
static bool before(const struct input_set *s, int a, int b)
{
    const struct input_file *fa = &s->files[a], *fb = &s->files[b];
    if (fa->has_head != fb->has_head)
        return !fa->has_head;     /* an end to deliver comes first */
    if (fa->has_head && fa->head.ts_us != fb->head.ts_us)
        return fa->head.ts_us < fb->head.ts_us;
    if (fa->has_head && fa->head.ts_sub_ns != fb->head.ts_sub_ns)
        return fa->head.ts_sub_ns < fb->head.ts_sub_ns;
    return a < b;                 /* equal times: command-line order */
}

static void swap_at(struct input_set *s, int i, int j)
{
    int t = s->heap[i];
    s->heap[i] = s->heap[j];
    s->heap[j] = t;
}

static void sift_up(struct input_set *s, int i)
{
    while (i > 0 && before(s, s->heap[i], s->heap[(i - 1) / 2])) {
        swap_at(s, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sift_down(struct input_set *s, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->nheap && before(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->nheap && before(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        swap_at(s, i, m);
        i = m;
    }
}

static void pop_top(struct input_set *s)
{
    s->heap[0] = s->heap[--s->nheap];
    sift_down(s, 0);
}

/* ---- opening and closing files ------------------------------------------------------------- */

/* Descriptors this process may open for captures: the soft limit raised to the hard one,
 * less those kept for the result file and stdio; at most INPUT_MAX_OPEN, at least 1. */
static int open_budget(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INPUT_MAX_OPEN + INPUT_RESERVED_FDS)
        return INPUT_MAX_OPEN;
    return rl.rlim_cur > INPUT_RESERVED_FDS + 1 ? (int)rl.rlim_cur - INPUT_RESERVED_FDS : 1;
}

static void close_file(struct input_set *s, struct input_file *f)
{
    if (!f->open)
        return;
    int64_t at = capture_bytes_read(&f->cs);
    f->bytes_done = at > 0 ? at : 0;
    capture_close(&f->cs);        /* keeps display_name, records, stop and stop_msg */
    f->open = false;
    s->open_count--;
}

/* Opens f and reads its first record. 0, or -1 with err set. */
static int open_file(struct input_set *s, struct input_file *f, char *err, size_t errlen)
{
    if (capture_open(f->path, &f->cs, err, errlen) != 0)
        return -1;
    f->open = true;
    s->open_count++;
    f->size = f->cs.size;
    f->has_head = capture_next(&f->cs, &f->head) == 1;
    return 0;
}

/* Closes the open file that has delivered nothing yet, can be opened again, and comes last in
 * the merge (other than `keep`), to make room. -1 when there is none. */
static int park_one(struct input_set *s, int keep)
{
    int victim = -1;
    for (int i = 0; i < s->nfiles; i++) {
        struct input_file *f = &s->files[i];
        if (i == keep || !f->open || f->started || !f->has_head || !f->cs.reopenable)
            continue;
        if (victim < 0 || before(s, victim, i))
            victim = i;
    }
    if (victim < 0)
        return -1;
    close_file(s, &s->files[victim]);
    return 0;
}

/* The file at the top of the heap was closed after its first record: open it again. */
static int reopen_top(struct input_set *s, int i, char *err, size_t errlen)
{
    if (s->open_count >= s->open_budget && park_one(s, i) != 0)
        return errbuf_set(err, errlen, "not analyzed: more than %d capture files overlap in "
                          "time here, and finscope keeps at most %d open at once (ulimit -n)",
                          s->open_budget, s->open_budget);
    return open_file(s, &s->files[i], err, errlen);
}

/* ---- the contract -------------------------------------------------------------------------- */

int input_set_init(struct input_set *s, int nfiles)
{
    *s = (struct input_set){.nfiles = nfiles, .current = -1, .open_budget = open_budget()};
    s->files = calloc((size_t)nfiles, sizeof *s->files);
    s->heap = calloc((size_t)nfiles, sizeof *s->heap);
    if (!s->files || !s->heap) {
        input_set_free(s);
        return -1;
    }
    return 0;
}

int input_set_add(struct input_set *s, int file_no, const char *path, char *err, size_t errlen)
{
    struct input_file *f = &s->files[file_no];
    f->path = path;
    if (open_file(s, f, err, errlen) != 0)
        return -1;
    f->added = true;
    s->heap[s->nheap++] = file_no;
    sift_up(s, s->nheap - 1);
    if (!f->has_head || (s->open_count > s->open_budget && f->cs.reopenable))
        close_file(s, f);
    return 0;
}

void input_set_drop(struct input_set *s, int file_no)
{
    struct input_file *f = &s->files[file_no];
    for (int i = 0; i < s->nheap; i++) {
        if (s->heap[i] != file_no)
            continue;
        s->heap[i] = s->heap[--s->nheap];
        for (int j = s->nheap / 2; j >= 0; j--)   /* rebuild: rare, before the merge */
            sift_down(s, j);
        break;
    }
    close_file(s, f);
    f->added = false;
}

enum input_event input_set_next(struct input_set *s, struct capture_record *rec, int *file_no,
                                char *err, size_t errlen)
{
    if (s->current >= 0 && s->nheap > 0 && s->heap[0] == s->current) {
        struct input_file *f = &s->files[s->current];     /* the record given last time */
        f->has_head = capture_next(&f->cs, &f->head) == 1;
        if (s->nheap == 1 && f->has_head) {
            *rec = f->head;       /* one file left: nothing to compare it with */
            *file_no = s->current;
            return INPUT_RECORD;
        }
        sift_down(s, 0);
    }
    s->current = -1;
    while (s->nheap > 0) {
        int i = s->heap[0];
        struct input_file *f = &s->files[i];
        *file_no = i;
        if (!f->has_head || (!f->open && reopen_top(s, i, err, errlen) != 0)) {
            bool lost = f->has_head;
            pop_top(s);
            close_file(s, f);
            f->ended = true;
            f->has_head = false;
            return lost ? INPUT_FILE_LOST : INPUT_FILE_END;
        }
        if (!f->started) {        /* opened again: its first record may not be what it was */
            sift_down(s, 0);
            if (s->heap[0] != i)
                continue;
        }
        f->started = true;
        *rec = f->head;
        s->current = i;
        return INPUT_RECORD;
    }
    return INPUT_DONE;
}

double input_set_fraction(const struct input_set *s)
{
    int64_t total = 0, done = 0;
    for (int i = 0; i < s->nfiles; i++) {
        const struct input_file *f = &s->files[i];
        if (!f->added)
            continue;
        if (f->size <= 0)
            return -1;
        total += f->size;
        int64_t at = f->ended ? f->size : f->open ? capture_bytes_read(&f->cs) : f->bytes_done;
        done += at < 0 ? 0 : at > f->size ? f->size : at;
    }
    return total > 0 ? (double)done / (double)total : -1;
}

int input_set_files_done(const struct input_set *s)
{
    int n = 0;
    for (int i = 0; i < s->nfiles; i++)
        n += s->files[i].ended;
    return n;
}

void input_set_free(struct input_set *s)
{
    for (int i = 0; s->files && i < s->nfiles; i++)
        close_file(s, &s->files[i]);
    free(s->files);
    free(s->heap);
    s->files = NULL;
    s->heap = NULL;
    s->nfiles = s->nheap = 0;
}
