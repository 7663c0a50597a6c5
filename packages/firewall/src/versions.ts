// version.VersionsStartingFrom("0.4.0"): the firewall plugin needs CHECK's spec.
export const SUPPORTED_VERSIONS = ['0.4.0', '1.0.0', '1.1.0'] as const;
