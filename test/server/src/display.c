/* The QXL device: command rings read by spice-server's worker thread, surfaces (primary and off-screen),
 * drawing (copy of PNG bitmaps, solid fills, copy-bits, surface-to-surface copies), cursor commands,
 * monitors config and a stream generator. Guest physical addresses are plain pointers: one memslot
 * (group 0, slot 0, generation 0) covers the whole address space. */
#include <math.h>
#include <string.h>

#include "server.h"

#define MAX_SURFACES 16
#define MAX_SIDE 8192
#define MAX_MONITORS 16

typedef enum { RES_DRAW, RES_SURFACE, RES_CURSOR } ResKind;

/* One guest command and everything it points to; freed in release_resource. */
typedef struct {
    QXLCommandExt ext;
    ResKind kind;
    union {
        QXLDrawable drawable;
        QXLSurfaceCmd surface;
        QXLCursorCmd cursor;
    } u;
    QXLImage image;
    void *owned; /* bitmap pixels, surface memory, or cursor shape */
    uint32_t bench_frame; /* non-zero: the last command of this benchmark frame (bench.c) */
} Resource;

typedef struct {
    gboolean exists;
    int width;
    int height;
} SurfaceInfo;

typedef struct {
    QXLInstance qxl;
    SpiceServer *server;
    GMutex lock; /* guards the two queues (worker thread reads them) */
    GQueue display_queue;
    GQueue cursor_queue;
    uint8_t *primary_mem;
    SurfaceInfo surfaces[MAX_SURFACES];
    uint32_t next_unique;
    uint64_t next_cursor_unique;
    /* streaming */
    guint stream_source;
    int stream_x, stream_y, stream_w, stream_h;
    int stream_frames_left;
    int stream_frame_index;
    int stream_frames_total;
    gboolean client_present;
} Display;

static Display dpy;

static QXLDevMemSlot memslot = {
    .slot_group_id = 0,
    .slot_id = 0,
    .generation = 0,
    .virt_start = 0,
    .virt_end = ~(uintptr_t)0,
    .addr_delta = 0,
    .qxl_ram_size = ~0u,
};

/* ---- QXL interface callbacks (worker thread unless noted) ---- */

static void attached_worker(QXLInstance *qin G_GNUC_UNUSED)
{
}

static void set_compression_level(QXLInstance *qin G_GNUC_UNUSED, int level G_GNUC_UNUSED)
{
}

static void get_init_info(QXLInstance *qin G_GNUC_UNUSED, QXLDevInitInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->num_memslots = 1;
    info->num_memslots_groups = 1;
    info->memslot_id_bits = 1;
    info->memslot_gen_bits = 1;
    info->n_surfaces = MAX_SURFACES;
}

static int pop_command(GQueue *q, QXLCommandExt *out)
{
    g_mutex_lock(&dpy.lock);
    Resource *r = g_queue_pop_head(q);
    g_mutex_unlock(&dpy.lock);
    if (!r) {
        return FALSE;
    }
    *out = r->ext;
    if (r->bench_frame) {
        bench_frame_pulled(r->bench_frame);
    }
    return TRUE;
}

static int get_command(QXLInstance *qin G_GNUC_UNUSED, QXLCommandExt *ext)
{
    return pop_command(&dpy.display_queue, ext);
}

/* TRUE = "the ring is empty, I will wake you up" */
static int req_cmd_notification(QXLInstance *qin G_GNUC_UNUSED)
{
    g_mutex_lock(&dpy.lock);
    gboolean empty = g_queue_is_empty(&dpy.display_queue);
    g_mutex_unlock(&dpy.lock);
    return empty;
}

static int get_cursor_command(QXLInstance *qin G_GNUC_UNUSED, QXLCommandExt *ext)
{
    return pop_command(&dpy.cursor_queue, ext);
}

static int req_cursor_notification(QXLInstance *qin G_GNUC_UNUSED)
{
    g_mutex_lock(&dpy.lock);
    gboolean empty = g_queue_is_empty(&dpy.cursor_queue);
    g_mutex_unlock(&dpy.lock);
    return empty;
}

static void release_resource(QXLInstance *qin G_GNUC_UNUSED, QXLReleaseInfoExt release_info)
{
    Resource *r = (Resource *)(uintptr_t)release_info.info->id;
    g_free(r->owned);
    g_free(r);
}

static void notify_update(QXLInstance *qin G_GNUC_UNUSED, uint32_t update_id G_GNUC_UNUSED)
{
}

static int flush_resources(QXLInstance *qin G_GNUC_UNUSED)
{
    return 0;
}

static void async_complete(QXLInstance *qin G_GNUC_UNUSED, uint64_t cookie)
{
    /* the only async request is monitors config: the cookie is its memory */
    g_free((void *)(uintptr_t)cookie);
}

