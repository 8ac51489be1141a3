import Foundation
import RigMapperCore

/// Helpers shared by RigMapper's test suites and by adapter tests.

/// The diagnostics `body` throws as a ``DiagnosticError`` (empty when it succeeds).
///
/// Any other error is returned as a single diagnostic whose message starts with `unexpected error`, so a test that
/// checks messages or locations fails on it.
public func thrownDiagnostics(_ body: () throws -> Void) -> [Diagnostic] {
    do {
        try body()
        return []
    } catch let error as DiagnosticError {
        return error.diagnostics
    } catch {
        return [Diagnostic(.error, "unexpected error \(type(of: error)): \(error)")]
    }
}

/// Only the errors among ``thrownDiagnostics(_:)``.
public func thrownErrors(_ body: () throws -> Void) -> [Diagnostic] {
    thrownDiagnostics(body).filter { $0.severity == .error }
}

/// A fresh, empty temporary folder.
public func makeTemporaryFolder(_ prefix: String = "rigmap-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
