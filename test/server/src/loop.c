/* SpiceCoreInterface implemented on GLib's default main context: one-shot timers and fd watches.
 * spice-server may start or cancel a timer from its worker thread, so timer state is locked. */
#include <glib-unix.h>
#include <netdb.h>
#include <string.h>

#include "server.h"

struct SpiceTimer {
    GMutex lock;
    GSource *source;
    SpiceTimerFunc func;
    void *opaque;
};

struct SpiceWatch {
    int fd;
    int mask;
    GSource *source;
    SpiceWatchFunc func;
    void *opaque;
};

static gboolean timer_fire(gpointer data)
{
    SpiceTimer *t = data;
    g_mutex_lock(&t->lock);
    GSource *s = t->source;
    t->source = NULL;
    g_mutex_unlock(&t->lock);
    if (s) {
        g_source_unref(s);
    }
    /* the callback may restart or remove this timer: t must not be touched afterwards */
    t->func(t->opaque);
    return G_SOURCE_REMOVE;
}

static SpiceTimer *timer_add(SpiceTimerFunc func, void *opaque)
{
    SpiceTimer *t = g_new0(SpiceTimer, 1);
    g_mutex_init(&t->lock);
    t->func = func;
    t->opaque = opaque;
    return t;
}

static void timer_cancel_locked(SpiceTimer *t)
{
    if (t->source) {
        g_source_destroy(t->source);
        g_source_unref(t->source);
        t->source = NULL;
    }
}

static void timer_start(SpiceTimer *t, uint32_t ms)
{
    g_mutex_lock(&t->lock);
    timer_cancel_locked(t);
    t->source = g_timeout_source_new(ms);
    g_source_set_callback(t->source, timer_fire, t, NULL);
    g_source_attach(t->source, NULL);
    g_mutex_unlock(&t->lock);
}

static void timer_cancel(SpiceTimer *t)
{
    g_mutex_lock(&t->lock);
    timer_cancel_locked(t);
    g_mutex_unlock(&t->lock);
}

static void timer_remove(SpiceTimer *t)
{
    timer_cancel(t);
    g_mutex_clear(&t->lock);
    g_free(t);
}

static gboolean watch_fire(gint fd, GIOCondition cond, gpointer data)
{
    SpiceWatch *w = data;
    int events = 0;
    if ((w->mask & SPICE_WATCH_EVENT_READ) && (cond & (G_IO_IN | G_IO_ERR | G_IO_HUP))) {
        events |= SPICE_WATCH_EVENT_READ;
    }
    if ((w->mask & SPICE_WATCH_EVENT_WRITE) && (cond & (G_IO_OUT | G_IO_ERR | G_IO_HUP))) {
        events |= SPICE_WATCH_EVENT_WRITE;
    }
    /* the callback may update or remove this watch: w must not be touched afterwards */
    if (events) {
        w->func(fd, events, w->opaque);
    }
    return G_SOURCE_CONTINUE;
}

static void watch_apply(SpiceWatch *w)
{
    if (w->source) {
        g_source_destroy(w->source);
        g_source_unref(w->source);
        w->source = NULL;
    }
    GIOCondition cond = 0;
    if (w->mask & SPICE_WATCH_EVENT_READ) cond |= G_IO_IN;
    if (w->mask & SPICE_WATCH_EVENT_WRITE) cond |= G_IO_OUT;
    if (!cond) {
        return;
    }
    w->source = g_unix_fd_source_new(w->fd, cond | G_IO_ERR | G_IO_HUP);
    g_source_set_callback(w->source, (GSourceFunc)(void (*)(void))watch_fire, w, NULL);
    g_source_attach(w->source, NULL);
}

static SpiceWatch *watch_add(int fd, int mask, SpiceWatchFunc func, void *opaque)
{
    SpiceWatch *w = g_new0(SpiceWatch, 1);
    w->fd = fd;
    w->mask = mask;
    w->func = func;
    w->opaque = opaque;
    watch_apply(w);
    return w;
}

static void watch_update_mask(SpiceWatch *w, int mask)
{
    if (w->mask == mask && w->source) {
        return;
    }
    w->mask = mask;
    watch_apply(w);
}

static void watch_remove(SpiceWatch *w)
{
    w->mask = 0;
    watch_apply(w);
    g_free(w);
}

const char *channel_type_name(int type)
{
    static const char *const names[] = { "unknown", "main", "display", "inputs", "cursor", "playback",
                                          "record", "tunnel", "smartcard", "usbredir", "port", "webdav" };
    if (type < 0 || type >= (int)G_N_ELEMENTS(names)) {
        return "unknown";
    }
    return names[type];
}

static void channel_event(int event, SpiceChannelEventInfo *info)
{
    const char *state = event == SPICE_CHANNEL_EVENT_CONNECTED     ? "connected"
                        : event == SPICE_CHANNEL_EVENT_INITIALIZED ? "initialized"
                        : event == SPICE_CHANNEL_EVENT_DISCONNECTED ? "disconnected"
                                                                    : "unknown";
    JOut o;
    ev_begin(&o, "channel");
    jo_str(&o, "state", state);
    jo_str(&o, "channel", channel_type_name(info->type));
    jo_int(&o, "type", info->type);
    jo_int(&o, "id", info->id);
    jo_int(&o, "connection_id", (guint32)info->connection_id);
    jo_bool(&o, "tls", (info->flags & SPICE_CHANNEL_EVENT_FLAG_TLS) != 0);
    if (info->flags & SPICE_CHANNEL_EVENT_FLAG_ADDR_EXT) {
        char host[NI_MAXHOST];
        char serv[NI_MAXSERV];
        if (getnameinfo((struct sockaddr *)&info->paddr_ext, info->plen_ext, host, sizeof(host), serv,
                        sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
            jo_str(&o, "peer", host);
            jo_int(&o, "peer_port", g_ascii_strtoll(serv, NULL, 10));
        }
    }
    ev_emit(&o);
}

SpiceCoreInterface *core_new(void)
{
    SpiceCoreInterface *core = g_new0(SpiceCoreInterface, 1);
    core->base.major_version = SPICE_INTERFACE_CORE_MAJOR;
    core->base.minor_version = SPICE_INTERFACE_CORE_MINOR;
    core->timer_add = timer_add;
    core->timer_start = timer_start;
    core->timer_cancel = timer_cancel;
    core->timer_remove = timer_remove;
    core->watch_add = watch_add;
    core->watch_update_mask = watch_update_mask;
    core->watch_remove = watch_remove;
    core->channel_event = channel_event;
    return core;
}
