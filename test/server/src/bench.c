/* Workload generators for `npm run bench:interactive` (docs/benchmarks.md): full-screen photographic frames,
 * a scrolling text page (copy-bits + small draws) and a terminal of many small updates. Every frame ends
 * with a strip of black/white blocks at the surface's top-left that encodes its number, so a client's
 * screen tells which frame it shows. Pacing "demand" (default) queues a frame only when the QXL queue is
 * empty and at most `fps` times a second: past that cap, spice-server's pipe and the client's ACK window set
 * the pace. Pacing "fixed" queues one every 1/fps seconds like a video player (skipped while 3 are still
 * queued, as a guest whose ring is full), so spice-server sees the steady source it turns into a video
 * stream and drops frames itself for a slow client. Each frame's submit time and the time spice-server's
 * worker took its last command are logged on the monotonic clock in microseconds (the clock Node's
 * process.hrtime reads). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

/* The frame-counter strip (mirrored by scripts/bench-interactive/frame-code.ts): 44 blocks of 16x16 in one
 * row — a marker white,black,white,black, the frame number's 20 bits (most significant first, white = 1),
 * then the same 20 bits inverted. */
#define STRIP_BLOCK 16
#define STRIP_MARKER 4
#define STRIP_BITS 20
#define STRIP_BLOCKS (STRIP_MARKER + 2 * STRIP_BITS)
#define STRIP_W (STRIP_BLOCKS * STRIP_BLOCK)
#define STRIP_H STRIP_BLOCK
#define MAX_FRAMES ((1u << STRIP_BITS) - 1)
/* The probe pixel, right of the strip on its sample row: photo content there, black in the other workloads
 * (the strip, shifted at most 7 pixels, ends before it). Lossless paths show it exactly; JPEG and video don't. */
#define PROBE_X (STRIP_W + 8)
#define PROBE_Y (STRIP_BLOCK / 2)

#define LINE_H 16
#define GLYPH_W 8
#define GLYPHS 95
#define TEX_MARGIN 256
#define TERMINAL_WORDS 24
#define FIXED_MAX_QUEUED 3

typedef enum { BENCH_PHOTO, BENCH_SCROLL, BENCH_TERMINAL } BenchKind;

static const char *const kind_names[] = { "photo", "scroll", "terminal" };

typedef struct {
    gint64 push_us;
    gint64 pull_us; /* 0 until spice-server's worker took the frame's last command */
    uint32_t probe_rgb; /* the frame's pixel at (PROBE_X, PROBE_Y): a client that shows another value got it lossy */
} FrameLog;

static struct {
    gboolean running;
    BenchKind kind;
    gboolean fixed_pace;
    uint32_t skipped; /* fixed pace: frames not made because the queue was full */
    guint source;
    gint64 period_us;
    gint64 next_due_us;
    uint32_t frame;
    int width, height;
    uint64_t rng;
    GMutex lock; /* guards log: the worker thread records pulls */
    GArray *log; /* FrameLog, index = frame - 1 */
    uint32_t *texture; /* photo: (width + margin) x (height + margin) xRGB, made once per size */
    int tex_w, tex_h;
    uint8_t glyphs[GLYPHS][LINE_H];
} bench;

/* ---- deterministic pseudo-random numbers (xorshift64*) ---- */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static int rng_below(uint64_t *s, int n)
{
    return (int)((rng_next(s) >> 33) % (uint64_t)n);
}

/* ---- the strip ---- */

static gboolean strip_block_white(uint32_t frame, int block)
{
    if (block < STRIP_MARKER) return block % 2 == 0;
    int i = block - STRIP_MARKER;
    gboolean inverted = i >= STRIP_BITS;
    int bit = STRIP_BITS - 1 - (inverted ? i - STRIP_BITS : i);
    gboolean one = (frame >> bit) & 1;
    return inverted ? !one : one;
}

static void strip_paint(uint32_t *px, int stride_px, uint32_t frame)
{
    for (int b = 0; b < STRIP_BLOCKS; b++) {
        uint32_t v = strip_block_white(frame, b) ? 0xffffffffu : 0xff000000u;
        for (int y = 0; y < STRIP_H; y++) {
            uint32_t *row = px + (gsize)y * stride_px + b * STRIP_BLOCK;
            for (int x = 0; x < STRIP_BLOCK; x++) row[x] = v;
        }
    }
}