static void update_area_complete(QXLInstance *qin G_GNUC_UNUSED, uint32_t surface_id G_GNUC_UNUSED,
                                 QXLRect *rects G_GNUC_UNUSED, uint32_t n G_GNUC_UNUSED)
{
}

static void set_client_capabilities(QXLInstance *qin G_GNUC_UNUSED, uint8_t client_present,
                                    uint8_t caps[SPICE_CAPABILITIES_SIZE] G_GNUC_UNUSED)
{
    dpy.client_present = client_present;
    JOut o;
    ev_begin(&o, "display_client");
    jo_bool(&o, "present", client_present != 0);
    ev_emit(&o);
}

static int client_monitors_config(QXLInstance *qin G_GNUC_UNUSED, VDAgentMonitorsConfig *mc)
{
    return display_client_monitors_config(mc);
}

int display_client_monitors_config(VDAgentMonitorsConfig *mc)
{
    if (!app.client_monitors_via_qxl) {
        return 0; /* not supported: spice-server forwards the request to the agent */
    }
    if (!mc) {
        return 1; /* query: supported */
    }
    GString *arr = g_string_new("[");
    for (uint32_t i = 0; i < mc->num_of_monitors && i < 256; i++) {
        VDAgentMonConfig *m = &mc->monitors[i];
        g_string_append_printf(arr, "%s{\"width\":%u,\"height\":%u,\"depth\":%u,\"x\":%d,\"y\":%d}", i ? "," : "",
                               m->width, m->height, m->depth, m->x, m->y);
    }
    g_string_append_c(arr, ']');
    JOut o;
    ev_begin(&o, "monitors_config_request");
    jo_str(&o, "via", "qxl");
    jo_int(&o, "flags", mc->flags);
    jo_raw(&o, "monitors", arr->str);
    ev_emit(&o);
    g_string_free(arr, TRUE);
    return 1;
}

static QXLInterface qxl_sif = {
    .base = {
        .type = SPICE_INTERFACE_QXL,
        .description = "saffron test qxl",
        .major_version = SPICE_INTERFACE_QXL_MAJOR,
        .minor_version = SPICE_INTERFACE_QXL_MINOR,
    },
    { .attached_worker = attached_worker },
    .set_compression_level = set_compression_level,
    .get_init_info = get_init_info,
    .get_command = get_command,
    .req_cmd_notification = req_cmd_notification,
    .release_resource = release_resource,
    .get_cursor_command = get_cursor_command,
    .req_cursor_notification = req_cursor_notification,
    .notify_update = notify_update,
    .flush_resources = flush_resources,
    .async_complete = async_complete,
    .update_area_complete = update_area_complete,
    .set_client_capabilities = set_client_capabilities,
    .client_monitors_config = client_monitors_config,
};

/* ---- command construction (main thread) ---- */

static Resource *resource_new(ResKind kind, uint32_t cmd_type)
{
    Resource *r = g_new0(Resource, 1);
    r->kind = kind;
    r->ext.cmd.type = cmd_type;
    r->ext.group_id = 0;
    r->ext.flags = 0;
    switch (kind) {
    case RES_DRAW:
        r->ext.cmd.data = (QXLPHYSICAL)(uintptr_t)&r->u.drawable;
        r->u.drawable.release_info.id = (uint64_t)(uintptr_t)r;
        break;
    case RES_SURFACE:
        r->ext.cmd.data = (QXLPHYSICAL)(uintptr_t)&r->u.surface;
        r->u.surface.release_info.id = (uint64_t)(uintptr_t)r;
        break;
    case RES_CURSOR:
        r->ext.cmd.data = (QXLPHYSICAL)(uintptr_t)&r->u.cursor;
        r->u.cursor.release_info.id = (uint64_t)(uintptr_t)r;
        break;
    }
    return r;
}

static void push(GQueue *q, Resource *r)
{
    g_mutex_lock(&dpy.lock);
    g_queue_push_tail(q, r);
    g_mutex_unlock(&dpy.lock);
    spice_qxl_wakeup(&dpy.qxl);
}

static Resource *drawable_new(uint32_t surface_id, uint8_t type, int x, int y, int w, int h)
{
    Resource *r = resource_new(RES_DRAW, QXL_CMD_DRAW);
    QXLDrawable *d = &r->u.drawable;
    d->surface_id = surface_id;
    d->effect = QXL_EFFECT_OPAQUE;
    d->type = type;
    d->bbox.left = x;
    d->bbox.top = y;
    d->bbox.right = x + w;
    d->bbox.bottom = y + h;
    d->clip.type = SPICE_CLIP_TYPE_NONE;
    d->surfaces_dest[0] = -1;
    d->surfaces_dest[1] = -1;
    d->surfaces_dest[2] = -1;
    return r;
}

