// Link-stage constants and capability bit numbers from spice-protocol's protocol.h (REFERENCES §1a, G1-G5).

export const SPICE_MAGIC = 0x51444552; // bytes "REDQ"
export const SPICE_VERSION_MAJOR = 2;
export const SPICE_VERSION_MINOR = 2;
export const SPICE_TICKET_KEY_PAIR_LENGTH = 1024;
export const SPICE_TICKET_PUBKEY_BYTES = 162; // DER SubjectPublicKeyInfo of a 1024-bit RSA key
export const SPICE_ENCRYPTED_TICKET_BYTES = 128;
export const SPICE_MAX_PASSWORD_LENGTH = 60;
export const SPICE_LINK_HEADER_BYTES = 16;
export const SPICE_LINK_MESS_BYTES = 18;
export const SPICE_LINK_REPLY_BYTES = 178;
export const SPICE_DATA_HEADER_BYTES = 18;
export const SPICE_MINI_DATA_HEADER_BYTES = 6;
export const SPICE_INPUT_MOTION_ACK_BUNCH = 4;
export const SPICE_MAX_STREAMS = 64;

// Common capabilities
export const SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION = 0;
export const SPICE_COMMON_CAP_AUTH_SPICE = 1;
export const SPICE_COMMON_CAP_AUTH_SASL = 2;
export const SPICE_COMMON_CAP_MINI_HEADER = 3;

// Main channel
export const SPICE_MAIN_CAP_SEMI_SEAMLESS_MIGRATE = 0;
export const SPICE_MAIN_CAP_NAME_AND_UUID = 1;
export const SPICE_MAIN_CAP_AGENT_CONNECTED_TOKENS = 2;
export const SPICE_MAIN_CAP_SEAMLESS_MIGRATE = 3;

// Display channel
export const SPICE_DISPLAY_CAP_SIZED_STREAM = 0;
export const SPICE_DISPLAY_CAP_MONITORS_CONFIG = 1;
export const SPICE_DISPLAY_CAP_COMPOSITE = 2;
export const SPICE_DISPLAY_CAP_A8_SURFACE = 3;
export const SPICE_DISPLAY_CAP_STREAM_REPORT = 4;
export const SPICE_DISPLAY_CAP_LZ4_COMPRESSION = 5;
export const SPICE_DISPLAY_CAP_PREF_COMPRESSION = 6;
export const SPICE_DISPLAY_CAP_GL_SCANOUT = 7;
export const SPICE_DISPLAY_CAP_MULTI_CODEC = 8;
export const SPICE_DISPLAY_CAP_CODEC_MJPEG = 9;
export const SPICE_DISPLAY_CAP_CODEC_VP8 = 10;
export const SPICE_DISPLAY_CAP_CODEC_H264 = 11;
export const SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE = 12;
export const SPICE_DISPLAY_CAP_CODEC_VP9 = 13;
export const SPICE_DISPLAY_CAP_CODEC_H265 = 14;

// Inputs
export const SPICE_INPUTS_CAP_KEY_SCANCODE = 0;

// Playback / record
export const SPICE_PLAYBACK_CAP_CELT_0_5_1 = 0;
export const SPICE_PLAYBACK_CAP_VOLUME = 1;
export const SPICE_PLAYBACK_CAP_LATENCY = 2;
export const SPICE_PLAYBACK_CAP_OPUS = 3;
export const SPICE_RECORD_CAP_CELT_0_5_1 = 0;
export const SPICE_RECORD_CAP_VOLUME = 1;
export const SPICE_RECORD_CAP_OPUS = 2;

// Spicevmc (usbredir, port, webdav)
export const SPICE_SPICEVMC_CAP_DATA_COMPRESS_LZ4 = 0;
