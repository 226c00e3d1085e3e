/* The C peer of the decoder benchmark (scripts/bench-c-peer.ts): a headless client on Debian's
 * libspice-client-glib, i.e. spice-gtk's protocol library with spice-common's QUIC/LZ/GLZ decoders and its
 * software canvas, driven only through its public API. It connects, opens the display channel and prints,
 * on the monotonic clock, when each draw on the primary surface is done (the display-invalidate signal that
 * spice-gtk emits right after drawing):
 *   "primary W H"        the primary surface exists
 *   "inv T_US X Y W H"   a draw finished
 * and answers "hash W H" on stdin with "hash HEX": the SHA-256 of the primary surface's top-left W x H pixels as
 * R, G, B, 255 bytes (the corpus manifest's decoded_sha256_rgba), which shows the decode was bit-exact.
 * It exits at end of input (the benchmark closes stdin) or when the main channel closes.
 * Usage: spice-glib-peer HOST PORT
 * Build: gcc -O2 -Wall -Wextra -Werror spice-glib-peer.c $(pkg-config --cflags --libs spice-client-glib-2.0)
 * (Debian libspice-client-glib-2.0-dev). */
#include <glib-unix.h>
#include <spice-client.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static GMainLoop *loop;
static const guint8 *primary_pixels; /* spice-gtk's primary surface memory: 32-bit xRGB, stride = width * 4 */
static gint primary_width, primary_height;
static GString *input;

static long long mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void on_invalidate(SpiceChannel *channel G_GNUC_UNUSED, gint x, gint y, gint w, gint h,
                          gpointer data G_GNUC_UNUSED)
{
    printf("inv %lld %d %d %d %d\n", mono_us(), x, y, w, h);
}

static void on_primary(SpiceChannel *channel G_GNUC_UNUSED, gint format G_GNUC_UNUSED, gint width, gint height,
                       gint stride G_GNUC_UNUSED, gint shmid G_GNUC_UNUSED, gpointer imgdata G_GNUC_UNUSED,
                       gpointer data G_GNUC_UNUSED)
{
    primary_pixels = imgdata;
    primary_width = width;
    primary_height = height;
    printf("primary %d %d\n", width, height);
}

static void hash_primary(int w, int h)
{
    if (!primary_pixels || w <= 0 || h <= 0 || w > primary_width || h > primary_height) {
        printf("hash none\n");
        return;
    }
    GChecksum *sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint8 *row = g_malloc((gsize)w * 4);
    for (int y = 0; y < h; y++) {
        const guint8 *src = primary_pixels + (gsize)y * primary_width * 4; /* B, G, R, x */
        for (int x = 0; x < w; x++) {
            row[x * 4] = src[x * 4 + 2];
            row[x * 4 + 1] = src[x * 4 + 1];
            row[x * 4 + 2] = src[x * 4];
            row[x * 4 + 3] = 255;
        }
        g_checksum_update(sum, row, (gssize)w * 4);
    }
    printf("hash %s\n", g_checksum_get_string(sum));
    g_free(row);
    g_checksum_free(sum);
}

static void on_channel_event(SpiceChannel *channel, SpiceChannelEvent event, gpointer data G_GNUC_UNUSED)
{
    if (SPICE_IS_MAIN_CHANNEL(channel) && event != SPICE_CHANNEL_OPENED) {
        fprintf(stderr, "spice-glib-peer: main channel event %d\n", event);
        g_main_loop_quit(loop);
    }
}

static void on_channel_new(SpiceSession *session G_GNUC_UNUSED, SpiceChannel *channel, gpointer data G_GNUC_UNUSED)
{
    g_signal_connect(channel, "channel-event", G_CALLBACK(on_channel_event), NULL);
    if (SPICE_IS_DISPLAY_CHANNEL(channel)) {
        g_signal_connect(channel, "display-primary-create", G_CALLBACK(on_primary), NULL);
        g_signal_connect(channel, "display-invalidate", G_CALLBACK(on_invalidate), NULL);
        spice_channel_connect(channel);
    }
}

static gboolean on_stdin(gint fd G_GNUC_UNUSED, GIOCondition cond G_GNUC_UNUSED, gpointer data G_GNUC_UNUSED)
{
    char buf[256];
    ssize_t n = read(0, buf, sizeof(buf));
    if (n <= 0) {
        g_main_loop_quit(loop);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(input, buf, n);
    char *nl;
    while ((nl = strchr(input->str, '\n'))) {
        *nl = 0;
        int w, h;
        if (sscanf(input->str, "hash %d %d", &w, &h) == 2) hash_primary(w, h);
        g_string_erase(input, 0, nl - input->str + 1);
    }
    if (input->len > 1024) g_string_truncate(input, 0);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: spice-glib-peer HOST PORT\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    loop = g_main_loop_new(NULL, FALSE);
    input = g_string_new(NULL);
    SpiceSession *session = spice_session_new();
    g_object_set(session, "host", argv[1], "port", argv[2], "enable-audio", FALSE, "enable-usbredir", FALSE, NULL);
    g_signal_connect(session, "channel-new", G_CALLBACK(on_channel_new), NULL);
    if (!spice_session_connect(session)) {
        fprintf(stderr, "spice-glib-peer: cannot connect\n");
        return 1;
    }
    g_unix_fd_add(0, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
    g_main_loop_run(loop);
    spice_session_disconnect(session);
    g_object_unref(session);
    return 0;
}
