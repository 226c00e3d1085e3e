/* The usb-guest side of USB redirection on a "usbredir" char device, using libusbredirparser (the SPICE client
 * is the usb-host). A parser is created (and sends its hello) whenever a client opens the channel; device
 * descriptions and transfer results from the client are reported as events. */
#include <string.h>
#include <stdlib.h>
#include <usbredirfilter.h>
#include <usbredirparser.h>

#include "server.h"

#define USB_DATA_REPORT_MAX 4096
#define USB_MAX_TRANSFER (1024 * 1024)

typedef struct {
    SpiceCharDeviceInstance sin;
    gboolean added;
    struct usbredirparser *parser;
    GByteArray *in;  /* client -> guest bytes not parsed yet */
    GByteArray *out; /* guest -> client bytes not read by the server yet */
    gboolean device_connected;
    guint64 next_id;
} Usb;

static Usb usb;
/* usbredir caps the guest announces (--usbredir-caps); all of ours by default */
static uint32_t usb_caps_mask = 0xffffffffu;

static char *hex_of(const uint8_t *data, int len)
{
    int n = MIN(len, USB_DATA_REPORT_MAX);
    GString *s = g_string_sized_new((gsize)n * 2);
    for (int i = 0; i < n; i++) g_string_append_printf(s, "%02x", data[i]);
    return g_string_free(s, FALSE);
}

static void flush(void)
{
    if (!usb.parser) return;
    while (usbredirparser_has_data_to_write(usb.parser)) {
        if (usbredirparser_do_write(usb.parser) < 0) break;
    }
    spice_server_char_device_wakeup(&usb.sin);
}

/* ---- parser callbacks ---- */

static void p_log(void *priv G_GNUC_UNUSED, int level, const char *msg)
{
    if (level <= usbredirparser_warning) logm("usbredir: %s", msg);
}

static int p_read(void *priv G_GNUC_UNUSED, uint8_t *data, int count)
{
    int n = MIN(count, (int)usb.in->len);
    if (n <= 0) return 0;
    memcpy(data, usb.in->data, (size_t)n);
    g_byte_array_remove_range(usb.in, 0, (guint)n);
    return n;
}

static int p_write(void *priv G_GNUC_UNUSED, uint8_t *data, int count)
{
    g_byte_array_append(usb.out, data, (guint)count);
    return count;
}

static void p_hello(void *priv G_GNUC_UNUSED, struct usb_redir_hello_header *h)
{
    static const struct {
        int cap;
        const char *name;
    } caps[] = {
        { usb_redir_cap_bulk_streams, "bulk_streams" },
        { usb_redir_cap_connect_device_version, "connect_device_version" },
        { usb_redir_cap_filter, "filter" },
        { usb_redir_cap_device_disconnect_ack, "device_disconnect_ack" },
        { usb_redir_cap_ep_info_max_packet_size, "ep_info_max_packet_size" },
        { usb_redir_cap_64bits_ids, "64bits_ids" },
        { usb_redir_cap_32bits_bulk_length, "32bits_bulk_length" },
        { usb_redir_cap_bulk_receiving, "bulk_receiving" },
    };
    GString *arr = g_string_new("[");
    gboolean first = TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS(caps); i++) {
        if (usbredirparser_peer_has_cap(usb.parser, caps[i].cap)) {
            g_string_append_printf(arr, "%s\"%s\"", first ? "" : ",", caps[i].name);
            first = FALSE;
        }
    }
    g_string_append_c(arr, ']');
    JOut o;
    ev_begin(&o, "usb_hello");
    jo_strn(&o, "version", h->version, strnlen(h->version, sizeof(h->version)));
    jo_raw(&o, "caps", arr->str);
    ev_emit(&o);
    g_string_free(arr, TRUE);
}