/* Makes the worker consume every queued display command and render the surface. */
static void display_sync(uint32_t surface_id)
{
    if (surface_id >= MAX_SURFACES || !dpy.surfaces[surface_id].exists) {
        return;
    }
    QXLRect area = { .top = 0, .left = 0, .bottom = dpy.surfaces[surface_id].height,
                     .right = dpy.surfaces[surface_id].width };
    spice_qxl_update_area(&dpy.qxl, surface_id, &area, NULL, 0, 1);
}

/* Queues a DRAW_COPY of w×h top-down xRGB pixels that the command owns (freed on release). */
static Resource *bitmap_command(uint32_t surface_id, int x, int y, uint32_t *owned, int w, int h)
{
    Resource *r = drawable_new(surface_id, QXL_DRAW_COPY, x, y, w, h);
    r->owned = owned;
    QXLImage *img = &r->image;
    QXL_SET_IMAGE_ID(img, QXL_IMAGE_GROUP_DEVICE, ++dpy.next_unique);
    img->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    img->descriptor.flags = 0;
    img->descriptor.width = w;
    img->descriptor.height = h;
    img->bitmap.format = SPICE_BITMAP_FMT_32BIT;
    img->bitmap.flags = QXL_BITMAP_DIRECT | QXL_BITMAP_TOP_DOWN;
    img->bitmap.x = w;
    img->bitmap.y = h;
    img->bitmap.stride = w * 4;
    img->bitmap.palette = 0;
    img->bitmap.data = (QXLPHYSICAL)(uintptr_t)owned;
    QXLDrawable *d = &r->u.drawable;
    d->u.copy.src_bitmap = (QXLPHYSICAL)(uintptr_t)img;
    d->u.copy.src_area.left = 0;
    d->u.copy.src_area.top = 0;
    d->u.copy.src_area.right = w;
    d->u.copy.src_area.bottom = h;
    d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    d->u.copy.scale_mode = 0;
    return r;
}

static void push_bitmap(uint32_t surface_id, int x, int y, const uint32_t *pixels, int w, int h, int stride_px)
{
    uint32_t *copy = g_new(uint32_t, (gsize)w * (gsize)h);
    for (int row = 0; row < h; row++) {
        memcpy(copy + (gsize)row * w, pixels + (gsize)row * stride_px, (gsize)w * 4);
    }
    push(&dpy.display_queue, bitmap_command(surface_id, x, y, copy, w, h));
}

static void push_fill(uint32_t surface_id, int x, int y, int w, int h, uint32_t rgb)
{
    Resource *r = drawable_new(surface_id, QXL_DRAW_FILL, x, y, w, h);
    QXLDrawable *d = &r->u.drawable;
    d->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    d->u.fill.brush.u.color = rgb;
    d->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    d->u.fill.mask.bitmap = 0;
    push(&dpy.display_queue, r);
}

static void create_primary(int width, int height)
{
    dpy.primary_mem = g_malloc0((gsize)width * (gsize)height * 4);
    QXLDevSurfaceCreate s;
    memset(&s, 0, sizeof(s));
    s.format = SPICE_SURFACE_FMT_32_xRGB;
    s.width = width;
    s.height = height;
    s.stride = -width * 4; /* bottom-up, as QEMU's devices do */
    s.mouse_mode = TRUE;
    s.mem = (uint64_t)(uintptr_t)dpy.primary_mem;
    s.group_id = 0;
    spice_qxl_create_primary_surface(&dpy.qxl, 0, &s);
    dpy.surfaces[0].exists = TRUE;
    dpy.surfaces[0].width = width;
    dpy.surfaces[0].height = height;
}

void display_init(SpiceServer *server, int width, int height, const Image *initial)
{
    g_mutex_init(&dpy.lock);
    g_queue_init(&dpy.display_queue);
    g_queue_init(&dpy.cursor_queue);
    dpy.server = server;
    dpy.qxl.base.sif = &qxl_sif.base;
    dpy.qxl.id = 0;
    spice_server_add_interface(server, &dpy.qxl.base);
    spice_qxl_add_memslot(&dpy.qxl, &memslot);
    spice_qxl_set_device_info(&dpy.qxl, "pci/0000/02.0", 0, MAX_MONITORS);
    create_primary(width, height);
    if (initial) {
        push_bitmap(0, 0, 0, initial->pixels, initial->width, initial->height, initial->width);
    }
    spice_server_vm_start(server);
    display_sync(0);
}

/* ---- argument helpers ---- */

