import Foundation
import Glibc
import LogDump
import LogDumpCurl
import LogDumpFuse

/// Everything a running mount is made of, wired together: catalog, curl source, cache,
/// loader, filesystem, FUSE session. Runs in the foreground until unmounted or until
/// SIGINT or SIGTERM, which unmount cleanly. Follows the manifest file: a change to it,
/// or SIGHUP, reloads it (ManifestWatcher, ManifestReload).
struct Daemon {
    var manifest: Manifest
    /// Where `manifest` was read from, to follow its changes.
    var manifestPath: String
    var mountpoint: String
    var authorizer: any RequestAuthorizer
    var curlOptions = CurlOptions()
    var mountOptions: MountOptions
    /// Bytes of blocks the memory tier keeps (what --memory-limit leaves after blocks in flight).
    var memoryCacheSize: Int
    /// The disk cache's directory and byte bound; a size of 0 keeps blocks in memory only.
    var cacheDirectory: String
    var cacheSize: Int
    var loaderOptions = LoaderOptions()
    /// How long a failing download is retried; the throttle shares `loaderOptions.workers`.
    var retryPolicy = RetryPolicy()
    var fuseDebug = false

    /// `signals` must have been blocked before any thread started (see SignalWatcher).
    /// `whenMounted` runs once the kernel has the mount, `whenStopping` once it starts to end.
    func run(signals: SignalWatcher, whenMounted: () -> Void = {},
             whenStopping: @escaping @Sendable () -> Void = {}) throws {
        let cache = TieredBlockCache(memory: MemoryBlockCache(capacity: memoryCacheSize), disk: try openDiskCache())
        let statistics = StatisticsWriter(cache: cache)
        defer { statistics.stop() }
        // The fetch threads bound downloads; the throttle's two more permits are for size
        // probes, which lookups wait for and which must not queue behind long streams.
        let counters = Statistics()
        let source = RetryingSource(wrapping: CurlExportSource(authorizer: authorizer, options: curlOptions, statistics: counters),
                                    policy: retryPolicy, maxConcurrency: loaderOptions.workers + 2, statistics: counters)
        let loader = BlockLoader(source: source, cache: cache, options: loaderOptions, statistics: counters)
        let fileSystem = FileSystem(catalog: Catalog(manifest), source: source, loader: loader,
                                    ownership: mountOptions.ownership)
        var settings = MountSettings()
        settings.allowOther = mountOptions.allowOther
        settings.debug = fuseDebug
        // The mount's source, as fstab gives it: `mount -a` then knows it is mounted.
        settings.fsName = manifestPath.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,")
        let endpointCheck = EndpointCheck.start(manifest.entries, options: curlOptions, sending: authorizer.carries)
        // Everything that may wait on the network stops as soon as the session ends.
        let stop: @Sendable () -> Void = { whenStopping(); endpointCheck.stop(); fileSystem.stop(); loader.shutdown() }
        let mount = FuseMount(fileSystem: fileSystem, mountpoint: mountpoint, settings: settings, whenEnding: stop)
        let reload = ManifestReload(path: manifestPath, fileSystem: fileSystem, mount: mount)
        let watcher = ManifestWatcher(path: manifestPath) { reload.run() }
        signals.start { signal in
            if signal == SIGHUP {
                Log.info("got SIGHUP: reloading the manifest")
                return watcher.reloadNow()
            }
            Log.info("got \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"): unmounting \(mountpoint)")
            mount.unmount()
        }
        let status = StatusService.start(mountpoint: mountpoint, statistics: counters, cache: cache, source: source)
        defer { watcher.stop(); stop(); status?.stop() }
        try mount.run(whenMounted: whenMounted)
    }

    /// The disk cache, locked for this mount. A cache directory in use by another mount,
    /// or refused (not this user's alone, not a cache) stops this one; one that cannot be
    /// created or written leaves blocks in memory only.
    private func openDiskCache() throws -> DiskBlockCache? {
        guard cacheSize > 0 else { return nil }
        do {
            let directory = try CacheDirectory(path: cacheDirectory)
            let disk = DiskBlockCache(directory: directory, capacity: cacheSize, blockSize: loaderOptions.blockSize)
            let usage = disk.usage
            Log.info("cache: \(cacheDirectory), \(usage.blocks) blocks of \(usage.exports) exports, \(usage.bytes) of \(cacheSize) bytes")
            return disk
        } catch where error.kind != .unusable {
            throw Preflight.Failure(error.description)
        } catch {
            Log.warning("\(error); reads go on with blocks cached in memory only")
            return nil
        }
    }
}

/// Saves the cache's statistics every 10 seconds and when stopped, so that
/// `logdumpfs cache stats` shows the last run's hit ratio even after a crash.
final class StatisticsWriter: @unchecked Sendable {
    private let cache: TieredBlockCache
    private let monitor = Monitor()
    private var stopped = false

    init(cache: TieredBlockCache) {
        self.cache = cache
        guard cache.disk != nil else { return }
        Thread.detachNewThread { [self] in
            while !monitor.withLock({
                monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(10))) { stopped }
            }) {
                cache.saveStatistics()
            }
        }
    }

    func stop() {
        monitor.withLock {
            stopped = true
            monitor.broadcast()
        }
        cache.saveStatistics()
    }
}

/// Waits for SIGINT, SIGTERM and SIGHUP on a thread of its own (sigwait), so the
/// handler may do real work such as unmounting. Block the signals first thing in a
/// command, before any thread starts: threads inherit the mask, and a thread without it
/// would take the signal's default action and kill the process mid-mount.
struct SignalWatcher {
    private var set = sigset_t()

    static func blockTerminationSignals() -> SignalWatcher {
        var watcher = SignalWatcher()
        sigemptyset(&watcher.set)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&watcher.set, signal) }
        pthread_sigmask(SIG_BLOCK, &watcher.set, nil)
        return watcher
    }

    func start(_ handler: @escaping @Sendable (Int32) -> Void) {
        let set = self.set
        Thread.detachNewThread {
            var set = set
            while true {
                var signal: Int32 = 0
                guard sigwait(&set, &signal) == 0 else { continue }
                handler(signal)
            }
        }
    }
}
