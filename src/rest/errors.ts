/** The API answered with an error status; `excerpt` is the start of its body, already redacted. */
export class RestApiError extends Error {
  override readonly name = 'RestApiError';
  constructor(
    readonly status: number,
    readonly label: string,
    readonly excerpt: string,
  ) {
    super(`${label} answered ${status}${excerpt ? `: ${excerpt}` : ''}`);
  }
}

/** The call got no usable answer (network, timeout, redirect, not JSON, not the expected shape). `sent`: the API may have acted. */
export class RestRequestError extends Error {
  override readonly name = 'RestRequestError';
  constructor(
    message: string,
    readonly sent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
