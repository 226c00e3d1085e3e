/* The control channel: JSON command lines from stdin or unix-socket peers, dispatched by name to the
 * modules; each command is answered with one reply line ({"reply":name,"ok":...}). */
#include <errno.h>
#include <glib-unix.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"

#define MAX_LINE_BYTES (4 * 1024 * 1024)

typedef gboolean (*CmdFn)(Cmd *c);

typedef struct {
    const char *name;
    CmdFn fn;
    const char *fields; /* space-separated allowed fields besides cmd and id */
} CmdDef;

static const CmdDef commands[] = {
    { "info", cmd_info, "" },
    { "quit", cmd_quit, "" },
    { "set_compression", cmd_set_compression, "image jpeg zlib_glz" },
    { "set_streaming", cmd_set_streaming, "mode codecs" },
    { "set_password", cmd_set_password, "password lifetime" },
    { "draw_image", cmd_draw_image, "surface x y png" },
    { "fill", cmd_fill, "surface x y width height color" },
    { "copy_bits", cmd_copy_bits, "surface src_x src_y x y width height" },
    { "create_surface", cmd_create_surface, "surface width height color" },
    { "destroy_surface", cmd_destroy_surface, "surface" },
    { "copy_surface", cmd_copy_surface, "src_surface src_x src_y surface x y width height" },
    { "resize", cmd_resize, "width height color png" },
    { "monitors", cmd_monitors, "monitors" },
    { "stream", cmd_stream, "x y width height frames fps" },
    { "screenshot", cmd_screenshot, "surface path" },
    { "sync", cmd_sync, "surface" },
    { "cursor_set", cmd_cursor_set, "type png width height hot_x hot_y x y visible" },
    { "cursor_move", cmd_cursor_move, "x y" },
    { "cursor_hide", cmd_cursor_hide, "" },
    { "kbd_leds", cmd_kbd_leds, "leds" },
    { "play_sine", cmd_play_sine, "freq ms amplitude" },
    { "play_stop", cmd_play_stop, "" },
    { "record_start", cmd_record_start, "" },
    { "record_stop", cmd_record_stop, "" },
    { "playback_volume", cmd_playback_volume, "left right" },
    { "playback_mute", cmd_playback_mute, "mute" },
    { "record_volume", cmd_record_volume, "left right" },
    { "record_mute", cmd_record_mute, "mute" },
    { "agent_connect", cmd_agent_connect, "" },
    { "agent_disconnect", cmd_agent_disconnect, "" },
    { "agent_announce", cmd_agent_announce, "request caps" },
    { "agent_stall", cmd_agent_stall, "stalled" },
    { "clipboard_grab", cmd_clipboard_grab, "text png file type selection" },
    { "clipboard_release", cmd_clipboard_release, "selection" },
    { "clipboard_request", cmd_clipboard_request, "type selection" },
    { "xfer_policy", cmd_xfer_policy, "status free io_error after_bytes" },
    { "usb_control", cmd_usb_control, "endpoint request requesttype value index length data" },
    { "usb_bulk", cmd_usb_bulk, "endpoint length data" },
    { "usb_reset", cmd_usb_reset, "" },
    { "usb_set_configuration", cmd_usb_set_configuration, "configuration" },
    { "usb_get_configuration", cmd_usb_get_configuration, "" },
    { "usb_set_alt_setting", cmd_usb_set_alt_setting, "interface alt" },
    { "usb_get_alt_setting", cmd_usb_get_alt_setting, "interface" },
    { "usb_interrupt_receiving", cmd_usb_interrupt_receiving, "endpoint start" },
    { "usb_bulk_receiving", cmd_usb_bulk_receiving, "endpoint start bytes_per_transfer transfers" },
    { "usb_iso_stream", cmd_usb_iso_stream, "endpoint" },
    { "usb_interrupt", cmd_usb_interrupt, "endpoint data" },
    { "usb_cancel", cmd_usb_cancel, "transfer_id" },
    { "usb_filter", cmd_usb_filter, "filter" },
    { "usb_filter_reject", cmd_usb_filter_reject, "" },
    { "usb_raw", cmd_usb_raw, "data" },
    { "port_send", cmd_port_send, "text hex" },
    { "port_event", cmd_port_event, "event" },
    { "bench_start", cmd_bench_start, "workload fps seed pace" },
    { "bench_stop", cmd_bench_stop, "path" },
    { "bench_frame", cmd_bench_frame, "frame" },
    { "clock", cmd_clock, "" },
};

typedef struct {
    int in_fd;
    int out_fd;
    GString *buf;
    guint source;
} Peer;

/* ---- argument helpers ---- */

