// Constants of the guest agent protocol, named as in spice-protocol's spice/vd_agent.h (REFERENCES G27-G29, G39),
// plus the GIO error codes a Linux agent puts in detailed file-transfer errors (glib gio/gioenums.h).

export const VD_AGENT_PROTOCOL = 1;
/** Largest MAIN_AGENT_DATA body (VDAgentMessage header included in the first one). */
export const VD_AGENT_MAX_DATA_SIZE = 2048;
/** VDAgentMessage: u32 protocol, u32 type, u64 opaque, u32 size. */
export const VD_AGENT_MESSAGE_HEADER_BYTES = 20;

// Message types (VDAgentMessage.type)
export const VD_AGENT_MOUSE_STATE = 1;
export const VD_AGENT_MONITORS_CONFIG = 2;
export const VD_AGENT_REPLY = 3;
export const VD_AGENT_CLIPBOARD = 4;
export const VD_AGENT_DISPLAY_CONFIG = 5;
export const VD_AGENT_ANNOUNCE_CAPABILITIES = 6;
export const VD_AGENT_CLIPBOARD_GRAB = 7;
export const VD_AGENT_CLIPBOARD_REQUEST = 8;
export const VD_AGENT_CLIPBOARD_RELEASE = 9;
export const VD_AGENT_FILE_XFER_START = 10;
export const VD_AGENT_FILE_XFER_STATUS = 11;
export const VD_AGENT_FILE_XFER_DATA = 12;
export const VD_AGENT_CLIENT_DISCONNECTED = 13;
export const VD_AGENT_MAX_CLIPBOARD = 14;
export const VD_AGENT_AUDIO_VOLUME_SYNC = 15;
export const VD_AGENT_GRAPHICS_DEVICE_INFO = 16;

/** Every message type vd_agent.h defines (VD_AGENT_END_MESSAGE is 17). */
export type VdAgentMessageType =
  | typeof VD_AGENT_MOUSE_STATE
  | typeof VD_AGENT_MONITORS_CONFIG
  | typeof VD_AGENT_REPLY
  | typeof VD_AGENT_CLIPBOARD
  | typeof VD_AGENT_DISPLAY_CONFIG
  | typeof VD_AGENT_ANNOUNCE_CAPABILITIES
  | typeof VD_AGENT_CLIPBOARD_GRAB
  | typeof VD_AGENT_CLIPBOARD_REQUEST
  | typeof VD_AGENT_CLIPBOARD_RELEASE
  | typeof VD_AGENT_FILE_XFER_START
  | typeof VD_AGENT_FILE_XFER_STATUS
  | typeof VD_AGENT_FILE_XFER_DATA
  | typeof VD_AGENT_CLIENT_DISCONNECTED
  | typeof VD_AGENT_MAX_CLIPBOARD
  | typeof VD_AGENT_AUDIO_VOLUME_SYNC
  | typeof VD_AGENT_GRAPHICS_DEVICE_INFO;

export const VD_AGENT_MESSAGE_NAMES: Readonly<Record<VdAgentMessageType, string>> = {
  [VD_AGENT_MOUSE_STATE]: 'MOUSE_STATE',
  [VD_AGENT_MONITORS_CONFIG]: 'MONITORS_CONFIG',
  [VD_AGENT_REPLY]: 'REPLY',
  [VD_AGENT_CLIPBOARD]: 'CLIPBOARD',
  [VD_AGENT_DISPLAY_CONFIG]: 'DISPLAY_CONFIG',
  [VD_AGENT_ANNOUNCE_CAPABILITIES]: 'ANNOUNCE_CAPABILITIES',
  [VD_AGENT_CLIPBOARD_GRAB]: 'CLIPBOARD_GRAB',
  [VD_AGENT_CLIPBOARD_REQUEST]: 'CLIPBOARD_REQUEST',
  [VD_AGENT_CLIPBOARD_RELEASE]: 'CLIPBOARD_RELEASE',
  [VD_AGENT_FILE_XFER_START]: 'FILE_XFER_START',
  [VD_AGENT_FILE_XFER_STATUS]: 'FILE_XFER_STATUS',
  [VD_AGENT_FILE_XFER_DATA]: 'FILE_XFER_DATA',
  [VD_AGENT_CLIENT_DISCONNECTED]: 'CLIENT_DISCONNECTED',
  [VD_AGENT_MAX_CLIPBOARD]: 'MAX_CLIPBOARD',
  [VD_AGENT_AUDIO_VOLUME_SYNC]: 'AUDIO_VOLUME_SYNC',
  [VD_AGENT_GRAPHICS_DEVICE_INFO]: 'GRAPHICS_DEVICE_INFO',
};

export function isVdAgentMessageType(type: number): type is VdAgentMessageType {
  return Object.hasOwn(VD_AGENT_MESSAGE_NAMES, type);
}

// File transfer status (VDAgentFileXferStatusMessage.result)
export const VD_AGENT_FILE_XFER_STATUS_CAN_SEND_DATA = 0;
export const VD_AGENT_FILE_XFER_STATUS_CANCELLED = 1;
export const VD_AGENT_FILE_XFER_STATUS_ERROR = 2;
export const VD_AGENT_FILE_XFER_STATUS_SUCCESS = 3;
export const VD_AGENT_FILE_XFER_STATUS_NOT_ENOUGH_SPACE = 4;
export const VD_AGENT_FILE_XFER_STATUS_SESSION_LOCKED = 5;
export const VD_AGENT_FILE_XFER_STATUS_VDAGENT_NOT_CONNECTED = 6;
export const VD_AGENT_FILE_XFER_STATUS_DISABLED = 7;
/** VDAgentFileXferStatusError.error_type: error_code is a GIO error (G_IO_ERROR_*). */
export const VD_AGENT_FILE_XFER_STATUS_ERROR_GLIB_IO = 0;