static void p_device_connect(void *priv G_GNUC_UNUSED, struct usb_redir_device_connect_header *d)
{
    usb.device_connected = TRUE;
    JOut o;
    ev_begin(&o, "usb_device_connect");
    jo_int(&o, "speed", d->speed);
    jo_int(&o, "device_class", d->device_class);
    jo_int(&o, "device_subclass", d->device_subclass);
    jo_int(&o, "device_protocol", d->device_protocol);
    jo_int(&o, "vendor_id", d->vendor_id);
    jo_int(&o, "product_id", d->product_id);
    jo_int(&o, "device_version_bcd", d->device_version_bcd);
    ev_emit(&o);
}

static void p_device_disconnect(void *priv G_GNUC_UNUSED)
{
    usb.device_connected = FALSE;
    JOut o;
    ev_begin(&o, "usb_device_disconnect");
    ev_emit(&o);
    /* with device_disconnect_ack on both sides the parser queues the ack itself (flushed after the read) */
}

static void p_interface_info(void *priv G_GNUC_UNUSED, struct usb_redir_interface_info_header *info)
{
    GString *arr = g_string_new("[");
    guint32 n = MIN(info->interface_count, 32u);
    for (guint32 i = 0; i < n; i++) {
        g_string_append_printf(arr, "%s{\"interface\":%u,\"class\":%u,\"subclass\":%u,\"protocol\":%u}", i ? "," : "",
                               info->interface[i], info->interface_class[i], info->interface_subclass[i],
                               info->interface_protocol[i]);
    }
    g_string_append_c(arr, ']');
    JOut o;
    ev_begin(&o, "usb_interface_info");
    jo_int(&o, "count", info->interface_count);
    jo_raw(&o, "interfaces", arr->str);
    ev_emit(&o);
    g_string_free(arr, TRUE);
}

static void p_ep_info(void *priv G_GNUC_UNUSED, struct usb_redir_ep_info_header *ep)
{
    GString *arr = g_string_new("[");
    gboolean first = TRUE;
    for (int i = 0; i < 32; i++) {
        if (ep->type[i] == usb_redir_type_invalid) continue;
        /* index i: bits 0-3 endpoint number, bit 4 direction IN */
        int address = ((i & 0x10) ? 0x80 : 0) | (i & 0x0f);
        g_string_append_printf(arr, "%s{\"address\":%d,\"type\":%u,\"interval\":%u,\"interface\":%u,\"max_packet_size\":%u}",
                               first ? "" : ",", address, ep->type[i], ep->interval[i], ep->interface[i],
                               ep->max_packet_size[i]);
        first = FALSE;
    }
    g_string_append_c(arr, ']');
    JOut o;
    ev_begin(&o, "usb_ep_info");
    jo_raw(&o, "endpoints", arr->str);
    ev_emit(&o);
    g_string_free(arr, TRUE);
}

static void p_configuration_status(void *priv G_GNUC_UNUSED, uint64_t id,
                                   struct usb_redir_configuration_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_configuration_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    jo_int(&o, "configuration", st->configuration);
    ev_emit(&o);
}

static void p_alt_setting_status(void *priv G_GNUC_UNUSED, uint64_t id, struct usb_redir_alt_setting_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_alt_setting_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    jo_int(&o, "interface", st->interface);
    jo_int(&o, "alt", st->alt);
    ev_emit(&o);
}

static void p_control_packet(void *priv G_GNUC_UNUSED, uint64_t id, struct usb_redir_control_packet_header *h,
                             uint8_t *data, int len)
{
    JOut o;
    ev_begin(&o, "usb_control_result");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "endpoint", h->endpoint);
    jo_int(&o, "request", h->request);
    jo_int(&o, "requesttype", h->requesttype);
    jo_int(&o, "status", h->status);
    jo_int(&o, "value", h->value);
    jo_int(&o, "index", h->index);
    jo_int(&o, "length", h->length);
    char *hex = hex_of(data, data ? len : 0);
    jo_str(&o, "data", hex);
    g_free(hex);
    ev_emit(&o);
    if (data) usbredirparser_free_packet_data(usb.parser, data);
}