static gboolean arg_surface(Cmd *c, const char *key, gboolean must_exist, uint32_t *out)
{
    gint64 s = 0;
    *out = 0;
    if (!arg_int(c, key, FALSE, 0, 0, MAX_SURFACES - 1, &s)) return FALSE;
    if (must_exist && !dpy.surfaces[s].exists) {
        return cmd_fail(c, "surface %d does not exist", (int)s);
    }
    *out = (uint32_t)s;
    return TRUE;
}

/* Checks that a rectangle lies inside the surface. */
static gboolean check_rect(Cmd *c, uint32_t surface, gint64 x, gint64 y, gint64 w, gint64 h)
{
    const SurfaceInfo *s = &dpy.surfaces[surface];
    if (w <= 0 || h <= 0 || x < 0 || y < 0 || x + w > s->width || y + h > s->height) {
        return cmd_fail(c, "rectangle %dx%d+%d+%d is outside surface %u (%dx%d)", (int)w, (int)h, (int)x, (int)y,
                        surface, s->width, s->height);
    }
    return TRUE;
}

/* ---- display commands ---- */

gboolean cmd_draw_image(Cmd *c)
{
    uint32_t surface = 0;
    gint64 x, y;
    const char *png;
    if (!arg_surface(c, "surface", TRUE, &surface) || !arg_int(c, "x", FALSE, 0, 0, MAX_SIDE, &x) ||
        !arg_int(c, "y", FALSE, 0, 0, MAX_SIDE, &y) || !arg_str(c, "png", TRUE, NULL, &png)) {
        return FALSE;
    }
    char *err = NULL;
    Image *img = image_load_png(png, &err);
    if (!img) {
        gboolean r = cmd_fail(c, "%s", err);
        g_free(err);
        return r;
    }
    if (!check_rect(c, surface, x, y, img->width, img->height)) {
        image_free(img);
        return FALSE;
    }
    push_bitmap(surface, (int)x, (int)y, img->pixels, img->width, img->height, img->width);
    jo_int(&c->out, "width", img->width);
    jo_int(&c->out, "height", img->height);
    image_free(img);
    display_sync(surface);
    return TRUE;
}

gboolean cmd_fill(Cmd *c)
{
    uint32_t surface = 0, color = 0;
    gint64 x, y, w, h;
    if (!arg_surface(c, "surface", TRUE, &surface) || !arg_int(c, "x", FALSE, 0, 0, MAX_SIDE, &x) ||
        !arg_int(c, "y", FALSE, 0, 0, MAX_SIDE, &y) ||
        !arg_int(c, "width", FALSE, dpy.surfaces[surface].width - x, 1, MAX_SIDE, &w) ||
        !arg_int(c, "height", FALSE, dpy.surfaces[surface].height - y, 1, MAX_SIDE, &h) ||
        !arg_color(c, "color", TRUE, 0, &color) || !check_rect(c, surface, x, y, w, h)) {
        return FALSE;
    }
    push_fill(surface, (int)x, (int)y, (int)w, (int)h, color);
    display_sync(surface);
    return TRUE;
}

gboolean cmd_copy_bits(Cmd *c)
{
    uint32_t surface = 0;
    gint64 sx, sy, x, y, w, h;
    if (!arg_surface(c, "surface", TRUE, &surface) || !arg_int(c, "src_x", TRUE, 0, 0, MAX_SIDE, &sx) ||
        !arg_int(c, "src_y", TRUE, 0, 0, MAX_SIDE, &sy) || !arg_int(c, "x", TRUE, 0, 0, MAX_SIDE, &x) ||
        !arg_int(c, "y", TRUE, 0, 0, MAX_SIDE, &y) || !arg_int(c, "width", TRUE, 0, 1, MAX_SIDE, &w) ||
        !arg_int(c, "height", TRUE, 0, 1, MAX_SIDE, &h) || !check_rect(c, surface, sx, sy, w, h) ||
        !check_rect(c, surface, x, y, w, h)) {
        return FALSE;
    }
    Resource *r = drawable_new(surface, QXL_COPY_BITS, (int)x, (int)y, (int)w, (int)h);
    r->u.drawable.u.copy_bits.src_pos.x = (int32_t)sx;
    r->u.drawable.u.copy_bits.src_pos.y = (int32_t)sy;
    push(&dpy.display_queue, r);
    display_sync(surface);
    return TRUE;
}

