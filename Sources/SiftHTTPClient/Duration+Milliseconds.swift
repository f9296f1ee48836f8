/// Whole milliseconds in `duration`, at least 1 (libcurl reads 0 as "no timeout").
func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    let total = seconds.multipliedReportingOverflow(by: 1000)
    guard !total.overflow else { return Int.max }
    return max(1, Int(total.partialValue + attoseconds / 1_000_000_000_000_000))
}
