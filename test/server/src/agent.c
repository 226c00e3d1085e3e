/* The guest's vdagent on the "vdagent" char device: VDIChunkHeader framing and message reassembly, capability
 * announce, monitors config, mouse state, clipboard (grab/request/data/release, with the selection and serial
 * extensions when both sides have them; serials and the MAX_CLIPBOARD cap behave as spice-vdagentd's) and file
 * transfer into --xfer-dir (with injectable failures, reported in detail when FILE_XFER_DETAILED_ERRORS is
 * negotiated, as spice-vdagentd does). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define MAX_CHUNK_BYTES (1024 * 1024)
#define MAX_MESSAGE_BYTES (64 * 1024 * 1024)
#define OUT_CHUNK_DATA (VD_AGENT_MAX_DATA_SIZE - sizeof(VDIChunkHeader))
#define CLIPBOARD_INLINE_MAX (64 * 1024)
#define NUM_SELECTIONS 3
#define CAP_WORDS 1
#define XFER_SILENT 1000 /* xfer_policy "silent": FILE_XFER_START is never answered */

typedef struct {
    uint32_t id;
    char *name;
    char *path;
    guint64 size;
    guint64 received;
    int fd;
} Xfer;

typedef struct {
    uint32_t type; /* VD_AGENT_CLIPBOARD_* or NONE */
    GBytes *data;
} Owned;

typedef struct {
    SpiceCharDeviceInstance sin;
    gboolean plugged;
    /* client -> guest stream */
    uint8_t chunk_header[sizeof(VDIChunkHeader)];
    gsize chunk_header_len;
    guint32 chunk_port;
    guint32 chunk_left;
    GByteArray *message[VDP_END_PORT]; /* reassembly per port */
    /* guest -> client stream */
    GByteArray *out;
    /* capabilities */
    uint32_t our_caps[CAP_WORDS];
    uint32_t client_caps[CAP_WORDS];
    gboolean client_caps_known;
    /* clipboard */
    Owned owned[NUM_SELECTIONS];
    uint32_t serial[NUM_SELECTIONS];
    int32_t client_max_clipboard; /* VD_AGENT_MAX_CLIPBOARD from the client; -1 = no limit */
    gboolean stalled;             /* agent_stall: the device takes no bytes, so spice-server holds the tokens */
    /* file transfer */
    GHashTable *xfers; /* id -> Xfer* */
    uint32_t xfer_fail_status;    /* xfer_policy: 0 = succeed, else the VD_AGENT_FILE_XFER_STATUS_* to answer */
    guint64 xfer_free_bytes;      /* detail for NOT_ENOUGH_SPACE */
    int xfer_io_error;            /* detail for ERROR (a G_IO_ERROR_* code), -1 = none */
    gint64 xfer_after_bytes;      /* fail once this many bytes arrived (-1: at FILE_XFER_START) */
} Agent;

static Agent ag;

static gboolean has_cap(const uint32_t *caps, int cap)
{
    return cap / 32 < CAP_WORDS && (caps[cap / 32] & (1u << (cap % 32))) != 0;
}

static gboolean negotiated(int cap)
{
    return has_cap(ag.our_caps, cap) && ag.client_caps_known && has_cap(ag.client_caps, cap);
}

static void set_default_caps(void)
{
    static const int defaults[] = {
        VD_AGENT_CAP_MOUSE_STATE, VD_AGENT_CAP_MONITORS_CONFIG, VD_AGENT_CAP_REPLY,
        VD_AGENT_CAP_CLIPBOARD_BY_DEMAND, VD_AGENT_CAP_CLIPBOARD_SELECTION, VD_AGENT_CAP_SPARSE_MONITORS_CONFIG,
        VD_AGENT_CAP_GUEST_LINEEND_LF, VD_AGENT_CAP_MAX_CLIPBOARD, VD_AGENT_CAP_MONITORS_CONFIG_POSITION,
        VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS, VD_AGENT_CAP_GRAPHICS_DEVICE_INFO,
        VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB, VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL,
    };
    memset(ag.our_caps, 0, sizeof(ag.our_caps));
    for (gsize i = 0; i < G_N_ELEMENTS(defaults); i++) {
        ag.our_caps[defaults[i] / 32] |= 1u << (defaults[i] % 32);
    }
}

