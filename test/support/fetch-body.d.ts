// The generated client (test/generated/bulwark-api) names the DOM's global BodyInit; this project compiles without the
// DOM library, and Node's fetch takes the same type from undici-types.
type BodyInit = import('undici-types').BodyInit;
