/* The peer for `npm run bench:usb`: libusbredirparser (usbredir's own C parser) in the usb-host role, parsing the
 * same stream of usb-guest packets as Saffron's parser. Prints packets/s. Usage: usbredirparser-bench FILE ROUNDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <usbredirparser.h>

static uint8_t *buf;
static size_t len, pos;
static long packets;

static int rd(void *p, uint8_t *d, int n)
{
    (void)p;
    size_t k = len - pos < (size_t)n ? len - pos : (size_t)n;
    memcpy(d, buf + pos, k);
    pos += k;
    return (int)k;
}
static int wr(void *p, uint8_t *d, int n) { (void)p; (void)d; return n; }
static void lg(void *p, int l, const char *m) { (void)p; (void)l; (void)m; }
static void hello(void *p, struct usb_redir_hello_header *h) { (void)p; (void)h; }
static void bulk(void *p, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *d, int n)
{
    (void)p; (void)id; (void)h; (void)n;
    packets++;
    if (d) free(d);
}
static void ctrl(void *p, uint64_t id, struct usb_redir_control_packet_header *h, uint8_t *d, int n)
{
    (void)p; (void)id; (void)h; (void)n;
    packets++;
    if (d) free(d);
}

int main(int argc, char **argv)
{
    if (argc != 3) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(len);
    if (fread(buf, 1, len, f) != len) return 2;
    fclose(f);
    int rounds = atoi(argv[2]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < rounds; r++) {
        struct usbredirparser *p = usbredirparser_create();
        p->log_func = lg;
        p->read_func = rd;
        p->write_func = wr;
        p->hello_func = hello;
        p->bulk_packet_func = bulk;
        p->control_packet_func = ctrl;
        uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };
        usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
        usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
        usbredirparser_init(p, "bench usb-host", caps, USB_REDIR_CAPS_SIZE,
                            usbredirparser_fl_usb_host | usbredirparser_fl_no_hello);
        pos = 0;
        while (pos < len) {
            if (usbredirparser_do_read(p) != 0) {
                fprintf(stderr, "parse error at %zu\n", pos);
                return 1;
            }
        }
        usbredirparser_destroy(p);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("{\"packets\":%ld,\"seconds\":%.6f}\n", packets, s);
    return 0;
}