static void p_bulk_packet(void *priv G_GNUC_UNUSED, uint64_t id, struct usb_redir_bulk_packet_header *h,
                          uint8_t *data, int len)
{
    JOut o;
    ev_begin(&o, "usb_bulk_result");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "endpoint", h->endpoint);
    jo_int(&o, "status", h->status);
    jo_int(&o, "length", ((gint64)h->length_high << 16) | h->length);
    char *hex = hex_of(data, data ? len : 0);
    jo_str(&o, "data", hex);
    g_free(hex);
    ev_emit(&o);
    if (data) usbredirparser_free_packet_data(usb.parser, data);
}

static void p_interrupt_packet(void *priv G_GNUC_UNUSED, uint64_t id, struct usb_redir_interrupt_packet_header *h,
                               uint8_t *data, int len)
{
    JOut o;
    ev_begin(&o, "usb_interrupt_packet");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "endpoint", h->endpoint);
    jo_int(&o, "status", h->status);
    char *hex = hex_of(data, data ? len : 0);
    jo_str(&o, "data", hex);
    g_free(hex);
    ev_emit(&o);
    if (data) usbredirparser_free_packet_data(usb.parser, data);
}

static void p_interrupt_receiving_status(void *priv G_GNUC_UNUSED, uint64_t id,
                                         struct usb_redir_interrupt_receiving_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_interrupt_receiving_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    jo_int(&o, "endpoint", st->endpoint);
    ev_emit(&o);
}

static void p_bulk_receiving_status(void *priv G_GNUC_UNUSED, uint64_t id,
                                    struct usb_redir_bulk_receiving_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_bulk_receiving_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    jo_int(&o, "endpoint", st->endpoint);
    ev_emit(&o);
}

static void p_buffered_bulk_packet(void *priv G_GNUC_UNUSED, uint64_t id,
                                   struct usb_redir_buffered_bulk_packet_header *h, uint8_t *data, int len)
{
    JOut o;
    ev_begin(&o, "usb_buffered_bulk_packet");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "endpoint", h->endpoint);
    jo_int(&o, "status", h->status);
    char *hex = hex_of(data, data ? len : 0);
    jo_str(&o, "data", hex);
    g_free(hex);
    ev_emit(&o);
    if (data) usbredirparser_free_packet_data(usb.parser, data);
}

static void p_iso_stream_status(void *priv G_GNUC_UNUSED, uint64_t id, struct usb_redir_iso_stream_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_iso_stream_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    jo_int(&o, "endpoint", st->endpoint);
    ev_emit(&o);
}

static void p_bulk_streams_status(void *priv G_GNUC_UNUSED, uint64_t id,
                                  struct usb_redir_bulk_streams_status_header *st)
{
    JOut o;
    ev_begin(&o, "usb_bulk_streams_status");
    jo_int(&o, "id", (gint64)id);
    jo_int(&o, "status", st->status);
    ev_emit(&o);
}

static void p_filter_filter(void *priv G_GNUC_UNUSED, struct usbredirfilter_rule *rules, int count)
{
    JOut o;
    ev_begin(&o, "usb_filter");
    jo_int(&o, "rules", count);
    ev_emit(&o);
    free(rules);
}

