import LogDump

/// Deterministic bytes and a loader over an in-memory source, for reader tests.
enum ReaderFixtures {
    static let location = ExportLocation(
        endpoint: Endpoint(validated: "http://127.0.0.1:1"),
        key: ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"))

    /// `count` pseudo-random bytes (xorshift), the same for the same seed.
    static func bytes(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }

    static func loader(source: MemoryExportSource, blockSize: Int = 4096, cacheBlocks: Int = 1024,
                       linger: Duration = .seconds(10)) -> BlockLoader {
        var options = LoaderOptions()
        options.blockSize = blockSize
        options.workers = 4
        options.streamLinger = linger
        options.waitTimeout = .seconds(30)
        return BlockLoader(source: source, cache: MemoryBlockCache(capacity: blockSize * cacheBlocks),
                           options: options)
    }

    /// A loader of 4 KiB blocks over `source`, with the options a test sets.
    static func loader(source: any ExportSource, cache: any BlockCache = MemoryBlockCache(capacity: 1 << 20),
                       _ configure: (inout LoaderOptions) -> Void) -> BlockLoader {
        var options = LoaderOptions()
        options.blockSize = 4096
        configure(&options)
        return BlockLoader(source: source, cache: cache, options: options)
    }

    static func source(_ bytes: [UInt8], range: Bool = true, length: Bool = true,
                       chunk: Int = 1000) -> MemoryExportSource {
        var behaviour = MemoryExportSource.Behaviour()
        behaviour.honoursRange = range
        behaviour.sendsLength = length
        behaviour.chunkSize = chunk
        let source = MemoryExportSource(behaviour: behaviour)
        source.add(bytes, at: location)
        return source
    }

    /// Reads the whole export in `step`-byte reads, as `cat` would.
    static func readAll(_ reader: ExportReader, step: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let piece = try reader.read(at: UInt64(out.count), count: step)
            if piece.isEmpty { return out }
            out += piece
        }
    }
}
