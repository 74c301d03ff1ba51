import LogDump

/// Tests speak of blocks as arrays: these store a copy of one.
extension DiskBlockCache {
    func store(_ bytes: [UInt8], for key: BlockKey, validator: String?) {
        store(Block(bytes), for: key, validator: validator)
    }
}

extension MemoryBlockCache {
    func store(_ bytes: [UInt8], for key: BlockKey) {
        store(Block(bytes), for: key)
    }
}