static char *caps_json(const uint32_t *caps, gsize words)
{
    GString *s = g_string_new("[");
    gboolean first = TRUE;
    for (gsize w = 0; w < words; w++) {
        for (int b = 0; b < 32; b++) {
            if (caps[w] & (1u << b)) {
                g_string_append_printf(s, "%s%d", first ? "" : ",", (int)(w * 32 + (gsize)b));
                first = FALSE;
            }
        }
    }
    g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

static void emit_error(const char *what)
{
    JOut o;
    ev_begin(&o, "agent_error");
    jo_str(&o, "error", what);
    ev_emit(&o);
}

/* ---- guest -> client ---- */

static void send_message(uint32_t type, const void *d1, gsize n1, const void *d2, gsize n2)
{
    if (!ag.plugged) return;
    VDAgentMessage hdr = { .protocol = VD_AGENT_PROTOCOL, .type = type, .opaque = 0, .size = (uint32_t)(n1 + n2) };
    GByteArray *msg = g_byte_array_sized_new((guint)(sizeof(hdr) + n1 + n2));
    g_byte_array_append(msg, (const guint8 *)&hdr, sizeof(hdr));
    if (n1) g_byte_array_append(msg, d1, (guint)n1);
    if (n2) g_byte_array_append(msg, d2, (guint)n2);
    /* one message per run of chunks, each chunk at most VD_AGENT_MAX_DATA_SIZE with its header */
    for (gsize off = 0; off < msg->len; off += OUT_CHUNK_DATA) {
        gsize n = MIN(OUT_CHUNK_DATA, msg->len - off);
        VDIChunkHeader ch = { .port = VDP_CLIENT_PORT, .size = (uint32_t)n };
        g_byte_array_append(ag.out, (const guint8 *)&ch, sizeof(ch));
        g_byte_array_append(ag.out, msg->data + off, (guint)n);
    }
    g_byte_array_unref(msg);
    spice_server_char_device_wakeup(&ag.sin);
}

static void send_announce(gboolean request)
{
    uint32_t req = request ? 1 : 0;
    send_message(VD_AGENT_ANNOUNCE_CAPABILITIES, &req, 4, ag.our_caps, sizeof(ag.our_caps));
}

static void send_reply(uint32_t type, uint32_t error)
{
    VDAgentReply r = { .type = type, .error = error };
    send_message(VD_AGENT_REPLY, &r, sizeof(r), NULL, 0);
}

static void send_xfer_status(uint32_t id, uint32_t result)
{
    uint32_t st[2] = { id, result };
    send_message(VD_AGENT_FILE_XFER_STATUS, st, sizeof(st), NULL, 0);
}

/* A failure status with its detail, as spice-vdagentd: without FILE_XFER_DETAILED_ERRORS on both sides every
 * status past SUCCESS becomes a plain ERROR without data. */
static void send_xfer_failure(uint32_t id, uint32_t result)
{
    if (result > VD_AGENT_FILE_XFER_STATUS_SUCCESS && !negotiated(VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS)) {
        send_xfer_status(id, VD_AGENT_FILE_XFER_STATUS_ERROR);
        return;
    }
    uint32_t st[2] = { id, result };
    if (result == VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE && negotiated(VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS)) {
        guint64 free_bytes = ag.xfer_free_bytes;
        send_message(VD_AGENT_FILE_XFER_STATUS, st, sizeof(st), &free_bytes, sizeof(free_bytes));
    } else if (result == VD_AGENT_FILE_XFER_STATUS_ERROR && ag.xfer_io_error >= 0 &&
               negotiated(VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS)) {
        uint8_t detail[5] = { VD_AGENT_FILE_XFER_STATUS_ERROR_GLIB_IO, 0, 0, 0, 0 };
        uint32_t code = (uint32_t)ag.xfer_io_error;
        memcpy(detail + 1, &code, 4);
        send_message(VD_AGENT_FILE_XFER_STATUS, st, sizeof(st), detail, sizeof(detail));
    } else {
        send_xfer_status(id, result);
    }
}

static const char *xfer_status_name(uint32_t status)
{
    switch (status) {
    case VD_AGENT_FILE_XFER_STATUS_CANCELLED: return "cancelled";
    case VD_AGENT_FILE_XFER_STATUS_ERROR: return "error";
    case VD_AGENT_FILE_XFER_STATUS_SUCCESS: return "success";
    case VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE: return "no_space";
    case VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED: return "locked";
    case VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED: return "not_connected";
    case VD_AGENT_FILE_XFER_STATUS_DISABLED: return "disabled";
    default: return "unknown";
    }
}

/* The selection prefix exists only when both sides announced CLIPBOARD_SELECTION. */
static gsize selection_prefix(uint8_t selection, uint8_t out[4])
{
    if (!negotiated(VD_AGENT_CAP_CLIPBOARD_SELECTION)) return 0;
    out[0] = selection;
    out[1] = out[2] = out[3] = 0;
    return 4;
}

static void send_clipboard(uint8_t selection, uint32_t type, const void *data, gsize len)
{
    uint8_t head[8];
    gsize n = selection_prefix(selection, head);
    memcpy(head + n, &type, 4);
    send_message(VD_AGENT_CLIPBOARD, head, n + 4, data, len);
}

/* ---- file transfer ---- */

static void xfer_free(gpointer p)
{
    Xfer *x = p;
    if (x->fd >= 0) close(x->fd);
    g_free(x->name);
    g_free(x->path);
    g_free(x);
}

static void emit_xfer_done(const Xfer *x, const char *status)
{
    JOut o;
    ev_begin(&o, "file_xfer_done");
    jo_int(&o, "id", x->id);
    jo_str(&o, "name", x->name);
    jo_int(&o, "size", (gint64)x->size);
    jo_int(&o, "received", (gint64)x->received);
    jo_str(&o, "status", status);
    if (x->path) jo_str(&o, "path", x->path);
    ev_emit(&o);
}

static void xfer_fail(Xfer *x, const char *status, uint32_t code, gboolean tell_client)
{
    if (x->fd >= 0) {
        close(x->fd);
        x->fd = -1;
    }
    if (x->path) unlink(x->path);
    emit_xfer_done(x, status);
    if (tell_client) send_xfer_failure(x->id, code);
    g_hash_table_remove(ag.xfers, GUINT_TO_POINTER(x->id));
}

/* A free path for `name` in `dir`: an existing name gets " (1)", " (2)", … before its extension, as
 * spice-vdagent names copies ("report (1).txt"). */
static char *unique_path(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL);
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    for (int i = 1; g_file_test(path, G_FILE_TEST_EXISTS) && i < 1000; i++) {
        g_free(path);
        char *alt = g_strdup_printf("%.*s (%d)%s", stem, name, i, name + stem);
        path = g_build_filename(dir, alt, NULL);
        g_free(alt);
    }
    return path;
}

