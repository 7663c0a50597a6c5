// The error a plugin's config decoding throws. Kept apart from the decoder (no imports) so the
// lazy plugin wrapper can recognise it without loading zod.

/** A config Go's json.Unmarshal would refuse: message as upstream, field path in `field`. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
