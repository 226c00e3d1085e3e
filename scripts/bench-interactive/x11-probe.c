/* X11 helper of the interactive benchmark (scripts/bench-interactive/client-spicy.ts): reads the frame-counter
 * strip (frame-code.ts) off the root window of the Xvfb that shows spicy, and injects key and pointer events
 * with XTest, printing monotonic-clock timestamps (microseconds) for both.
 *
 * Commands on stdin, one per line; answers on stdout:
 *   locate                 -> "at X Y" (top-left of a valid strip on the root window) or "none"
 *   watch X Y PERIOD_US    -> from now on, every PERIOD_US: read the strip's sample row; a new frame number
 *                             prints "frame N T_US RRGGBB" (the probe pixel right of the strip, frame-code.ts)
 *   unwatch                -> stop watching, prints "unwatched"
 *   move X Y               -> pointer to root (X, Y): prints "move X Y T_US" (T_US taken just before sending)
 *   key KEYSYM             -> press and release (e.g. "a"): prints "keydown T_US" and "keyup T_US"
 *   snapshot PATH          -> writes the root window as a binary PPM (for diagnostics), prints "snapshot PATH"
 *   quit (or end of input) -> exit 0
 * Build: gcc -O2 -Wall -Wextra -Werror x11-probe.c -lX11 -lXtst (Debian libx11-dev, libxtst-dev). */
#define _GNU_SOURCE
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <X11/extensions/XTest.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STRIP_BLOCK 16
#define STRIP_MARKER 4
#define STRIP_BITS 20
#define STRIP_BLOCKS (STRIP_MARKER + 2 * STRIP_BITS)
#define STRIP_W (STRIP_BLOCKS * STRIP_BLOCK)
#define PROBE_X (STRIP_W + 8)
#define READ_W (PROBE_X + 1)

static Display *dpy;
static Window root;

static long long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int is_white(XImage *img, int x, int y)
{
    unsigned long p = XGetPixel(img, x, y);
    unsigned sum = ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff);
    return sum > 384;
}