static void handle_xfer_start(const uint8_t *d, gsize len)
{
    if (len < 4) {
        emit_error("short FILE_XFER_START");
        return;
    }
    uint32_t id;
    memcpy(&id, d, 4);
    char *text = g_strndup((const char *)d + 4, len - 4); /* GKeyFile text (NUL-terminated on the wire) */
    GKeyFile *kf = g_key_file_new();
    GError *err = NULL;
    char *name = NULL;
    guint64 size = 0;
    if (g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &err)) {
        name = g_key_file_get_string(kf, "vdagent-file-xfer", "name", NULL);
        size = g_key_file_get_uint64(kf, "vdagent-file-xfer", "size", &err);
    }
    g_key_file_unref(kf);
    g_free(text);
    Xfer *x = g_new0(Xfer, 1);
    x->id = id;
    x->fd = -1;
    x->size = size;
    x->name = name ? g_path_get_basename(name) : g_strdup("");
    g_free(name);
    g_hash_table_replace(ag.xfers, GUINT_TO_POINTER(id), x);
    JOut o;
    ev_begin(&o, "file_xfer_start");
    jo_int(&o, "id", id);
    jo_str(&o, "name", x->name);
    jo_int(&o, "size", (gint64)size);
    ev_emit(&o);
    if (err || x->name[0] == 0 || strcmp(x->name, ".") == 0 || strcmp(x->name, "..") == 0 ||
        strcmp(x->name, "/") == 0) {
        if (err) g_error_free(err);
        xfer_fail(x, "error", VD_AGENT_FILE_XFER_STATUS_ERROR, TRUE);
        return;
    }
    if (!app.xfer_dir) {
        xfer_fail(x, "disabled", VD_AGENT_FILE_XFER_STATUS_DISABLED, TRUE);
        return;
    }
    if (ag.xfer_fail_status == XFER_SILENT) return; /* an agent that never answers */
    if (ag.xfer_fail_status && ag.xfer_after_bytes < 0) {
        xfer_fail(x, xfer_status_name(ag.xfer_fail_status), ag.xfer_fail_status, TRUE);
        return;
    }
    x->path = unique_path(app.xfer_dir, x->name);
    x->fd = open(x->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (x->fd < 0) {
        g_free(x->path);
        x->path = NULL;
        xfer_fail(x, "error", VD_AGENT_FILE_XFER_STATUS_ERROR, TRUE);
        return;
    }
    send_xfer_status(id, VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA);
}

static void handle_xfer_data(const uint8_t *d, gsize len)
{
    if (len < 12) {
        emit_error("short FILE_XFER_DATA");
        return;
    }
    uint32_t id;
    guint64 size;
    memcpy(&id, d, 4);
    memcpy(&size, d + 4, 8);
    Xfer *x = g_hash_table_lookup(ag.xfers, GUINT_TO_POINTER(id));
    if (!x) {
        emit_error("FILE_XFER_DATA for an unknown transfer");
        return;
    }
    if (size != len - 12 || x->received + size > x->size) {
        xfer_fail(x, "error", VD_AGENT_FILE_XFER_STATUS_ERROR, TRUE);
        return;
    }
    if (ag.xfer_fail_status && ag.xfer_after_bytes >= 0 && x->received + size > (guint64)ag.xfer_after_bytes) {
        xfer_fail(x, xfer_status_name(ag.xfer_fail_status), ag.xfer_fail_status, TRUE);
        return;
    }
    const uint8_t *p = d + 12;
    gsize left = (gsize)size;
    while (left > 0) {
        ssize_t n = write(x->fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            xfer_fail(x, "error", VD_AGENT_FILE_XFER_STATUS_ERROR, TRUE);
            return;
        }
        p += n;
        left -= (gsize)n;
    }
    x->received += size;
    if (x->received == x->size) {
        close(x->fd);
        x->fd = -1;
        send_xfer_status(id, VD_AGENT_FILE_XFER_STATUS_SUCCESS);
        emit_xfer_done(x, "success");
        g_hash_table_remove(ag.xfers, GUINT_TO_POINTER(id));
    }
}

