/* A named spiceport that echoes every byte the client sends, and reports opens, closes and traffic. */
#include <string.h>

#include "server.h"

#define PORT_MAX_PENDING (1024 * 1024)

typedef struct {
    SpiceCharDeviceInstance sin;
    GByteArray *pending; /* bytes waiting to be read by the server (echo + port_send) */
    guint64 received;
    gboolean opened;
} Port;

static Port pt;

static int port_write(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, const uint8_t *buf, int len)
{
    if (pt.pending->len + (guint)len > PORT_MAX_PENDING) {
        len = (int)(PORT_MAX_PENDING - pt.pending->len); /* back-pressure: the server retries the rest */
    }
    if (len <= 0) return 0;
    g_byte_array_append(pt.pending, buf, (guint)len);
    pt.received += (guint64)len;
    JOut o;
    ev_begin(&o, "port_data");
    jo_str(&o, "name", pt.sin.portname);
    jo_int(&o, "size", len);
    jo_strn(&o, "text", (const char *)buf, (gsize)MIN(len, 256));
    ev_emit(&o);
    spice_server_char_device_wakeup(&pt.sin);
    return len;
}

static int port_read(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, uint8_t *buf, int len)
{
    int n = MIN(len, (int)pt.pending->len);
    if (n <= 0) return 0;
    memcpy(buf, pt.pending->data, (size_t)n);
    g_byte_array_remove_range(pt.pending, 0, (guint)n);
    return n;
}

static void port_event(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, uint8_t event)
{
    const char *name = event == SPICE_PORT_EVENT_OPENED   ? "opened"
                       : event == SPICE_PORT_EVENT_CLOSED ? "closed"
                       : event == SPICE_PORT_EVENT_BREAK  ? "break"
                                                          : "unknown";
    if (event == SPICE_PORT_EVENT_OPENED) pt.opened = TRUE;
    if (event == SPICE_PORT_EVENT_CLOSED) pt.opened = FALSE;
    JOut o;
    ev_begin(&o, "port_event");
    jo_str(&o, "name", pt.sin.portname);
    jo_str(&o, "event", name);
    jo_int(&o, "code", event);
    ev_emit(&o);
}

static void port_state(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, int connected)
{
    JOut o;
    ev_begin(&o, "port_state");
    jo_str(&o, "name", pt.sin.portname);
    jo_bool(&o, "connected", connected != 0);
    ev_emit(&o);
}

static SpiceCharDeviceInterface port_sif = {
    .base = {
        .type = SPICE_INTERFACE_CHAR_DEVICE,
        .description = "saffron test port",
        .major_version = SPICE_INTERFACE_CHAR_DEVICE_MAJOR,
        .minor_version = SPICE_INTERFACE_CHAR_DEVICE_MINOR,
    },
    .state = port_state,
    .write = port_write,
    .read = port_read,
    .event = port_event,
};

void port_init(SpiceServer *server, const char *name)
{
    pt.pending = g_byte_array_new();
    pt.sin.base.sif = &port_sif.base;
    pt.sin.subtype = "port";
    pt.sin.portname = g_strdup(name);
    spice_server_add_interface(server, &pt.sin.base);
    /* the guest side is open from the start, like a guest program holding the port */
    spice_server_port_event(&pt.sin, SPICE_PORT_EVENT_OPENED);
}

static gboolean need_port(Cmd *c)
{
    if (!pt.pending) return cmd_fail(c, "no port channel (start with --port-channel NAME)");
    return TRUE;
}

static gboolean parse_hex(const char *hex, GByteArray *out)
{
    gsize n = strlen(hex);
    if (n % 2) return FALSE;
    for (gsize i = 0; i < n; i += 2) {
        int hi = g_ascii_xdigit_value(hex[i]), lo = g_ascii_xdigit_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return FALSE;
        uint8_t b = (uint8_t)(hi * 16 + lo);
        g_byte_array_append(out, &b, 1);
    }
    return TRUE;
}

gboolean cmd_port_send(Cmd *c)
{
    const char *text, *hex;
    if (!need_port(c) || !arg_str(c, "text", FALSE, NULL, &text) || !arg_str(c, "hex", FALSE, NULL, &hex)) {
        return FALSE;
    }
    if (!text == !hex) return cmd_fail(c, "give exactly one of text or hex");
    if (text) {
        g_byte_array_append(pt.pending, (const guint8 *)text, (guint)strlen(text));
        jo_int(&c->out, "size", (gint64)strlen(text));
    } else {
        GByteArray *b = g_byte_array_new();
        if (!parse_hex(hex, b)) {
            g_byte_array_unref(b);
            return cmd_fail(c, "hex must be an even number of hex digits");
        }
        g_byte_array_append(pt.pending, b->data, b->len);
        jo_int(&c->out, "size", b->len);
        g_byte_array_unref(b);
    }
    spice_server_char_device_wakeup(&pt.sin);
    return TRUE;
}

gboolean cmd_port_event(Cmd *c)
{
    const char *ev;
    if (!need_port(c) || !arg_str(c, "event", TRUE, NULL, &ev)) return FALSE;
    uint8_t code;
    if (strcmp(ev, "opened") == 0) code = SPICE_PORT_EVENT_OPENED;
    else if (strcmp(ev, "closed") == 0) code = SPICE_PORT_EVENT_CLOSED;
    else if (strcmp(ev, "break") == 0) code = SPICE_PORT_EVENT_BREAK;
    else return cmd_fail(c, "event must be opened, closed or break");
    spice_server_port_event(&pt.sin, code);
    return TRUE;
}
