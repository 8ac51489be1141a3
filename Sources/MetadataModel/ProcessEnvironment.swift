#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One variable of the process environment.
///
/// `ProcessInfo.processInfo.environment` builds a dictionary of the whole environment on every read (0.35 M
/// instructions); a run that needs one variable reads that one.
public enum ProcessEnvironment {
    /// The value of `name`, or `nil` when it is not set.
    public static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}