static void parser_start(void)
{
    usb.parser = usbredirparser_create();
    usb.parser->priv = NULL;
    usb.parser->log_func = p_log;
    usb.parser->read_func = p_read;
    usb.parser->write_func = p_write;
    usb.parser->hello_func = p_hello;
    usb.parser->device_connect_func = p_device_connect;
    usb.parser->device_disconnect_func = p_device_disconnect;
    usb.parser->interface_info_func = p_interface_info;
    usb.parser->ep_info_func = p_ep_info;
    usb.parser->configuration_status_func = p_configuration_status;
    usb.parser->alt_setting_status_func = p_alt_setting_status;
    usb.parser->control_packet_func = p_control_packet;
    usb.parser->bulk_packet_func = p_bulk_packet;
    usb.parser->interrupt_packet_func = p_interrupt_packet;
    usb.parser->filter_filter_func = p_filter_filter;
    usb.parser->interrupt_receiving_status_func = p_interrupt_receiving_status;
    usb.parser->bulk_receiving_status_func = p_bulk_receiving_status;
    usb.parser->buffered_bulk_packet_func = p_buffered_bulk_packet;
    usb.parser->iso_stream_status_func = p_iso_stream_status;
    usb.parser->bulk_streams_status_func = p_bulk_streams_status;
    uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };
    usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_filter);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
    usbredirparser_caps_set_cap(caps, usb_redir_cap_bulk_receiving);
    caps[0] &= usb_caps_mask;
    /* flags 0: the usb-guest role; the parser queues our hello now */
    usbredirparser_init(usb.parser, "saffron-test-server usb-guest", caps, USB_REDIR_CAPS_SIZE, 0);
    flush();
}

static void parser_stop(void)
{
    if (usb.parser) usbredirparser_destroy(usb.parser);
    usb.parser = NULL;
    usb.device_connected = FALSE;
    g_byte_array_set_size(usb.in, 0);
    g_byte_array_set_size(usb.out, 0);
}

/* ---- char device ---- */

static int usb_write(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, const uint8_t *buf, int len)
{
    if (!usb.parser) return len; /* nobody listens: drop */
    g_byte_array_append(usb.in, buf, (guint)len);
    int r = usbredirparser_do_read(usb.parser);
    if (r == usbredirparser_read_parse_error) {
        JOut o;
        ev_begin(&o, "usb_error");
        jo_str(&o, "error", "parse error");
        ev_emit(&o);
    }
    flush();
    return len;
}

static int usb_read(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, uint8_t *buf, int len)
{
    int n = MIN(len, (int)usb.out->len);
    if (n <= 0) return 0;
    memcpy(buf, usb.out->data, (size_t)n);
    g_byte_array_remove_range(usb.out, 0, (guint)n);
    return n;
}

static void usb_state(SpiceCharDeviceInstance *sin G_GNUC_UNUSED, int connected)
{
    JOut o;
    ev_begin(&o, "usb_channel");
    jo_bool(&o, "connected", connected != 0);
    ev_emit(&o);
    parser_stop();
    if (connected) parser_start();
}

static SpiceCharDeviceInterface usb_sif = {
    .base = {
        .type = SPICE_INTERFACE_CHAR_DEVICE,
        .description = "saffron test usbredir",
        .major_version = SPICE_INTERFACE_CHAR_DEVICE_MAJOR,
        .minor_version = SPICE_INTERFACE_CHAR_DEVICE_MINOR,
    },
    .state = usb_state,
    .write = usb_write,
    .read = usb_read,
};

void usbredir_init(SpiceServer *server)
{
    usb.in = g_byte_array_new();
    usb.out = g_byte_array_new();
    usb.sin.base.sif = &usb_sif.base;
    usb.sin.subtype = "usbredir";
    spice_server_add_interface(server, &usb.sin.base);
    usb.added = TRUE;
}

/* ---- commands ---- */

static gboolean need_device(Cmd *c)
{
    if (!usb.added) return cmd_fail(c, "no usbredir device (start with --usbredir)");
    if (!usb.parser) return cmd_fail(c, "no client has opened the usbredir channel");
    if (!usb.device_connected) return cmd_fail(c, "the client has not connected a USB device");
    return TRUE;
}

