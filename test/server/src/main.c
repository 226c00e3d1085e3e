/* saffron test server: a scriptable SPICE server on the real libspice-server. Serves a PNG (or a blank
 * screen) as the primary surface; with --control it takes JSON commands and reports events. */
#include <getopt.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

App app;

#define DEFAULT_VIDEO_CODECS "spice:mjpeg;gstreamer:mjpeg;gstreamer:vp8;gstreamer:vp9;gstreamer:h264"

static const struct {
    const char *name;
    SpiceImageCompression value;
} image_modes[] = {
    { "off", SPICE_IMAGE_COMPRESSION_OFF }, { "auto_glz", SPICE_IMAGE_COMPRESSION_AUTO_GLZ },
    { "auto_lz", SPICE_IMAGE_COMPRESSION_AUTO_LZ }, { "quic", SPICE_IMAGE_COMPRESSION_QUIC },
    { "glz", SPICE_IMAGE_COMPRESSION_GLZ }, { "lz", SPICE_IMAGE_COMPRESSION_LZ },
    { "lz4", SPICE_IMAGE_COMPRESSION_LZ4 },
};

static const struct {
    const char *name;
    spice_wan_compression_t value;
} wan_modes[] = {
    { "auto", SPICE_WAN_COMPRESSION_AUTO },
    { "always", SPICE_WAN_COMPRESSION_ALWAYS },
    { "never", SPICE_WAN_COMPRESSION_NEVER },
};

static const struct {
    const char *name;
    int value;
} stream_modes[] = {
    { "off", SPICE_STREAM_VIDEO_OFF },
    { "all", SPICE_STREAM_VIDEO_ALL },
    { "filter", SPICE_STREAM_VIDEO_FILTER },
};

static char *current_image_mode;
static char *current_jpeg_mode;
static char *current_zlib_mode;
static char *current_stream_mode;

static int lookup_image_mode(const char *s)
{
    for (gsize i = 0; i < G_N_ELEMENTS(image_modes); i++)
        if (strcmp(image_modes[i].name, s) == 0) return (int)i;
    return -1;
}

static int lookup_wan_mode(const char *s)
{
    for (gsize i = 0; i < G_N_ELEMENTS(wan_modes); i++)
        if (strcmp(wan_modes[i].name, s) == 0) return (int)i;
    return -1;
}

static int lookup_stream_mode(const char *s)
{
    for (gsize i = 0; i < G_N_ELEMENTS(stream_modes); i++)
        if (strcmp(stream_modes[i].name, s) == 0) return (int)i;
    return -1;
}

/* spice-server accepts every gstreamer:* codec it was built for, but encoding fails at run time when the
 * GStreamer encoder plugin is missing (then it falls back to MJPEG). Report what can really encode. */
static gboolean gst_plugin_present(const char *file)
{
    static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu/gstreamer-1.0", "/usr/lib/aarch64-linux-gnu/gstreamer-1.0",
                                        "/usr/lib64/gstreamer-1.0", "/usr/lib/gstreamer-1.0" };
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        char *path = g_build_filename(dirs[i], file, NULL);
        gboolean ok = g_file_test(path, G_FILE_TEST_EXISTS);
        g_free(path);
        if (ok) return TRUE;
    }
    return FALSE;
}

