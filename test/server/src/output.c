/* Protocol output: JSON lines to stdout or control-socket peers, serialized by a mutex because the QXL
 * worker thread reports too. Diagnostics go to stderr only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server.h"

static GMutex out_lock;
static OutMode mode = OUT_PLAIN;
static GArray *peers; /* int fds of unix control peers */

void out_init(OutMode m)
{
    mode = m;
    peers = g_array_new(FALSE, FALSE, sizeof(int));
}

OutMode out_mode(void)
{
    return mode;
}

static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = fd == 1 ? write(fd, data, len) : send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void write_line_locked(int fd, const char *line)
{
    GString *s = g_string_new(line);
    g_string_append_c(s, '\n');
    write_all(fd, s->str, s->len);
    g_string_free(s, TRUE);
}

void out_line(const char *line)
{
    g_mutex_lock(&out_lock);
    if (mode == OUT_STDIO) {
        write_line_locked(1, line);
    } else if (mode == OUT_UNIX) {
        for (guint i = 0; i < peers->len; i++) {
            write_line_locked(g_array_index(peers, int, i), line);
        }
    }
    g_mutex_unlock(&out_lock);
}

void out_line_to(int fd, const char *line)
{
    g_mutex_lock(&out_lock);
    write_line_locked(fd, line);
    g_mutex_unlock(&out_lock);
}

void out_add_peer(int fd)
{
    g_mutex_lock(&out_lock);
    g_array_append_val(peers, fd);
    g_mutex_unlock(&out_lock);
}

void out_remove_peer(int fd)
{
    g_mutex_lock(&out_lock);
    for (guint i = 0; i < peers->len; i++) {
        if (g_array_index(peers, int, i) == fd) {
            g_array_remove_index(peers, i);
            break;
        }
    }
    g_mutex_unlock(&out_lock);
}

void ev_begin(JOut *o, const char *event)
{
    jo_init(o);
    jo_str(o, "event", event);
}

void ev_begin_timed(JOut *o, const char *event)
{
    gint64 now = g_get_monotonic_time();
    ev_begin(o, event);
    jo_int(o, "t_us", now);
}

void ev_emit(JOut *o)
{
    char *line = jo_finish(o);
    out_line(line);
    g_free(line);
}

void logm(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "test-server: %s\n", msg);
    g_free(msg);
}