static void handle_xfer_status(const uint8_t *d, gsize len)
{
    if (len < 8) {
        emit_error("short FILE_XFER_STATUS");
        return;
    }
    uint32_t id, result;
    memcpy(&id, d, 4);
    memcpy(&result, d + 4, 4);
    Xfer *x = g_hash_table_lookup(ag.xfers, GUINT_TO_POINTER(id));
    if (!x) return;
    xfer_fail(x, result == VD_AGENT_FILE_XFER_STATUS_CANCELLED ? "cancelled" : "error", result, FALSE);
}

static void cancel_all_xfers(void)
{
    GList *values = g_hash_table_get_values(ag.xfers);
    for (GList *l = values; l; l = l->next) {
        xfer_fail(l->data, "cancelled", VD_AGENT_FILE_XFER_STATUS_CANCELLED, FALSE);
    }
    g_list_free(values);
}

/* ---- client -> guest messages ---- */

static const char *clipboard_type_name(uint32_t t)
{
    switch (t) {
    case VD_AGENT_CLIPBOARD_NONE: return "none";
    case VD_AGENT_CLIPBOARD_UTF8_TEXT: return "text";
    case VD_AGENT_CLIPBOARD_IMAGE_PNG: return "png";
    case VD_AGENT_CLIPBOARD_IMAGE_BMP: return "bmp";
    case VD_AGENT_CLIPBOARD_IMAGE_TIFF: return "tiff";
    case VD_AGENT_CLIPBOARD_IMAGE_JPG: return "jpg";
    case VD_AGENT_CLIPBOARD_FILE_LIST: return "file_list";
    default: return "unknown";
    }
}

/* Strips the optional selection prefix; returns FALSE if too short. */
static gboolean take_selection(const uint8_t **d, gsize *len, uint8_t *selection)
{
    *selection = 0;
    if (!negotiated(VD_AGENT_CAP_CLIPBOARD_SELECTION)) return TRUE;
    if (*len < 4) return FALSE;
    *selection = (*d)[0];
    *d += 4;
    *len -= 4;
    return *selection < NUM_SELECTIONS;
}

static void handle_monitors_config(const uint8_t *d, gsize len)
{
    if (len < 8) {
        emit_error("short MONITORS_CONFIG");
        return;
    }
    uint32_t num, flags;
    memcpy(&num, d, 4);
    memcpy(&flags, d + 4, 4);
    if (num > 256 || len < 8 + (gsize)num * sizeof(VDAgentMonConfig)) {
        emit_error("bad MONITORS_CONFIG size");
        send_reply(VD_AGENT_MONITORS_CONFIG, VD_AGENT_ERROR);
        return;
    }
    GString *arr = g_string_new("[");
    for (uint32_t i = 0; i < num; i++) {
        VDAgentMonConfig m;
        memcpy(&m, d + 8 + i * sizeof(m), sizeof(m));
        g_string_append_printf(arr, "%s{\"width\":%u,\"height\":%u,\"depth\":%u,\"x\":%d,\"y\":%d}", i ? "," : "",
                               m.width, m.height, m.depth, m.x, m.y);
    }
    g_string_append_c(arr, ']');
    JOut o;
    ev_begin(&o, "monitors_config_request");
    jo_str(&o, "via", "agent");
    jo_int(&o, "flags", flags);
    jo_raw(&o, "monitors", arr->str);
    ev_emit(&o);
    g_string_free(arr, TRUE);
    send_reply(VD_AGENT_MONITORS_CONFIG, VD_AGENT_SUCCESS);
}

static void handle_clipboard_data(const uint8_t *d, gsize len)
{
    uint8_t sel;
    if (!take_selection(&d, &len, &sel) || len < 4) {
        emit_error("bad CLIPBOARD");
        return;
    }
    uint32_t type;
    memcpy(&type, d, 4);
    d += 4;
    len -= 4;
    JOut o;
    ev_begin(&o, "clipboard");
    jo_int(&o, "selection", sel);
    jo_str(&o, "type", clipboard_type_name(type));
    jo_int(&o, "type_code", type);
    jo_int(&o, "size", (gint64)len);
    char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d, len);
    jo_str(&o, "sha256", sum);
    g_free(sum);
    if (len <= CLIPBOARD_INLINE_MAX) {
        if (type == VD_AGENT_CLIPBOARD_UTF8_TEXT) {
            jo_strn(&o, "text", (const char *)d, len);
        } else {
            char *b64 = g_base64_encode(d, len);
            jo_str(&o, "base64", b64);
            g_free(b64);
        }
    }
    ev_emit(&o);
}

