#include "server.h"
void agent_init(SpiceServer *server G_GNUC_UNUSED, gboolean connect G_GNUC_UNUSED) {}
gboolean cmd_agent_connect(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_agent_disconnect(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_agent_announce(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_clipboard_grab(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_clipboard_release(Cmd *c) { return cmd_fail(c, "todo"); }
gboolean cmd_clipboard_request(Cmd *c) { return cmd_fail(c, "todo"); }
