/* Keyboard, mouse and tablet devices: every input the client sends is reported as an event. The keyboard
 * keeps lock-key LEDs like a PC guest would (Caps/Num/Scroll presses toggle them) and tells the client. */
#include "server.h"

typedef struct {
    SpiceKbdInstance kbd;
    SpiceMouseInstance mouse;
    SpiceTabletInstance tablet;
    uint8_t leds;
    int prefix; /* 0, 0xE0 or 0xE1 (count down the pause sequence) */
    int e1_left;
} Inputs;

static Inputs in;

static void emit_leds(const char *why)
{
    JOut o;
    ev_begin(&o, "leds");
    jo_int(&o, "leds", in.leds);
    jo_bool(&o, "scroll_lock", (in.leds & SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK) != 0);
    jo_bool(&o, "num_lock", (in.leds & SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK) != 0);
    jo_bool(&o, "caps_lock", (in.leds & SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK) != 0);
    jo_str(&o, "source", why);
    ev_emit(&o);
}

static void kbd_push_scan_freg(SpiceKbdInstance *sin G_GNUC_UNUSED, uint8_t frag)
{
    JOut o;
    ev_begin_timed(&o, "key");
    jo_int(&o, "scancode", frag);
    ev_emit(&o);

    if (in.e1_left > 0) {
        in.e1_left--;
        return;
    }
    if (frag == 0xe0) {
        in.prefix = 0xe0;
        return;
    }
    if (frag == 0xe1) {
        in.e1_left = 2;
        return;
    }
    gboolean extended = in.prefix == 0xe0;
    in.prefix = 0;
    if (extended) return;
    uint8_t bit = 0;
    switch (frag) {
    case 0x3a: bit = SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK; break;
    case 0x45: bit = SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK; break;
    case 0x46: bit = SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK; break;
    default: return;
    }
    in.leds ^= bit;
    spice_server_kbd_leds(&in.kbd, in.leds);
    emit_leds("key");
}

static uint8_t kbd_get_leds(SpiceKbdInstance *sin G_GNUC_UNUSED)
{
    return in.leds;
}

static const SpiceKbdInterface kbd_sif = {
    .base = {
        .type = SPICE_INTERFACE_KEYBOARD,
        .description = "saffron test keyboard",
        .major_version = SPICE_INTERFACE_KEYBOARD_MAJOR,
        .minor_version = SPICE_INTERFACE_KEYBOARD_MINOR,
    },
    .push_scan_freg = kbd_push_scan_freg,
    .get_leds = kbd_get_leds,
};

static void mouse_motion(SpiceMouseInstance *sin G_GNUC_UNUSED, int dx, int dy, int dz, uint32_t buttons)
{
    JOut o;
    ev_begin_timed(&o, "mouse_motion");
    jo_int(&o, "dx", dx);
    jo_int(&o, "dy", dy);
    jo_int(&o, "dz", dz);
    jo_int(&o, "buttons", buttons);
    ev_emit(&o);
}

static void mouse_buttons(SpiceMouseInstance *sin G_GNUC_UNUSED, uint32_t buttons)
{
    JOut o;
    ev_begin_timed(&o, "mouse_buttons");
    jo_int(&o, "buttons", buttons);
    ev_emit(&o);
}

static const SpiceMouseInterface mouse_sif = {
    .base = {
        .type = SPICE_INTERFACE_MOUSE,
        .description = "saffron test mouse",
        .major_version = SPICE_INTERFACE_MOUSE_MAJOR,
        .minor_version = SPICE_INTERFACE_MOUSE_MINOR,
    },
    .motion = mouse_motion,
    .buttons = mouse_buttons,
};

static void tablet_set_logical_size(SpiceTabletInstance *sin G_GNUC_UNUSED, int width, int height)
{
    JOut o;
    ev_begin(&o, "tablet_size");
    jo_int(&o, "width", width);
    jo_int(&o, "height", height);
    ev_emit(&o);
}

static void tablet_position(SpiceTabletInstance *sin G_GNUC_UNUSED, int x, int y, uint32_t buttons)
{
    JOut o;
    ev_begin_timed(&o, "tablet_position");
    jo_int(&o, "x", x);
    jo_int(&o, "y", y);
    jo_int(&o, "buttons", buttons);
    ev_emit(&o);
}

static void tablet_wheel(SpiceTabletInstance *sin G_GNUC_UNUSED, int wheel, uint32_t buttons)
{
    JOut o;
    ev_begin_timed(&o, "tablet_wheel");
    jo_int(&o, "wheel", wheel);
    jo_int(&o, "buttons", buttons);
    ev_emit(&o);
}

static void tablet_buttons(SpiceTabletInstance *sin G_GNUC_UNUSED, uint32_t buttons)
{
    JOut o;
    ev_begin_timed(&o, "tablet_buttons");
    jo_int(&o, "buttons", buttons);
    ev_emit(&o);
}

static const SpiceTabletInterface tablet_sif = {
    .base = {
        .type = SPICE_INTERFACE_TABLET,
        .description = "saffron test tablet",
        .major_version = SPICE_INTERFACE_TABLET_MAJOR,
        .minor_version = SPICE_INTERFACE_TABLET_MINOR,
    },
    .set_logical_size = tablet_set_logical_size,
    .position = tablet_position,
    .wheel = tablet_wheel,
    .buttons = tablet_buttons,
};

void inputs_init(SpiceServer *server)
{
    in.kbd.base.sif = &kbd_sif.base;
    in.mouse.base.sif = &mouse_sif.base;
    in.tablet.base.sif = &tablet_sif.base;
    spice_server_add_interface(server, &in.kbd.base);
    spice_server_add_interface(server, &in.mouse.base);
    if (!app.no_tablet) spice_server_add_interface(server, &in.tablet.base);
}

gboolean cmd_kbd_leds(Cmd *c)
{
    gint64 leds;
    if (!arg_int(c, "leds", TRUE, 0, 0, 7, &leds)) return FALSE;
    in.leds = (uint8_t)leds;
    spice_server_kbd_leds(&in.kbd, in.leds);
    emit_leds("command");
    return TRUE;
}