static void handle_message(uint32_t port, uint32_t type, const uint8_t *d, gsize len)
{
    switch (type) {
    case VD_AGENT_ANNOUNCE_CAPABILITIES: {
        if (len < 4) {
            emit_error("short ANNOUNCE_CAPABILITIES");
            return;
        }
        uint32_t request;
        memcpy(&request, d, 4);
        gsize words = MIN((len - 4) / 4, (gsize)CAP_WORDS);
        memset(ag.client_caps, 0, sizeof(ag.client_caps));
        memcpy(ag.client_caps, d + 4, words * 4);
        ag.client_caps_known = TRUE;
        uint32_t all[64] = { 0 };
        gsize all_words = MIN((len - 4) / 4, G_N_ELEMENTS(all));
        memcpy(all, d + 4, all_words * 4);
        char *caps = caps_json(all, all_words);
        JOut o;
        ev_begin(&o, "agent_caps");
        jo_bool(&o, "request", request != 0);
        jo_raw(&o, "caps", caps);
        ev_emit(&o);
        g_free(caps);
        if (request) {
            /* a (new) client: grab serials restart, as in spice-vdagentd */
            memset(ag.serial, 0, sizeof(ag.serial));
            ag.client_max_clipboard = -1;
            send_announce(FALSE);
        }
        return;
    }
    case VD_AGENT_MONITORS_CONFIG:
        handle_monitors_config(d, len);
        return;
    case VD_AGENT_DISPLAY_CONFIG: {
        JOut o;
        ev_begin(&o, "display_config");
        if (len >= 8) {
            uint32_t flags, depth;
            memcpy(&flags, d, 4);
            memcpy(&depth, d + 4, 4);
            jo_int(&o, "flags", flags);
            jo_int(&o, "depth", depth);
        }
        ev_emit(&o);
        send_reply(VD_AGENT_DISPLAY_CONFIG, VD_AGENT_SUCCESS);
        return;
    }
    case VD_AGENT_MOUSE_STATE: {
        if (len < sizeof(VDAgentMouseState)) {
            emit_error("short MOUSE_STATE");
            return;
        }
        VDAgentMouseState m;
        memcpy(&m, d, sizeof(m));
        JOut o;
        ev_begin(&o, "agent_mouse");
        jo_int(&o, "x", m.x);
        jo_int(&o, "y", m.y);
        jo_int(&o, "buttons", m.buttons);
        jo_int(&o, "display_id", m.display_id);
        ev_emit(&o);
        return;
    }
    case VD_AGENT_CLIPBOARD_GRAB: {
        uint8_t sel;
        if (!take_selection(&d, &len, &sel)) {
            emit_error("bad CLIPBOARD_GRAB");
            return;
        }
        JOut o;
        ev_begin(&o, "clipboard_grab");
        jo_int(&o, "selection", sel);
        if (negotiated(VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL)) {
            if (len < 4) {
                jo_clear(&o);
                emit_error("bad CLIPBOARD_GRAB serial");
                return;
            }
            uint32_t serial;
            memcpy(&serial, d, 4);
            d += 4;
            len -= 4;
            /* spice-vdagentd: the serial it expects wins; one behind means both grabbed at once and the client
             * wins; anything else is a stale grab and is dropped */
            if (serial == ag.serial[sel]) {
                ag.serial[sel]++;
            } else if (serial != ag.serial[sel] - 1) {
                jo_clear(&o);
                JOut st;
                ev_begin(&st, "clipboard_grab_stale");
                jo_int(&st, "selection", sel);
                jo_int(&st, "serial", serial);
                jo_int(&st, "expected", ag.serial[sel]);
                ev_emit(&st);
                return;
            }
            jo_int(&o, "serial", serial);
        }
        GString *types = g_string_new("[");
        for (gsize i = 0; i + 4 <= len && i < 64 * 4; i += 4) {
            uint32_t t;
            memcpy(&t, d + i, 4);
            g_string_append_printf(types, "%s\"%s\"", i ? "," : "", clipboard_type_name(t));
        }
        g_string_append_c(types, ']');
        jo_raw(&o, "types", types->str);
        g_string_free(types, TRUE);
        ev_emit(&o);
        /* the client owns it now */
        if (ag.owned[sel].data) g_bytes_unref(ag.owned[sel].data);
        ag.owned[sel].data = NULL;
        ag.owned[sel].type = VD_AGENT_CLIPBOARD_NONE;
        return;
    }
    case VD_AGENT_CLIPBOARD_REQUEST: {
        uint8_t sel;
        if (!take_selection(&d, &len, &sel) || len < 4) {
            emit_error("bad CLIPBOARD_REQUEST");
            return;
        }
        uint32_t t;
        memcpy(&t, d, 4);
        Owned *own = &ag.owned[sel];
        gboolean have = own->data && own->type == t;
        JOut o;
        ev_begin(&o, "clipboard_request");
        jo_int(&o, "selection", sel);
        jo_str(&o, "type", clipboard_type_name(t));
        jo_bool(&o, "answered", have);
        ev_emit(&o);
        if (have) {
            gsize n;
            const void *p = g_bytes_get_data(own->data, &n);
            if (ag.client_max_clipboard >= 0 && n > (gsize)ag.client_max_clipboard) {
                /* spice-vdagentd: too large for the client, so the type goes out without data */
                send_clipboard(sel, t, NULL, 0);
            } else {
                send_clipboard(sel, t, p, n);
            }
        } else {
            send_clipboard(sel, VD_AGENT_CLIPBOARD_NONE, NULL, 0);
        }
        return;
    }
    case VD_AGENT_CLIPBOARD:
        handle_clipboard_data(d, len);
        return;
    case VD_AGENT_CLIPBOARD_RELEASE: {
        uint8_t sel;
        if (!take_selection(&d, &len, &sel)) {
            emit_error("bad CLIPBOARD_RELEASE");
            return;
        }
        JOut o;
        ev_begin(&o, "clipboard_release");
        jo_int(&o, "selection", sel);
        ev_emit(&o);
        return;
    }
    case VD_AGENT_FILE_XFER_START:
        handle_xfer_start(d, len);
        return;
    case VD_AGENT_FILE_XFER_DATA:
        handle_xfer_data(d, len);
        return;
    case VD_AGENT_FILE_XFER_STATUS:
        handle_xfer_status(d, len);
        return;
    case VD_AGENT_CLIENT_DISCONNECTED: {
        cancel_all_xfers();
        ag.client_caps_known = FALSE;
        ag.client_max_clipboard = -1;
        JOut o;
        ev_begin(&o, "agent_client_disconnected");
        ev_emit(&o);
        return;
    }
    case VD_AGENT_MAX_CLIPBOARD: {
        JOut o;
        ev_begin(&o, "max_clipboard");
        if (len >= 4) {
            int32_t max;
            memcpy(&max, d, 4);
            ag.client_max_clipboard = max < 0 ? -1 : max;
            jo_int(&o, "max", max);
        }
        ev_emit(&o);
        return;
    }
    case VD_AGENT_GRAPHICS_DEVICE_INFO: {
        JOut o;
        ev_begin(&o, "graphics_device_info");
        if (len >= 4) {
            uint32_t count;
            memcpy(&count, d, 4);
            jo_int(&o, "count", count);
        }
        jo_int(&o, "size", (gint64)len);
        ev_emit(&o);
        return;
    }
    default: {
        JOut o;
        ev_begin(&o, "agent_message");
        jo_int(&o, "port", port);
        jo_int(&o, "type", type);
        jo_int(&o, "size", (gint64)len);
        ev_emit(&o);
        return;
    }
    }
}

