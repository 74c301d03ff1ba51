// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "logdumpfs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "logdumpfs", targets: ["logdumpfs"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // libfuse3's low-level API; shim.h wraps what Swift cannot import.
        .systemLibrary(name: "CFuse3", pkgConfig: "fuse3",
                       providers: [.apt(["libfuse3-dev"])]),
        // xxHash's XXH3: checksums of cached blocks.
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash",
                       providers: [.apt(["libxxhash-dev"])]),
        // Typed wrappers over libcurl's variadic calls.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // The core: catalog, reader, cache. Imports neither FUSE nor curl.
        .target(name: "LogDump", dependencies: ["CXXHash", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "LogDumpCurl", dependencies: ["LogDump", "CCurl"]),
        .target(name: "LogDumpFuse", dependencies: ["LogDump", "CFuse3"]),
        .target(name: "LogDumpEmulator", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "logdumpfs", dependencies: [
            "LogDump", "LogDumpCurl", "LogDumpFuse", "LogDumpEmulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test doubles the core's and the curl source's tests share.
        .target(name: "LogDumpTestSupport", dependencies: ["LogDump"], path: "Tests/LogDumpTestSupport"),
        .testTarget(name: "LogDumpTests", dependencies: ["LogDump", "LogDumpTestSupport"]),
        .testTarget(name: "LogDumpCurlTests", dependencies: ["LogDump", "LogDumpCurl", "LogDumpEmulator", "LogDumpTestSupport"]),
        .testTarget(name: "LogDumpFuseTests", dependencies: ["LogDump", "LogDumpEmulator", "LogDumpTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
