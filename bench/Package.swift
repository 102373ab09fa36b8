// swift-tools-version:6.1
// Benchmarks live in their own package (as swift-nio's Benchmarks/) so `swift test` stays lean.
// Run from this folder: `swift run -c release <Bench>`; figures go to RESULTS.md.
import PackageDescription

let package = Package(
  name: "OrbitBench",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "Orbit", path: ".."),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    .executableTarget(
      name: "DispatchBench",
      dependencies: [
        .product(name: "ZeroMQ", package: "Orbit"),
        .product(name: "OrbitJournal", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "ComputeBench",
      dependencies: [
        .product(name: "OrbitCompute", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "ProtocolBench",
      dependencies: [
        .product(name: "OrbitSimulation", package: "Orbit"),
        .product(name: "OrbitCoordinator", package: "Orbit"),
        .product(name: "OrbitWorker", package: "Orbit"),
        .product(name: "OrbitProtocol", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "SearchBench",
      dependencies: [
        .product(name: "OrbitSearch", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "FleetBench",
      dependencies: [
        .product(name: "OrbitWorker", package: "Orbit"),
        .product(name: "OrbitProtocol", package: "Orbit"),
        .product(name: "OrbitJournal", package: "Orbit"),
        .product(name: "OrbitSpec", package: "Orbit"),
        .product(name: "ZeroMQ", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "FitBench",
      dependencies: [
        .product(name: "OrbitAnalysis", package: "Orbit"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
