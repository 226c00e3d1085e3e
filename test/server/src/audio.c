/* Playback (a sine of a chosen frequency pushed in real time at 48 kHz stereo S16) and record (samples from
 * the client counted, with their RMS level). */
#include <math.h>

#include "server.h"

#define RATE 48000
#define TICK_MS 10

typedef struct {
    SpicePlaybackInstance playback;
    SpiceRecordInstance record;
    /* playback */
    guint play_source;
    double freq;
    double amplitude;
    guint64 total_frames;
    guint64 generated;
    guint64 sent;
    guint64 dropped;
    gint64 start_us;
    /* record */
    guint rec_source;
    gboolean recording;
    guint64 rec_frames;
    double rec_sum_sq_l;
    double rec_sum_sq_r;
    guint64 rec_crossings_left;
    gboolean rec_last_negative;
    gint64 rec_last_report_us;
} Audio;

static Audio au;

static const SpicePlaybackInterface playback_sif = {
    .base = {
        .type = SPICE_INTERFACE_PLAYBACK,
        .description = "saffron test playback",
        .major_version = SPICE_INTERFACE_PLAYBACK_MAJOR,
        .minor_version = SPICE_INTERFACE_PLAYBACK_MINOR,
    },
};

static const SpiceRecordInterface record_sif = {
    .base = {
        .type = SPICE_INTERFACE_RECORD,
        .description = "saffron test record",
        .major_version = SPICE_INTERFACE_RECORD_MAJOR,
        .minor_version = SPICE_INTERFACE_RECORD_MINOR,
    },
};

void audio_init(SpiceServer *server)
{
    au.playback.base.sif = &playback_sif.base;
    au.record.base.sif = &record_sif.base;
    spice_server_add_interface(server, &au.playback.base);
    spice_server_add_interface(server, &au.record.base);
    spice_server_set_playback_rate(&au.playback, RATE);
    spice_server_set_record_rate(&au.record, RATE);
}

static int16_t sine_sample(guint64 i)
{
    return (int16_t)lrint(au.amplitude * 32767.0 * sin(2.0 * G_PI * au.freq * (double)i / RATE));
}

static void play_finish(const char *why)
{
    if (au.play_source) g_source_remove(au.play_source);
    au.play_source = 0;
    spice_server_playback_stop(&au.playback);
    JOut o;
    ev_begin(&o, "playback_done");
    jo_str(&o, "reason", why);
    jo_double(&o, "freq", au.freq);
    jo_int(&o, "frames", (gint64)au.generated);
    jo_int(&o, "frames_sent", (gint64)au.sent);
    jo_int(&o, "frames_dropped", (gint64)au.dropped);
    ev_emit(&o);
}