static char *usable_video_codecs(const char *accepted)
{
    static const struct {
        const char *codec;
        const char *plugin;
    } needs[] = {
        { "gstreamer:mjpeg", "libgstjpeg.so" }, { "gstreamer:vp8", "libgstvpx.so" },
        { "gstreamer:vp9", "libgstvpx.so" },    { "gstreamer:h264", "libgstx264.so" },
    };
    char **parts = g_strsplit(accepted, ";", -1);
    GString *out = g_string_new(NULL);
    for (char **p = parts; *p; p++) {
        if (!**p) continue;
        gboolean ok = TRUE;
        for (gsize i = 0; i < G_N_ELEMENTS(needs); i++) {
            if (strcmp(*p, needs[i].codec) == 0) ok = gst_plugin_present(needs[i].plugin);
        }
        if (ok) g_string_append_printf(out, "%s%s", out->len ? ";" : "", *p);
    }
    g_strfreev(parts);
    return g_string_free(out, FALSE);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: spice-test-server --port P [options]\n"
            "  --port P                 plain SPICE port (on --addr)\n"
            "  --tls-port P             TLS port (needs --x509-dir with ca-cert.pem server-cert.pem server-key.pem)\n"
            "  --x509-dir DIR\n"
            "  --addr A                 listen address (default 127.0.0.1)\n"
            "  --image FILE.png         primary surface content (its size is the surface size)\n"
            "  --width W --height H     primary surface size without --image (default 640x480)\n"
            "  --compression M          off|auto_glz|auto_lz|quic|glz|lz|lz4 (default auto_glz)\n"
            "  --jpeg M --zlib-glz M    WAN compression: auto|always|never (default auto)\n"
            "  --streaming M            video streaming: off|all|filter (default filter)\n"
            "  --video-codecs LIST      e.g. \"spice:mjpeg;gstreamer:vp8\" (default: all known)\n"
            "  --playback-compression on|off (default on)\n"
            "  --password X             require this ticket (default: no authentication)\n"
            "  --agent                  plug in the vdagent char device at start\n"
            "  --xfer-dir DIR           agent file transfers land here (default: transfers disabled)\n"
            "  --client-monitors-config agent|qxl  who receives client monitor configs (default agent)\n"
            "  --no-tablet              no tablet device: client mouse mode then needs the agent\n"
            "  --usbredir               add a usbredir char device (usb-guest side)\n"
            "  --usbredir-caps LIST     usbredir caps the usb-guest announces (names, comma-separated)\n"
            "  --port-channel NAME      add an echoing spiceport named NAME\n"
            "  --control stdio|unix:PATH  JSON command channel (see docs/test-server.md)\n");
}

static gboolean quit_on_signal(gpointer data G_GNUC_UNUSED)
{
    g_main_loop_quit(app.loop);
    return G_SOURCE_REMOVE;
}

void emit_listening_event(int fd)
{
    JOut o;
    ev_begin(&o, "listening");
    if (app.port > 0) jo_int(&o, "port", app.port);
    else jo_raw(&o, "port", "null");
    if (app.tls_port > 0) jo_int(&o, "tls_port", app.tls_port);
    else jo_raw(&o, "tls_port", "null");
    jo_str(&o, "addr", app.addr);
    jo_str(&o, "video_codecs", app.video_codecs_accepted ? app.video_codecs_accepted : "");
    char *usable = usable_video_codecs(app.video_codecs_accepted ? app.video_codecs_accepted : "");
    jo_str(&o, "video_codecs_usable", usable);
    g_free(usable);
    jo_int(&o, "width", app.width);
    jo_int(&o, "height", app.height);
    char *line = jo_finish(&o);
    if (fd >= 0) out_line_to(fd, line);
    else out_line(line);
    g_free(line);
}

/* ---- commands owned by main ---- */

gboolean cmd_info(Cmd *c)
{
    char ver[32];
    g_snprintf(ver, sizeof(ver), "%d.%d.%d", (SPICE_SERVER_VERSION >> 16) & 0xff, (SPICE_SERVER_VERSION >> 8) & 0xff,
               SPICE_SERVER_VERSION & 0xff);
    jo_str(&c->out, "spice_server_version", ver);
    jo_str(&c->out, "image_compression", current_image_mode);
    jo_str(&c->out, "jpeg", current_jpeg_mode);
    jo_str(&c->out, "zlib_glz", current_zlib_mode);
    jo_str(&c->out, "streaming", current_stream_mode);
    const char *vc = spice_server_get_video_codecs(app.server);
    jo_str(&c->out, "video_codecs", vc ? vc : "");
    char *usable = usable_video_codecs(vc ? vc : "");
    jo_str(&c->out, "video_codecs_usable", usable);
    g_free(usable);
    spice_server_free_video_codecs(app.server, vc);
    jo_bool(&c->out, "server_mouse", spice_server_is_server_mouse(app.server));
    return TRUE;
}

gboolean cmd_quit(Cmd *c G_GNUC_UNUSED)
{
    g_idle_add(quit_on_signal, NULL);
    return TRUE;
}