gboolean cmd_create_surface(Cmd *c)
{
    gint64 id, w, h;
    uint32_t color = 0;
    if (!arg_int(c, "surface", TRUE, 0, 1, MAX_SURFACES - 1, &id) ||
        !arg_int(c, "width", TRUE, 0, 1, MAX_SIDE, &w) || !arg_int(c, "height", TRUE, 0, 1, MAX_SIDE, &h) ||
        !arg_color(c, "color", FALSE, 0, &color)) {
        return FALSE;
    }
    if (dpy.surfaces[id].exists) {
        return cmd_fail(c, "surface %d already exists", (int)id);
    }
    Resource *r = resource_new(RES_SURFACE, QXL_CMD_SURFACE);
    uint8_t *mem = g_malloc0((gsize)w * (gsize)h * 4);
    r->owned = mem; /* released when the server destroys the surface */
    QXLSurfaceCmd *s = &r->u.surface;
    s->surface_id = (uint32_t)id;
    s->type = QXL_SURFACE_CMD_CREATE;
    s->flags = 0;
    s->u.surface_create.format = SPICE_SURFACE_FMT_32_xRGB;
    s->u.surface_create.width = (uint32_t)w;
    s->u.surface_create.height = (uint32_t)h;
    s->u.surface_create.stride = -(int32_t)w * 4;
    s->u.surface_create.data = (QXLPHYSICAL)(uintptr_t)mem;
    push(&dpy.display_queue, r);
    dpy.surfaces[id].exists = TRUE;
    dpy.surfaces[id].width = (int)w;
    dpy.surfaces[id].height = (int)h;
    push_fill((uint32_t)id, 0, 0, (int)w, (int)h, color);
    display_sync((uint32_t)id);
    return TRUE;
}

gboolean cmd_destroy_surface(Cmd *c)
{
    gint64 id;
    if (!arg_int(c, "surface", TRUE, 0, 1, MAX_SURFACES - 1, &id)) {
        return FALSE;
    }
    if (!dpy.surfaces[id].exists) {
        return cmd_fail(c, "surface %d does not exist", (int)id);
    }
    Resource *r = resource_new(RES_SURFACE, QXL_CMD_SURFACE);
    r->u.surface.surface_id = (uint32_t)id;
    r->u.surface.type = QXL_SURFACE_CMD_DESTROY;
    push(&dpy.display_queue, r);
    dpy.surfaces[id].exists = FALSE;
    display_sync(0);
    return TRUE;
}

gboolean cmd_copy_surface(Cmd *c)
{
    uint32_t src = 0, dst = 0;
    gint64 sx, sy, x, y, w, h;
    if (!arg_surface(c, "src_surface", TRUE, &src) || !arg_surface(c, "surface", TRUE, &dst) ||
        !arg_int(c, "src_x", FALSE, 0, 0, MAX_SIDE, &sx) || !arg_int(c, "src_y", FALSE, 0, 0, MAX_SIDE, &sy) ||
        !arg_int(c, "x", FALSE, 0, 0, MAX_SIDE, &x) || !arg_int(c, "y", FALSE, 0, 0, MAX_SIDE, &y) ||
        !arg_int(c, "width", FALSE, dpy.surfaces[src].width - sx, 1, MAX_SIDE, &w) ||
        !arg_int(c, "height", FALSE, dpy.surfaces[src].height - sy, 1, MAX_SIDE, &h) ||
        !check_rect(c, src, sx, sy, w, h) || !check_rect(c, dst, x, y, w, h)) {
        return FALSE;
    }
    if (src == dst) {
        return cmd_fail(c, "src_surface and surface must differ (use copy_bits)");
    }
    Resource *r = drawable_new(dst, QXL_DRAW_COPY, (int)x, (int)y, (int)w, (int)h);
    QXLImage *img = &r->image;
    QXL_SET_IMAGE_ID(img, QXL_IMAGE_GROUP_DEVICE, ++dpy.next_unique);
    img->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
    img->descriptor.width = dpy.surfaces[src].width;
    img->descriptor.height = dpy.surfaces[src].height;
    img->surface_image.surface_id = src;
    QXLDrawable *d = &r->u.drawable;
    d->surfaces_dest[0] = (int32_t)src;
    d->surfaces_rects[0].left = (int32_t)sx;
    d->surfaces_rects[0].top = (int32_t)sy;
    d->surfaces_rects[0].right = (int32_t)(sx + w);
    d->surfaces_rects[0].bottom = (int32_t)(sy + h);
    d->u.copy.src_bitmap = (QXLPHYSICAL)(uintptr_t)img;
    d->u.copy.src_area.left = (int32_t)sx;
    d->u.copy.src_area.top = (int32_t)sy;
    d->u.copy.src_area.right = (int32_t)(sx + w);
    d->u.copy.src_area.bottom = (int32_t)(sy + h);
    d->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    push(&dpy.display_queue, r);
    display_sync(dst);
    return TRUE;
}

