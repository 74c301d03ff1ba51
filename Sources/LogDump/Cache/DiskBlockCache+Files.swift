#if canImport(Glibc)
import Glibc
#endif

/// A disk cache's files, reached only through its directory's descriptors (a link in
/// their place is never followed), and the checks a block file must pass to be served.
extension DiskBlockCache {
    /// A block file's header and bytes; ELOOP when it (or its export's directory) is a
    /// symbolic link, which is never followed.
    func readBlockFile(_ id: String, _ index: Int) -> Result<(header: [UInt8], body: Block), Errno> {
        exportDirectory(id).flatMap {
            $0.map(CacheDirectory.blockName(index), headerSize: BlockFile.headerSize, limit: BlockFile.headerSize + blockSize)
        }
    }

    func exportDirectory(_ id: String) -> Result<DirectoryHandle, Errno> {
        directory.exports.subdirectory(id)
    }

    /// Writes a file of an export's directory whole (by rename), or says why not.
    func write(_ parts: [UnsafeRawBufferPointer], to name: String, inExport id: String) -> Errno? {
        switch exportDirectory(id) {
        case .success(let export): export.writeAtomically(parts, to: name, temporary: CacheDirectory.temporaryName(name))
        case .failure(let error): error
        }
    }

    func removeBlockFile(_ id: String, _ index: Int) {
        if case .success(let export) = exportDirectory(id) { export.removeFile(CacheDirectory.blockName(index)) }
    }

    /// Why a block file may not be served, or nil when it may.
    static func check(_ headerBytes: [UInt8], _ data: Block, index: Int, identity: UInt64, validator: UInt64,
                      blockSize: Int, key: ChecksumKey) -> String? {
        guard let header = BlockFile.decode(headerBytes[...], key: key) else { return "its header is damaged" }
        let length = data.count
        guard header.index == UInt64(index) else { return "it holds block \(header.index)" }
        guard header.length == UInt64(length), length <= blockSize else {
            return "it holds \(length) bytes where its header says \(header.length)"
        }
        guard header.identity == identity else { return "it belongs to another export" }
        guard header.validator == validator else { return "it was fetched before the export changed" }
        guard header.dataHash == key.hash(data.bytes) else { return "its checksum does not match" }
        return nil
    }

    /// Why a block file could not be read, for the warning that drops it.
    static func unreadable(_ error: Errno) -> String {
        switch error {
        case Errno(ELOOP): "it is a symbolic link, which is never followed"
        case .invalid: "it is no regular file of a block's size"
        default: "cannot read it: \(error)"
        }
    }
}