gboolean cmd_fail(Cmd *c, const char *fmt, ...)
{
    if (!c->error) {
        va_list ap;
        va_start(ap, fmt);
        c->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    return FALSE;
}

const JsonValue *arg_value(Cmd *c, const char *key)
{
    const JsonValue *v = json_get(c->req, key);
    return v && v->type != JSON_NULL ? v : NULL;
}

gboolean arg_int(Cmd *c, const char *key, gboolean required, gint64 def, gint64 min, gint64 max, gint64 *out)
{
    const JsonValue *v = arg_value(c, key);
    if (!v) {
        if (required) return cmd_fail(c, "missing field '%s'", key);
        *out = def;
    } else if (v->type != JSON_NUMBER || v->number != (double)(gint64)v->number) {
        return cmd_fail(c, "field '%s' must be an integer", key);
    } else {
        *out = (gint64)v->number;
    }
    if (*out < min || *out > max) {
        return cmd_fail(c, "field '%s' = %" G_GINT64_FORMAT " is outside %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                        key, *out, min, max);
    }
    return TRUE;
}

gboolean arg_double(Cmd *c, const char *key, gboolean required, double def, double min, double max, double *out)
{
    const JsonValue *v = arg_value(c, key);
    if (!v) {
        if (required) return cmd_fail(c, "missing field '%s'", key);
        *out = def;
    } else if (v->type != JSON_NUMBER) {
        return cmd_fail(c, "field '%s' must be a number", key);
    } else {
        *out = v->number;
    }
    if (*out < min || *out > max) {
        return cmd_fail(c, "field '%s' is outside %g..%g", key, min, max);
    }
    return TRUE;
}

gboolean arg_str(Cmd *c, const char *key, gboolean required, const char *def, const char **out)
{
    const JsonValue *v = arg_value(c, key);
    if (!v) {
        if (required) return cmd_fail(c, "missing field '%s'", key);
        *out = def;
        return TRUE;
    }
    if (v->type != JSON_STRING || strlen(v->string) != v->string_len) {
        return cmd_fail(c, "field '%s' must be a string without NUL", key);
    }
    *out = v->string;
    return TRUE;
}

gboolean arg_bool(Cmd *c, const char *key, gboolean def, gboolean *out)
{
    const JsonValue *v = arg_value(c, key);
    if (!v) {
        *out = def;
        return TRUE;
    }
    if (v->type != JSON_BOOL) return cmd_fail(c, "field '%s' must be true or false", key);
    *out = v->boolean;
    return TRUE;
}

/* Colors: "#rrggbb" or an integer 0xRRGGBB. */
gboolean arg_color(Cmd *c, const char *key, gboolean required, uint32_t def, uint32_t *out)
{
    const JsonValue *v = arg_value(c, key);
    if (!v) {
        if (required) return cmd_fail(c, "missing field '%s'", key);
        *out = def;
        return TRUE;
    }
    if (v->type == JSON_NUMBER && v->number >= 0 && v->number <= 0xffffff && v->number == (double)(gint64)v->number) {
        *out = (uint32_t)v->number;
        return TRUE;
    }
    if (v->type == JSON_STRING && v->string_len == 7 && v->string[0] == '#') {
        char *end = NULL;
        guint64 n = g_ascii_strtoull(v->string + 1, &end, 16);
        if (end && *end == 0) {
            *out = (uint32_t)n;
            return TRUE;
        }
    }
    return cmd_fail(c, "field '%s' must be \"#rrggbb\" or an integer 0..0xffffff", key);
}

/* ---- dispatch ---- */

static gboolean field_allowed(const CmdDef *def, const char *key)
{
    if (strcmp(key, "cmd") == 0 || strcmp(key, "id") == 0) return TRUE;
    gsize klen = strlen(key);
    const char *p = def->fields;
    while (*p) {
        const char *sp = strchr(p, ' ');
        gsize n = sp ? (gsize)(sp - p) : strlen(p);
        if (n == klen && strncmp(p, key, n) == 0) return TRUE;
        p += n;
        while (*p == ' ') p++;
    }
    return FALSE;
}

static void reply_error(int fd, const char *name, const char *id_json, const char *error)
{
    JOut o;
    jo_init(&o);
    jo_str(&o, "reply", name);
    if (id_json) jo_raw(&o, "id", id_json);
    jo_bool(&o, "ok", FALSE);
    jo_str(&o, "error", error);
    char *line = jo_finish(&o);
    out_line_to(fd, line);
    g_free(line);
}

static void handle_line(int out_fd, const char *line, gsize len)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    if (len == 0) return;
    char *perr = NULL;
    JsonValue *req = json_parse(line, len, &perr);
    if (!req) {
        char *msg = g_strdup_printf("invalid JSON: %s", perr);
        reply_error(out_fd, "", NULL, msg);
        g_free(msg);
        g_free(perr);
        return;
    }
    const JsonValue *id = json_get(req, "id");
    char *id_json = id ? json_serialize(id) : NULL;
    const JsonValue *name = json_get(req, "cmd");
    if (req->type != JSON_OBJECT || !name || name->type != JSON_STRING) {
        reply_error(out_fd, "", id_json, "a request is an object with a string field 'cmd'");
        goto out;
    }
    const CmdDef *def = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, name->string) == 0) def = &commands[i];
    }
    if (!def) {
        char *msg = g_strdup_printf("unknown command '%s'", name->string);
        reply_error(out_fd, name->string, id_json, msg);
        g_free(msg);
        goto out;
    }
    for (guint i = 0; i < req->keys->len; i++) {
        const char *key = g_ptr_array_index(req->keys, i);
        if (!field_allowed(def, key)) {
            char *msg = g_strdup_printf("unknown field '%s' for %s", key, def->name);
            reply_error(out_fd, def->name, id_json, msg);
            g_free(msg);
            goto out;
        }
    }
    Cmd c = { .req = req, .name = def->name, .error = NULL };
    jo_init(&c.out);
    jo_str(&c.out, "reply", def->name);
    if (id_json) jo_raw(&c.out, "id", id_json);
    jo_bool(&c.out, "ok", TRUE);
    if (def->fn(&c)) {
        char *text = jo_finish(&c.out);
        out_line_to(out_fd, text);
        g_free(text);
    } else {
        jo_clear(&c.out);
        reply_error(out_fd, def->name, id_json, c.error ? c.error : "failed");
    }
    g_free(c.error);