static gboolean play_tick(gpointer data G_GNUC_UNUSED)
{
    guint64 target = (guint64)((g_get_monotonic_time() - au.start_us) * RATE / 1000000) + RATE * TICK_MS / 1000;
    if (target > au.total_frames) target = au.total_frames;
    while (au.generated < target) {
        uint32_t *samples = NULL;
        uint32_t n = 0;
        spice_server_playback_get_buffer(&au.playback, &samples, &n);
        if (!samples || n == 0) {
            /* no client (or no free frame): the guest's audio goes nowhere, as in real time */
            guint64 skip = MIN(target - au.generated, (guint64)480);
            au.generated += skip;
            au.dropped += skip;
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            guint64 idx = au.generated + i;
            uint16_t s = idx < au.total_frames ? (uint16_t)sine_sample(idx) : 0;
            samples[i] = (uint32_t)s | ((uint32_t)s << 16);
        }
        spice_server_playback_put_samples(&au.playback, samples);
        au.generated += n;
        au.sent += n;
    }
    if (au.generated >= au.total_frames) {
        au.play_source = 0;
        play_finish("complete");
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

gboolean cmd_play_sine(Cmd *c)
{
    double freq, amp;
    gint64 ms;
    if (!arg_double(c, "freq", FALSE, 440, 1, 24000, &freq) || !arg_int(c, "ms", FALSE, 500, 1, 600000, &ms) ||
        !arg_double(c, "amplitude", FALSE, 0.5, 0, 1, &amp)) {
        return FALSE;
    }
    if (au.play_source) play_finish("replaced");
    au.freq = freq;
    au.amplitude = amp;
    au.total_frames = (guint64)ms * RATE / 1000;
    au.generated = au.sent = au.dropped = 0;
    au.start_us = g_get_monotonic_time();
    spice_server_playback_start(&au.playback);
    au.play_source = g_timeout_add(TICK_MS, play_tick, NULL);
    jo_int(&c->out, "frames", (gint64)au.total_frames);
    jo_int(&c->out, "rate", RATE);
    jo_int(&c->out, "channels", 2);
    return TRUE;
}

gboolean cmd_play_stop(Cmd *c G_GNUC_UNUSED)
{
    if (au.play_source) play_finish("stopped");
    return TRUE;
}

static double rms_of(double sum_sq, guint64 n)
{
    return n ? sqrt(sum_sq / (double)n) / 32768.0 : 0.0;
}

static void record_drain(void)
{
    uint32_t buf[4800];
    for (;;) {
        uint32_t n = spice_server_record_get_samples(&au.record, buf, G_N_ELEMENTS(buf));
        if (n == 0) break;
        for (uint32_t i = 0; i < n; i++) {
            double l = (int16_t)(buf[i] & 0xffff), r = (int16_t)(buf[i] >> 16);
            au.rec_sum_sq_l += l * l;
            au.rec_sum_sq_r += r * r;
            gboolean negative = l < 0;
            if (au.rec_frames + i > 0 && negative != au.rec_last_negative) au.rec_crossings_left++;
            au.rec_last_negative = negative;
        }
        au.rec_frames += n;
    }
}

static void add_record_stats(JOut *o)
{
    jo_str(o, "format", "s16");
    jo_int(o, "channels", 2);
    jo_int(o, "rate", RATE);
    jo_int(o, "frames", (gint64)au.rec_frames);
    jo_double(o, "rms", rms_of(au.rec_sum_sq_l + au.rec_sum_sq_r, au.rec_frames * 2));
    jo_double(o, "rms_left", rms_of(au.rec_sum_sq_l, au.rec_frames));
    jo_double(o, "rms_right", rms_of(au.rec_sum_sq_r, au.rec_frames));
    /* sign changes of the left channel: a sine of f Hz gives 2 f per second */
    jo_int(o, "crossings_left", (gint64)au.rec_crossings_left);
    jo_double(o, "freq_left", au.rec_frames ? (double)au.rec_crossings_left / 2.0 * RATE / (double)au.rec_frames : 0.0);
}

static gboolean record_tick(gpointer data G_GNUC_UNUSED)
{
    guint64 before = au.rec_frames;
    record_drain();
    gint64 now = g_get_monotonic_time();
    if (au.rec_frames != before && now - au.rec_last_report_us >= 1000000) {
        au.rec_last_report_us = now;
        JOut o;
        ev_begin(&o, "record_progress");
        add_record_stats(&o);
        ev_emit(&o);
    }
    return G_SOURCE_CONTINUE;
}

gboolean cmd_record_start(Cmd *c G_GNUC_UNUSED)
{
    if (au.recording) return cmd_fail(c, "already recording");
    au.recording = TRUE;
    au.rec_frames = 0;
    au.rec_sum_sq_l = au.rec_sum_sq_r = 0;
    au.rec_crossings_left = 0;
    au.rec_last_negative = FALSE;
    au.rec_last_report_us = g_get_monotonic_time();
    spice_server_record_start(&au.record);
    au.rec_source = g_timeout_add(TICK_MS, record_tick, NULL);
    return TRUE;
}

gboolean cmd_record_stop(Cmd *c)
{
    if (!au.recording) return cmd_fail(c, "not recording");
    record_drain();
    g_source_remove(au.rec_source);
    au.rec_source = 0;
    spice_server_record_stop(&au.record);
    au.recording = FALSE;
    add_record_stats(&c->out);
    return TRUE;
}

/* The guest mixer: spice-server forwards volume and mute to a client that announced the VOLUME cap (now if
 * one is connected, else when one connects). */
static gboolean volume_args(Cmd *c, uint16_t vol[2])
{
    gint64 left, right;
    if (!arg_int(c, "left", TRUE, 0, 0, 65535, &left) || !arg_int(c, "right", FALSE, left, 0, 65535, &right)) {
        return FALSE;
    }
    vol[0] = (uint16_t)left;
    vol[1] = (uint16_t)right;
    return TRUE;
}

gboolean cmd_playback_volume(Cmd *c)
{
    uint16_t vol[2];
    if (!volume_args(c, vol)) return FALSE;
    spice_server_playback_set_volume(&au.playback, 2, vol);
    return TRUE;
}

gboolean cmd_playback_mute(Cmd *c)
{
    gboolean mute;
    if (!arg_bool(c, "mute", TRUE, &mute)) return FALSE;
    spice_server_playback_set_mute(&au.playback, mute ? 1 : 0);
    return TRUE;
}

gboolean cmd_record_volume(Cmd *c)
{
    uint16_t vol[2];
    if (!volume_args(c, vol)) return FALSE;
    spice_server_record_set_volume(&au.record, 2, vol);
    return TRUE;
}

gboolean cmd_record_mute(Cmd *c)
{
    gboolean mute;
    if (!arg_bool(c, "mute", TRUE, &mute)) return FALSE;
    spice_server_record_set_mute(&au.record, mute ? 1 : 0);
    return TRUE;
}