gboolean cmd_resize(Cmd *c)
{
    gint64 w, h;
    uint32_t color = 0;
    const char *png;
    if (!arg_int(c, "width", TRUE, 0, 1, MAX_SIDE, &w) || !arg_int(c, "height", TRUE, 0, 1, MAX_SIDE, &h) ||
        !arg_color(c, "color", FALSE, 0, &color) || !arg_str(c, "png", FALSE, NULL, &png)) {
        return FALSE;
    }
    Image *img = NULL;
    if (png) {
        char *err = NULL;
        img = image_load_png(png, &err);
        if (!img) {
            gboolean r = cmd_fail(c, "%s", err);
            g_free(err);
            return r;
        }
        if (img->width > w || img->height > h) {
            image_free(img);
            return cmd_fail(c, "image is larger than the new surface");
        }
    }
    if (dpy.stream_source) {
        g_source_remove(dpy.stream_source);
        dpy.stream_source = 0;
    }
    display_sync(0);
    spice_qxl_destroy_primary_surface(&dpy.qxl, 0);
    g_free(dpy.primary_mem);
    dpy.primary_mem = NULL;
    create_primary((int)w, (int)h);
    push_fill(0, 0, 0, (int)w, (int)h, color);
    if (img) {
        push_bitmap(0, 0, 0, img->pixels, img->width, img->height, img->width);
        image_free(img);
    }
    display_sync(0);
    return TRUE;
}

gboolean cmd_monitors(Cmd *c)
{
    const JsonValue *list = arg_value(c, "monitors");
    if (!list || list->type != JSON_ARRAY || list->items->len == 0 || list->items->len > MAX_MONITORS) {
        return cmd_fail(c, "monitors must be an array of 1..%d {x,y,width,height}", MAX_MONITORS);
    }
    guint n = list->items->len;
    QXLMonitorsConfig *mc = g_malloc0(sizeof(QXLMonitorsConfig) + n * sizeof(QXLHead));
    mc->count = (uint16_t)n;
    mc->max_allowed = MAX_MONITORS;
    const SurfaceInfo *p = &dpy.surfaces[0];
    for (guint i = 0; i < n; i++) {
        const JsonValue *m = g_ptr_array_index(list->items, i);
        const JsonValue *vx = json_get(m, "x"), *vy = json_get(m, "y");
        const JsonValue *vw = json_get(m, "width"), *vh = json_get(m, "height");
        if (!vx || !vy || !vw || !vh || vx->type != JSON_NUMBER || vy->type != JSON_NUMBER ||
            vw->type != JSON_NUMBER || vh->type != JSON_NUMBER) {
            g_free(mc);
            return cmd_fail(c, "monitor %u needs numeric x, y, width, height", i);
        }
        gint64 x = (gint64)vx->number, y = (gint64)vy->number, w = (gint64)vw->number, h = (gint64)vh->number;
        if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > p->width || y + h > p->height) {
            g_free(mc);
            return cmd_fail(c, "monitor %u (%dx%d+%d+%d) is outside the primary surface (%dx%d)", i, (int)w,
                            (int)h, (int)x, (int)y, p->width, p->height);
        }
        mc->heads[i].id = i;
        mc->heads[i].surface_id = 0;
        mc->heads[i].x = (uint32_t)x;
        mc->heads[i].y = (uint32_t)y;
        mc->heads[i].width = (uint32_t)w;
        mc->heads[i].height = (uint32_t)h;
        mc->heads[i].flags = 0;
    }
    /* freed in async_complete (the cookie is the pointer) */
    spice_qxl_monitors_config_async(&dpy.qxl, (QXLPHYSICAL)(uintptr_t)mc, 0, (uint64_t)(uintptr_t)mc);
    jo_int(&c->out, "count", n);
    return TRUE;
}

/* A smooth, moving gradient: photo-like enough for the stream filter. */
static void stream_frame_pixels(uint32_t *px, int w, int h, int t)
{
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t r = (uint32_t)((x * 255 / w + t * 7) & 0xff);
            uint32_t g = (uint32_t)((y * 255 / h + t * 3) & 0xff);
            uint32_t b = (uint32_t)(128 + 127 * sin((x + y + t * 5) * 0.05));
            px[(gsize)y * w + x] = 0xff000000u | (r << 16) | (g << 8) | b;
        }
    }
}

static gboolean stream_tick(gpointer data G_GNUC_UNUSED)
{
    if (dpy.stream_frames_left <= 0) {
        JOut o;
        ev_begin(&o, "stream_done");
        jo_int(&o, "frames", dpy.stream_frames_total);
        ev_emit(&o);
        dpy.stream_source = 0;
        return G_SOURCE_REMOVE;
    }
    uint32_t *px = g_new(uint32_t, (gsize)dpy.stream_w * dpy.stream_h);
    stream_frame_pixels(px, dpy.stream_w, dpy.stream_h, dpy.stream_frame_index++);
    push_bitmap(0, dpy.stream_x, dpy.stream_y, px, dpy.stream_w, dpy.stream_h, dpy.stream_w);
    g_free(px);
    dpy.stream_frames_left--;
    return G_SOURCE_CONTINUE;
}