/* Feeds chunk payload bytes of one port; dispatches every complete message. */
static void feed_port(uint32_t port, const uint8_t *data, gsize len)
{
    GByteArray *m = ag.message[port];
    g_byte_array_append(m, data, (guint)len);
    while (m->len >= sizeof(VDAgentMessage)) {
        VDAgentMessage hdr;
        memcpy(&hdr, m->data, sizeof(hdr));
        if (hdr.protocol != VD_AGENT_PROTOCOL || hdr.size > MAX_MESSAGE_BYTES) {
            emit_error(hdr.protocol != VD_AGENT_PROTOCOL ? "bad agent protocol" : "agent message too large");
            g_byte_array_set_size(m, 0);
            return;
        }
        if (m->len < sizeof(hdr) + hdr.size) return;
        handle_message(port, hdr.type, m->data + sizeof(hdr), hdr.size);
        g_byte_array_remove_range(m, 0, (guint)(sizeof(hdr) + hdr.size));
    }
}

static int agent_write(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, const uint8_t *buf, int len)
{
    if (ag.stalled) return 0; /* spice-server keeps the bytes and retries; its client tokens stay spent */
    int used = 0;
    while (used < len) {
        if (ag.chunk_left == 0 && ag.chunk_header_len < sizeof(VDIChunkHeader)) {
            gsize n = MIN(sizeof(VDIChunkHeader) - ag.chunk_header_len, (gsize)(len - used));
            memcpy(ag.chunk_header + ag.chunk_header_len, buf + used, n);
            ag.chunk_header_len += n;
            used += (int)n;
            if (ag.chunk_header_len == sizeof(VDIChunkHeader)) {
                VDIChunkHeader h;
                memcpy(&h, ag.chunk_header, sizeof(h));
                ag.chunk_header_len = 0;
                if (h.port < VDP_CLIENT_PORT || h.port >= VDP_END_PORT || h.size > MAX_CHUNK_BYTES) {
                    emit_error("bad chunk header");
                    ag.chunk_left = 0;
                    continue;
                }
                ag.chunk_port = h.port;
                ag.chunk_left = h.size;
            }
            continue;
        }
        gsize n = MIN((gsize)ag.chunk_left, (gsize)(len - used));
        feed_port(ag.chunk_port, buf + used, n);
        ag.chunk_left -= (uint32_t)n;
        used += (int)n;
    }
    return len;
}

static int agent_read(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, uint8_t *buf, int len)
{
    int n = MIN(len, (int)ag.out->len);
    if (n <= 0) return 0;
    memcpy(buf, ag.out->data, (size_t)n);
    g_byte_array_remove_range(ag.out, 0, (guint)n);
    return n;
}

static void agent_state(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, int connected)
{
    JOut o;
    ev_begin(&o, "agent_state");
    jo_bool(&o, "connected", connected != 0);
    ev_emit(&o);
}

static SpiceCharDeviceInterface agent_sif = {
    .base = {
        .type = SPICE_INTERFACE_CHAR_DEVICE,
        .description = "saffron test vdagent",
        .major_version = SPICE_INTERFACE_CHAR_DEVICE_MAJOR,
        .minor_version = SPICE_INTERFACE_CHAR_DEVICE_MINOR,
    },
    .state = agent_state,
    .write = agent_write,
    .read = agent_read,
};

