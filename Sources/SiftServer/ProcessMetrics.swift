#if canImport(Glibc)
import Glibc
#endif
import Prometheus

/// The standard `process_*` metrics, read from /proc at scrape time.
final class ProcessMetrics: Sendable {
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let cpuSeconds: Counter
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge
    private let lastCPU: LockedValue<Double>
    /// Wall-clock seconds when these metrics were created (at startup): the start
    /// time when /proc/stat is hidden (systemd's `ProcSubset=pid`).
    private let fallbackStartTime: Double
    private let pageSize: Double
    private let ticksPerSecond: Double

    init(registry: PrometheusCollectorRegistry) {
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "process", metricName: name, unitName: unit, helpText: help)
        }
        residentMemory = registry.makeGauge(descriptor: descriptor("resident_memory", "bytes", "Resident memory size in bytes."))
        virtualMemory = registry.makeGauge(descriptor: descriptor("virtual_memory", "bytes", "Virtual memory size in bytes."))
        cpuSeconds = registry.makeCounter(descriptor: descriptor("cpu_seconds", "total", "Total user and system CPU time spent in seconds."))
        openFDs = registry.makeGauge(descriptor: descriptor("open", "fds", "Number of open file descriptors."))
        maxFDs = registry.makeGauge(descriptor: descriptor("max", "fds", "Maximum number of open file descriptors."))
        startTime = registry.makeGauge(descriptor: descriptor("start_time", "seconds", "Start time of the process since unix epoch in seconds."))
        lastCPU = LockedValue(0)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        fallbackStartTime = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        refresh()
    }

    /// Reads /proc/self and updates the metrics.
    func refresh() {
        if let stat = Self.read("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            // Fields after "comm)": state is field 3; utime 14, stime 15, starttime 22, vsize 23, rss 24.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let utime = field(14), let stime = field(15) {
                let total = (utime + stime) / ticksPerSecond
                let delta = lastCPU.withLock { last -> Double in
                    let delta = max(0, total - last)
                    last = max(last, total)
                    return delta
                }
                if delta > 0 { cpuSeconds.increment(by: delta) }
            }
            if let vsize = field(23) { virtualMemory.set(vsize) }
            if let rss = field(24) { residentMemory.set(rss * pageSize) }
            if let start = field(22), let boot = Self.bootTime() {
                startTime.set(boot + start / ticksPerSecond)
            } else {
                startTime.set(fallbackStartTime)
            }
        }
        openFDs.set(Double(Self.countOpenFDs()))
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxFDs.set(Double(limit.rlim_cur)) }
    }

    private static func bootTime() -> Double? {
        guard let text = read("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(while: { $0 == " " }))
        }
        return nil
    }

    private static func countOpenFDs() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let first = entry.pointee.d_name.0
            if first != 0x2E { count += 1 }  // skip "." and ".."
        }
        return max(0, count - 1)  // the descriptor opendir itself holds
    }

    /// Reads a small /proc file whole, or nil when it is hidden or gone.
    static func read(_ path: String) -> String? {
        try? TextFile.read(path)
    }
}