gboolean cmd_set_compression(Cmd *c)
{
    const char *image, *jpeg, *zlib;
    if (!arg_str(c, "image", FALSE, NULL, &image) || !arg_str(c, "jpeg", FALSE, NULL, &jpeg) ||
        !arg_str(c, "zlib_glz", FALSE, NULL, &zlib)) {
        return FALSE;
    }
    int im = image ? lookup_image_mode(image) : -2;
    int jm = jpeg ? lookup_wan_mode(jpeg) : -2;
    int zm = zlib ? lookup_wan_mode(zlib) : -2;
    if (im == -1) return cmd_fail(c, "unknown image compression '%s'", image);
    if (jm == -1 || zm == -1) return cmd_fail(c, "jpeg/zlib_glz must be auto, always or never");
    if (im >= 0) {
        spice_server_set_image_compression(app.server, image_modes[im].value);
        g_free(current_image_mode);
        current_image_mode = g_strdup(image);
    }
    if (jm >= 0) {
        spice_server_set_jpeg_compression(app.server, wan_modes[jm].value);
        g_free(current_jpeg_mode);
        current_jpeg_mode = g_strdup(jpeg);
    }
    if (zm >= 0) {
        spice_server_set_zlib_glz_compression(app.server, wan_modes[zm].value);
        g_free(current_zlib_mode);
        current_zlib_mode = g_strdup(zlib);
    }
    return TRUE;
}

gboolean cmd_set_streaming(Cmd *c)
{
    const char *mode, *codecs;
    if (!arg_str(c, "mode", FALSE, NULL, &mode) || !arg_str(c, "codecs", FALSE, NULL, &codecs)) {
        return FALSE;
    }
    if (mode) {
        int sm = lookup_stream_mode(mode);
        if (sm < 0) return cmd_fail(c, "mode must be off, all or filter");
        spice_server_set_streaming_video(app.server, stream_modes[sm].value);
        g_free(current_stream_mode);
        current_stream_mode = g_strdup(mode);
    }
    if (codecs) {
        if (spice_server_set_video_codecs(app.server, codecs) != 0) {
            return cmd_fail(c, "no codec of '%s' is supported", codecs);
        }
    }
    const char *vc = spice_server_get_video_codecs(app.server);
    jo_str(&c->out, "video_codecs", vc ? vc : "");
    spice_server_free_video_codecs(app.server, vc);
    return TRUE;
}

gboolean cmd_set_password(Cmd *c)
{
    const char *pw;
    gint64 lifetime;
    if (!arg_str(c, "password", FALSE, NULL, &pw) || !arg_int(c, "lifetime", FALSE, 0, 0, 1 << 30, &lifetime)) {
        return FALSE;
    }
    if (pw) {
        spice_server_set_ticket(app.server, pw, (int)lifetime, 0, 0);
    } else {
        spice_server_set_noauth(app.server);
    }
    return TRUE;
}

/* ---- startup ---- */

enum {
    OPT_PORT = 1000, OPT_TLS_PORT, OPT_X509, OPT_ADDR, OPT_IMAGE, OPT_WIDTH, OPT_HEIGHT, OPT_COMPRESSION,
    OPT_JPEG, OPT_ZLIB, OPT_STREAMING, OPT_CODECS, OPT_PLAYBACK_COMPRESSION, OPT_PASSWORD, OPT_AGENT,
    OPT_XFER_DIR, OPT_CMC, OPT_NO_TABLET, OPT_USBREDIR, OPT_USBREDIR_CAPS, OPT_PORT_CHANNEL, OPT_CONTROL, OPT_HELP,
};

