/*
 * wan-forwarder: the middle of the WAN emulator (docs/udpack.md §12). Linux netem is not available here, so two
 * network namespaces are joined by two TUN devices and this process moves IP packets between them, delaying,
 * dropping, duplicating, reordering and rate-limiting them as a lossy WAN link would.
 *
 *   wan-forwarder --a NETNS_PATH:IFNAME --b NETNS_PATH:IFNAME [--seed N]
 *
 * The TUN devices are created inside the namespaces (setns) and disappear when this process exits. Direction "up"
 * is a -> b (client -> server), "down" is b -> a. Commands on stdin, one per line:
 *   set up|down|both key=value ...   delay_ms, jitter_ms, loss (%), dup (%), reorder (%), reorder_ms,
 *                                    rate_kbit (0 = unlimited), queue_ms (bottleneck queue before tail drop)
 *   stats                            one JSON line of counters
 * Every command is answered "ok" (or "error: ..."). "ready" is printed once both devices exist. EOF on stdin ends
 * the process (so a test runner that dies takes it along).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 65536
#define MAX_QUEUED 50000

struct profile {
    double delay_ms, jitter_ms, loss, dup, reorder, reorder_ms, rate_kbit, queue_ms;
};

struct counters {
    uint64_t in, out, lost, queue_drops, duplicated, reordered, overflow;
};

struct packet {
    uint64_t due_ns;
    uint64_t seq;
    int dir;
    uint16_t len;
    unsigned char data[];
};

static struct profile profiles[2] = {
    {0, 0, 0, 0, 0, 10, 0, 200},
    {0, 0, 0, 0, 0, 10, 0, 200},
};
static struct counters counters[2];
static uint64_t link_free_ns[2];
static struct packet **heap;
static size_t heap_len;
static uint64_t next_seq;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double rnd(void) { /* xorshift64*, uniform in [0, 1) */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

static int earlier(const struct packet *a, const struct packet *b) {
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void heap_push(struct packet *p) {
    size_t i = heap_len++;
    heap[i] = p;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(heap[i], heap[parent])) break;
        struct packet *t = heap[i];
        heap[i] = heap[parent];
        heap[parent] = t;
        i = parent;
    }
}

static struct packet *heap_pop(void) {
    struct packet *top = heap[0];
    heap[0] = heap[--heap_len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_len && earlier(heap[l], heap[m])) m = l;
        if (r < heap_len && earlier(heap[r], heap[m])) m = r;
        if (m == i) break;
        struct packet *t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
    return top;
}

static int open_tun_in(const char *spec) {
    char path[512];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof path || strlen(colon + 1) >= IFNAMSIZ) {
        fprintf(stderr, "wan-forwarder: bad device spec '%s' (NETNS_PATH:IFNAME)\n", spec);
        exit(2);
    }
    memcpy(path, spec, (size_t)(colon - spec));
    path[colon - spec] = 0;
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (self < 0 || ns < 0) {
        fprintf(stderr, "wan-forwarder: cannot open namespace %s: %s\n", path, strerror(errno));
        exit(3);
    }
    if (setns(ns, CLONE_NEWNET) < 0) {
        fprintf(stderr, "wan-forwarder: setns(%s): %s (needs CAP_SYS_ADMIN)\n", path, strerror(errno));
        exit(3);
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "wan-forwarder: /dev/net/tun: %s\n", strerror(errno));
        exit(3);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, colon + 1, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "wan-forwarder: TUNSETIFF %s: %s (needs CAP_NET_ADMIN)\n", colon + 1, strerror(errno));
        exit(3);
    }
    if (setns(self, CLONE_NEWNET) < 0) {
        fprintf(stderr, "wan-forwarder: setns back: %s\n", strerror(errno));
        exit(3);
    }
    close(self);
    close(ns);
    return fd;
}

static void accept_packet(int dir, const unsigned char *data, size_t len, uint64_t now) {
    struct profile *p = &profiles[dir];
    counters[dir].in++;
    if (rnd() * 100.0 < p->loss) {
        counters[dir].lost++;
        return;
    }
    uint64_t t = now;
    if (p->rate_kbit > 0) {
        uint64_t start = link_free_ns[dir] > now ? link_free_ns[dir] : now;
        if ((double)(start - now) / 1e6 > p->queue_ms) {
            counters[dir].queue_drops++;
            return;
        }
        link_free_ns[dir] = start + (uint64_t)((double)len * 8.0 * 1e6 / p->rate_kbit);
        t = link_free_ns[dir];
    }
    double delay = p->delay_ms;
    if (p->jitter_ms > 0) delay += (rnd() * 2.0 - 1.0) * p->jitter_ms;
    if (p->reorder > 0 && rnd() * 100.0 < p->reorder) {
        delay += p->reorder_ms;
        counters[dir].reordered++;
    }
    if (delay < 0) delay = 0;
    t += (uint64_t)(delay * 1e6);
    int copies = (p->dup > 0 && rnd() * 100.0 < p->dup) ? 2 : 1;
    if (copies == 2) counters[dir].duplicated++;
    for (int c = 0; c < copies; c++) {
        if (heap_len >= MAX_QUEUED) {
            counters[dir].overflow++;
            return;
        }
        struct packet *pkt = malloc(sizeof *pkt + len);
        if (!pkt) return;
        pkt->due_ns = t + (uint64_t)c * 100000ULL;
        pkt->seq = next_seq++;
        pkt->dir = dir;
        pkt->len = (uint16_t)len;
        memcpy(pkt->data, data, len);
        heap_push(pkt);
    }
}