/* The strip as its own drawable (scroll, terminal). spice-server drops a queued drawable that a newer one
 * covers, and while the client lags the pipe stays full: strips at one place would each be dropped by the
 * next and the client would never get one. Shifted right by frame % 8 pixels, no strip covers the seven
 * before it (which have long left the pipe by the time one at the same place follows), and a reader
 * sampling the blocks' centres at 16 * block + 8 still lands in the right block. */
static void push_strip(uint32_t frame)
{
    uint32_t *px = g_new(uint32_t, STRIP_W * STRIP_H);
    strip_paint(px, STRIP_W, frame);
    display_bench_bitmap((int)(frame % 8), 0, px, STRIP_W, STRIP_H, frame);
}

/* ---- photo: a fractal-noise picture, cropped at a moving offset and tinted per frame ---- */

/* One octave of value noise: a grid of random values every `cell` pixels, bilinearly interpolated. */
typedef struct {
    int cell, gw, gh;
    float *v;
} Octave;

static Octave octave_new(uint64_t *rng, int w, int h, int cell)
{
    Octave o = { .cell = cell, .gw = w / cell + 2, .gh = h / cell + 2 };
    o.v = g_new(float, (gsize)o.gw * o.gh);
    for (int i = 0; i < o.gw * o.gh; i++) o.v[i] = (float)(rng_next(rng) >> 40) / (float)(1 << 24) - 0.5f;
    return o;
}

static float octave_at(const Octave *o, int x, int y)
{
    int gx = x / o->cell, gy = y / o->cell;
    float fx = (float)(x % o->cell) / (float)o->cell, fy = (float)(y % o->cell) / (float)o->cell;
    fx = fx * fx * (3 - 2 * fx);
    fy = fy * fy * (3 - 2 * fy);
    const float *r0 = o->v + (gsize)gy * o->gw + gx, *r1 = r0 + o->gw;
    float top = r0[0] + (r0[1] - r0[0]) * fx, bottom = r1[0] + (r1[1] - r1[0]) * fx;
    return top + (bottom - top) * fy;
}

static uint32_t clamp_byte(float v)
{
    return v <= 0 ? 0 : v >= 255 ? 255 : (uint32_t)v;
}

static void make_texture(int w, int h)
{
    g_free(bench.texture);
    bench.tex_w = w + TEX_MARGIN;
    bench.tex_h = h + TEX_MARGIN;
    bench.texture = g_new(uint32_t, (gsize)bench.tex_w * bench.tex_h);
    uint64_t rng = 0x5AFF7025EEDULL;
    static const int lum_cells[] = { 512, 128, 32, 8, 2 };
    static const float lum_amp[] = { 150, 70, 35, 16, 8 };
    Octave lum[5], cu[2], cv[2];
    for (int i = 0; i < 5; i++) lum[i] = octave_new(&rng, bench.tex_w, bench.tex_h, lum_cells[i]);
    for (int i = 0; i < 2; i++) {
        cu[i] = octave_new(&rng, bench.tex_w, bench.tex_h, i ? 64 : 384);
        cv[i] = octave_new(&rng, bench.tex_w, bench.tex_h, i ? 64 : 384);
    }
    for (int y = 0; y < bench.tex_h; y++) {
        uint32_t *row = bench.texture + (gsize)y * bench.tex_w;
        for (int x = 0; x < bench.tex_w; x++) {
            float l = 120;
            for (int i = 0; i < 5; i++) l += lum_amp[i] * octave_at(&lum[i], x, y);
            float u = 120 * octave_at(&cu[0], x, y) + 30 * octave_at(&cu[1], x, y);
            float v = 120 * octave_at(&cv[0], x, y) + 30 * octave_at(&cv[1], x, y);
            /* sensor-like noise, so the picture compresses like a photograph */
            int n = (int)(rng_next(&rng) >> 58) - 32;
            float grain = (float)n * 0.2f;
            row[x] = 0xff000000u | clamp_byte(l + 1.40f * v + grain) << 16 |
                     clamp_byte(l - 0.34f * u - 0.71f * v + grain) << 8 | clamp_byte(l + 1.77f * u + grain);
        }
    }
    for (int i = 0; i < 5; i++) g_free(lum[i].v);
    for (int i = 0; i < 2; i++) {
        g_free(cu[i].v);
        g_free(cv[i].v);
    }
}

