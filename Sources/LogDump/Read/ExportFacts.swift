import Synchronization

/// What is known of one export besides its bytes, for `getfattr`: how much of it the
/// cache holds, and what the server's answers have said of it.
public struct ExportFacts: Sendable, Equatable {
    /// Bytes of the export held in the cache, in memory or on disk.
    public var cachedBytes: UInt64
    /// The validator the last answer carried: its ETag, else its Last-Modified.
    public var validator: String?
    /// The file name the server gives the download (`Content-Disposition`).
    public var serverFileName: String?

    public init(cachedBytes: UInt64, validator: String? = nil, serverFileName: String? = nil) {
        self.cachedBytes = cachedBytes
        self.validator = validator
        self.serverFileName = serverFileName
    }
}

/// What the heads of downloads have said of each export in this mount. Behind a lock of
/// its own, so that asking for it never waits behind the loader's.
final class HeardFacts: Sendable {
    /// Longer validators, or ones with control characters, are not shown.
    static let validatorLimit = 1024

    private let heard = Mutex<[ExportLocation: (validator: String?, fileName: String?)]>([:])

    /// Keeps what `head` says; a head that says nothing of one keeps the earlier word.
    func note(_ head: ResponseHead, of location: ExportLocation) {
        let validator = head.validator.flatMap(Self.showable)
        guard validator != nil || head.fileName != nil else { return }
        heard.withLock { heard in
            var facts = heard[location] ?? (nil, nil)
            if let validator { facts.validator = validator }
            if let fileName = head.fileName { facts.fileName = fileName }
            heard[location] = facts
        }
    }

    func facts(of location: ExportLocation) -> (validator: String?, fileName: String?) {
        heard.withLock { $0[location] } ?? (nil, nil)
    }

    private static func showable(_ validator: String) -> String? {
        guard validator.utf8.count <= validatorLimit,
              !validator.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return validator
    }
}

extension BlockLoader {
    /// The export's facts: what the cache holds of it, and what answers have told.
    public func facts(of location: ExportLocation) -> ExportFacts {
        let heard = heardFacts.facts(of: location)
        return ExportFacts(cachedBytes: cache.cachedBytes(of: location),
                           validator: heard.validator, serverFileName: heard.fileName)
    }
}
