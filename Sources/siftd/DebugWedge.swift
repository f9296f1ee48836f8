#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import NIOCore
import SiftServer

/// A test-only switch that wedges siftd on purpose, to prove that systemd's watchdog
/// restarts a daemon that stops making progress. Only with `SIFT_DEBUG_WEDGE=1`.
///
/// `POST /debug/wedge` answers 202, then blocks one of the server's event loops for
/// good: that loop runs nothing again, so the health check fails, the `WATCHDOG=1`
/// pings stop, and after `WatchdogSec=` systemd kills siftd and restarts it.
enum DebugWedge {
    static func addRoute(to router: Router<SiftRequestContext>, eventLoops: any EventLoopGroup, logger: Logger) {
        logger.warning("SIFT_DEBUG_WEDGE=1: POST /debug/wedge blocks an event loop for good (watchdog tests only)")
        router.post("/debug/wedge") { _, context in
            let loop = eventLoops.next()
            // Late enough for the 202 to be written first.
            loop.scheduleTask(in: .milliseconds(50)) {
                context.logger.critical("wedging an event loop on request (SIFT_DEBUG_WEDGE)")
                while true { sleep(3600) }
            }
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"wedged":"event-loop"}"#)))
        }
    }
}
