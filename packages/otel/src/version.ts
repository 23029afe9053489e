/** The package version, reported as the instrumentation scope version (`otel_scope_version`). */
export const VERSION = '0.1.0';
