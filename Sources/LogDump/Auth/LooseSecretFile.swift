#if canImport(Glibc)
import Glibc
#endif

/// The one warning for a file of secrets (keys, a token, a password) that group or others
/// may read: anyone on the machine could take what it holds.
public enum LooseSecretFile {
    /// The warning for `path` with mode `mode`, or nil when only its owner may read it.
    static func warning(_ path: String, mode: mode_t, holding what: String) -> String? {
        guard mode & 0o044 != 0 else { return nil }
        return "\(path.escapedForLog()): group or others may read this file of \(what) "
            + "(mode \(String(mode & 0o777, radix: 8))): chmod 600 it"
    }

    /// The warning for the file at `path` as it is now; nil when it is private or cannot be seen.
    public static func warning(_ path: String, holding what: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return warning(path, mode: info.st_mode, holding: what)
    }
}
