import Logging
import ServiceLifecycle
import SiftServer
import SiftSystemd
import Synchronization
import UnixSignals

/// `systemctl reload siftd` (SIGHUP): re-reads the config file and the credentials,
/// and serves the next queries with what they say, without dropping a stream.
///
/// It tells systemd `RELOADING=1` (with `MONOTONIC_USEC`), resolves the configuration
/// exactly as at start (same flags and environment; the file and
/// `$CREDENTIALS_DIRECTORY` read again), builds new providers, synthesizer and
/// pipeline, swaps them into the ``ReloadableRunner`` and the log level into the
/// ``LogLevelControl``, then says `READY=1`. A configuration that does not resolve is
/// rejected with an error in the journal and the running one keeps serving. Settings
/// that only a restart can change (the listener, directories, index sources, stream
/// limits, cache, sessions) are named in a warning and left as they are.
final class Reloader: Service, Sendable {
    typealias Resolve = @Sendable () throws -> SiftdConfiguration

    private let resolve: Resolve
    private let shared: SharedParts
    private let runner: ReloadableRunner
    private let levels: LogLevelControl
    private let notifier: SystemdNotifier
    private let status: @Sendable () -> String
    private let logger: Logger
    private let state: Mutex<(settings: SiftdConfiguration, runtime: QueryRuntime)>
    /// The API keys, read again on each SIGHUP; nil when keys are off.
    private let keys: KeyGate?

    init(
        settings: SiftdConfiguration, runtime: QueryRuntime, resolve: @escaping Resolve, shared: SharedParts,
        runner: ReloadableRunner, levels: LogLevelControl, notifier: SystemdNotifier,
        status: @escaping @Sendable () -> String, logger: Logger, keys: KeyGate? = nil
    ) {
        self.keys = keys
        self.state = Mutex((settings, runtime))
        self.resolve = resolve
        self.shared = shared
        self.runner = runner
        self.levels = levels
        self.notifier = notifier
        self.status = status
        self.logger = logger
    }

    /// The configuration serving now.
    var settings: SiftdConfiguration { state.withLock { $0.settings } }
    /// The providers and synthesizer serving now.
    var runtime: QueryRuntime { state.withLock { $0.runtime } }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                self.reload()
                await self.keys?.reload()
            }
        }
    }

    /// The outcome of one reload.
    enum Outcome: Equatable {
        case applied(changed: [String], needRestart: [String])
        case rejected(String)
    }

    /// Reloads now; what SIGHUP does.
    @discardableResult
    func reload() -> Outcome {
        notifier.reloading()
        logger.notice("reloading configuration")
        let outcome: Outcome
        do {
            let new = try resolve()
            let old = settings
            let changed = ConfigChange.changed(from: old, to: new)
            let needRestart = changed.filter { ConfigChange.needsRestart.contains($0) }
            // Keep what cannot change while running, so the next reload compares with what serves.
            var applied = ConfigChange.keepingRestartOnly(new, from: old)
            applied.server.version = old.server.version
            let runtime = QueryRuntime(applied, shared: shared)
            runner.replace(with: runtime.runner, allowedModels: applied.server.allowedModels)
            levels.current = applied.logLevel
            state.withLock { $0 = (applied, runtime) }
            outcome = .applied(changed: changed.filter { !needRestart.contains($0) }, needRestart: needRestart)
            logger.notice(
                "configuration reloaded",
                metadata: [
                    "changed": "\(outcome.changedText)", "config_file": "\(applied.configPath ?? "none")",
                ])
            if !needRestart.isEmpty {
                logger.warning(
                    "these settings changed but only take effect at the next restart (systemctl restart siftd): \(needRestart.joined(separator: ", "))"
                )
            }
            shared.metrics.recordReload(success: true)
        } catch {
            outcome = .rejected("\(error)")
            logger.error("reload rejected, keeping the running configuration: \(error)")
            shared.metrics.recordReload(success: false)
        }
        notifier.ready(status: status())
        return outcome
    }
}

extension Reloader.Outcome {
    fileprivate var changedText: String {
        guard case .applied(let changed, _) = self else { return "" }
        return changed.isEmpty ? "nothing" : changed.joined(separator: ",")
    }
}