/* A new crop offset and tint every frame: no two frames share a pixel run, so GLZ cannot replay one. */
static uint32_t photo_frame(uint32_t frame)
{
    int w = bench.width, h = bench.height;
    int ox = (int)((frame * 37u) % TEX_MARGIN), oy = (int)((frame * 23u) % TEX_MARGIN);
    uint8_t tint = (uint8_t)((frame * 7u) % 24u);
    uint32_t *px = g_new(uint32_t, (gsize)w * h);
    for (int y = 0; y < h; y++) {
        const uint8_t *src = (const uint8_t *)(bench.texture + (gsize)(y + oy) * bench.tex_w + ox);
        uint8_t *dst = (uint8_t *)(px + (gsize)y * w);
        for (int i = 0; i < w * 4; i++) dst[i] = src[i] > 255 - tint ? 255 : (uint8_t)(src[i] + tint);
    }
    strip_paint(px, w, frame);
    uint32_t probe = px[(gsize)PROBE_Y * w + PROBE_X] & 0xffffff;
    display_bench_bitmap(0, 0, px, w, h, frame);
    return probe;
}

/* ---- text: procedural glyphs drawn as word bitmaps ---- */

static void make_glyphs(void)
{
    uint64_t rng = 0x6C79706853ULL;
    for (int g = 0; g < GLYPHS; g++) {
        memset(bench.glyphs[g], 0, LINE_H);
        int strokes = 2 + rng_below(&rng, 3);
        for (int s = 0; s < strokes; s++) {
            if (rng_below(&rng, 2)) { /* vertical stroke */
                int x = 1 + rng_below(&rng, 6), y0 = 3 + rng_below(&rng, 4), y1 = 8 + rng_below(&rng, 6);
                for (int y = y0; y <= y1; y++) bench.glyphs[g][y] |= (uint8_t)(0x80 >> x);
            } else { /* horizontal stroke */
                int y = 3 + rng_below(&rng, 11), x0 = 1 + rng_below(&rng, 3), x1 = 4 + rng_below(&rng, 3);
                for (int x = x0; x <= x1; x++) bench.glyphs[g][y] |= (uint8_t)(0x80 >> x);
            }
        }
    }
}

/* Draws a word of `len` random glyphs at (x, y): one DRAW_COPY of (8*len) x 16 pixels. */
static void push_word(int x, int y, int len, uint32_t fg, uint32_t bg)
{
    int w = len * GLYPH_W;
    uint32_t *px = g_new(uint32_t, (gsize)w * LINE_H);
    for (int i = 0; i < len; i++) {
        const uint8_t *glyph = bench.glyphs[rng_below(&bench.rng, GLYPHS)];
        for (int row = 0; row < LINE_H; row++) {
            for (int bit = 0; bit < GLYPH_W; bit++) {
                px[(gsize)row * w + i * GLYPH_W + bit] = (glyph[row] & (0x80 >> bit)) ? fg : bg;
            }
        }
    }
    display_bench_bitmap(x, y, px, w, LINE_H, 0);
}

/* The page scrolls up one line (COPY_BITS of everything below the strip's bar), the freed line is cleared
 * and filled with words, as a text view or `cat` in a terminal does. */
static uint32_t scroll_frame(uint32_t frame)
{
    int w = bench.width, h = bench.height;
    display_bench_copy_bits(0, STRIP_H + LINE_H, 0, STRIP_H, w, h - STRIP_H - LINE_H);
    display_bench_fill(0, h - LINE_H, w, LINE_H, 0xffffff);
    int x = 8 + GLYPH_W * 4 * rng_below(&bench.rng, 3);
    for (int words = 0; words < 12; words++) {
        int len = 2 + rng_below(&bench.rng, 8);
        if (x + len * GLYPH_W > w - 8) break;
        push_word(x, h - LINE_H, len, 0xff202020u, 0xffffffffu);
        x += (len + 1) * GLYPH_W;
    }
    push_strip(frame);
    return 0; /* the black bar */
}

