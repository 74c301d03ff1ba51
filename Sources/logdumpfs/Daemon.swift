import Foundation
import Glibc
import LogDump
import LogDumpCurl
import LogDumpFuse

/// Everything a running mount is made of, wired together: catalog, curl source, cache,
/// loader, filesystem, FUSE session. Runs in the foreground until unmounted or until
/// SIGINT, SIGTERM or SIGHUP, which unmount cleanly.
struct Daemon {
    var manifest: Manifest
    var mountpoint: String
    var token: any TokenSource
    var curlOptions = CurlOptions()
    var mountOptions: MountOptions
    var memoryLimit: Int
    var loaderOptions = LoaderOptions()
    var fuseDebug = false

    /// `signals` must have been blocked before any thread started (see SignalWatcher).
    func run(signals: SignalWatcher) throws {
        let source = CurlExportSource(token: token, options: curlOptions)
        let cache = MemoryBlockCache(capacity: memoryLimit)
        let loader = BlockLoader(source: source, cache: cache, options: loaderOptions)
        let fileSystem = FileSystem(catalog: Catalog(manifest), source: source, loader: loader,
                                    ownership: mountOptions.ownership)
        var settings = MountSettings()
        settings.allowOther = mountOptions.allowOther
        settings.debug = fuseDebug
        let mount = FuseMount(fileSystem: fileSystem, mountpoint: mountpoint, settings: settings)
        signals.start { signal in
            Log.info("got \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"): unmounting \(mountpoint)")
            mount.unmount()
        }
        defer { loader.shutdown() }
        try mount.run()
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
