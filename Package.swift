// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Orbit",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "orbit", targets: ["orbit"]),
    // Libraries exported for the benchmark package in bench/.
    .library(name: "OrbitCompute", targets: ["OrbitCompute"]),
    .library(name: "OrbitAnalysis", targets: ["OrbitAnalysis"]),
    .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    .library(name: "OrbitSpec", targets: ["OrbitSpec"]),
    .library(name: "OrbitJournal", targets: ["OrbitJournal"]),
    .library(name: "OrbitSimulation", targets: ["OrbitSimulation"]),
    .library(name: "OrbitProtocol", targets: ["OrbitProtocol"]),
    .library(name: "OrbitCoordinator", targets: ["OrbitCoordinator"]),
    .library(name: "OrbitWorker", targets: ["OrbitWorker"]),
    .library(name: "OrbitDashboard", targets: ["OrbitDashboard"]),
    .library(name: "OrbitSearch", targets: ["OrbitSearch"]),
  ],
  // The live dashboard's HTTP stack (Hummingbird on SwiftNIO) is over half of a fresh release
  // build's compile time (bench/RESULTS.md). On by default; `scripts/quickstart` first builds
  // without it (`--disable-default-traits`) so a newcomer's first sweep starts sooner.
  traits: [
    .trait(
      name: "Dashboard",
      description:
        "The live dashboard, its JSON API and /metrics (orbit serve, --http, orbit status over HTTP)."
    ),
    .default(enabledTraits: ["Dashboard"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    // The dashboard's HTTP server and its Prometheus endpoint (issue 13): Hummingbird 2 on
    // SwiftNIO, the heaviest dependencies here (about 3 of a first debug build's minutes).
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    // Named for `orbit status`'s HTTP client (NIOHTTP1), already in the tree under Hummingbird.
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    // C libraries from Debian: libzmq3-dev and libopenblas-dev. Linked directly rather than via
    // pkg-config, whose libzmq flags carry an -isystem that SwiftPM rejects as unsafe.
    .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),

    // Linux calls that Swift's Glibc module hides behind _GNU_SOURCE (eventfd, pipe2, …).
    .target(name: "CSupport"),
    .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
    .target(name: "OrbitSpec", dependencies: [.product(name: "Yams", package: "Yams")]),
    .target(name: "OrbitProtocol", dependencies: ["OrbitSpec"]),
    .target(
      name: "OrbitJournal",
      dependencies: ["OrbitSpec", "CSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    .target(name: "OrbitCompute", dependencies: ["CBLAS"]),
    .target(
      name: "OrbitCoordinator",
      dependencies: [
        "ZeroMQ", "OrbitSpec", "OrbitProtocol", "OrbitJournal",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
      ]),
    .target(
      name: "OrbitWorker",
      dependencies: [
        "ZeroMQ", "OrbitSpec", "OrbitProtocol", "OrbitCompute", "CSupport",
        .product(name: "Logging", package: "swift-log"),
      ]),
    .target(name: "OrbitAnalysis", dependencies: []),
    // Bayesian search (issue 27): priors on the unit cube, a Gaussian process, expected
    // improvement and the engines. Pure: no I/O, no Foundation, no other Orbit module.
    .target(name: "OrbitSearch", dependencies: []),
    // The application behind the command line: sweep sessions, local workers, trials.csv, the
    // summary and the report. No ArgumentParser: its errors carry their exit codes.
    .target(
      name: "OrbitSession",
      dependencies: [
        "ZeroMQ", "OrbitSpec", "OrbitProtocol", "OrbitJournal", "OrbitCompute", "OrbitCoordinator",
        "OrbitWorker", "OrbitAnalysis", "OrbitSearch", "CSupport",
        .product(name: "Logging", package: "swift-log"),
      ]),
    // The live dashboard: HTTP server, page, JSON API and /metrics over a run directory.
    .target(
      name: "OrbitDashboard",
      dependencies: [
        "OrbitSession", "OrbitJournal", "OrbitCoordinator", "OrbitSpec", "OrbitAnalysis",
        "CSupport", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Logging", package: "swift-log"),
      ]),
    .executableTarget(
      name: "orbit",
      dependencies: [
        "OrbitSession", "ZeroMQ", "OrbitSpec", "OrbitJournal", "OrbitCompute",
        "OrbitCoordinator", "OrbitWorker", "OrbitAnalysis", "CSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .target(name: "OrbitDashboard", condition: .when(traits: ["Dashboard"])),
        .product(name: "NIOCore", package: "swift-nio", condition: .when(traits: ["Dashboard"])),
        .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["Dashboard"])),
        .product(name: "NIOHTTP1", package: "swift-nio", condition: .when(traits: ["Dashboard"])),
      ]),
    .target(name: "OrbitTesting", dependencies: ["OrbitSpec"]),
    // Counts malloc calls per thread inside the test process (interposes malloc when linked):
    // for OrbitComputeTests only, never a product or a dependency of the shipped code.
    .target(name: "CMallocCounter"),
    // The whole protocol in one process on virtual time (tests and bench/).
    .target(
      name: "OrbitSimulation",
      dependencies: [
        "OrbitCoordinator", "OrbitWorker", "OrbitJournal", "OrbitProtocol", "OrbitSpec", "ZeroMQ",
      ]),

    .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
    .testTarget(name: "OrbitSearchTests", dependencies: ["OrbitSearch"]),
    .testTarget(name: "OrbitSpecTests", dependencies: ["OrbitSpec"], resources: [.copy("golden")]),
    .testTarget(
      name: "OrbitProtocolTests", dependencies: ["OrbitProtocol", "OrbitSpec", "OrbitTesting"]),
    .testTarget(
      name: "OrbitJournalTests",
      dependencies: [
        "OrbitJournal", "OrbitSpec", "OrbitTesting", .product(name: "GRDB", package: "GRDB.swift"),
      ]),
    .testTarget(
      name: "OrbitComputeTests", dependencies: ["OrbitCompute", "CMallocCounter"],
      resources: [.copy("golden")]),
    .testTarget(
      name: "OrbitCoordinatorTests",
      dependencies: [
        "OrbitCoordinator", "OrbitJournal", "OrbitProtocol", "OrbitSpec", "OrbitTesting",
      ]),
    .testTarget(
      name: "OrbitWorkerTests",
      dependencies: ["OrbitWorker", "OrbitProtocol", "OrbitSpec", "OrbitTesting"]),
    .testTarget(
      name: "ProtocolSimulationTests",
      dependencies: [
        "OrbitSimulation", "OrbitCoordinator", "OrbitWorker", "OrbitProtocol", "OrbitSpec",
        "OrbitTesting", "OrbitJournal", .product(name: "Logging", package: "swift-log"),
        .product(name: "MetricsTestKit", package: "swift-metrics"),
      ]),
    .testTarget(
      name: "OrbitAnalysisTests", dependencies: ["OrbitAnalysis", "OrbitTesting"], exclude: ["data"]
    ),
    .testTarget(
      name: "OrbitSessionTests",
      dependencies: [
        "OrbitSession", "OrbitTesting", "OrbitSpec", "OrbitJournal", "OrbitAnalysis",
        "OrbitCompute", "OrbitWorker", "ZeroMQ", "OrbitSearch",
      ]),
    .testTarget(
      name: "OrbitDashboardTests",
      dependencies: [
        "OrbitDashboard", "OrbitSession", "OrbitJournal", "OrbitTesting", "OrbitSpec",
        "OrbitAnalysis", .product(name: "Logging", package: "swift-log"),
        .product(name: "Hummingbird", package: "hummingbird"),
        // The router test client: requests through the dashboard's router without a socket.
        .product(name: "HummingbirdTesting", package: "hummingbird"),
      ]),
    .testTarget(
      name: "IntegrationTests",
      dependencies: ["OrbitTesting", "OrbitJournal", "OrbitProtocol", "OrbitSpec", "ZeroMQ"],
      exclude: ["bad-specs"]),
  ],
  swiftLanguageModes: [.v6]
)
