#if canImport(Glibc)
import Glibc
#endif

/// One block's bytes in a buffer of their own: filled once by the thread that makes the
/// block (a fetch, a disk read), then only read, by any thread, without copying. The
/// filler publishes it through a lock (the loader's monitor, a cache's mutex); until then
/// nobody else sees it. Its buffer goes back to its pool when the last reference goes.
public final class Block: @unchecked Sendable {
    private let storage: UnsafeMutableRawPointer
    public let capacity: Int
    /// Bytes filled; fixed once the block is published.
    public private(set) var count = 0
    private let owner: Owner

    /// Where the buffer goes when the block does.
    private enum Owner {
        case pool(BlockPool)
        case heap
        /// A read-only mapping of a file, `length` bytes from `base`.
        case mapping(base: UnsafeMutableRawPointer, length: Int)
    }

    private init(storage: UnsafeMutableRawPointer, capacity: Int, owner: Owner) {
        self.storage = storage
        self.capacity = capacity
        self.owner = owner
    }

    /// An empty block in a buffer of `pool`'s.
    convenience init(storage: UnsafeMutableRawPointer, capacity: Int, pool: BlockPool) {
        self.init(storage: storage, capacity: capacity, owner: .pool(pool))
    }

    /// An empty block of its own (no pool), for ranges and tests.
    public convenience init(capacity: Int) {
        self.init(storage: .allocate(byteCount: max(capacity, 1), alignment: 16), capacity: capacity, owner: .heap)
    }

    /// The bytes of a file mapped read-only at `base` (`length` bytes), from `offset` on:
    /// a block read from disk without copying it out of the page cache. Unmapped when
    /// the block goes.
    init(mapping base: UnsafeMutableRawPointer, length: Int, from offset: Int) {
        self.storage = base + offset
        self.capacity = length - offset
        self.count = length - offset
        self.owner = .mapping(base: base, length: length)
    }

    /// A block holding a copy of `bytes`.
    public convenience init(_ bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        self.init(capacity: array.count)
        array.withUnsafeBytes { _ = append($0) }
    }

    /// The block past an export's end.
    public static let empty = Block(capacity: 0)

    deinit {
        switch owner {
        case .pool(let pool): pool.recycle(storage)
        case .heap: storage.deallocate()
        case .mapping(let base, let length): munmap(base, length)
        }
    }

    /// Copies as much of `bytes` as fits after the filled part; returns how much did.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let take = min(capacity - count, bytes.count)
        guard take > 0 else { return 0 }
        (storage + count).copyMemory(from: bytes.baseAddress!, byteCount: take)
        count += take
        return take
    }

    /// Lets `fill` write into the unfilled part, and counts the bytes it says it wrote.
    func fill(_ fill: (UnsafeMutableRawBufferPointer) -> Int) {
        count += fill(UnsafeMutableRawBufferPointer(start: storage + count, count: capacity - count))
    }

    public var isEmpty: Bool { count == 0 }

    /// The filled bytes.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    /// Bytes `range` of the buffer, which the caller knows are filled (a block still
    /// arriving is read below what has arrived).
    func bytes(in range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= capacity)
        return UnsafeRawBufferPointer(start: storage + range.lowerBound, count: range.count)
    }

    /// A copy of the filled bytes.
    public var array: [UInt8] { Array(bytes) }
}

/// Part of a block, without copying it: what one read gets of one block.
public struct BlockSlice: Sendable {
    public let block: Block
    public let range: Range<Int>

    /// `range` must be filled (or be below what a block still arriving has filled).
    init(_ block: Block, _ range: Range<Int>) {
        self.block = block
        self.range = range
    }

    /// The whole filled block, or the part of `range` it has.
    public init(_ block: Block, clampedTo range: Range<Int>) {
        let count = block.count
        self.init(block, min(range.lowerBound, count)..<min(range.upperBound, count))
    }

    public var count: Int { range.count }
    public var bytes: UnsafeRawBufferPointer { block.bytes(in: range) }
}

/// The bytes one read returns: slices of the blocks it spans, in order, so that a read
/// across blocks is handed on (to the kernel, as an iovec) without being copied together.
public struct ReadBytes: Sendable {
    public private(set) var slices: [BlockSlice] = []
    public private(set) var count = 0

    public init() {}

    public init(_ slice: BlockSlice) { append(slice) }

    /// All of a block.
    public init(_ block: Block) { append(BlockSlice(block, 0..<block.count)) }

    public mutating func append(_ slice: BlockSlice) {
        guard slice.count > 0 else { return }
        slices.append(slice)
        count += slice.count
    }

    public var isEmpty: Bool { count == 0 }

    /// A copy of all of it, in one array.
    public var array: [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        for slice in slices { result.append(contentsOf: slice.bytes) }
        return result
    }
}

/// Byte by byte, for tests; the FUSE reply takes the slices whole.
extension ReadBytes: Sequence {
    public func makeIterator() -> some IteratorProtocol<UInt8> {
        slices.lazy.flatMap { $0.bytes }.makeIterator()
    }
}