static void reset_streams(void)
{
    ag.chunk_header_len = 0;
    ag.chunk_left = 0;
    for (int p = 0; p < VDP_END_PORT; p++) g_byte_array_set_size(ag.message[p], 0);
    g_byte_array_set_size(ag.out, 0);
    ag.client_caps_known = FALSE;
    ag.client_max_clipboard = -1;
    memset(ag.serial, 0, sizeof(ag.serial));
}

static void plug(void)
{
    reset_streams();
    ag.stalled = FALSE; /* a freshly started agent reads its port */
    ag.plugged = TRUE;
    spice_server_add_interface(app.server, &ag.sin.base);
    /* a freshly started vdagent announces itself and asks for the client's capabilities */
    send_announce(TRUE);
}

static void unplug(void)
{
    cancel_all_xfers();
    spice_server_remove_interface(&ag.sin.base);
    ag.plugged = FALSE;
    reset_streams();
}

void agent_init(SpiceServer *server G_GNUC_UNUSED, gboolean connect)
{
    ag.sin.base.sif = &agent_sif.base;
    ag.sin.subtype = "vdagent";
    ag.out = g_byte_array_new();
    for (int p = 0; p < VDP_END_PORT; p++) ag.message[p] = g_byte_array_new();
    ag.xfers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, xfer_free);
    set_default_caps();
    ag.client_max_clipboard = -1;
    ag.xfer_io_error = -1;
    ag.xfer_after_bytes = -1;
    if (connect) plug();
}

/* ---- commands ---- */

static gboolean need_agent(Cmd *c)
{
    if (!ag.plugged) return cmd_fail(c, "the agent is not connected (agent_connect or --agent)");
    return TRUE;
}

gboolean cmd_agent_connect(Cmd *c)
{
    if (ag.plugged) return cmd_fail(c, "the agent is already connected");
    plug();
    return TRUE;
}

gboolean cmd_agent_disconnect(Cmd *c)
{
    if (!need_agent(c)) return FALSE;
    unplug();
    return TRUE;
}

gboolean cmd_agent_announce(Cmd *c)
{
    gboolean request;
    if (!need_agent(c) || !arg_bool(c, "request", FALSE, &request)) return FALSE;
    const JsonValue *caps = arg_value(c, "caps");
    if (caps) {
        if (caps->type != JSON_ARRAY) return cmd_fail(c, "caps must be an array of capability numbers");
        uint32_t next[CAP_WORDS] = { 0 };
        for (guint i = 0; i < caps->items->len; i++) {
            const JsonValue *v = g_ptr_array_index(caps->items, i);
            if (v->type != JSON_NUMBER || v->number < 0 || v->number >= 32 * CAP_WORDS ||
                v->number != (double)(int)v->number) {
                return cmd_fail(c, "capability numbers are integers 0..%d", 32 * CAP_WORDS - 1);
            }
            next[(int)v->number / 32] |= 1u << ((int)v->number % 32);
        }
        memcpy(ag.our_caps, next, sizeof(next));
    }
    send_announce(request);
    char *json = caps_json(ag.our_caps, CAP_WORDS);
    jo_raw(&c->out, "caps", json);
    g_free(json);
    return TRUE;
}

static gboolean arg_selection(Cmd *c, uint8_t *out)
{
    gint64 s;
    if (!arg_int(c, "selection", FALSE, 0, 0, NUM_SELECTIONS - 1, &s)) return FALSE;
    *out = (uint8_t)s;
    return TRUE;
}

/* "text", "png", "bmp", "tiff", "jpg", "file_list" or a VD_AGENT_CLIPBOARD_* number */
static gboolean clipboard_type_arg(const JsonValue *tv, uint32_t *type)
{
    static const struct {
        const char *name;
        uint32_t type;
    } names[] = {
        { "text", VD_AGENT_CLIPBOARD_UTF8_TEXT }, { "png", VD_AGENT_CLIPBOARD_IMAGE_PNG },
        { "bmp", VD_AGENT_CLIPBOARD_IMAGE_BMP },  { "tiff", VD_AGENT_CLIPBOARD_IMAGE_TIFF },
        { "jpg", VD_AGENT_CLIPBOARD_IMAGE_JPG },  { "file_list", VD_AGENT_CLIPBOARD_FILE_LIST },
    };
    if (tv && tv->type == JSON_STRING) {
        for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
            if (strcmp(tv->string, names[i].name) == 0) {
                *type = names[i].type;
                return TRUE;
            }
        }
        return FALSE;
    }
    if (tv && tv->type == JSON_NUMBER && tv->number >= 0 && tv->number <= 255 && tv->number == (double)(int)tv->number) {
        *type = (uint32_t)tv->number;
        return TRUE;
    }
    return FALSE;
}