static gboolean parse_hex_arg(Cmd *c, const char *key, GByteArray **out)
{
    const char *hex;
    *out = NULL;
    if (!arg_str(c, key, FALSE, NULL, &hex)) return FALSE;
    if (!hex) return TRUE;
    gsize n = strlen(hex);
    if (n % 2 || n / 2 > USB_MAX_TRANSFER) return cmd_fail(c, "%s must be an even number of hex digits", key);
    GByteArray *b = g_byte_array_sized_new((guint)(n / 2));
    for (gsize i = 0; i < n; i += 2) {
        int hi = g_ascii_xdigit_value(hex[i]), lo = g_ascii_xdigit_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            g_byte_array_unref(b);
            return cmd_fail(c, "%s must be hex digits", key);
        }
        uint8_t v = (uint8_t)(hi * 16 + lo);
        g_byte_array_append(b, &v, 1);
    }
    *out = b;
    return TRUE;
}

gboolean cmd_usb_control(Cmd *c)
{
    gint64 ep, req, rt, value, index, length;
    GByteArray *data = NULL;
    if (!need_device(c) || !arg_int(c, "request", TRUE, 0, 0, 255, &req) ||
        !arg_int(c, "requesttype", TRUE, 0, 0, 255, &rt) || !arg_int(c, "value", FALSE, 0, 0, 65535, &value) ||
        !arg_int(c, "index", FALSE, 0, 0, 65535, &index) || !arg_int(c, "length", FALSE, 0, 0, 65535, &length) ||
        !arg_int(c, "endpoint", FALSE, (rt & 0x80) ? 0x80 : 0, 0, 255, &ep) || !parse_hex_arg(c, "data", &data)) {
        return FALSE;
    }
    gboolean in = (rt & 0x80) != 0;
    if (in && data) {
        g_byte_array_unref(data);
        return cmd_fail(c, "an IN request (requesttype & 0x80) carries no data");
    }
    if (data && data->len > 65535) {
        g_byte_array_unref(data);
        return cmd_fail(c, "control data is at most 65535 bytes");
    }
    struct usb_redir_control_packet_header h = {
        .endpoint = (uint8_t)ep,
        .request = (uint8_t)req,
        .requesttype = (uint8_t)rt,
        .status = 0,
        .value = (uint16_t)value,
        .index = (uint16_t)index,
        .length = (uint16_t)(in ? length : (data ? data->len : 0)),
    };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_control_packet(usb.parser, id, &h, data ? data->data : NULL, data ? (int)data->len : 0);
    if (data) g_byte_array_unref(data);
    flush();
    jo_int(&c->out, "transfer_id", (gint64)id);
    return TRUE;
}

gboolean cmd_usb_bulk(Cmd *c)
{
    gint64 ep, length;
    GByteArray *data = NULL;
    if (!need_device(c) || !arg_int(c, "endpoint", TRUE, 0, 1, 255, &ep) ||
        !arg_int(c, "length", FALSE, 0, 0, USB_MAX_TRANSFER, &length) || !parse_hex_arg(c, "data", &data)) {
        return FALSE;
    }
    gboolean in = (ep & 0x80) != 0;
    if (in == (data != NULL)) {
        if (data) g_byte_array_unref(data);
        return cmd_fail(c, in ? "an IN endpoint takes length, not data" : "an OUT endpoint needs data");
    }
    guint32 len = in ? (guint32)length : data->len;
    struct usb_redir_bulk_packet_header h = {
        .endpoint = (uint8_t)ep,
        .status = 0,
        .length = (uint16_t)(len & 0xffff),
        .stream_id = 0,
        .length_high = (uint16_t)(len >> 16),
    };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_bulk_packet(usb.parser, id, &h, data ? data->data : NULL, data ? (int)data->len : 0);
    if (data) g_byte_array_unref(data);
    flush();
    jo_int(&c->out, "transfer_id", (gint64)id);
    return TRUE;
}

gboolean cmd_usb_reset(Cmd *c)
{
    if (!need_device(c)) return FALSE;
    usbredirparser_send_reset(usb.parser);
    flush();
    return TRUE;
}

/* ---- more commands: configuration, alt settings, receiving loops, cancel, filters, raw bytes ---- */

