import ArgumentParser
import Foundation
import Glibc
import LogDump
import LogDumpCurl

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount the exports a manifest lists.",
        discussion: """
        Runs until unmounted: press Ctrl-C, send SIGTERM, or run `umount MOUNTPOINT`.
        In the foreground unless --daemon (or run by mount(8) as mount.fuse.logdumpfs):
        a daemon exits 0 once the mount is live, or non-zero saying why it is not.
        Every flag can be given as a mount option too, dashes or underscores:
        -o token_file=/etc/logdumpfs/token,cache_size=20G,allow_other.
        Follows the manifest: replacing or rewriting it, or sending SIGHUP, shows the new
        tree without a remount (a manifest that does not load keeps the old one).

        \(tokenFlagsHelp)

        Examples:
          LOGDUMPFS_TOKEN=... logdumpfs mount exports.json /mnt/logs
          logdumpfs mount exports.json /mnt/logs \\
              --token-command 'vault read -field=token secret/clouddc'
          tar -tzf /mnt/logs/<project_id>/<server_id>/exports/<export_id>.tar.gz
        """
    )

    @Argument(help: "The export manifest (JSON; see the README).")
    var manifest: String

    @Argument(help: "An empty directory to mount on.")
    var mountpoint: String

    @OptionGroup(title: "Credentials and TLS")
    var server: ServerFlags

    @Option(name: .customShort("o"), parsing: .singleValue,
            help: ArgumentHelp("Mount options, comma-separated: uid=N, gid=N, umask=OOO, allow_other, ro, and any flag below as name=value (or name alone for a flag).",
                               valueName: "options"))
    var options: [String] = []

    @Option(help: "Memory for blocks in flight, fetched ahead and cached, e.g. 256M or 1G.")
    var memoryLimit: String = "256M"

    @Option(help: "Most downloads in flight at once, over all files.")
    var maxConnections: Int = 8

    @Option(help: "Directory of the disk cache (default: /var/cache/logdumpfs for root, else $XDG_CACHE_HOME/logdumpfs or ~/.cache/logdumpfs).")
    var cacheDir: String?

    @Option(help: "Most bytes the disk cache may take, e.g. 512M or 20G; 0 caches in memory only.")
    var cacheSize: String = "10G"

    @Option(help: "Bytes fetched and cached as one block, e.g. 1M.")
    var blockSize: String = "1M"

    @Option(help: "A transfer that receives no bytes for this many seconds has stalled, and is retried.")
    var stallTimeout: Int = 5

    @Option(help: "Retry a failing or throttled download for up to this many seconds without progress, then give up (EIO).")
    var retryDeadline: Int = 60

    @Flag(help: "Log each fetch and decision (debug level).")
    var verbose = false

    @Flag(help: "Let libfuse print every FUSE request.")
    var fuseDebug = false

    @Flag(help: "Detach once mounted: exit 0 when the mount is live, non-zero with the reason when it cannot be.")
    var daemon = false

    @Flag(help: "Stay in the foreground (the default, unless run by mount(8)).")
    var foreground = false

    @Option(help: "Append the log to this file once mounted (default: standard error; syslog when detached).")
    var logFile: String?

    /// Set when run by mount(8) as mount.fuse.logdumpfs: detach unless --foreground.
    @Flag(help: .hidden)
    var mountHelper = false

    func validate() throws {
        if daemon && foreground { throw ValidationError("--daemon and --foreground exclude each other: give one") }
    }

    func run() throws {
        // Before any thread starts: a fork keeps only the thread that calls it.
        let detach = daemon || (mountHelper && !foreground) ? try Detach.fork() : nil
        let systemd = SystemdNotifier.fromEnvironment()
        let signals = SignalWatcher.blockTerminationSignals()
        if verbose { Log.threshold = .debug }
        let log = try LogDestination(logFile: logFile.map(absolute), detached: detach != nil)
        try makeDaemon().run(signals: signals, whenMounted: {
            log.takeOver()
            detach?.mounted()
            systemd.ready(mountpoint: mountpoint)
        }, whenStopping: systemd.stopping)
    }

    func makeDaemon() throws -> Daemon {
        let manifest: Manifest
        do { manifest = try Manifest.load(contentsOf: self.manifest) } catch { throw Preflight.Failure("\(error)") }
        try Preflight.checkMountpoint(mountpoint)
        try Preflight.checkFuseDevice()
        let credentials = try server.credentialChoice()
        Preflight.warnAboutProject(of: credentials, using: Set(manifest.entries.map(\.key.projectID)))
        let mountOptions: MountOptions
        do {
            mountOptions = try MountOptions.parse(options, defaults: Ownership(uid: getuid(), gid: getgid()))
        } catch { throw Preflight.Failure(error.description) }
        guard let memory = ByteCount.parse(memoryLimit), memory > 0 else {
            throw Preflight.Failure("--memory-limit \(memoryLimit.escapedForLog()): not a size (say 256M or 1G)")
        }
        guard let block = ByteCount.parse(blockSize), block >= 4096, block <= 64 << 20 else {
            throw Preflight.Failure("--block-size \(blockSize.escapedForLog()): give a size from 4K to 64M")
        }
        guard (1...256).contains(maxConnections) else {
            throw Preflight.Failure("--max-connections \(maxConnections): give 1 to 256")
        }
        // Each connection holds a block while it downloads, and as many may wait to be
        // written to disk; the rest caches and reads ahead.
        let inFlight = 2 * maxConnections * block
        guard memory >= inFlight + 2 * block else {
            throw Preflight.Failure("--memory-limit \(memoryLimit.escapedForLog()) must hold 2 x --max-connections + 2 blocks of --block-size \(blockSize.escapedForLog()): at least \(inFlight + 2 * block) bytes")
        }
        guard let cacheBytes = ByteCount.parse(cacheSize) else {
            throw Preflight.Failure("--cache-size \(cacheSize.escapedForLog()): not a size (say 512M or 20G, or 0 for no disk cache)")
        }
        let minimum = DiskBlockCache.minimumCapacity(blockSize: block)
        guard cacheBytes == 0 || cacheBytes >= minimum else {
            throw Preflight.Failure("--cache-size \(cacheSize.escapedForLog()) is too small for blocks of \(blockSize.escapedForLog()): give at least \(minimum) bytes, or 0 for no disk cache")
        }
        guard stallTimeout > 0 else { throw Preflight.Failure("--stall-timeout must be at least 1 second") }
        guard retryDeadline >= 0 else { throw Preflight.Failure("--retry-deadline must be 0 (no retries) or more seconds") }
        var curl = CurlOptions()
        curl.caFile = server.caFile.map(absolute)  // a daemon leaves its working directory
        curl.stallTimeout = .seconds(stallTimeout)
        var loader = LoaderOptions()
        loader.blockSize = block
        loader.workers = maxConnections
        loader.pendingWrites = maxConnections
        loader.maxReadahead = min(64 << 20, (memory - inFlight) / 4)
        // A reader outwaits the retries of its block's fetch, and the stall that ends
        // the last one: it gets their error, not a timeout of its own.
        loader.waitTimeout = .seconds(retryDeadline + 2 * stallTimeout + 30)
        let authorizer = try Preflight.authorizer(credentials, curl: curl)  // last: it may run a command or log in
        return Daemon(manifest: manifest, manifestPath: absolute(self.manifest), mountpoint: mountpoint, authorizer: authorizer,
                      curlOptions: curl, mountOptions: mountOptions, memoryCacheSize: memory - inFlight,
                      cacheDirectory: absolute(cacheDir ?? CacheDirectory.defaultPath(environment: ProcessInfo.processInfo.environment)),
                      cacheSize: cacheBytes, loaderOptions: loader,
                      retryPolicy: RetryPolicy(deadline: .seconds(retryDeadline)), fuseDebug: fuseDebug)
    }
}

/// A path made absolute against the working directory.
func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
