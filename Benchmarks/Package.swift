// swift-tools-version:6.1
// RigMapper's benchmarks (ordo-one/package-benchmark): a package of its own beside the main one, so the benchmark
// machinery never slows the main build or CI. Run from this folder:
//   swift package benchmark                      # every benchmark, time and allocations
//   swift package benchmark --filter validate    # some of them
//   swift package benchmark baseline update main; swift package benchmark baseline compare main   # regressions
import PackageDescription

let package = Package(
    name: "RigMapperBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "RigMapper", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RigMapperBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MetadataModel", package: "RigMapper"),
                .product(name: "AindSchemas", package: "RigMapper"),
                .product(name: "Validation", package: "RigMapper"),
                .product(name: "Composer", package: "RigMapper"),
                .product(name: "Resolver", package: "RigMapper"),
                .product(name: "Pipeline", package: "RigMapper"),
                .product(name: "MapperCatalog", package: "RigMapper"),
                .product(name: "RigMapperCore", package: "RigMapper"),
            ],
            path: "Benchmarks/RigMapperBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    ],
    swiftLanguageModes: [.v6]
)
