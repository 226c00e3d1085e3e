/* Shared declarations of the SPICE test server: the process-wide state and each module's entry points. */
#pragma once
#include <glib.h>
#include <spice.h>
#include <spice/protocol.h>
#include <stdint.h>

#include "json.h"

typedef struct {
    int width;
    int height;
    uint32_t *pixels; /* width*height, 0xAARRGGBB (little-endian bytes B,G,R,A) */
} Image;

/* Process-wide state: this program is one server per process. */
typedef struct {
    SpiceServer *server;
    SpiceCoreInterface *core;
    GMainLoop *loop;
    /* options */
    int port;
    int tls_port;
    char *addr;
    char *image_path;
    int width;
    int height;
    char *password;
    char *x509_dir;
    char *xfer_dir;
    char *control;
    gboolean agent;
    gboolean usbredir;
    gboolean no_tablet;
    char *port_name;
    gboolean client_monitors_via_qxl;
    char *video_codecs_accepted;
} App;

extern App app;

/* output.c — stdout/socket protocol lines (thread-safe) and stderr diagnostics */
typedef enum { OUT_PLAIN, OUT_STDIO, OUT_UNIX } OutMode;
void out_init(OutMode mode);
OutMode out_mode(void);
void out_line(const char *line);            /* to every control peer (events) */
void out_line_to(int fd, const char *line); /* to one control peer (replies); fd 1 = stdout */
void out_add_peer(int fd);
void out_remove_peer(int fd);
void ev_begin(JOut *o, const char *event);
void ev_begin_timed(JOut *o, const char *event); /* adds t_us: the monotonic clock in microseconds */
void ev_emit(JOut *o);
void logm(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* loop.c — SpiceCoreInterface on GLib's default main context */
SpiceCoreInterface *core_new(void);
const char *channel_type_name(int type);

/* image.c */
Image *image_new(int width, int height);
Image *image_load_png(const char *path, char **error);
gboolean image_save_png(const Image *image, const char *path, char **error);
void image_free(Image *image);

/* control.c — command requests */
typedef struct {
    const JsonValue *req;
    const char *name;
    JOut out; /* the reply being built: fields added by the handler follow "ok" */
    char *error;
} Cmd;
void control_init(const char *spec);
gboolean cmd_fail(Cmd *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gboolean arg_int(Cmd *c, const char *key, gboolean required, gint64 def, gint64 min, gint64 max, gint64 *out);
gboolean arg_double(Cmd *c, const char *key, gboolean required, double def, double min, double max, double *out);
gboolean arg_str(Cmd *c, const char *key, gboolean required, const char *def, const char **out);
gboolean arg_bool(Cmd *c, const char *key, gboolean def, gboolean *out);
gboolean arg_color(Cmd *c, const char *key, gboolean required, uint32_t def, uint32_t *out);
const JsonValue *arg_value(Cmd *c, const char *key);
void emit_listening_event(int fd);

/* display.c — QXL device: surfaces, drawing, cursor, monitors, streaming */
void display_init(SpiceServer *server, int width, int height, const Image *initial);
gboolean cmd_draw_image(Cmd *c);
gboolean cmd_fill(Cmd *c);
gboolean cmd_copy_bits(Cmd *c);
gboolean cmd_create_surface(Cmd *c);
gboolean cmd_destroy_surface(Cmd *c);
gboolean cmd_copy_surface(Cmd *c);
gboolean cmd_resize(Cmd *c);
gboolean cmd_monitors(Cmd *c);
gboolean cmd_stream(Cmd *c);
gboolean cmd_screenshot(Cmd *c);
gboolean cmd_sync(Cmd *c);
gboolean cmd_cursor_set(Cmd *c);
gboolean cmd_cursor_move(Cmd *c);
gboolean cmd_cursor_hide(Cmd *c);
int display_client_monitors_config(VDAgentMonitorsConfig *mc);
/* for bench.c, on surface 0; bitmap pixels are w*h top-down xRGB owned (and freed) by the command;
 * a non-zero frame marks the frame's last command */
void display_bench_bitmap(int x, int y, uint32_t *owned, int w, int h, uint32_t frame);
void display_bench_fill(int x, int y, int w, int h, uint32_t rgb);
void display_bench_copy_bits(int src_x, int src_y, int x, int y, int w, int h);
guint display_bench_queued(void);
void display_bench_size(int *width, int *height);

/* bench.c — workload generators for the interactive benchmark */
gboolean cmd_bench_start(Cmd *c);
gboolean cmd_bench_stop(Cmd *c);
gboolean cmd_bench_frame(Cmd *c);
gboolean cmd_clock(Cmd *c);
void bench_frame_pulled(uint32_t frame); /* worker thread */

/* inputs.c */
void inputs_init(SpiceServer *server);
gboolean cmd_kbd_leds(Cmd *c);

/* audio.c */
void audio_init(SpiceServer *server);
gboolean cmd_play_sine(Cmd *c);
gboolean cmd_play_stop(Cmd *c);
gboolean cmd_record_start(Cmd *c);
gboolean cmd_record_stop(Cmd *c);
gboolean cmd_playback_volume(Cmd *c);
gboolean cmd_playback_mute(Cmd *c);
gboolean cmd_record_volume(Cmd *c);
gboolean cmd_record_mute(Cmd *c);

/* agent.c — the guest's vdagent */
void agent_init(SpiceServer *server, gboolean connect);
gboolean cmd_agent_connect(Cmd *c);
gboolean cmd_agent_disconnect(Cmd *c);
gboolean cmd_agent_announce(Cmd *c);
gboolean cmd_clipboard_grab(Cmd *c);
gboolean cmd_clipboard_release(Cmd *c);
gboolean cmd_clipboard_request(Cmd *c);
gboolean cmd_agent_stall(Cmd *c);
gboolean cmd_xfer_policy(Cmd *c);

/* usbredir.c — the usb-guest side */
void usbredir_init(SpiceServer *server);
gboolean cmd_usb_control(Cmd *c);
gboolean cmd_usb_bulk(Cmd *c);
gboolean cmd_usb_reset(Cmd *c);
gboolean usbredir_set_caps(const char *list);
gboolean cmd_usb_set_configuration(Cmd *c);
gboolean cmd_usb_get_configuration(Cmd *c);
gboolean cmd_usb_set_alt_setting(Cmd *c);
gboolean cmd_usb_get_alt_setting(Cmd *c);
gboolean cmd_usb_interrupt_receiving(Cmd *c);
gboolean cmd_usb_bulk_receiving(Cmd *c);
gboolean cmd_usb_iso_stream(Cmd *c);
gboolean cmd_usb_interrupt(Cmd *c);
gboolean cmd_usb_cancel(Cmd *c);
gboolean cmd_usb_filter(Cmd *c);
gboolean cmd_usb_filter_reject(Cmd *c);
gboolean cmd_usb_raw(Cmd *c);

/* port.c — an echoing spiceport */
void port_init(SpiceServer *server, const char *name);
gboolean cmd_port_send(Cmd *c);
gboolean cmd_port_event(Cmd *c);

/* main.c */
gboolean cmd_set_compression(Cmd *c);
gboolean cmd_set_streaming(Cmd *c);
gboolean cmd_set_password(Cmd *c);
gboolean cmd_info(Cmd *c);
gboolean cmd_quit(Cmd *c);