static int is_black(XImage *img, int x, int y)
{
    unsigned long p = XGetPixel(img, x, y);
    return ((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff) < 150;
}

/* Decodes the strip row through block centres at row sy, strip left edge x; -1 if it is not a strip. */
static long decode_row(XImage *img, int x, int sy)
{
    if (x < 0 || sy < 0 || sy >= img->height || x + STRIP_W > img->width) return -1;
    for (int b = 0; b < STRIP_MARKER; b++) {
        if (is_white(img, x + b * STRIP_BLOCK + STRIP_BLOCK / 2, sy) != (b % 2 == 0)) return -1;
    }
    long value = 0;
    for (int i = 0; i < STRIP_BITS; i++) {
        int bit = is_white(img, x + (STRIP_MARKER + i) * STRIP_BLOCK + STRIP_BLOCK / 2, sy);
        int inv = is_white(img, x + (STRIP_MARKER + STRIP_BITS + i) * STRIP_BLOCK + STRIP_BLOCK / 2, sy);
        if (bit == inv) return -1;
        value = value * 2 + bit;
    }
    return value;
}

/* A strip whose top-left is (x, y): the same number read near the blocks' top, centre and bottom, and not
 * one of the all-equal patterns that a plain area could imitate. -1 if there is none. */
static long decode_strip(XImage *img, int x, int y)
{
    long v = decode_row(img, x, y + STRIP_BLOCK / 2);
    if (v <= 0 || v == (1L << STRIP_BITS) - 1) return -1;
    if (decode_row(img, x, y + 2) != v || decode_row(img, x, y + STRIP_BLOCK - 3) != v) return -1;
    return v;
}

static void locate(void)
{
    XWindowAttributes attr;
    XGetWindowAttributes(dpy, root, &attr);
    XImage *img = XGetImage(dpy, root, 0, 0, (unsigned)attr.width, (unsigned)attr.height, AllPlanes, ZPixmap);
    if (!img) {
        printf("none\n");
        return;
    }
    for (int y = 0; y + STRIP_BLOCK <= img->height; y++) {
        for (int x = 0; x + STRIP_W <= img->width; x++) {
            if (decode_strip(img, x, y) < 0) continue;
            /* (x, y) is within a few pixels of the strip's corner: the edges of the black second block,
             * found by walking out of it, give the exact corner */
            int bx = x + STRIP_BLOCK + STRIP_BLOCK / 2, by = y + STRIP_BLOCK / 2, ty = by;
            while (bx > 0 && is_black(img, bx - 1, by)) bx--;
            while (ty > 0 && is_black(img, x + STRIP_BLOCK + STRIP_BLOCK / 2, ty - 1)) ty--;
            printf("at %d %d\n", bx - STRIP_BLOCK, ty);
            XDestroyImage(img);
            return;
        }
    }
    XDestroyImage(img);
    printf("none\n");
}

static void snapshot(const char *path)
{
    XWindowAttributes attr;
    XGetWindowAttributes(dpy, root, &attr);
    XImage *img = XGetImage(dpy, root, 0, 0, (unsigned)attr.width, (unsigned)attr.height, AllPlanes, ZPixmap);
    FILE *f = img ? fopen(path, "wb") : NULL;
    if (!f) {
        if (img) XDestroyImage(img);
        printf("error cannot write %s\n", path);
        return;
    }
    fprintf(f, "P6\n%d %d\n255\n", img->width, img->height);
    for (int y = 0; y < img->height; y++) {
        for (int x = 0; x < img->width; x++) {
            unsigned long p = XGetPixel(img, x, y);
            unsigned char rgb[3] = { (unsigned char)(p >> 16), (unsigned char)(p >> 8), (unsigned char)p };
            fwrite(rgb, 1, 3, f);
        }
    }
    fclose(f);
    XDestroyImage(img);
    printf("snapshot %s\n", path);
}

/* A read outside the screen (a window moved) must not end the probe: Xlib's default handler exits. */
static int ignore_x_error(Display *d, XErrorEvent *e)
{
    (void)d;
    (void)e;
    return 0;
}

int main(void)
{
    XSetErrorHandler(ignore_x_error);
    dpy = XOpenDisplay(NULL);
    if (!dpy) {
        fprintf(stderr, "x11-probe: cannot open display %s\n", getenv("DISPLAY") ? getenv("DISPLAY") : "(unset)");
        return 2;
    }
    int ev, er, maj, min;
    if (!XTestQueryExtension(dpy, &ev, &er, &maj, &min)) {
        fprintf(stderr, "x11-probe: the X server has no XTEST extension\n");
        return 2;
    }
    root = DefaultRootWindow(dpy);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int watching = 0, wx = 0, wy = 0;
    long long period = 2000, next = 0;
    long last = -1;
    char line[256];
    size_t have = 0;
    for (;;) {
        int timeout_ms = -1;
        if (watching) {
            long long wait = next - mono_us();
            timeout_ms = wait > 0 ? (int)((wait + 999) / 1000) : 0;
        }
        struct pollfd pfd = { .fd = 0, .events = POLLIN };
        int r = poll(&pfd, 1, timeout_ms);
        if (r > 0) {
            ssize_t n = read(0, line + have, sizeof(line) - 1 - have);
            if (n <= 0) break;
            have += (size_t)n;
            line[have] = 0;
            char *nl;
            while ((nl = strchr(line, '\n'))) {
                *nl = 0;
                int a, b;
                long long p;
                char name[64], path[200];
                if (strcmp(line, "quit") == 0) {
                    XCloseDisplay(dpy);
                    return 0;
                } else if (strcmp(line, "locate") == 0) {
                    locate();
                } else if (sscanf(line, "watch %d %d %lld", &a, &b, &p) == 3 && p >= 100) {
                    watching = 1;
                    wx = a;
                    wy = b;
                    period = p;
                    next = mono_us();
                    last = -1;
                } else if (strcmp(line, "unwatch") == 0) {
                    watching = 0;
                    printf("unwatched\n");
                } else if (sscanf(line, "move %d %d", &a, &b) == 2) {
                    long long t = mono_us();
                    XTestFakeMotionEvent(dpy, -1, a, b, CurrentTime);
                    XFlush(dpy);
                    printf("move %d %d %lld\n", a, b, t);
                } else if (sscanf(line, "snapshot %199s", path) == 1) {
                    snapshot(path);
                } else if (sscanf(line, "key %63s", name) == 1) {
                    KeyCode code = XKeysymToKeycode(dpy, XStringToKeysym(name));
                    if (code == 0) {
                        printf("error unknown keysym %s\n", name);
                    } else {
                        long long t = mono_us();
                        XTestFakeKeyEvent(dpy, code, True, CurrentTime);
                        XFlush(dpy);
                        printf("keydown %lld\n", t);
                        usleep(5000);
                        t = mono_us();
                        XTestFakeKeyEvent(dpy, code, False, CurrentTime);
                        XFlush(dpy);
                        printf("keyup %lld\n", t);
                    }
                } else if (line[0]) {
                    printf("error unknown command\n");
                }
                size_t used = (size_t)(nl - line) + 1;
                memmove(line, nl + 1, have - used + 1);
                have -= used;
            }
            if (have >= sizeof(line) - 1) have = 0; /* an over-long line: drop it */
        } else if (r < 0) {
            break;
        }
        if (watching && mono_us() >= next) {
            /* one row through the blocks' centres is all a reading needs */
            XImage *img = XGetImage(dpy, root, wx, wy + STRIP_BLOCK / 2, READ_W, 1, AllPlanes, ZPixmap);
            long long t = mono_us();
            if (img) {
                long f = decode_row(img, 0, 0);
                if (f >= 0 && f != last) {
                    last = f;
                    printf("frame %ld %lld %06lx\n", f, t, XGetPixel(img, PROBE_X, 0) & 0xffffff);
                }
                XDestroyImage(img);
            }
            next += period;
            if (next < t) next = t + period;
        }
    }
    XCloseDisplay(dpy);
    return 0;
}
