#if canImport(Glibc)
import Glibc
#endif

/// A file of `key = value` lines, optionally in `[section]`s: the SDK's credentials file
/// (INI, as Python's configparser reads it) and the --ak-sk-file. Lines are trimmed;
/// blank lines and lines starting with `#` or `;` are skipped; a key is split from its
/// value at the first `=` or `:`, keys are case-insensitive, values are taken as written
/// (no quotes removed, no inline comments). Errors name the file and the line, never what
/// the line holds: it may be a secret.
public struct CredentialFile: Sendable {
    public let path: String
    /// Keys before any `[section]`, by lowercased name.
    public var topLevel: [String: Setting] = [:]
    /// Each section's keys, by section name as written.
    public var sections: [String: Section] = [:]

    /// One `key = value` line.
    public struct Setting: Sendable, Equatable {
        public var value: String
        public var line: Int
    }

    public struct Section: Sendable {
        /// The line of its `[name]` header.
        public var line: Int
        public var settings: [String: Setting] = [:]
    }

    /// The most a credentials file may hold.
    static let sizeLimit = 64 << 10

    /// Reads and parses `path`. `warning` is set when group or others may read the file.
    public static func read(_ path: String) throws(CredentialFileError) -> (file: CredentialFile, warning: String?) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CredentialFileError(path, "cannot be read: \(Errno(errno))") }
        defer { close(fd) }
        var info = stat()
        let warning = fstat(fd, &info) == 0 ? LooseSecretFile.warning(path, mode: info.st_mode, holding: "secret keys") : nil
        switch Files.read(fd, limit: sizeLimit) {
        case .failure(let error) where error == .invalid:
            throw CredentialFileError(path, "is too large for a credentials file (over 64 KiB)")
        case .failure(let error): throw CredentialFileError(path, "cannot be read: \(error)")
        case .success(let bytes): return (try parse(bytes, path: path), warning)
        }
    }

    /// Parses the file's bytes; `path` is for errors only.
    public static func parse(_ bytes: [UInt8], path: String) throws(CredentialFileError) -> CredentialFile {
        var file = CredentialFile(path: path)
        guard let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes,
                                as: UTF8.self) else {
            throw CredentialFileError(path, "is not UTF-8 text")
        }
        var section: String?
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            let line = String(raw).trimmingSpace
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if raw.first == " " || raw.first == "\t" {
                throw CredentialFileError(path, line: number, "is indented: a value continued over lines is not supported")
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw CredentialFileError(path, line: number, "is not a [section] header")
                }
                let name = String(line.dropFirst().dropLast()).trimmingSpace
                guard file.sections[name] == nil else {
                    throw CredentialFileError(path, line: number, "repeats the section [\(name.escapedForLog())]")
                }
                file.sections[name] = Section(line: number)
                section = name
                continue
            }
            guard let split = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw CredentialFileError(path, line: number, "is not `key = value`, a [section] or a comment")
            }
            let key = String(line[..<split]).trimmingSpace.lowercased()
            let value = String(line[line.index(after: split)...]).trimmingSpace
            guard !key.isEmpty else { throw CredentialFileError(path, line: number, "has no key before its `=`") }
            guard !value.hasControlCharacters else {
                throw CredentialFileError(path, line: number, "holds control characters in its value")
            }
            let setting = Setting(value: value, line: number)
            if let section {
                guard file.sections[section]?.settings[key] == nil else {
                    throw CredentialFileError(path, line: number, "repeats a key of its section")
                }
                file.sections[section]?.settings[key] = setting
            } else {
                guard file.topLevel.updateValue(setting, forKey: key) == nil else {
                    throw CredentialFileError(path, line: number, "repeats a key")
                }
            }
        }
        return file
    }
}

/// A credentials file that cannot be used: its path, the line when one is to blame, and
/// the problem, never the line's text.
public struct CredentialFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var problem: String

    public init(_ path: String, line: Int? = nil, _ problem: String) {
        (self.path, self.line, self.problem) = (path, line, problem)
    }

    public var description: String {
        path.escapedForLog() + (line.map { " line \($0)" } ?? "") + " " + problem
    }
}

extension String {
    /// Whether it holds a control character (a newline, a tab, DEL): such text cannot be a
    /// key, nor go into a header.
    var hasControlCharacters: Bool {
        unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
