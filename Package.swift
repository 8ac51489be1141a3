// swift-tools-version:6.1
import PackageDescription

/// Rig adapters: one module each under `Sources/Mappers/<Name>Mapper`, with tests under
/// `Tests/Mappers/<Name>MapperTests`. Adding a rig = adding a name here (see README, "Adding a rig").
let mapperModules: [String] = [
    "FiberMapper",
    "BehaviorMapper",
    "EcephysMapper",
    "SpimMapper",
    // rigmap:mapper-modules (scaffolding inserts new adapters above this line)
]

let package = Package(
    name: "RigMapper",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "rigmap", targets: ["rigmap"]),
        .library(name: "MetadataModel", targets: ["MetadataModel"]),
        .library(name: "AindSchemas", targets: ["AindSchemas"]),
        .library(name: "MapperKit", targets: ["MapperKit"]),
        .library(name: "RigMapperCore", targets: ["RigMapperCore"]),
        .library(name: "Releases", targets: ["Releases"]),
        .library(name: "Validation", targets: ["Validation"]),
        .library(name: "Composer", targets: ["Composer"]),
        .library(name: "Resolver", targets: ["Resolver"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "MapperCatalog", targets: ["MapperCatalog"]),
        .library(name: "Batch", targets: ["Batch"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "Upgrade", targets: ["Upgrade"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/mxcl/Version", from: "2.2.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Worker processes for batch isolation (and, later, sbatch); FilePath for path handling without NSString.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .target(
            name: "MetadataModel",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        // The aind-data-schema releases (exported JSON Schemas, embedded at build time), DocumentKind, and the
        // schema-driven model builder.
        .target(name: "AindSchemas", dependencies: ["MetadataModel"], plugins: ["EmbedConfigs"]),
        // The adapter API: the Mapper protocol, inputs (every read recorded), diagnostics, and (re-exported) JSON
        // values, timestamps, schema releases and the model builder. An adapter imports this and Foundation only.
        .target(
            name: "MapperKit",
            dependencies: [
                "MetadataModel", "AindSchemas",
                .product(name: "Version", package: "Version"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // What runs adapters: the config system (YAML through Yams, strict decoding), the registry, version ranges,
        // documents read and written all-or-nothing. Re-exports MapperKit.
        .target(
            name: "RigMapperCore",
            dependencies: [
                "MapperKit", "MetadataModel", "AindSchemas",
                .product(name: "Version", package: "Version"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The shipped YAML configs, embedded into the binary at build time so a copied release binary
        // needs no resource bundle. A target of its own so SwiftPM tracks added and removed files.
        .target(
            name: "MapperConfigs",
            path: "MapperConfigs",
            exclude: ["README.md"],
            plugins: ["EmbedConfigs"]
        ),
        // Host tool behind the build tool plugins: embeds configs, generates the mapper catalog, checks configs.
        .executableTarget(name: "RigmapBuildTool", dependencies: ["MetadataModel", .product(name: "Yams", package: "Yams")]),
        .plugin(name: "EmbedConfigs", capability: .buildTool(), dependencies: ["RigmapBuildTool"]),
        .plugin(name: "RegisterMappers", capability: .buildTool(), dependencies: ["RigmapBuildTool"]),
        .plugin(
            name: "NewMapper",
            capability: .command(
                intent: .custom(verb: "new-mapper", description: "Scaffold a rig adapter: swift package new-mapper --name probe"),
                permissions: [.writeToPackageDirectory(reason: "Creates the adapter's module, config, tests and registers it in Package.swift")]
            )
        ),
        .target(
            name: "Resolver",
            dependencies: [
                "RigMapperCore", "MetadataModel",
                .product(name: "Version", package: "Version"),
            ]
        ),
        // Schema releases, one folder each (`Releases/AindDataSchema292`, `Releases/BiodataSchema300`), registered in
        // `SchemaReleases.registered`: model dialect, model rules, merge semantics, compatibility check, writer.
        .target(name: "Releases", dependencies: ["MetadataModel", "AindSchemas"]),
        .target(name: "Composer", dependencies: ["MetadataModel", "AindSchemas", "Releases"]),
        .target(name: "Validation", dependencies: ["MetadataModel", "AindSchemas", "Releases"]),
        // aind-data-schema 2.9.2 documents to biodata-schema 3.0.0 (`rigmap upgrade`, and map/gather with `schema:`).
        .target(name: "Upgrade", dependencies: ["MetadataModel", "AindSchemas", "MapperKit", "Validation"]),
        // Map one input, gather one session: resolve → run → validate → compose → cross-check → one atomic write.
        .target(name: "Pipeline", dependencies: ["Resolver", "RigMapperCore", "Composer", "Validation", "Releases", "Upgrade", "AindSchemas", "MetadataModel"]),
        // Many sessions: plan, shards, bounded parallel gathers, the SQLite catalog (GRDB), batch_report.json.
        .target(
            name: "Batch",
            dependencies: [
                "Pipeline", "Resolver", "RigMapperCore", "MetadataModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        // `rigmap report`: one self-contained HTML page per output folder (timeline, instrument, checks, provenance,
        // documents) and per batch (the catalog's sessions, sortable and filterable).
        .target(
            name: "Report",
            dependencies: [
                "Batch", "Pipeline", "Resolver", "AindSchemas", "RigMapperCore", "MetadataModel", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "MapperCatalog",
            dependencies: ["RigMapperCore", "MapperConfigs"] + mapperModules.map { .target(name: $0) },
            plugins: ["RegisterMappers"]
        ),
        .executableTarget(
            name: "rigmap",
            dependencies: [
                "MetadataModel", "AindSchemas", "RigMapperCore", "MapperCatalog", "Resolver", "Composer", "Pipeline", "Validation", "Releases", "Batch", "Report", "Upgrade",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support shared by the suites and by adapter tests: thrown diagnostics, temporary folders, running a
        // mapper as `rigmap map` does (the real pipeline), and the conformance suite every adapter's tests call.
        .target(name: "MapperTesting", dependencies: ["RigMapperCore", "MetadataModel", "Resolver", "Pipeline", "MapperCatalog"]),
        .testTarget(name: "MetadataModelTests", dependencies: ["MetadataModel"], resources: [.copy("Fixtures")]),
        .testTarget(name: "AindSchemasTests", dependencies: ["AindSchemas", "MetadataModel", "Validation", "MapperKit"]),
        .testTarget(
            name: "RigMapperCoreTests",
            dependencies: ["RigMapperCore", "MetadataModel", "AindSchemas", "MapperTesting", .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "ResolverTests",
            dependencies: ["Resolver", "RigMapperCore", "MetadataModel", "MapperTesting", .product(name: "Version", package: "Version")]
        ),
        .testTarget(name: "ValidationTests", dependencies: ["Validation", "MetadataModel", "AindSchemas", "MapperTesting"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ReleasesTests", dependencies: ["Releases", "Validation", "Composer", "MetadataModel", "AindSchemas", "MapperTesting"], resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "ComposerTests", dependencies: ["Composer", "MetadataModel", "AindSchemas", "MapperTesting"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Resolver", "RigMapperCore", "MetadataModel", "AindSchemas", "MapperCatalog", "MapperTesting", .product(name: "Version", package: "Version")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BatchTests",
            dependencies: ["Batch", "Pipeline", "Resolver", "RigMapperCore", "MetadataModel", "MapperCatalog", "MapperTesting"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ReportTests",
            dependencies: [
                "Report", "Batch", "Pipeline", "Resolver", "RigMapperCore", "MetadataModel", "MapperTesting", .product(name: "Version", package: "Version"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "UpgradeTests",
            dependencies: ["Upgrade", "Pipeline", "Resolver", "MapperCatalog", "Validation", "AindSchemas", "MetadataModel", "RigMapperCore", "MapperTesting"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "RigmapCLITests",
            dependencies: ["rigmap", "MapperCatalog", "MetadataModel", "RigMapperCore", "Resolver", "Validation", "Pipeline"],
            resources: [.copy("Fixtures")]
        ),
    ]
        + mapperModules.map { name in
            .target(
                name: name,
                dependencies: ["MapperKit"],
                path: "Sources/Mappers/\(name)",
                exclude: ["README.md"]
            )
        }
        + mapperModules.map { name in
            .testTarget(
                name: "\(name)Tests",
                dependencies: [
                    .target(name: name), "RigMapperCore", "MetadataModel", "AindSchemas", "MapperCatalog", "Resolver", "Pipeline", "MapperTesting",
                ],
                path: "Tests/Mappers/\(name)Tests",
                resources: [.copy("Fixtures")]
            )
        },
    swiftLanguageModes: [.v6]
)
