// The generated client (test/generated/bulwark-api) names the DOM's global BodyInit; this project compiles without the
// DOM library, so it is the body type that Node's own fetch takes.
type BodyInit = NonNullable<NonNullable<Parameters<typeof fetch>[1]>['body']>;
