/// The `-o` options a user may give the mount, as with any FUSE filesystem:
/// `uid=N`, `gid=N`, `umask=OOO` (octal), `allow_other`; `ro` and
/// `default_permissions` are accepted and always on.
public struct MountOptions: Sendable, Equatable {
    public var ownership: Ownership
    public var allowOther = false

    public init(ownership: Ownership) {
        self.ownership = ownership
    }

    /// Applies comma-separated options (each `-o` given) over `defaults`; an unknown
    /// option or a bad value is an error naming it.
    public static func parse(_ lists: [String], defaults: Ownership) throws(MountOptionError) -> MountOptions {
        var options = MountOptions(ownership: defaults)
        for list in lists {
            for item in list.split(separator: ",", omittingEmptySubsequences: true) {
                let parts = item.split(separator: "=", maxSplits: 1)
                let name = String(parts[0])
                let value = parts.count > 1 ? String(parts[1]) : nil
                switch (name, value) {
                case ("uid", let value?): options.ownership.uid = try number(value, option: name, radix: 10)
                case ("gid", let value?): options.ownership.gid = try number(value, option: name, radix: 10)
                case ("umask", let value?):
                    let mask = try number(value, option: name, radix: 8)
                    guard mask <= 0o777 else { throw MountOptionError("-o umask=\(value.escapedForLog()): must be at most 777 (octal)") }
                    options.ownership.umask = mask
                case ("allow_other", nil): options.allowOther = true
                case ("ro", nil), ("default_permissions", nil): break
                case ("uid", nil), ("gid", nil), ("umask", nil):
                    throw MountOptionError("-o \(name) needs a value, as in -o \(name)=...")
                default:
                    throw MountOptionError("-o \(item.escapedForLog()): unknown mount option (known: uid=N, gid=N, umask=OOO, allow_other, ro, default_permissions)")
                }
            }
        }
        return options
    }

    private static func number(_ text: String, option: String, radix: Int) throws(MountOptionError) -> UInt32 {
        guard let value = UInt32(text, radix: radix) else {
            throw MountOptionError("-o \(option)=\(text.escapedForLog()): not a\(radix == 8 ? "n octal" : "") number")
        }
        return value
    }
}

public struct MountOptionError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
