/// Turns `-o name=value` lists into the command line they stand for, so that mount(8) and
/// fstab, which can pass only `-o`, reach every flag of `mount`: `-o token_file=/x` is
/// `--token-file=/x`, a bare `-o verbose` is `--verbose`. Names take dashes or
/// underscores. The options FUSE itself knows (MountOptions) stay in one `-o` list; the
/// generic ones mount(8) passes are dropped; `rw` and unknown names are errors naming them.
public struct MountOptionTwins: Sendable {
    /// Whether a flag stands alone (`--verbose`) or takes a value (`--cache-size 20G`).
    public enum Kind: Sendable { case flag, option }

    /// The long flags a twin may stand for, by name without the dashes (`cache-size`).
    public let flags: [String: Kind]

    public init(flags: [String: Kind]) { self.flags = flags }

    /// mount(8)'s own options, meaningless or always true here: files are never executable
    /// nor device nodes, and libfuse mounts nosuid,nodev; `x-*` and `comment=` are for
    /// other tools. (mount(8) adds `noexec,nosuid,nodev` for `user` mounts.)
    static let ignored: Set<String> = ["defaults", "auto", "noauto", "_netdev", "nofail", "user", "nouser", "users",
                                       "owner", "group", "dev", "nodev", "suid", "nosuid", "exec", "noexec",
                                       "atime", "noatime", "relatime", "strictatime", "lazytime", "nolazytime",
                                       "diratime", "nodiratime", "async", "sync"]

    /// The options MountOptions parses, by their canonical names.
    static let fuseOptions: Set<String> = ["uid", "gid", "umask", "allow_other", "ro", "default_permissions"]

    /// `arguments` (of the `mount` command) with each `-o LIST` (or `-oLIST`) replaced by
    /// the flags it holds, and the FUSE options kept as one `-o` list at the end.
    public func expand(_ arguments: [String]) throws(MountOptionError) -> [String] {
        var result: [String] = []
        var kept: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                result += arguments[(index - 1)...]
                break
            }
            let list: String
            if argument == "-o" {
                guard index < arguments.endIndex else { throw MountOptionError("-o needs a list of options, as in -o ro,allow_other") }
                list = arguments[index]
                index += 1
            } else if argument.hasPrefix("-o") && !argument.hasPrefix("--") {
                list = String(argument.dropFirst(2))
            } else {
                result.append(argument)
                continue
            }
            for item in list.split(separator: ",", omittingEmptySubsequences: true) {
                let (arguments, fuse) = try twin(of: String(item))
                result += arguments
                if let fuse { kept.append(fuse) }
            }
        }
        if !kept.isEmpty { result += ["-o", kept.joined(separator: ",")] }
        return result
    }

    /// The flag arguments one `-o` item stands for, or the FUSE option it is.
    private func twin(of item: String) throws(MountOptionError) -> (arguments: [String], fuse: String?) {
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        let value = parts.count > 1 ? String(parts[1]) : nil
        let underscored = name.replacingOccurrences(of: "-", with: "_")
        if name.hasPrefix("x-") || name == "comment" || (value == nil && Self.ignored.contains(underscored)) {
            return ([], nil)
        }
        if underscored == "rw" && value == nil {
            throw MountOptionError("-o rw: logdumpfs is read-only; mount it with -o ro (mount(8) passes rw unless ro is given)")
        }
        if Self.fuseOptions.contains(underscored) {
            return ([], value.map { "\(underscored)=\($0)" } ?? underscored)
        }
        let dashed = name.replacingOccurrences(of: "_", with: "-")
        switch flags[dashed] {
        case .flag?:
            guard value == nil else {
                throw MountOptionError("-o \(item.escapedForLog()): \(name.escapedForLog()) takes no value (say -o \(name.escapedForLog()))")
            }
            return (["--\(dashed)"], nil)
        case .option?:
            guard let value, !value.isEmpty else {
                throw MountOptionError("-o \(name.escapedForLog()) needs a value, as in -o \(name.escapedForLog())=...")
            }
            return (["--\(dashed)=\(value)"], nil)
        case nil:
            throw MountOptionError("-o \(item.escapedForLog()): unknown mount option (it is none of the flags of `logdumpfs mount --help`, nor uid, gid, umask, allow_other, ro)")
        }
    }
}
