import Foundation
import MetadataModel

/// The reference's validators that a merge can break: connections must name devices that exist.
enum Consistency {
    static func check(_ document: JSONValue, kind: Composer.Kind, files: [String]) -> [Conflict] {
        var conflicts: [Conflict] = []
        switch kind {
        case .instrument:
            let names = Set(document.instrumentComponentNames)
            for connection in document["connections"]?.arrayValue ?? [] {
                for role in ["source_device", "target_device"] {
                    guard let device = connection[role]?.stringValue, !names.contains(device) else { continue }
                    conflicts.append(
                        Conflict(
                            kind: .danglingDevice, field: device,
                            message: "merged instrument: connection \(role.replacingUnderscores) '\(device)' is not a component", files: files))
                }
            }
        case .acquisition:
            for (i, stream) in (document["data_streams"]?.arrayValue ?? []).enumerated() {
                let active = Set((stream["active_devices"]?.arrayValue ?? []).compactMap(\.stringValue))
                for connection in stream["connections"]?.arrayValue ?? [] {
                    for role in ["source_device", "target_device"] {
                        guard let device = connection[role]?.stringValue, !active.contains(device) else { continue }
                        conflicts.append(
                            Conflict(
                                kind: .danglingDevice, field: device,
                                message: "merged acquisition: data_streams[\(i)] connection \(role.replacingUnderscores) '\(device)' is not an active device",
                                files: files))
                    }
                }
            }
        }
        return conflicts
    }
}
