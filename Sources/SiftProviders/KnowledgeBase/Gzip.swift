import CSQLite

/// Gzip decompression over zlib, for dictzip (`.dict.dz`), man pages and `.html.gz` files.
enum Gzip {
    /// Whether `bytes` start with the gzip magic number.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a gzip stream (several concatenated members are joined).
    ///
    /// - Parameter limit: the most output bytes accepted; larger input is an error.
    static func decompress(_ input: [UInt8], limit: Int = 1 << 30) throws(KnowledgeBaseError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        var stream = z_stream()
        guard sift_inflate_init_gzip(&stream) == Z_OK else { throw .format("zlib could not start inflating") }
        defer { inflateEnd(&stream) }
        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var failure: KnowledgeBaseError?
        input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                while true {
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    let produced = chunkSize - Int(stream.avail_out)
                    if produced > 0 {
                        if output.count + produced > limit {
                            failure = .format("gzip data expands beyond \(limit) bytes")
                            return
                        }
                        output.append(contentsOf: chunkBuffer[0..<produced])
                    }
                    if rc == Z_STREAM_END {
                        // Another member may follow (skip trailing zero padding).
                        guard stream.avail_in > 2, stream.next_in[0] == 0x1F, stream.next_in[1] == 0x8B else { return }
                        guard inflateReset(&stream) == Z_OK else {
                            failure = .format("zlib could not reset")
                            return
                        }
                        continue
                    }
                    if rc == Z_BUF_ERROR && stream.avail_in == 0 {
                        failure = .format("gzip data is truncated")
                        return
                    }
                    if rc != Z_OK {
                        let reason = stream.msg.map { String(cString: $0) } ?? "error \(rc)"
                        failure = .format("gzip data is corrupt: \(reason)")
                        return
                    }
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Compresses `input` into one gzip member (used by tests to build fixtures).
    static func compress(_ input: [UInt8]) throws(KnowledgeBaseError) -> [UInt8] {
        var stream = z_stream()
        let rc = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size))
        guard rc == Z_OK else { throw .format("zlib could not start deflating") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count))) + 64
        var output = [UInt8](repeating: 0, count: bound)
        var input = input
        let produced: Int = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = UInt32(outputBuffer.count)
                let rc = deflate(&stream, Z_FINISH)
                return rc == Z_STREAM_END ? outputBuffer.count - Int(stream.avail_out) : -1
            }
        }
        guard produced >= 0 else { throw .format("zlib could not deflate") }
        output.removeSubrange(produced...)
        return output
    }
}