/* Words appear at random character cells, as a `top`-like full-screen terminal program redraws fields. */
static uint32_t terminal_frame(uint32_t frame)
{
    static const uint32_t colors[] = { 0xffd0d0d0u, 0xff50fa7bu, 0xffff5555u, 0xff8be9fdu, 0xfff1fa8cu,
                                       0xffbd93f9u };
    int cols = bench.width / GLYPH_W, rows = bench.height / LINE_H;
    for (int i = 0; i < TERMINAL_WORDS; i++) {
        int len = 1 + rng_below(&bench.rng, 8);
        int col = rng_below(&bench.rng, cols - len + 1), row = 1 + rng_below(&bench.rng, rows - 1);
        push_word(col * GLYPH_W, row * LINE_H, len, colors[rng_below(&bench.rng, G_N_ELEMENTS(colors))],
                  0xff000000u);
    }
    push_strip(frame);
    return 0; /* the black first row */
}

/* ---- the pacing loop (main thread) ---- */

static void bench_halt(void)
{
    bench.running = FALSE;
    if (bench.source) {
        g_source_remove(bench.source);
        bench.source = 0;
    }
}

static gboolean bench_tick(gpointer data G_GNUC_UNUSED)
{
    bench.source = 0;
    int w, h;
    display_bench_size(&w, &h);
    if (w != bench.width || h != bench.height) {
        logm("bench: the primary surface changed size; the generator stopped");
        bench_halt();
        return G_SOURCE_REMOVE;
    }
    gint64 now = g_get_monotonic_time();
    if (now >= bench.next_due_us) {
        guint queued = display_bench_queued();
        gboolean room = bench.fixed_pace ? queued < FIXED_MAX_QUEUED : queued == 0;
        gboolean made = FALSE;
        if (room && bench.frame < MAX_FRAMES) {
            uint32_t frame = ++bench.frame;
            /* logged before the commands are queued: the worker may take them at once */
            FrameLog entry = { .push_us = now, .pull_us = 0, .probe_rgb = 0 };
            g_mutex_lock(&bench.lock);
            g_array_append_val(bench.log, entry);
            g_mutex_unlock(&bench.lock);
            uint32_t probe = 0;
            switch (bench.kind) {
            case BENCH_PHOTO: probe = photo_frame(frame); break;
            case BENCH_SCROLL: probe = scroll_frame(frame); break;
            case BENCH_TERMINAL: probe = terminal_frame(frame); break;
            }
            g_mutex_lock(&bench.lock);
            g_array_index(bench.log, FrameLog, frame - 1).probe_rgb = probe;
            g_mutex_unlock(&bench.lock);
            made = TRUE;
        } else if (bench.fixed_pace) {
            bench.skipped++; /* a video player drops the frame it cannot hand over */
        }
        if (made || bench.fixed_pace) {
            bench.next_due_us += bench.period_us;
            /* after a stall, do not burst: demand pacing may go at once, fixed pacing keeps its period */
            if (bench.next_due_us < now) bench.next_due_us = bench.fixed_pace ? now + bench.period_us : now;
        }
    }
    gint64 wait_us = bench.next_due_us - g_get_monotonic_time();
    /* waiting for the queue to drain (demand pacing): poll every millisecond */
    guint delay_ms = wait_us > 1000 ? (guint)(wait_us / 1000) : 1;
    bench.source = g_timeout_add(delay_ms, bench_tick, NULL);
    return G_SOURCE_REMOVE;
}

/* Called by display.c on spice-server's worker thread when it takes a frame's last command. */
void bench_frame_pulled(uint32_t frame)
{
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&bench.lock);
    if (bench.log && frame >= 1 && frame <= bench.log->len) {
        g_array_index(bench.log, FrameLog, frame - 1).pull_us = now;
    }
    g_mutex_unlock(&bench.lock);
}