// VDAgentMonitorsConfig.flags
export const VD_AGENT_CONFIG_MONITORS_FLAG_USE_POS = 1 << 0;
export const VD_AGENT_CONFIG_MONITORS_FLAG_PHYSICAL_SIZE = 1 << 1;
/** VDAgentMonConfig: u32 height, u32 width, u32 depth, i32 x, i32 y (height first). */
export const VD_AGENT_MON_CONFIG_BYTES = 20;
/** VDAgentMonitorMM: u16 height, u16 width. */
export const VD_AGENT_MONITOR_MM_BYTES = 4;

// VDAgentReply.error
export const VD_AGENT_SUCCESS = 1;
export const VD_AGENT_ERROR = 2;

// Clipboard data types
export const VD_AGENT_CLIPBOARD_NONE = 0;
export const VD_AGENT_CLIPBOARD_UTF8_TEXT = 1;
export const VD_AGENT_CLIPBOARD_IMAGE_PNG = 2;
export const VD_AGENT_CLIPBOARD_IMAGE_BMP = 3;
export const VD_AGENT_CLIPBOARD_IMAGE_TIFF = 4;
export const VD_AGENT_CLIPBOARD_IMAGE_JPG = 5;
export const VD_AGENT_CLIPBOARD_FILE_LIST = 6;

// Clipboard selections (the u8 prefix negotiated with CLIPBOARD_SELECTION)
export const VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD = 0;
export const VD_AGENT_CLIPBOARD_SELECTION_PRIMARY = 1;
export const VD_AGENT_CLIPBOARD_SELECTION_SECONDARY = 2;

// Capabilities (bit numbers in VDAgentAnnounceCapabilities.caps)
export const VD_AGENT_CAP_MOUSE_STATE = 0;
export const VD_AGENT_CAP_MONITORS_CONFIG = 1;
export const VD_AGENT_CAP_REPLY = 2;
export const VD_AGENT_CAP_CLIPBOARD = 3;
export const VD_AGENT_CAP_DISPLAY_CONFIG = 4;
export const VD_AGENT_CAP_CLIPBOARD_BY_DEMAND = 5;
export const VD_AGENT_CAP_CLIPBOARD_SELECTION = 6;
export const VD_AGENT_CAP_SPARSE_MONITORS_CONFIG = 7;
export const VD_AGENT_CAP_GUEST_LINEEND_LF = 8;
export const VD_AGENT_CAP_GUEST_LINEEND_CRLF = 9;
export const VD_AGENT_CAP_MAX_CLIPBOARD = 10;
export const VD_AGENT_CAP_AUDIO_VOLUME_SYNC = 11;
export const VD_AGENT_CAP_MONITORS_CONFIG_POSITION = 12;
export const VD_AGENT_CAP_FILE_XFER_DISABLED = 13;
export const VD_AGENT_CAP_FILE_XFER_DETAILED_ERRORS = 14;
export const VD_AGENT_CAP_GRAPHICS_DEVICE_INFO = 15;
export const VD_AGENT_CAP_CLIPBOARD_NO_RELEASE_ON_REGRAB = 16;
export const VD_AGENT_CAP_CLIPBOARD_GRAB_SERIAL = 17;
/** VD_AGENT_END_CAP */
export const VD_AGENT_END_CAP = 18;

export const VD_AGENT_CAP_NAMES: readonly string[] = [
  'MOUSE_STATE',
  'MONITORS_CONFIG',
  'REPLY',
  'CLIPBOARD',
  'DISPLAY_CONFIG',
  'CLIPBOARD_BY_DEMAND',
  'CLIPBOARD_SELECTION',
  'SPARSE_MONITORS_CONFIG',
  'GUEST_LINEEND_LF',
  'GUEST_LINEEND_CRLF',
  'MAX_CLIPBOARD',
  'AUDIO_VOLUME_SYNC',
  'MONITORS_CONFIG_POSITION',
  'FILE_XFER_DISABLED',
  'FILE_XFER_DETAILED_ERRORS',
  'GRAPHICS_DEVICE_INFO',
  'CLIPBOARD_NO_RELEASE_ON_REGRAB',
  'CLIPBOARD_GRAB_SERIAL',
];

// GIO error codes (GIOErrorEnum) that agents report in VDAgentFileXferStatusError.error_code
export const G_IO_ERROR_FAILED = 0;
export const G_IO_ERROR_NOT_FOUND = 1;
export const G_IO_ERROR_EXISTS = 2;
export const G_IO_ERROR_IS_DIRECTORY = 3;
export const G_IO_ERROR_FILENAME_TOO_LONG = 9;
export const G_IO_ERROR_INVALID_FILENAME = 10;
export const G_IO_ERROR_NO_SPACE = 12;
export const G_IO_ERROR_INVALID_ARGUMENT = 13;
export const G_IO_ERROR_PERMISSION_DENIED = 14;
export const G_IO_ERROR_NOT_SUPPORTED = 15;
export const G_IO_ERROR_CANCELLED = 19;
export const G_IO_ERROR_READ_ONLY = 21;
export const G_IO_ERROR_TIMED_OUT = 24;
export const G_IO_ERROR_BUSY = 26;
export const G_IO_ERROR_TOO_MANY_OPEN_FILES = 31;