gboolean cmd_stream(Cmd *c)
{
    gint64 x, y, w, h, frames, fps;
    if (!arg_int(c, "x", FALSE, 0, 0, MAX_SIDE, &x) || !arg_int(c, "y", FALSE, 0, 0, MAX_SIDE, &y) ||
        !arg_int(c, "width", FALSE, 320, 1, MAX_SIDE, &w) || !arg_int(c, "height", FALSE, 240, 1, MAX_SIDE, &h) ||
        !arg_int(c, "frames", FALSE, 60, 1, 100000, &frames) || !arg_int(c, "fps", FALSE, 25, 1, 120, &fps) ||
        !check_rect(c, 0, x, y, w, h)) {
        return FALSE;
    }
    if (dpy.stream_source) {
        g_source_remove(dpy.stream_source);
    }
    dpy.stream_x = (int)x;
    dpy.stream_y = (int)y;
    dpy.stream_w = (int)w;
    dpy.stream_h = (int)h;
    dpy.stream_frames_left = (int)frames;
    dpy.stream_frames_total = (int)frames;
    dpy.stream_source = g_timeout_add((guint)(1000 / fps), stream_tick, NULL);
    return TRUE;
}

gboolean cmd_screenshot(Cmd *c)
{
    const char *path;
    uint32_t surface = 0;
    if (!arg_str(c, "path", TRUE, NULL, &path) || !arg_surface(c, "surface", TRUE, &surface)) {
        return FALSE;
    }
    if (surface != 0) {
        return cmd_fail(c, "only surface 0 can be read back");
    }
    display_sync(0);
    int w = dpy.surfaces[0].width, h = dpy.surfaces[0].height;
    Image *img = image_new(w, h);
    for (int y = 0; y < h; y++) {
        /* bottom-up memory: row y sits at (h-1-y) */
        const uint32_t *src = (const uint32_t *)(dpy.primary_mem + (gsize)(h - 1 - y) * w * 4);
        for (int x = 0; x < w; x++) {
            img->pixels[(gsize)y * w + x] = src[x] | 0xff000000u;
        }
    }
    char *err = NULL;
    gboolean ok = image_save_png(img, path, &err);
    image_free(img);
    if (!ok) {
        gboolean r = cmd_fail(c, "%s", err);
        g_free(err);
        return r;
    }
    jo_int(&c->out, "width", w);
    jo_int(&c->out, "height", h);
    return TRUE;
}

gboolean cmd_sync(Cmd *c)
{
    uint32_t surface = 0;
    if (!arg_surface(c, "surface", TRUE, &surface)) {
        return FALSE;
    }
    display_sync(surface);
    return TRUE;
}

/* ---- cursor ---- */

static void push_cursor(Resource *r)
{
    push(&dpy.cursor_queue, r);
}