gboolean cmd_bench_start(Cmd *c)
{
    const char *kind_name, *pace;
    gint64 fps, seed;
    if (!arg_str(c, "workload", TRUE, NULL, &kind_name) || !arg_int(c, "fps", FALSE, 60, 1, 1000, &fps) ||
        !arg_int(c, "seed", FALSE, 1, 1, G_MAXINT32, &seed) || !arg_str(c, "pace", FALSE, "demand", &pace)) {
        return FALSE;
    }
    if (strcmp(pace, "demand") != 0 && strcmp(pace, "fixed") != 0) return cmd_fail(c, "pace must be demand or fixed");
    int kind = -1;
    for (gsize i = 0; i < G_N_ELEMENTS(kind_names); i++) {
        if (strcmp(kind_names[i], kind_name) == 0) kind = (int)i;
    }
    if (kind < 0) return cmd_fail(c, "workload must be photo, scroll or terminal");
    int w, h;
    display_bench_size(&w, &h);
    if (w < STRIP_W + 8 || h < 4 * LINE_H) {
        return cmd_fail(c, "the primary surface (%dx%d) is smaller than %dx%d", w, h, STRIP_W + 8, 4 * LINE_H);
    }
    bench_halt();
    if (kind == BENCH_PHOTO && (!bench.texture || bench.tex_w != w + TEX_MARGIN || bench.tex_h != h + TEX_MARGIN)) {
        make_texture(w, h);
    }
    if (kind != BENCH_PHOTO && bench.glyphs[0][LINE_H / 2] == 0) make_glyphs();
    g_mutex_lock(&bench.lock);
    if (bench.log) g_array_free(bench.log, TRUE);
    bench.log = g_array_sized_new(FALSE, FALSE, sizeof(FrameLog), 4096);
    g_mutex_unlock(&bench.lock);
    bench.kind = (BenchKind)kind;
    bench.fixed_pace = strcmp(pace, "fixed") == 0;
    bench.skipped = 0;
    bench.width = w;
    bench.height = h;
    bench.frame = 0;
    bench.rng = (uint64_t)seed * 0x9E3779B97F4A7C15ULL;
    bench.period_us = 1000000 / fps;
    bench.next_due_us = g_get_monotonic_time();
    if (kind != BENCH_PHOTO) {
        /* a clean page: black for the terminal, white text area under a black bar for the scroller */
        display_bench_fill(0, 0, w, h, kind == BENCH_SCROLL ? 0xffffff : 0x000000);
        if (kind == BENCH_SCROLL) display_bench_fill(0, 0, w, STRIP_H, 0x000000);
    }
    bench.running = TRUE;
    bench.source = g_timeout_add(1, bench_tick, NULL);
    jo_int(&c->out, "width", w);
    jo_int(&c->out, "height", h);
    jo_int(&c->out, "strip_block", STRIP_BLOCK);
    jo_int(&c->out, "strip_bits", STRIP_BITS);
    jo_int(&c->out, "probe_x", PROBE_X);
    jo_int(&c->out, "probe_y", PROBE_Y);
    return TRUE;
}

gboolean cmd_bench_stop(Cmd *c)
{
    const char *path;
    if (!arg_str(c, "path", FALSE, NULL, &path)) return FALSE;
    bench_halt();
    g_mutex_lock(&bench.lock);
    guint n = bench.log ? bench.log->len : 0, pulled = 0;
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < n; i++) {
        const FrameLog *e = &g_array_index(bench.log, FrameLog, i);
        if (e->pull_us) pulled++;
        if (path) {
            g_string_append_printf(text, "%u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %06x\n", i + 1, e->push_us,
                                   e->pull_us, e->probe_rgb);
        }
    }
    g_mutex_unlock(&bench.lock);
    GError *err = NULL;
    gboolean ok = !path || g_file_set_contents(path, text->str, (gssize)text->len, &err);
    g_string_free(text, TRUE);
    if (!ok) {
        gboolean r = cmd_fail(c, "cannot write %s: %s", path, err->message);
        g_error_free(err);
        return r;
    }
    jo_int(&c->out, "frames", n);
    jo_int(&c->out, "pulled", pulled);
    jo_int(&c->out, "skipped", bench.skipped);
    return TRUE;
}

gboolean cmd_bench_frame(Cmd *c)
{
    gint64 frame;
    if (!arg_int(c, "frame", TRUE, 0, 1, MAX_FRAMES, &frame)) return FALSE;
    g_mutex_lock(&bench.lock);
    gboolean known = bench.log && frame <= bench.log->len;
    FrameLog e = { 0, 0, 0 };
    if (known) e = g_array_index(bench.log, FrameLog, frame - 1);
    g_mutex_unlock(&bench.lock);
    if (!known) return cmd_fail(c, "frame %d has not been made", (int)frame);
    jo_int(&c->out, "push_us", e.push_us);
    jo_int(&c->out, "pull_us", e.pull_us);
    char probe[8];
    g_snprintf(probe, sizeof(probe), "%06x", e.probe_rgb);
    jo_str(&c->out, "probe", probe);
    return TRUE;
}

gboolean cmd_clock(Cmd *c)
{
    jo_int(&c->out, "monotonic_us", g_get_monotonic_time());
    return TRUE;
}
