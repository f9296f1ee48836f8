import Testing

/// Tests that change process-global environment variables (`NOTIFY_SOCKET`,
/// `WATCHDOG_USEC`, `LISTEN_FDS`, `CREDENTIALS_DIRECTORY`...). They live in nested
/// suites of this one so `.serialized` runs them one at a time.
@Suite(.serialized)
struct ProcessEnvironmentTests {}
