import ArgumentParser
import Foundation
import Glibc
import LogDump

/// The command line as `logdumpfs` is run: by hand (`logdumpfs mount ...`), or by
/// mount(8) as its helper `mount.fuse.logdumpfs`. Rewritten here, before any flag is
/// parsed, so that each `-o` twin becomes the flag it stands for.
enum MountArguments {
    /// The arguments to parse (without the program's name); exits with a message when
    /// they cannot be understood.
    static func rewritten(_ commandLine: [String]) -> [String] {
        var arguments = Array(commandLine.dropFirst())
        do {
            if let program = commandLine.first, isMountHelper(program) {
                arguments = try MountHelper.commandLine(arguments)
            }
            if arguments.first == "mount" {
                arguments = try twins.expand(arguments)
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            Glibc.exit(1)
        }
        return arguments
    }

    /// Whether the program runs as `mount.fuse.logdumpfs` (or `mount.logdumpfs`), the name
    /// mount(8) runs for a filesystem of type fuse.logdumpfs.
    static func isMountHelper(_ program: String) -> Bool {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        return name.hasPrefix("mount.")
    }

    /// The flags of `mount` and whether each takes a value, read from its own help so
    /// that every flag has its twin: a line `  --cache-size <cache-size>  ...` is an
    /// option, `  --verbose  ...` a flag.
    static var twins: MountOptionTwins {
        let help = LogDumpFS.helpMessage(for: MountCommand.self, columns: 10_000)
        var flags: [String: MountOptionTwins.Kind] = [:]
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            let names = line.dropFirst(2).components(separatedBy: "  ")[0]
            for name in names.components(separatedBy: ", ") where name.hasPrefix("--") {
                let parts = name.dropFirst(2).split(separator: " ", maxSplits: 1)
                guard let flag = parts.first, flag != "help" else { continue }
                flags[String(flag)] = parts.count > 1 ? .option : .flag
            }
        }
        return MountOptionTwins(flags: flags)
    }
}

/// mount(8)'s helper convention: `mount.fuse.logdumpfs SPEC MOUNTPOINT [-sfnv] [-o OPTS]
/// [-t TYPE]`, run as `logdumpfs mount SPEC MOUNTPOINT -o OPTS`, detached once mounted.
enum MountHelper {
    static func commandLine(_ arguments: [String]) throws(MountOptionError) -> [String] {
        var positional: [String] = []
        var options: [String] = []
        var fake = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "-o", "-t", "-N":
                guard index < arguments.count else { throw MountOptionError("\(argument) needs a value") }
                if argument == "-o" { options.append(arguments[index]) }
                if argument == "-N" { throw MountOptionError("-N: mounting in another namespace is not supported") }
                index += 1
            case "-s", "-n", "-v": break  // sloppy, no mtab, verbose: nothing to do
            case "-f": fake = true
            default:
                guard !argument.hasPrefix("-") else { throw MountOptionError("\(argument.escapedForLog()): not an option mount(8) passes to a helper") }
                positional.append(argument)
            }
        }
        guard positional.count == 2 else {
            throw MountOptionError("usage: mount.fuse.logdumpfs MANIFEST MOUNTPOINT [-o OPTIONS]")
        }
        if fake { Glibc.exit(0) }
        return ["mount"] + positional + options.flatMap { ["-o", $0] } + ["--mount-helper"]
    }
}