static int set_key(struct profile *p, const char *key, double v) {
    if (!strcmp(key, "delay_ms")) p->delay_ms = v;
    else if (!strcmp(key, "jitter_ms")) p->jitter_ms = v;
    else if (!strcmp(key, "loss")) p->loss = v;
    else if (!strcmp(key, "dup")) p->dup = v;
    else if (!strcmp(key, "reorder")) p->reorder = v;
    else if (!strcmp(key, "reorder_ms")) p->reorder_ms = v;
    else if (!strcmp(key, "rate_kbit")) p->rate_kbit = v;
    else if (!strcmp(key, "queue_ms")) p->queue_ms = v;
    else return -1;
    return 0;
}

static void command(char *line) {
    char *save = NULL;
    char *word = strtok_r(line, " \t\r\n", &save);
    if (!word) return;
    if (!strcmp(word, "stats")) {
        printf("{\"up\":{\"in\":%lu,\"out\":%lu,\"lost\":%lu,\"queue_drops\":%lu,\"duplicated\":%lu,\"reordered\":%lu},"
               "\"down\":{\"in\":%lu,\"out\":%lu,\"lost\":%lu,\"queue_drops\":%lu,\"duplicated\":%lu,\"reordered\":%lu},"
               "\"queued\":%zu}\n",
               (unsigned long)counters[0].in, (unsigned long)counters[0].out, (unsigned long)counters[0].lost,
               (unsigned long)counters[0].queue_drops, (unsigned long)counters[0].duplicated,
               (unsigned long)counters[0].reordered, (unsigned long)counters[1].in, (unsigned long)counters[1].out,
               (unsigned long)counters[1].lost, (unsigned long)counters[1].queue_drops,
               (unsigned long)counters[1].duplicated, (unsigned long)counters[1].reordered, heap_len);
        fflush(stdout);
        return;
    }
    if (strcmp(word, "set") != 0) {
        printf("error: unknown command '%s'\n", word);
        fflush(stdout);
        return;
    }
    char *which = strtok_r(NULL, " \t\r\n", &save);
    int from, to;
    if (which && !strcmp(which, "up")) from = to = 0;
    else if (which && !strcmp(which, "down")) from = to = 1;
    else if (which && !strcmp(which, "both")) from = 0, to = 1;
    else {
        printf("error: set up|down|both key=value...\n");
        fflush(stdout);
        return;
    }
    struct profile next[2] = {profiles[0], profiles[1]};
    char *kv;
    while ((kv = strtok_r(NULL, " \t\r\n", &save))) {
        char *eq = strchr(kv, '=');
        char *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : 0;
        if (!eq || end == eq + 1 || *end || v < 0) {
            printf("error: bad setting '%s'\n", kv);
            fflush(stdout);
            return;
        }
        *eq = 0;
        for (int d = from; d <= to; d++) {
            if (set_key(&next[d], kv, v) < 0) {
                printf("error: unknown key '%s'\n", kv);
                fflush(stdout);
                return;
            }
        }
    }
    profiles[0] = next[0];
    profiles[1] = next[1];
    printf("ok\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *a = NULL, *b = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--a")) a = argv[i + 1];
        else if (!strcmp(argv[i], "--b")) b = argv[i + 1];
        else if (!strcmp(argv[i], "--seed")) rng_state = strtoull(argv[i + 1], NULL, 10) * 2654435761ULL + 1;
        else {
            fprintf(stderr, "wan-forwarder: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!a || !b) {
        fprintf(stderr, "usage: wan-forwarder --a NETNS_PATH:IFNAME --b NETNS_PATH:IFNAME [--seed N]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    heap = calloc(MAX_QUEUED + 2, sizeof *heap);
    if (!heap) return 1;
    int fds[2] = {open_tun_in(a), open_tun_in(b)};
    printf("ready\n");
    fflush(stdout);
    static unsigned char buf[MAX_PACKET];
    char line[1024];
    size_t line_len = 0;
    for (;;) {
        uint64_t now = now_ns();
        while (heap_len > 0 && heap[0]->due_ns <= now) {
            struct packet *p = heap_pop();
            /* up goes out on b's device, down on a's */
            if (write(fds[p->dir == 0 ? 1 : 0], p->data, p->len) == (ssize_t)p->len) counters[p->dir].out++;
            free(p);
        }
        struct pollfd pfd[3] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}, {0, POLLIN, 0}};
        struct timespec timeout, *tp = NULL;
        if (heap_len > 0) {
            uint64_t wait = heap[0]->due_ns > now ? heap[0]->due_ns - now : 0;
            timeout.tv_sec = (time_t)(wait / 1000000000ULL);
            timeout.tv_nsec = (long)(wait % 1000000000ULL);
            tp = &timeout;
        }
        if (ppoll(pfd, 3, tp, NULL) < 0 && errno != EINTR) return 1;
        now = now_ns();
        for (int d = 0; d < 2; d++) {
            if (!(pfd[d].revents & POLLIN)) continue;
            for (int n = 0; n < 512; n++) {
                ssize_t got = read(fds[d], buf, sizeof buf);
                if (got <= 0) break;
                accept_packet(d, buf, (size_t)got, now);
            }
        }
        if (pfd[2].revents & (POLLIN | POLLHUP)) {
            ssize_t got = read(0, line + line_len, sizeof line - 1 - line_len);
            if (got <= 0) return 0; /* stdin closed: the controller is gone */
            line_len += (size_t)got;
            line[line_len] = 0;
            char *nl;
            while ((nl = memchr(line, '\n', line_len))) {
                *nl = 0;
                command(line);
                size_t used = (size_t)(nl - line) + 1;
                memmove(line, nl + 1, line_len - used);
                line_len -= used;
                line[line_len] = 0;
            }
            if (line_len >= sizeof line - 1) line_len = 0; /* an overlong line is dropped */
        }
    }
}
