#include "server.h"
void usbredir_init(SpiceServer *server G_GNUC_UNUSED) {}
gboolean cmd_usb_control(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_usb_bulk(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_usb_reset(Cmd *c) { return cmd_fail(c, "todo"); }
