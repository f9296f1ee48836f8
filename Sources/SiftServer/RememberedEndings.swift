import NIOCore

/// How things that are gone (sessions, resumable queries) ended, remembered for the
/// most recent `capacity` of them, so that a client asking for one hears "expired" or
/// "dropped to make room" instead of "never existed". Oldest forgotten first.
struct RememberedEndings<Key: Hashable & Sendable, Ending: Sendable>: Sendable {
    private var endings: [Key: Ending] = [:]
    private var order = CircularBuffer<Key>()

    subscript(key: Key) -> Ending? { endings[key] }

    /// Remembers how `key` ended, forgetting the oldest beyond `capacity`.
    mutating func remember(_ ending: Ending, for key: Key, capacity: Int) {
        if endings.updateValue(ending, forKey: key) == nil { order.append(key) }
        while order.count > capacity {
            endings[order.removeFirst()] = nil
        }
    }

    /// Forgets `key` (it exists again). Its place in the order stays, so if it ends again
    /// it may be forgotten early (a client then hears "not found" rather than "expired").
    mutating func forget(_ key: Key) {
        endings[key] = nil
    }
}