static int parse_int_arg(const char *name, const char *s, int min, int max)
{
    char *end = NULL;
    gint64 v = g_ascii_strtoll(s, &end, 10);
    if (!end || *end || v < min || v > max) {
        logm("%s must be an integer %d..%d", name, min, max);
        exit(2);
    }
    return (int)v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, OPT_PORT },
        { "tls-port", required_argument, NULL, OPT_TLS_PORT },
        { "x509-dir", required_argument, NULL, OPT_X509 },
        { "addr", required_argument, NULL, OPT_ADDR },
        { "image", required_argument, NULL, OPT_IMAGE },
        { "width", required_argument, NULL, OPT_WIDTH },
        { "height", required_argument, NULL, OPT_HEIGHT },
        { "compression", required_argument, NULL, OPT_COMPRESSION },
        { "jpeg", required_argument, NULL, OPT_JPEG },
        { "zlib-glz", required_argument, NULL, OPT_ZLIB },
        { "streaming", required_argument, NULL, OPT_STREAMING },
        { "video-codecs", required_argument, NULL, OPT_CODECS },
        { "playback-compression", required_argument, NULL, OPT_PLAYBACK_COMPRESSION },
        { "password", required_argument, NULL, OPT_PASSWORD },
        { "agent", no_argument, NULL, OPT_AGENT },
        { "xfer-dir", required_argument, NULL, OPT_XFER_DIR },
        { "client-monitors-config", required_argument, NULL, OPT_CMC },
        { "no-tablet", no_argument, NULL, OPT_NO_TABLET },
        { "usbredir", no_argument, NULL, OPT_USBREDIR },
        { "usbredir-caps", required_argument, NULL, OPT_USBREDIR_CAPS },
        { "port-channel", required_argument, NULL, OPT_PORT_CHANNEL },
        { "control", required_argument, NULL, OPT_CONTROL },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    const char *compression = "auto_glz", *jpeg = "auto", *zlib = "auto", *streaming = "filter";
    const char *codecs = DEFAULT_VIDEO_CODECS;
    gboolean playback_compression = TRUE;
    app.addr = g_strdup("127.0.0.1");
    app.width = 640;
    app.height = 480;
    int opt;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_PORT: app.port = parse_int_arg("--port", optarg, 1, 65535); break;
        case OPT_TLS_PORT: app.tls_port = parse_int_arg("--tls-port", optarg, 1, 65535); break;
        case OPT_X509: app.x509_dir = g_strdup(optarg); break;
        case OPT_ADDR: g_free(app.addr); app.addr = g_strdup(optarg); break;
        case OPT_IMAGE: app.image_path = g_strdup(optarg); break;
        case OPT_WIDTH: app.width = parse_int_arg("--width", optarg, 1, 8192); break;
        case OPT_HEIGHT: app.height = parse_int_arg("--height", optarg, 1, 8192); break;
        case OPT_COMPRESSION: compression = optarg; break;
        case OPT_JPEG: jpeg = optarg; break;
        case OPT_ZLIB: zlib = optarg; break;
        case OPT_STREAMING: streaming = optarg; break;
        case OPT_CODECS: codecs = optarg; break;
        case OPT_PLAYBACK_COMPRESSION:
            if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
                logm("--playback-compression must be on or off");
                return 2;
            }
            playback_compression = strcmp(optarg, "on") == 0;
            break;
        case OPT_PASSWORD: app.password = g_strdup(optarg); break;
        case OPT_AGENT: app.agent = TRUE; break;
        case OPT_XFER_DIR: app.xfer_dir = g_strdup(optarg); break;
        case OPT_CMC:
            if (strcmp(optarg, "agent") && strcmp(optarg, "qxl")) {
                logm("--client-monitors-config must be agent or qxl");
                return 2;
            }
            app.client_monitors_via_qxl = strcmp(optarg, "qxl") == 0;
            break;
        case OPT_NO_TABLET: app.no_tablet = TRUE; break;
        case OPT_USBREDIR: app.usbredir = TRUE; break;
        case OPT_USBREDIR_CAPS:
            if (!usbredir_set_caps(optarg)) {
                fprintf(stderr, "bad --usbredir-caps %s\n", optarg);
                return 2;
            }
            break;
        case OPT_PORT_CHANNEL: app.port_name = g_strdup(optarg); break;
        case OPT_CONTROL: app.control = g_strdup(optarg); break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        logm("unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (app.port <= 0 && app.tls_port <= 0) {
        logm("--port or --tls-port is required");
        usage(stderr);
        return 2;
    }
    if (app.tls_port > 0 && !app.x509_dir) {
        logm("--tls-port needs --x509-dir");
        return 2;
    }
    int im = lookup_image_mode(compression), jm = lookup_wan_mode(jpeg), zm = lookup_wan_mode(zlib);
    int sm = lookup_stream_mode(streaming);
    if (im < 0 || jm < 0 || zm < 0 || sm < 0) {
        logm("bad --compression, --jpeg, --zlib-glz or --streaming value");
        return 2;
    }
    current_image_mode = g_strdup(compression);
    current_jpeg_mode = g_strdup(jpeg);
    current_zlib_mode = g_strdup(zlib);
    current_stream_mode = g_strdup(streaming);

    Image *initial = NULL;
    if (app.image_path) {
        char *err = NULL;
        initial = image_load_png(app.image_path, &err);
        if (!initial) {
            logm("%s", err);
            return 2;
        }
        app.width = initial->width;
        app.height = initial->height;
    }

    signal(SIGPIPE, SIG_IGN);
    app.loop = g_main_loop_new(NULL, FALSE);
    control_init(app.control);
    app.core = core_new();
    app.server = spice_server_new();
    spice_server_set_addr(app.server, app.addr, 0);
    if (app.port > 0) spice_server_set_port(app.server, app.port);
    if (app.tls_port > 0) {
        char *ca = g_build_filename(app.x509_dir, "ca-cert.pem", NULL);
        char *cert = g_build_filename(app.x509_dir, "server-cert.pem", NULL);
        char *key = g_build_filename(app.x509_dir, "server-key.pem", NULL);
        if (spice_server_set_tls(app.server, app.tls_port, ca, cert, key, NULL, NULL, NULL) != 0) {
            logm("spice_server_set_tls failed");
            return 2;
        }
        g_free(ca);
        g_free(cert);
        g_free(key);
    }
    if (app.password) {
        spice_server_set_ticket(app.server, app.password, 0, 0, 0);
    } else {
        spice_server_set_noauth(app.server);
    }
    spice_server_set_image_compression(app.server, image_modes[im].value);
    spice_server_set_jpeg_compression(app.server, wan_modes[jm].value);
    spice_server_set_zlib_glz_compression(app.server, wan_modes[zm].value);
    spice_server_set_streaming_video(app.server, stream_modes[sm].value);
    spice_server_set_playback_compression(app.server, playback_compression);
    spice_server_set_agent_mouse(app.server, TRUE);
    spice_server_set_agent_copypaste(app.server, TRUE);
    spice_server_set_agent_file_xfer(app.server, TRUE);
    spice_server_set_name(app.server, "saffron-test-server");
    if (spice_server_set_video_codecs(app.server, codecs) != 0) {
        logm("none of the video codecs '%s' is supported", codecs);
    }
    const char *vc = spice_server_get_video_codecs(app.server);
    app.video_codecs_accepted = g_strdup(vc ? vc : "");
    spice_server_free_video_codecs(app.server, vc);

    if (spice_server_init(app.server, app.core) != 0) {
        logm("spice_server_init failed (port in use?)");
        return 3;
    }
    if (out_mode() == OUT_STDIO) {
        emit_listening_event(-1);
    } else {
        GString *s = g_string_new("listening");
        if (app.port > 0) g_string_append_printf(s, " port=%d", app.port);
        if (app.tls_port > 0) g_string_append_printf(s, " tls-port=%d", app.tls_port);
        g_string_append_c(s, '\n');
        fputs(s->str, stdout);
        fflush(stdout);
        g_string_free(s, TRUE);
    }
    display_init(app.server, app.width, app.height, initial);
    image_free(initial);
    inputs_init(app.server);
    audio_init(app.server);
    agent_init(app.server, app.agent);
    if (app.usbredir) usbredir_init(app.server);
    if (app.port_name) port_init(app.server, app.port_name);

    logm("video codecs: %s", app.video_codecs_accepted);

    g_unix_signal_add(SIGTERM, quit_on_signal, NULL);
    g_unix_signal_add(SIGINT, quit_on_signal, NULL);
    g_main_loop_run(app.loop);
    /* spice_server_destroy can block on a busy worker; the process is ending anyway */
    fflush(stdout);
    _exit(0);
}
