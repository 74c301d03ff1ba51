/// One read-only extended attribute of a file, as `getfattr` shows it.
public struct ExtendedAttribute: Sendable, Equatable {
    public var name: String
    public var value: String

    /// Bytes of the export held in the cache, in decimal.
    public static let cachedBytes = "user.logdumpfs.cached_bytes"
    /// The validator the last download carried: its ETag, else its Last-Modified.
    public static let etag = "user.logdumpfs.etag"
    /// The file name the server gives the download (`Content-Disposition`).
    public static let serverFileName = "user.clouddc.filename"

    /// Every name a file may have: any other is answered ENODATA without asking the core.
    public static let names: Set<String> = [cachedBytes, etag, serverFileName]

    /// An export's facts as attributes: those known, in a fixed order.
    static func of(_ facts: ExportFacts) -> [ExtendedAttribute] {
        var attributes = [ExtendedAttribute(name: cachedBytes, value: String(facts.cachedBytes))]
        if let validator = facts.validator { attributes.append(ExtendedAttribute(name: etag, value: validator)) }
        if let name = facts.serverFileName { attributes.append(ExtendedAttribute(name: serverFileName, value: name)) }
        return attributes
    }
}