gboolean cmd_clipboard_grab(Cmd *c)
{
    const char *text, *png, *file;
    uint8_t sel = 0;
    if (!need_agent(c) || !arg_str(c, "text", FALSE, NULL, &text) || !arg_str(c, "png", FALSE, NULL, &png) ||
        !arg_str(c, "file", FALSE, NULL, &file) || !arg_selection(c, &sel)) {
        return FALSE;
    }
    if ((text != NULL) + (png != NULL) + (file != NULL) != 1) return cmd_fail(c, "give exactly one of text, png or file");
    GBytes *data;
    uint32_t type;
    if (text) {
        data = g_bytes_new(text, strlen(text));
        type = VD_AGENT_CLIPBOARD_UTF8_TEXT;
    } else {
        const char *path = png ? png : file;
        if (png) {
            type = VD_AGENT_CLIPBOARD_IMAGE_PNG;
        } else if (!clipboard_type_arg(arg_value(c, "type"), &type)) {
            return cmd_fail(c, "file needs a type: text, png, bmp, tiff, jpg, file_list or a number");
        }
        char *contents = NULL;
        gsize n = 0;
        GError *err = NULL;
        if (!g_file_get_contents(path, &contents, &n, &err)) {
            gboolean r = cmd_fail(c, "cannot read %s: %s", path, err->message);
            g_error_free(err);
            return r;
        }
        data = g_bytes_new_take(contents, n);
    }
    if (ag.owned[sel].data) g_bytes_unref(ag.owned[sel].data);
    ag.owned[sel].data = data;
    ag.owned[sel].type = type;
    uint8_t head[12];
    gsize n = selection_prefix(sel, head);
    if (negotiated(VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL)) {
        uint32_t serial = ag.serial[sel]++; /* spice-vdagentd sends its counter, then bumps it */
        memcpy(head + n, &serial, 4);
        n += 4;
        jo_int(&c->out, "serial", serial);
    }
    memcpy(head + n, &type, 4);
    send_message(VD_AGENT_CLIPBOARD_GRAB, head, n + 4, NULL, 0);
    jo_int(&c->out, "size", (gint64)g_bytes_get_size(data));
    return TRUE;
}

gboolean cmd_clipboard_release(Cmd *c)
{
    uint8_t sel = 0;
    if (!need_agent(c) || !arg_selection(c, &sel)) return FALSE;
    if (ag.owned[sel].data) g_bytes_unref(ag.owned[sel].data);
    ag.owned[sel].data = NULL;
    ag.owned[sel].type = VD_AGENT_CLIPBOARD_NONE;
    uint8_t head[4];
    gsize n = selection_prefix(sel, head);
    send_message(VD_AGENT_CLIPBOARD_RELEASE, head, n, NULL, 0);
    return TRUE;
}

gboolean cmd_clipboard_request(Cmd *c)
{
    uint8_t sel = 0;
    if (!need_agent(c) || !arg_selection(c, &sel)) return FALSE;
    uint32_t type;
    if (!clipboard_type_arg(arg_value(c, "type"), &type)) {
        return cmd_fail(c, "type must be text, png, bmp, tiff, jpg, file_list or a VD_AGENT_CLIPBOARD_* number");
    }
    uint8_t head[8];
    gsize n = selection_prefix(sel, head);
    memcpy(head + n, &type, 4);
    send_message(VD_AGENT_CLIPBOARD_REQUEST, head, n + 4, NULL, 0);
    return TRUE;
}

gboolean cmd_agent_stall(Cmd *c)
{
    gboolean stalled;
    if (!need_agent(c) || !arg_bool(c, "stalled", TRUE, &stalled)) return FALSE;
    ag.stalled = stalled;
    if (!stalled) spice_server_char_device_wakeup(&ag.sin);
    return TRUE;
}

gboolean cmd_xfer_policy(Cmd *c)
{
    static const struct {
        const char *name;
        uint32_t status;
    } statuses[] = {
        { "ok", 0 },
        { "cancelled", VD_AGENT_FILE_XFER_STATUS_CANCELLED },
        { "error", VD_AGENT_FILE_XFER_STATUS_ERROR },
        { "no_space", VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE },
        { "locked", VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED },
        { "not_connected", VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED },
        { "disabled", VD_AGENT_FILE_XFER_STATUS_DISABLED },
        { "unknown", 99 },
        { "silent", XFER_SILENT },
    };
    const char *name;
    gint64 io_error, after;
    double free_bytes;
    if (!arg_str(c, "status", TRUE, NULL, &name) || !arg_double(c, "free", FALSE, 0, 0, 9.0e15, &free_bytes) ||
        !arg_int(c, "io_error", FALSE, -1, -1, 1000, &io_error) ||
        !arg_int(c, "after_bytes", FALSE, -1, -1, G_MAXINT64, &after)) {
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(statuses); i++) {
        if (strcmp(name, statuses[i].name) == 0) {
            ag.xfer_fail_status = statuses[i].status;
            ag.xfer_free_bytes = (guint64)free_bytes;
            ag.xfer_io_error = (int)io_error;
            ag.xfer_after_bytes = after;
            return TRUE;
        }
    }
    return cmd_fail(c, "status must be ok, cancelled, error, no_space, locked, not_connected, disabled, unknown or silent");
}
