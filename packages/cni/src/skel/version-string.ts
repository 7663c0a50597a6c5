/** The version shown in about texts; the release build may replace it. */
export const CNI_TS_VERSION = 'v0.1.0';