out:
    g_free(id_json);
    json_free(req);
}

static void peer_close(Peer *p)
{
    if (p->source) g_source_remove(p->source);
    p->source = 0;
    if (out_mode() == OUT_UNIX) {
        out_remove_peer(p->out_fd);
        close(p->in_fd);
        g_string_free(p->buf, TRUE);
        g_free(p);
        return;
    }
    /* stdin closed: the test runner is gone, so is the server */
    logm("control input closed, exiting");
    g_main_loop_quit(app.loop);
}

static gboolean peer_readable(gint fd, GIOCondition cond G_GNUC_UNUSED, gpointer data)
{
    Peer *p = data;
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return G_SOURCE_CONTINUE;
    if (n <= 0) {
        p->source = 0;
        peer_close(p);
        return G_SOURCE_REMOVE;
    }
    g_string_append_len(p->buf, chunk, n);
    gsize start = 0;
    for (gsize i = 0; i < p->buf->len; i++) {
        if (p->buf->str[i] == '\n') {
            handle_line(p->out_fd, p->buf->str + start, i - start);
            start = i + 1;
        }
    }
    g_string_erase(p->buf, 0, (gssize)start);
    if (p->buf->len > MAX_LINE_BYTES) {
        reply_error(p->out_fd, "", NULL, "line too long");
        g_string_truncate(p->buf, 0);
    }
    return G_SOURCE_CONTINUE;
}

static Peer *peer_new(int in_fd, int out_fd)
{
    Peer *p = g_new0(Peer, 1);
    p->in_fd = in_fd;
    p->out_fd = out_fd;
    p->buf = g_string_new(NULL);
    p->source = g_unix_fd_add(in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, peer_readable, p);
    return p;
}

static gboolean listener_readable(gint fd, GIOCondition cond G_GNUC_UNUSED, gpointer data G_GNUC_UNUSED)
{
    int cfd = accept(fd, NULL, NULL);
    if (cfd < 0) return G_SOURCE_CONTINUE;
    out_add_peer(cfd);
    peer_new(cfd, cfd);
    emit_listening_event(cfd);
    return G_SOURCE_CONTINUE;
}

void control_init(const char *spec)
{
    if (!spec) {
        out_init(OUT_PLAIN);
        return;
    }
    if (strcmp(spec, "stdio") == 0) {
        out_init(OUT_STDIO);
        peer_new(0, 1);
        return;
    }
    if (g_str_has_prefix(spec, "unix:")) {
        const char *path = spec + 5;
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (strlen(path) == 0 || strlen(path) >= sizeof(sa.sun_path)) {
            logm("bad control socket path '%s'", path);
            exit(2);
        }
        strcpy(sa.sun_path, path);
        unlink(path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
            logm("cannot listen on control socket %s: %s", path, g_strerror(errno));
            exit(2);
        }
        out_init(OUT_UNIX);
        g_unix_fd_add(fd, G_IO_IN, listener_readable, NULL);
        return;
    }
    logm("--control must be 'stdio' or 'unix:PATH'");
    exit(2);
}
