#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Page-aligned buffers of one block's size, kept for reuse. Reads make and drop a block
/// per MiB: a fresh mapping costs a page fault and a zeroed page per 4 KiB on first touch
/// (a third of a warm read's time went there), while blocks on the malloc heap fragment
/// it and resident memory creeps up. Reused buffers cost neither; at most `keep` free
/// ones are held, the rest go back to the system at once.
public final class BlockPool: Sendable {
    public let blockSize: Int
    public let keep: Int
    private let free = Mutex<[Buffer]>([])

    /// A buffer's address, to move between threads: only a block or the free list holds it.
    private struct Buffer: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    public init(blockSize: Int, keep: Int) {
        self.blockSize = blockSize
        self.keep = keep
    }

    deinit {
        for buffer in free.withLock({ $0 }) { munmap(buffer.pointer, blockSize) }
    }

    /// An empty block of `blockSize` capacity. A new buffer is `prefaulted` by default
    /// (cheapest for a block filled at once); without, its pages are faulted in as they
    /// are written, so the first bytes are in sooner (a block readers wait on as it fills).
    public func block(prefaulted: Bool = true) -> Block {
        let reused = free.withLock { $0.popLast() }
        return Block(storage: reused?.pointer ?? Self.map(blockSize, prefaulted: prefaulted), capacity: blockSize, pool: self)
    }

    /// Free buffers held now.
    public var freeCount: Int { free.withLock { $0.count } }

    /// Called by a pooled block's deinit.
    func recycle(_ pointer: UnsafeMutableRawPointer) {
        let buffer = Buffer(pointer: pointer)
        let kept = free.withLock { free in
            guard free.count < keep else { return false }
            free.append(buffer)
            return true
        }
        if !kept { munmap(pointer, blockSize) }
    }

    /// A new buffer, its pages faulted in by one call (MAP_POPULATE) if `prefaulted`,
    /// rather than one fault per page as they are first written.
    private static func map(_ size: Int, prefaulted: Bool) -> UnsafeMutableRawPointer {
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | (prefaulted ? MAP_POPULATE : 0)
        guard let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, flags, -1, 0),
              pointer != MAP_FAILED else {
            fatalError("out of memory: cannot map a block of \(size) bytes")
        }
        return pointer
    }
}