gboolean cmd_cursor_set(Cmd *c)
{
    const char *type, *png;
    gint64 w, h, hx, hy, x, y;
    gboolean visible;
    if (!arg_str(c, "type", FALSE, "alpha", &type) || !arg_str(c, "png", FALSE, NULL, &png) ||
        !arg_int(c, "width", FALSE, 32, 1, 256, &w) || !arg_int(c, "height", FALSE, 32, 1, 256, &h) ||
        !arg_int(c, "hot_x", FALSE, 0, 0, 255, &hx) || !arg_int(c, "hot_y", FALSE, 0, 0, 255, &hy) ||
        !arg_int(c, "x", FALSE, 0, 0, 65535, &x) || !arg_int(c, "y", FALSE, 0, 0, 65535, &y) ||
        !arg_bool(c, "visible", TRUE, &visible)) {
        return FALSE;
    }
    gboolean mono = strcmp(type, "mono") == 0;
    if (!mono && strcmp(type, "alpha") != 0) {
        return cmd_fail(c, "type must be alpha or mono");
    }
    Image *img = NULL;
    if (png) {
        char *err = NULL;
        img = image_load_png(png, &err);
        if (!img) {
            gboolean r = cmd_fail(c, "%s", err);
            g_free(err);
            return r;
        }
        if (img->width > 256 || img->height > 256) {
            image_free(img);
            return cmd_fail(c, "cursor images are at most 256x256");
        }
        w = img->width;
        h = img->height;
    } else {
        /* default shape: opaque red left half, half-transparent blue right half, white 1px border */
        img = image_new((int)w, (int)h);
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                uint32_t v = xx < w / 2 ? 0xffff0000u : 0x800000ffu;
                if (xx == 0 || yy == 0 || xx == w - 1 || yy == h - 1) v = 0xffffffffu;
                img->pixels[yy * w + xx] = v;
            }
        }
    }
    if (hx >= w || hy >= h) {
        image_free(img);
        return cmd_fail(c, "hot spot outside the cursor");
    }
    gsize bpl = (gsize)(w + 7) / 8;
    gsize data_size = mono ? bpl * (gsize)h * 2 : (gsize)w * (gsize)h * 4;
    QXLCursor *cur = g_malloc0(sizeof(QXLCursor) + data_size);
    cur->header.unique = ++dpy.next_cursor_unique;
    cur->header.type = mono ? SPICE_CURSOR_TYPE_MONO : SPICE_CURSOR_TYPE_ALPHA;
    cur->header.width = (uint16_t)w;
    cur->header.height = (uint16_t)h;
    cur->header.hot_spot_x = (uint16_t)hx;
    cur->header.hot_spot_y = (uint16_t)hy;
    cur->data_size = (uint32_t)data_size;
    cur->chunk.data_size = (uint32_t)data_size;
    cur->chunk.prev_chunk = 0;
    cur->chunk.next_chunk = 0;
    uint8_t *data = (uint8_t *)cur + sizeof(QXLCursor);
    if (mono) {
        /* AND mask then XOR mask, 1 bpp, MSB first: transparent = (1,0), black = (0,0), white = (0,1) */
        uint8_t *and_mask = data, *xor_mask = data + bpl * (gsize)h;
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                uint32_t p = img->pixels[yy * w + xx];
                uint8_t bit = (uint8_t)(0x80 >> (xx & 7));
                gsize at = (gsize)yy * bpl + (gsize)(xx / 8);
                if ((p >> 24) < 128) {
                    and_mask[at] |= bit;
                } else {
                    uint32_t lum = ((p >> 16) & 0xff) * 3 + ((p >> 8) & 0xff) * 6 + (p & 0xff);
                    if (lum >= 128 * 10) xor_mask[at] |= bit;
                }
            }
        }
    } else {
        memcpy(data, img->pixels, data_size);
    }
    image_free(img);
    Resource *r = resource_new(RES_CURSOR, QXL_CMD_CURSOR);
    r->owned = cur;
    r->u.cursor.type = QXL_CURSOR_SET;
    r->u.cursor.u.set.position.x = (int16_t)x;
    r->u.cursor.u.set.position.y = (int16_t)y;
    r->u.cursor.u.set.visible = visible ? 1 : 0;
    r->u.cursor.u.set.shape = (QXLPHYSICAL)(uintptr_t)cur;
    push_cursor(r);
    jo_int(&c->out, "unique", (gint64)cur->header.unique);
    jo_int(&c->out, "width", w);
    jo_int(&c->out, "height", h);
    return TRUE;
}

gboolean cmd_cursor_move(Cmd *c)
{
    gint64 x, y;
    if (!arg_int(c, "x", TRUE, 0, 0, 32767, &x) || !arg_int(c, "y", TRUE, 0, 0, 32767, &y)) {
        return FALSE;
    }
    Resource *r = resource_new(RES_CURSOR, QXL_CMD_CURSOR);
    r->u.cursor.type = QXL_CURSOR_MOVE;
    r->u.cursor.u.position.x = (int16_t)x;
    r->u.cursor.u.position.y = (int16_t)y;
    push_cursor(r);
    return TRUE;
}

gboolean cmd_cursor_hide(Cmd *c G_GNUC_UNUSED)
{
    Resource *r = resource_new(RES_CURSOR, QXL_CMD_CURSOR);
    r->u.cursor.type = QXL_CURSOR_HIDE;
    push_cursor(r);
    return TRUE;
}

/* ---- commands for the benchmark generators (bench.c); main thread ---- */

void display_bench_bitmap(int x, int y, uint32_t *owned, int w, int h, uint32_t frame)
{
    Resource *r = bitmap_command(0, x, y, owned, w, h);
    r->bench_frame = frame;
    push(&dpy.display_queue, r);
}

void display_bench_fill(int x, int y, int w, int h, uint32_t rgb)
{
    push_fill(0, x, y, w, h, rgb);
}

void display_bench_copy_bits(int src_x, int src_y, int x, int y, int w, int h)
{
    Resource *r = drawable_new(0, QXL_COPY_BITS, x, y, w, h);
    r->u.drawable.u.copy_bits.src_pos.x = src_x;
    r->u.drawable.u.copy_bits.src_pos.y = src_y;
    push(&dpy.display_queue, r);
}

guint display_bench_queued(void)
{
    g_mutex_lock(&dpy.lock);
    guint n = g_queue_get_length(&dpy.display_queue);
    g_mutex_unlock(&dpy.lock);
    return n;
}

void display_bench_size(int *width, int *height)
{
    *width = dpy.surfaces[0].exists ? dpy.surfaces[0].width : 0;
    *height = dpy.surfaces[0].exists ? dpy.surfaces[0].height : 0;
}
