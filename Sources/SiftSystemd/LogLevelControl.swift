import Logging
import Synchronization

/// The lowest level every logger of the process emits, changeable while it runs: a
/// configuration reload sets `log_level` here and every existing logger follows.
public final class LogLevelControl: Sendable {
    private let level: Atomic<UInt8>

    public init(_ level: Logger.Level) {
        self.level = Atomic(Self.code(level))
    }

    /// The level loggers that have not set their own emit at.
    public var current: Logger.Level {
        get { Logger.Level.allCases[Int(level.load(ordering: .relaxed))] }
        set { level.store(Self.code(newValue), ordering: .relaxed) }
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2)
    }

    /// Wraps `handler` so that its level is this control's, unless a logger sets its own.
    public func handler(_ handler: any LogHandler) -> any LogHandler {
        ControlledLevelLogHandler(inner: handler, control: self)
    }
}

/// A log handler whose level comes from a ``LogLevelControl``; setting `logLevel` on one
/// logger pins that logger alone.
struct ControlledLevelLogHandler: LogHandler {
    var inner: any LogHandler
    let control: LogLevelControl
    private var pinned: Logger.Level?

    init(inner: any LogHandler, control: LogLevelControl) {
        var inner = inner
        // The level is decided here; the wrapped handler passes whatever reaches it.
        inner.logLevel = .trace
        self.inner = inner
        self.control = control
    }

    var logLevel: Logger.Level {
        get { pinned ?? control.current }
        set { pinned = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}