static const struct {
    int cap;
    const char *name;
} cap_names[] = {
    { usb_redir_cap_connect_device_version, "connect_device_version" },
    { usb_redir_cap_filter, "filter" },
    { usb_redir_cap_device_disconnect_ack, "device_disconnect_ack" },
    { usb_redir_cap_ep_info_max_packet_size, "ep_info_max_packet_size" },
    { usb_redir_cap_64bits_ids, "64bits_ids" },
    { usb_redir_cap_32bits_bulk_length, "32bits_bulk_length" },
    { usb_redir_cap_bulk_receiving, "bulk_receiving" },
};

gboolean usbredir_set_caps(const char *list)
{
    uint32_t mask = 0;
    gchar **names = g_strsplit(list, ",", -1);
    gboolean ok = TRUE;
    for (gchar **n = names; *n && ok; n++) {
        if (!**n) continue;
        gboolean found = FALSE;
        for (gsize i = 0; i < G_N_ELEMENTS(cap_names); i++) {
            if (g_str_equal(*n, cap_names[i].name)) {
                mask |= 1u << cap_names[i].cap;
                found = TRUE;
            }
        }
        ok = found;
    }
    g_strfreev(names);
    if (ok) usb_caps_mask = mask;
    return ok;
}

static gboolean need_parser(Cmd *c)
{
    if (!usb.added) return cmd_fail(c, "no usbredir device (start with --usbredir)");
    if (!usb.parser) return cmd_fail(c, "no client has opened the usbredir channel");
    return TRUE;
}

static void reply_id(Cmd *c, uint64_t id)
{
    flush();
    jo_int(&c->out, "transfer_id", (gint64)id);
}

gboolean cmd_usb_set_configuration(Cmd *c)
{
    gint64 v;
    if (!need_device(c) || !arg_int(c, "configuration", TRUE, 0, 0, 255, &v)) return FALSE;
    struct usb_redir_set_configuration_header h = { .configuration = (uint8_t)v };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_set_configuration(usb.parser, id, &h);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_get_configuration(Cmd *c)
{
    if (!need_device(c)) return FALSE;
    uint64_t id = ++usb.next_id;
    usbredirparser_send_get_configuration(usb.parser, id);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_set_alt_setting(Cmd *c)
{
    gint64 i, a;
    if (!need_device(c) || !arg_int(c, "interface", TRUE, 0, 0, 255, &i) || !arg_int(c, "alt", TRUE, 0, 0, 255, &a))
        return FALSE;
    struct usb_redir_set_alt_setting_header h = { .interface = (uint8_t)i, .alt = (uint8_t)a };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_set_alt_setting(usb.parser, id, &h);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_get_alt_setting(Cmd *c)
{
    gint64 i;
    if (!need_device(c) || !arg_int(c, "interface", TRUE, 0, 0, 255, &i)) return FALSE;
    struct usb_redir_get_alt_setting_header h = { .interface = (uint8_t)i };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_get_alt_setting(usb.parser, id, &h);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_interrupt_receiving(Cmd *c)
{
    gint64 ep;
    gboolean start;
    if (!need_device(c) || !arg_int(c, "endpoint", TRUE, 0, 0x80, 0x8f, &ep) || !arg_bool(c, "start", TRUE, &start))
        return FALSE;
    uint64_t id = ++usb.next_id;
    if (start) {
        struct usb_redir_start_interrupt_receiving_header h = { .endpoint = (uint8_t)ep };
        usbredirparser_send_start_interrupt_receiving(usb.parser, id, &h);
    } else {
        struct usb_redir_stop_interrupt_receiving_header h = { .endpoint = (uint8_t)ep };
        usbredirparser_send_stop_interrupt_receiving(usb.parser, id, &h);
    }
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_bulk_receiving(Cmd *c)
{
    gint64 ep, bytes, count;
    gboolean start;
    if (!need_device(c) || !arg_int(c, "endpoint", TRUE, 0, 0x80, 0x8f, &ep) || !arg_bool(c, "start", TRUE, &start) ||
        !arg_int(c, "bytes_per_transfer", FALSE, 512, 1, USB_MAX_TRANSFER, &bytes) ||
        !arg_int(c, "transfers", FALSE, 2, 1, 255, &count))
        return FALSE;
    uint64_t id = ++usb.next_id;
    if (start) {
        struct usb_redir_start_bulk_receiving_header h = {
            .stream_id = 0, .bytes_per_transfer = (uint32_t)bytes, .endpoint = (uint8_t)ep, .no_transfers = (uint8_t)count
        };
        usbredirparser_send_start_bulk_receiving(usb.parser, id, &h);
    } else {
        struct usb_redir_stop_bulk_receiving_header h = { .stream_id = 0, .endpoint = (uint8_t)ep };
        usbredirparser_send_stop_bulk_receiving(usb.parser, id, &h);
    }
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_iso_stream(Cmd *c)
{
    gint64 ep;
    if (!need_device(c) || !arg_int(c, "endpoint", TRUE, 0, 0, 255, &ep)) return FALSE;
    struct usb_redir_start_iso_stream_header h = { .endpoint = (uint8_t)ep, .pkts_per_urb = 8, .no_urbs = 2 };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_start_iso_stream(usb.parser, id, &h);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_interrupt(Cmd *c)
{
    gint64 ep;
    GByteArray *data = NULL;
    if (!need_device(c) || !arg_int(c, "endpoint", TRUE, 0, 1, 0x0f, &ep) || !parse_hex_arg(c, "data", &data))
        return FALSE;
    if (!data) return cmd_fail(c, "an interrupt OUT transfer needs data");
    if (data->len > 65535) {
        g_byte_array_unref(data);
        return cmd_fail(c, "interrupt data is at most 65535 bytes");
    }
    struct usb_redir_interrupt_packet_header h = { .endpoint = (uint8_t)ep, .status = 0, .length = (uint16_t)data->len };
    uint64_t id = ++usb.next_id;
    usbredirparser_send_interrupt_packet(usb.parser, id, &h, data->data, (int)data->len);
    g_byte_array_unref(data);
    reply_id(c, id);
    return TRUE;
}

gboolean cmd_usb_cancel(Cmd *c)
{
    gint64 id;
    if (!need_device(c) || !arg_int(c, "transfer_id", TRUE, 0, 0, G_MAXINT64, &id)) return FALSE;
    usbredirparser_send_cancel_data_packet(usb.parser, (uint64_t)id);
    flush();
    return TRUE;
}

gboolean cmd_usb_filter(Cmd *c)
{
    const char *text;
    if (!need_parser(c) || !arg_str(c, "filter", TRUE, NULL, &text)) return FALSE;
    struct usbredirfilter_rule *rules = NULL;
    int count = 0;
    if (usbredirfilter_string_to_rules(text, ",", "|", &rules, &count) != 0) return cmd_fail(c, "bad filter");
    usbredirparser_send_filter_filter(usb.parser, rules, count);
    free(rules);
    flush();
    return TRUE;
}

gboolean cmd_usb_filter_reject(Cmd *c)
{
    if (!need_device(c)) return FALSE;
    usbredirparser_send_filter_reject(usb.parser);
    flush();
    return TRUE;
}

/* Raw bytes to the client, bypassing the parser (malformed packets). */
gboolean cmd_usb_raw(Cmd *c)
{
    GByteArray *data = NULL;
    if (!need_parser(c) || !parse_hex_arg(c, "data", &data)) return FALSE;
    if (!data) return cmd_fail(c, "data is required");
    flush();
    g_byte_array_append(usb.out, data->data, data->len);
    g_byte_array_unref(data);
    spice_server_char_device_wakeup(&usb.sin);
    return TRUE;
}
